package main

import (
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/resetaudit/resetaudit/audit"
	"github.com/resetaudit/resetaudit/report"
)

// progress draws one status line on a terminal: hosts done, not ok, in
// flight, and the time left at the pace so far.
type progress struct {
	mu     sync.Mutex
	w      io.Writer
	start  time.Time
	failed int
	drawn  bool
}

func newProgress(w io.Writer) *progress { return &progress{w: w, start: time.Now()} }

func (p *progress) update(e audit.Progress) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if e.Symptom != "ok" {
		p.failed++
	}
	fmt.Fprintf(p.w, "\r\x1b[K%s", p.line(e, time.Since(p.start)))
	p.drawn = true
}

func (p *progress) line(e audit.Progress, elapsed time.Duration) string {
	eta := "?"
	if e.Done > 0 {
		left := time.Duration(float64(elapsed) / float64(e.Done) * float64(e.Total-e.Done))
		eta = left.Round(time.Second).String()
	}
	return fmt.Sprintf("%d/%d hosts, %d not ok, %d in flight, ETA %s, last: %.40s",
		e.Done, e.Total, p.failed, e.InFlight, eta, report.Terminal(e.Host))
}

func (p *progress) finish() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.drawn {
		fmt.Fprint(p.w, "\r\x1b[K")
	}
}
