package diagnose

import (
	"fmt"
	"net/netip"
	"regexp"
	"strconv"
	"strings"

	"github.com/resetaudit/resetaudit/facts"
	"github.com/resetaudit/resetaudit/result"
)

var opensshVersion = regexp.MustCompile(`OpenSSH_(\d+)\.(\d+)`)

// opensshAtLeast reports whether the host's OpenSSH (from sshd -V or the
// banner) is at least major.minor; known is false when no version was seen.
func (d *diag) opensshAtLeast(major, minor int) (yes, known bool) {
	v := d.in.Probe.Banner
	if d.f != nil && d.f.Sshd.Version != "" {
		v = d.f.Sshd.Version
	}
	m := opensshVersion.FindStringSubmatch(v)
	if m == nil {
		return false, false
	}
	ma, _ := strconv.Atoi(m[1])
	mi, _ := strconv.Atoi(m[2])
	return ma > major || (ma == major && mi >= minor), true
}

// penaltiesOn reports whether PerSourcePenalties applies on this host.
func (d *diag) penaltiesOn() bool {
	if ok, _ := d.opensshAtLeast(9, 8); !ok {
		return false
	}
	return d.f == nil || !strings.EqualFold(d.config("persourcepenalties"), "no")
}

// penaltyExempt reports whether addr is in PerSourcePenaltyExemptList.
func (d *diag) penaltyExempt(addr netip.Addr) bool {
	for _, v := range d.f.Sshd.Config["persourcepenaltyexemptlist"] {
		for _, s := range strings.Split(v, ",") {
			if p, err := netip.ParsePrefix(s); err == nil && p.Contains(addr) {
				return true
			}
			if a, err := netip.ParseAddr(s); err == nil && a == addr {
				return true
			}
		}
	}
	return false
}

func (d *diag) penaltyFix(addr netip.Addr) []string {
	fix := []string{
		d.logsCommand() + " | grep -e srclimit_penalise -e penalty   # the penalty, its reason and length",
		"wait for the penalty to expire (it escalates up to PerSourcePenalties max, 600 s by default), or restart sshd to clear it: " + d.testThen("restart"),
	}
	if addr.IsValid() {
		fix = append(fix, d.sshdConfigFix(fmt.Sprintf("PerSourcePenaltyExemptList %s   # trusted automation, monitoring or NAT gateway only", addr))...)
	}
	return append(fix, "stop the source's failing logins (wrong keys, probes that connect without authenticating)")
}

func (d *diag) penalties() {
	evs := d.events(facts.EvPenalty)
	named := 0
	for _, s := range d.sources {
		mine := eventsFrom(evs, s.addr)
		named += len(mine)
		if len(mine) > 0 {
			fd := finding(result.CausePerSourcePenalty, result.High, result.Observed,
				fmt.Sprintf("PerSourcePenalties penalised %s", s.label()))
			fd.ClientIP = s.addr.String()
			fd.Evidence = eventLines(mine)
			fd.Fix = d.penaltyFix(s.addr)
			d.add(fd)
			continue
		}
		if !d.penaltiesOn() || d.penaltyExempt(s.addr) {
			continue
		}
		if fails := eventsFrom(d.events(facts.EvAuthFailure, facts.EvLoginGraceTimeout), s.addr); len(fails) > 0 {
			fd := finding(result.CausePerSourcePenalty, result.Medium, result.Risk,
				fmt.Sprintf("%s failed to log in %s: PerSourcePenalties will refuse it", s.Label(), plural(len(fails), "time")))
			fd.ClientIP = s.addr.String()
			fd.Evidence = append([]string{"sshd: " + d.f.Sshd.Version + " (PerSourcePenalties on)"}, eventLines(fails)...)
			fd.Fix = d.penaltyFix(s.addr)
			d.add(fd)
		}
	}
	if other := len(evs) - named; other > 0 {
		fd := finding(result.CausePerSourcePenalty, result.Low, result.Observed,
			fmt.Sprintf("PerSourcePenalties penalised other sources (%s); check none is legitimate", plural(other, "event")))
		fd.Evidence = eventLines(d.unnamed(evs))
		fd.Fix = d.penaltyFix(netip.Addr{})
		d.add(fd)
	}
}

// namedIn reports whether a client or auditor address is in p.
// unnamed keeps the events that name no client or auditor address: those
// that do have findings of their own.
func (d *diag) unnamed(evs []facts.Event) []facts.Event {
	var out []facts.Event
	for _, e := range evs {
		if p, ok := eventAddr(e); ok && d.namedIn(p) {
			continue
		}
		out = append(out, e)
	}
	return out
}

func (d *diag) namedIn(p netip.Prefix) bool {
	for _, s := range d.sources {
		if p.Contains(s.addr) {
			return true
		}
	}
	return false
}
