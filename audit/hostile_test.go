package audit_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"net/netip"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/resetaudit/resetaudit/audit"
	"github.com/resetaudit/resetaudit/remote"
	"github.com/resetaudit/resetaudit/report"
	"github.com/resetaudit/resetaudit/result"
	"github.com/resetaudit/resetaudit/simfleet"
)

// TestHostileFleet sweeps hosts that stall, drip, never close, flood and
// send hostile text, and checks that the sweep keeps its deadline, bounds
// memory, and that no report can be broken or injected into.
func TestHostileFleet(t *testing.T) {
	scen := simfleet.Hostile()
	n := 3 * len(scen)
	fleet, err := simfleet.Start(context.Background(), simfleet.Options{Hosts: n, Scenarios: scen})
	if err != nil {
		t.Fatal(err)
	}
	defer fleet.Close()
	d, err := remote.NewDialer(remote.Config{KnownHosts: fleet.KnownHosts, Identities: []string{fleet.Identity}})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()

	const timeout = 2 * time.Second
	const outputCap = 1 << 20
	start := time.Now()
	rep := audit.Run(context.Background(), fleet.Hosts, audit.Options{
		Dialer: d, Concurrency: n, Timeout: timeout, OutputCap: outputCap,
		ClientIPs: []netip.Addr{netip.MustParseAddr(simfleet.ClientIP)},
	})
	if el := time.Since(start); el > timeout+2*time.Second {
		t.Errorf("hostile sweep took %s, want within --timeout + 2s = %s", el, timeout+2*time.Second)
	}

	want := map[string][]result.Symptom{
		"tarpit":      {result.SymptomBannerTimeout},
		"stall-kex":   {result.SymptomResetDuringKex},
		"drip":        {result.SymptomCollectTimeout},
		"never-close": {result.SymptomCollectTimeout},
		"flood":       {result.SymptomOK, result.SymptomCollectFailed, result.SymptomCollectTimeout},
		"content":     {result.SymptomOK},
	}
	for i, h := range rep.Hosts {
		sc := scen[i%len(scen)]
		ok := false
		for _, s := range want[sc.Name] {
			ok = ok || h.Probe.Symptom == s
		}
		if !ok {
			t.Errorf("%s: symptom %s (%s), want one of %v", h.Name, h.Probe.Symptom, h.Probe.Detail, want[sc.Name])
		}
		if h.Probe.OutputBytes > outputCap {
			t.Errorf("%s: kept %d bytes of output, cap %d", h.Name, h.Probe.OutputBytes, outputCap)
		}
		if sc.Name == "content" {
			if !h.Collected {
				t.Errorf("content: not collected: %s", h.Probe.Detail)
			}
			if f, ok := h.Top(); !ok || (f.Cause != result.CauseTCPWrappers && f.Cause != result.CauseFirewallReject) {
				t.Errorf("content: hostile text hid the real findings: %v", causes(h))
			}
		}
	}

	var js, csvOut, html, table bytes.Buffer
	for _, w := range []struct {
		buf   *bytes.Buffer
		write func() error
	}{
		{&js, func() error { return report.WriteJSON(&js, rep) }},
		{&csvOut, func() error { return report.WriteCSV(&csvOut, rep) }},
		{&html, func() error { return report.WriteHTML(&html, rep) }},
		{&table, func() error { return report.WriteTable(&table, rep, report.TableOptions{}) }},
	} {
		if err := w.write(); err != nil {
			t.Fatal(err)
		}
	}

	if !utf8.Valid(js.Bytes()) || !json.Valid(js.Bytes()) {
		t.Error("JSON report is not valid UTF-8 JSON")
	}
	if bytes.Contains(js.Bytes(), []byte("\x1b")) || bytes.Contains(js.Bytes(), []byte("\x00")) {
		t.Error("JSON report carries a raw ESC or NUL byte")
	}
	if strings.Contains(table.String(), "\x1b") || strings.ContainsRune(table.String(), '\u202e') || strings.Contains(table.String(), "\x00") {
		t.Error("terminal table carries control sequences")
	}
	rows, err := csv.NewReader(&csvOut).ReadAll()
	if err != nil {
		t.Fatalf("CSV does not parse: %v", err)
	}
	for _, row := range rows {
		for _, cell := range row {
			if cell != "" && strings.ContainsRune("=+-@\t\r", rune(cell[0])) {
				t.Errorf("CSV cell starts with a formula character: %q", cell)
			}
		}
	}
	for _, bad := range []string{"<script>alert(1)", "<script>alert(3)", "<img src=x", "</script><img"} {
		if strings.Contains(html.String(), bad) {
			t.Errorf("HTML report contains raw %q", bad)
		}
	}
}
