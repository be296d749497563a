package diagnose

import (
	"fmt"
	"net/netip"
	"strings"

	"github.com/resetaudit/resetaudit/facts"
	"github.com/resetaudit/resetaudit/result"
)

// manyBans is the ban count worth a look even when no named source is banned.
const manyBans = 20

// sshJail reports whether a jail protects SSH, or bans on every port.
func sshJail(name string) bool {
	n := strings.ToLower(name)
	return strings.Contains(n, "ssh") || n == "recidive"
}

func (d *diag) fail2ban() {
	fb := d.f.Fail2ban
	if !fb.Running || !d.covered(facts.AreaFail2ban) {
		return
	}
	for _, j := range fb.Jails {
		for _, s := range d.sources {
			entry, ok := bannedIn(j.Banned, s.addr)
			if !ok {
				continue
			}
			fd := finding(result.CauseFail2banBan, result.High, result.Observed,
				fmt.Sprintf("fail2ban jail %s bans %s", j.Name, s.label()))
			if !sshJail(j.Name) {
				fd.Severity, fd.Status = result.Medium, result.Risk
				fd.Title += " (blocks SSH if the jail's action covers all ports)"
			}
			fd.ClientIP = s.addr.String()
			fd.Evidence = []string{fmt.Sprintf("fail2ban: jail %s bans %s", j.Name, entry)}
			unban := s.addr.String()
			if entry != unban {
				unban = entry // a CIDR ban is lifted by its own entry
			}
			fd.Fix = []string{
				fmt.Sprintf("fail2ban-client set %s unbanip %s", jailArg(j.Name), unban),
				fmt.Sprintf("fail2ban-client status %s", jailArg(j.Name)),
				fmt.Sprintf("to keep it from being banned again: ignoreip = 127.0.0.1/8 ::1 %s in the [DEFAULT] section of /etc/fail2ban/jail.local, then fail2ban-client reload", s.addr),
				"grep " + s.addr.String() + " /var/log/fail2ban.log   # when and why it was banned",
			}
			d.add(fd)
		}
		n := max(j.CurrentlyBanned, len(j.Banned))
		if n >= manyBans && sshJail(j.Name) {
			fd := finding(result.CauseFail2banBan, result.Low, result.Observed,
				fmt.Sprintf("fail2ban jail %s bans %d addresses; check none is legitimate", j.Name, n))
			fd.Evidence = []string{fmt.Sprintf("fail2ban: jail %s: %d currently banned, %d in total, %d currently failing", j.Name, j.CurrentlyBanned, j.TotalBanned, j.CurrentlyFailed)}
			for _, b := range j.Banned {
				fd.Evidence = append(fd.Evidence, fmt.Sprintf("fail2ban: jail %s bans %s", j.Name, b))
			}
			fd.Fix = []string{
				fmt.Sprintf("fail2ban-client status %s   # the banned list", jailArg(j.Name)),
				fmt.Sprintf("fail2ban-client set %s unbanip <address>   # for any legitimate address", jailArg(j.Name)),
				"add offices, VPN egress and monitoring to ignoreip in /etc/fail2ban/jail.local",
			}
			d.add(fd)
		}
	}
}

// bannedIn returns the ban entry (address or CIDR) that covers addr.
func bannedIn(banned []string, addr netip.Addr) (string, bool) {
	for _, b := range banned {
		b = strings.TrimSpace(b)
		if p, err := netip.ParsePrefix(b); err == nil {
			if p.Masked().Contains(addr) {
				return p.String(), true
			}
			continue
		}
		if a, err := netip.ParseAddr(b); err == nil && a.Unmap() == addr {
			return a.Unmap().String(), true
		}
	}
	return "", false
}

// jailArg returns the jail name for a command line, or a placeholder when
// the host's name is not a plain word (it is host data).
func jailArg(name string) string {
	for _, r := range name {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.') {
			return "<jail>"
		}
	}
	if name == "" {
		return "<jail>"
	}
	return name
}
