package main

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/resetaudit/resetaudit/audit"
)

func TestProgressLine(t *testing.T) {
	var buf bytes.Buffer
	p := newProgress(&buf)
	p.update(audit.Progress{Done: 1, Total: 4, InFlight: 2, Host: "web-1", Symptom: "refused"})
	got := p.line(audit.Progress{Done: 2, Total: 4, InFlight: 2, Host: "evil\x1b]0;x\x07", Symptom: "ok"}, 10*time.Second)
	want := "2/4 hosts, 1 not ok, 2 in flight, ETA 10s, last: evil"
	if got != want {
		t.Errorf("line = %q, want %q", got, want)
	}
	if !strings.Contains(buf.String(), "1 not ok") {
		t.Errorf("update drew %q", buf.String())
	}
	p.finish()
	if !strings.HasSuffix(buf.String(), "\r\x1b[K") {
		t.Error("finish did not clear the line")
	}
}
