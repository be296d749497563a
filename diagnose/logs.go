package diagnose

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"time"

	"github.com/resetaudit/resetaudit/facts"
	"github.com/resetaudit/resetaudit/result"
)

// events returns the events of the given kinds within the log window, in the
// order the host reported them.
func (d *diag) events(kinds ...facts.EventKind) []facts.Event {
	var out []facts.Event
	for _, e := range d.f.Events {
		if slices.Contains(kinds, e.Kind) && d.inWindow(e.Time) {
			out = append(out, e)
		}
	}
	return out
}

// eventLines is the evidence of events: "source: line".
func eventLines(evs []facts.Event) []string {
	out := make([]string, 0, len(evs))
	for _, e := range evs {
		src := e.Source
		if src == "" {
			src = "log"
		}
		out = append(out, src+": "+e.Line)
	}
	return out
}

// eventAddr parses the address an event names; a CIDR (penalties are kept
// per network) reads as its prefix.
func eventAddr(e facts.Event) (netip.Prefix, bool) {
	if p, err := netip.ParsePrefix(e.Addr); err == nil {
		return p.Masked(), true
	}
	if a, err := parseAddrPort(e.Addr); err == nil {
		return netip.PrefixFrom(a, a.BitLen()), true
	}
	return netip.Prefix{}, false
}

// eventsFrom returns the events that name addr.
func eventsFrom(evs []facts.Event, addr netip.Addr) []facts.Event {
	var out []facts.Event
	for _, e := range evs {
		if p, ok := eventAddr(e); ok && p.Contains(addr) {
			out = append(out, e)
		}
	}
	return out
}

// logs reports reboots within the window.
func (d *diag) logs() {
	boot := d.f.Host.BootTime
	bootInWindow := !boot.IsZero() && !d.from.IsZero() && boot.After(d.from)
	boots := d.events(facts.EvBoot)
	if !bootInWindow && len(boots) == 0 {
		return
	}
	fd := finding(result.CauseHostRebooted, result.Medium, result.Observed, "The host rebooted within the log window")
	if bootInWindow {
		fd.Evidence = append(fd.Evidence, "uptime: booted at "+boot.UTC().Format(time.RFC3339))
	}
	if unclean := d.uncleanBoots(boots); len(unclean) > 0 {
		fd.Severity = result.High
		fd.Title = "The host went down without an orderly shutdown (crash, power loss or reset)"
		for _, e := range unclean {
			fd.Evidence = append(fd.Evidence, "no shutdown logged before: "+eventLines([]facts.Event{e})[0])
		}
	} else {
		fd.Evidence = append(fd.Evidence, eventLines(d.events(facts.EvShutdown))...)
	}
	fd.Evidence = append(fd.Evidence, eventLines(boots)...)
	fd.Fix = []string{
		"journalctl --list-boots   # when the host went down and came back",
		"journalctl -b -1 -n 50   # the end of the previous boot: a shutdown, a panic or nothing (power loss)",
		"last -x reboot shutdown | head",
		"grep -i -e panic -e 'shutting down' -e 'Power key' /var/log/syslog /var/log/messages   # hosts without a persistent journal",
		"check unattended-upgrades / dnf-automatic reboot settings and cron for scheduled reboots, and the hypervisor or cloud console for host events",
	}
	d.add(fd)
}

// uncleanBoots returns the boot events not preceded by a shutdown event. A
// boot counts only when the logs reach back before it (an earlier event
// exists), since otherwise a missing shutdown line proves nothing.
func (d *diag) uncleanBoots(boots []facts.Event) []facts.Event {
	if !d.covered(facts.AreaLogs) && !d.covered(facts.AreaKernelLog) {
		return nil
	}
	var unclean []facts.Event
	for _, b := range boots {
		if b.Time.IsZero() {
			continue
		}
		var prevBoot time.Time
		earlier, shutdown := false, false
		for _, e := range d.f.Events {
			if e.Kind == facts.EvBoot && e.Time.Before(b.Time) && e.Time.After(prevBoot) {
				prevBoot = e.Time
			}
		}
		for _, e := range d.f.Events {
			if e.Time.IsZero() || !e.Time.Before(b.Time) || e.Kind == facts.EvBoot {
				continue
			}
			if e.Time.After(prevBoot) {
				earlier = true
			}
			if e.Kind == facts.EvShutdown && e.Time.After(prevBoot) {
				shutdown = true
			}
		}
		if earlier && !shutdown {
			unclean = append(unclean, b)
		}
	}
	return unclean
}

// plural formats a count with a noun.
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	if strings.HasSuffix(noun, "sh") || strings.HasSuffix(noun, "s") {
		return fmt.Sprintf("%d %ses", n, noun)
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
