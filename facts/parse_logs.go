package facts

import (
	"bytes"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

func (p *parser) logs() {
	f := p.f
	c := Classifier{Now: f.Host.Now, Boot: f.Host.BootTime, Loc: p.loc}
	// logs
	if s, ok := p.sec("logs"); ok {
		c.Source = s.Attrs["src"]
		if c.Source == "" {
			c.Source = "log"
		}
		p.classify(c, s.Data)
		st := p.status("logs")
		if bytes.Contains(s.Data, []byte("You are currently not seeing messages from other users and the system")) ||
			bytes.Contains(s.Data, []byte("No journal files were opened due to insufficient permissions")) {
			st = "not checked: needs root (journal not readable)"
		}
		f.Coverage[AreaLogs] = st
	} else {
		f.Coverage[AreaLogs] = p.status("logs")
	}
	// kernel log and reboots
	st := p.status("kernel_log")
	if s, ok := p.sec("kernel_log"); ok {
		c.Source = s.Attrs["src"]
		if c.Source == "" {
			c.Source = "kernel"
		}
		p.classify(c, s.Data)
		if bytes.Contains(s.Data, []byte("read kernel buffer failed")) {
			st = "not checked: needs root (dmesg restricted)"
		}
	}
	if s, ok := p.sec("boots"); ok && s.Note() == "" {
		p.boots(s.Text())
	}
	f.Coverage[AreaKernelLog] = st
	// Keep only the window, in time order; undated events stay.
	kept := f.Events[:0]
	for _, e := range f.Events {
		if e.Time.IsZero() || f.Since.IsZero() || !e.Time.Before(f.Since) {
			kept = append(kept, e)
		}
	}
	f.Events = kept
	sortEvents(f.Events)
}

// classify adds the events of a log section. A journal "-- Boot --" line
// takes the time of the next dated line. Only the lines that may be of
// interest are converted to strings: the kept ones then share nothing with
// the section, so the host's output is not held in memory by a few events.
func (p *parser) classify(c Classifier, data []byte) {
	// A section that is valid UTF-8 (nearly all) needs no per-line repair.
	valid := utf8.Valid(data)
	pending := -1
	rest := bytes.TrimRight(data, "\n")
	for len(rest) > 0 {
		var b []byte
		b, rest, _ = bytes.Cut(rest, []byte("\n"))
		if pending < 0 && !mayClassify(b) {
			continue
		}
		l := strings.TrimSuffix(string(b), "\r")
		if !valid {
			l = strings.ToValidUTF8(l, "?")
		}
		e, ok := c.Classify(l)
		if !ok {
			if pending >= 0 {
				if t := c.time(splitHeader(l)); !t.IsZero() {
					p.f.Events[pending].Time = t
					pending = -1
				}
			}
			continue
		}
		if pending >= 0 && !e.Time.IsZero() {
			p.f.Events[pending].Time = e.Time
			pending = -1
		}
		p.f.Events = append(p.f.Events, e)
		if e.Kind == EvBoot && e.Time.IsZero() {
			pending = len(p.f.Events) - 1
		}
	}
}

// boots reads `last -x reboot shutdown`: "reboot system boot KERNEL Mon Nov 25 10:00:00 2026 ..."
// and "shutdown system down KERNEL Mon Nov 25 09:59:00 2026 - ...".
// journalctl --list-boots adds nothing the kernel log does not already say.
func (p *parser) boots(text string) {
	b := blocks(text)
	for _, l := range lines(b["last -x"]) {
		f := strings.Fields(l)
		if len(f) < 9 || f[1] != "system" {
			continue
		}
		var kind EventKind
		switch f[0] {
		case "reboot":
			kind = EvBoot
		case "shutdown":
			kind = EvShutdown
		default:
			continue
		}
		t, err := time.ParseInLocation("Mon Jan 2 15:04:05 2006", strings.Join(f[4:9], " "), p.loc)
		if err != nil {
			continue
		}
		if !p.f.Since.IsZero() && t.Before(p.f.Since) {
			continue
		}
		if p.hasEventNear(kind, t) {
			continue
		}
		p.f.Events = append(p.f.Events, Event{Kind: kind, Time: t, Source: "wtmp", Line: strings.ToValidUTF8(l, "?")})
	}
}

// hasEventNear reports whether the logs already hold a kind event within a minute of t.
func (p *parser) hasEventNear(kind EventKind, t time.Time) bool {
	for _, e := range p.f.Events {
		if e.Kind == kind && !e.Time.IsZero() {
			d := e.Time.Sub(t)
			if d < time.Minute && d > -time.Minute {
				return true
			}
		}
	}
	return false
}

// sortEvents orders events by time, stably; undated events go first.
func sortEvents(ev []Event) {
	slices.SortStableFunc(ev, func(a, b Event) int { return a.Time.Compare(b.Time) })
}
