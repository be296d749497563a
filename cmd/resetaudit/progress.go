package main

import (
	"fmt"
	"io"
	"sync"

	"github.com/resetaudit/resetaudit/audit"
	"github.com/resetaudit/resetaudit/report"
)

// progress draws one status line on a terminal.
type progress struct {
	mu     sync.Mutex
	w      io.Writer
	failed int
	drawn  bool
}

func newProgress(w io.Writer) *progress { return &progress{w: w} }

func (p *progress) update(e audit.Progress) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if e.Symptom != "ok" {
		p.failed++
	}
	fmt.Fprintf(p.w, "\r\x1b[K%d/%d hosts, %d not ok, last: %s", e.Done, e.Total, p.failed, report.Terminal(e.Host))
	p.drawn = true
}

func (p *progress) finish() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.drawn {
		fmt.Fprint(p.w, "\r\x1b[K")
	}
}
