package diagnose

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/resetaudit/resetaudit/facts"
	"github.com/resetaudit/resetaudit/result"
)

// slowLookup is a reverse lookup slow enough to notice at login.
const slowLookup = 2 * time.Second

// loginGraceTime is sshd -T's logingracetime (seconds), 120 when unknown.
func (d *diag) loginGraceTime() time.Duration {
	if n, err := strconv.Atoi(d.config("logingracetime")); err == nil && n >= 0 {
		return time.Duration(n) * time.Second
	}
	return 120 * time.Second
}

func (d *diag) slowDNS() {
	if !strings.EqualFold(d.config("usedns"), "yes") {
		return
	}
	grace := d.loginGraceTime()
	fd := finding(result.CauseSlowDNSLogin, result.Low, result.Risk, "UseDNS yes: every login waits for a reverse DNS lookup")
	fd.Evidence = []string{"sshd -T: usedns yes", fmt.Sprintf("sshd -T: logingracetime %d", int(grace.Seconds()))}
	if lk := d.f.Network.ReverseLookup; lk != nil {
		line := fmt.Sprintf("dns: reverse lookup of %s took %s", lk.Query, lk.Duration.Round(time.Millisecond))
		switch {
		case lk.TimedOut:
			line += " and timed out"
		case !lk.OK:
			line += " and failed"
		}
		fd.Evidence = append(fd.Evidence, line)
		switch {
		case lk.TimedOut || (grace > 0 && lk.Duration >= grace/2):
			fd.Severity, fd.Status = result.High, result.Observed
			fd.Title = "Reverse DNS lookups stall logins past LoginGraceTime"
		case lk.Duration > slowLookup:
			fd.Severity = result.Medium
			fd.Title = "Slow reverse DNS delays every login (UseDNS yes)"
		}
	}
	if len(d.f.Network.Nameservers) > 0 {
		fd.Evidence = append(fd.Evidence, "resolv.conf: nameserver "+strings.Join(d.f.Network.Nameservers, ", "))
	}
	if graces := d.events(facts.EvLoginGraceTimeout); len(graces) > 0 && fd.Severity.Rank() >= result.Medium.Rank() {
		fd.Evidence = append(fd.Evidence, eventLines(graces)...)
	}
	fd.Fix = d.sshdConfigFix("UseDNS no")
	who := "<client address>"
	if len(d.sources) > 0 {
		who = d.sources[0].addr.String()
	}
	fd.Fix = append(fd.Fix, "time getent hosts "+who+"   # fix the resolver in /etc/resolv.conf if it is slow")
	d.add(fd)
}
