package diagnose

import (
	"fmt"

	"github.com/resetaudit/resetaudit/result"
)

// selfInflicted marks the blocks against the auditor's own address that an
// audit can cause: failed audit logins feed fail2ban and PerSourcePenalties,
// and many audits at once from one address trip MaxStartups. The audit must
// not become a cause of resets itself, so the finding says so and how to
// exempt the auditor.
func (d *diag) selfInflicted() {
	for i := range d.out {
		f := &d.out[i]
		if f.ClientIP == "" || !d.isAuditor(f.ClientIP) {
			continue
		}
		var fix string
		switch f.Cause {
		case result.CauseFail2banBan:
			fix = fmt.Sprintf("exempt the auditor: ignoreip = 127.0.0.1/8 ::1 %s in the [DEFAULT] section of /etc/fail2ban/jail.local, then fail2ban-client reload", f.ClientIP)
		case result.CausePerSourcePenalty:
			fix = fmt.Sprintf("exempt the auditor: PerSourcePenaltyExemptList %s in /etc/ssh/sshd_config, then sshd -t && %s", f.ClientIP, d.service("reload"))
		case result.CauseMaxStartups:
			fix = "audits from one address count against MaxStartups too: keep resetaudit's --concurrency below the hosts' MaxStartups start value when a bastion or NAT funnels them"
		default:
			continue
		}
		// First, so that the evidence cap never drops it.
		f.Evidence = append([]string{"note: " + f.ClientIP + " is the auditor's own address: earlier audits (failed logins, bursts of connections) may have caused this"}, f.Evidence...)
		f.Fix = append(f.Fix, fix)
	}
}

// isAuditor reports whether ip is one of the auditor's addresses.
func (d *diag) isAuditor(ip string) bool {
	for _, s := range d.sources {
		if s.auditor && s.addr.String() == ip {
			return true
		}
	}
	return false
}
