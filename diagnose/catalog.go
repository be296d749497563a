package diagnose

import "github.com/resetaudit/resetaudit/result"

// Cause documents one cause id of the catalog.
type Cause struct {
	ID       string
	Title    string
	Why      string
	Severity result.Severity // the usual severity; a finding may differ
}

// catalog lists every cause, in the order of CONTRACT.md, which is also the
// order of how often each explains resets in practice (the runbooks' "most to
// least common"): findings of equal severity and status are sorted by it.
var catalog = []Cause{
	{result.CauseIdleTimeout, "Idle sessions are dropped by a stateful hop", "A firewall, NAT or load balancer forgets a flow after it has been idle for a while; with no keepalive traffic the next packet of the session is dropped or answered with a reset.", result.Medium},
	{result.CauseResourceExhaustion, "Memory, process or file-descriptor exhaustion", "sshd forks a process per connection and needs memory and file descriptors for it; when the kernel or limits refuse, or the OOM killer ends sshd, connections are closed or reset.", result.High},
	{result.CauseDiskFull, "A filesystem sshd needs is full", "sshd and PAM write logs, lastlog and wtmp and create files under /run and /tmp during a login; on a full filesystem those writes fail and logins abort.", result.High},
	{result.CauseSshdNotRunning, "sshd is not running or not listening", "With no process listening on the SSH port the kernel answers every connection with a reset, which the client reports as Connection refused.", result.Critical},
	{result.CauseSshdRestarts, "sshd crashed or restarted", "A restart of the listening sshd refuses new connections until it is back, and a crash can take sessions with it; repeated restarts point at a bug, a bad config or a watchdog.", result.High},
	{result.CauseSshdConfigInvalid, "sshd configuration does not pass sshd -t", "The running daemon still uses the old configuration, but the next restart, reload or reboot fails and SSH goes down.", result.High},
	{result.CauseAlgorithmMismatch, "Key exchange or protocol failures", "Client and server must agree on a key exchange, cipher, MAC and host key algorithm; with nothing in common, or with corrupted packets, the handshake is aborted.", result.High},
	{result.CauseHostRebooted, "The host rebooted within the log window", "A reboot or crash ends every process, sshd and all sessions included; clients see resets or timeouts until the host is back.", result.Medium},
	{result.CauseTCPWrappers, "TCP wrappers deny sshd to some sources", "An sshd linked with libwrap checks /etc/hosts.allow and /etc/hosts.deny after accepting the TCP connection and closes it when denied: the client sees a reset before the SSH banner.", result.High},
	{result.CauseFirewallReject, "A firewall rule blocks SSH from some sources", "A REJECT answers the SYN with a reset or ICMP error (Connection refused); a DROP, or a default-drop policy without an accept for the port, makes the connection time out.", result.High},
	{result.CauseFirewallNoEstablished, "Firewall drops established SSH traffic", "When the input chain drops by default and nothing accepts established and related packets, the SYN is accepted but the rest of the handshake is dropped: connections stall and reset.", result.Critical},
	{result.CauseFail2banBan, "fail2ban bans SSH sources", "fail2ban inserts firewall rules against addresses that failed to log in; a banned address is refused or dropped until the ban expires or is lifted.", result.High},
	{result.CauseMTUBlackhole, "MTU black hole", "When the host sends packets larger than a hop on the path can carry and the ICMP 'fragmentation needed' replies are lost, large packets such as the key exchange reply vanish: the connection hangs, then resets.", result.Medium},
	{result.CauseMaxStartups, "MaxStartups throttles new connections", "sshd drops new unauthenticated connections, randomly and then all of them, once more than MaxStartups are in progress: clients see resets before or right after the banner.", result.High},
	{result.CausePerSourcePenalty, "PerSourcePenalties refuses some sources", "OpenSSH 9.8 and later penalise a source address that failed authentication, timed out or crashed a session; while the penalty lasts every connection from it is closed before the banner.", result.High},
	{result.CauseSlowDNSLogin, "Slow reverse DNS stalls logins", "With UseDNS yes sshd resolves every client's address before authentication; a slow or unreachable resolver spends the LoginGraceTime and the connection is closed.", result.Medium},
	{result.CauseCloudSecurityGroup, "Security group does not allow SSH from a source", "A cloud security group drops everything not allowed by a rule, so the SYN never reaches the instance and the client times out.", result.High},
	{result.CauseCloudNetworkACL, "Network ACL blocks SSH or its return traffic", "Network ACLs are stateless: they must allow the SSH port inbound and the client's ephemeral ports outbound, or connections time out.", result.High},
	{result.CauseHostKeyChanged, "Host key changed", "The key presented differs from the one recorded in known_hosts; it may be a reinstalled host or an interception, so the audit did not connect.", result.Critical},
	{result.CauseAuthFailed, "The auditor could not log in", "The host refused every key the auditor offered, so nothing could be collected; on OpenSSH 9.8+ repeated failures also earn the auditor's address a penalty.", result.Medium},
	{result.CauseUnreachable, "No TCP connection could be made", "The SYN got no answer: the host is down, the address is wrong, or a firewall, security group or route drops the traffic.", result.High},
	{result.CauseBannerTimeout, "TCP connects but no SSH banner arrives", "Something accepted the TCP connection but sshd never sent its version line: an overloaded sshd, a tarpit, a proxy or a firewall dropping the rest of the handshake.", result.High},
	{result.CauseHostKeyUnknown, "Host key not in known_hosts", "The host's key is not recorded, so it cannot be verified and the audit did not log in.", result.Medium},
	{result.CauseCollectIncomplete, "The audit payload did not finish", "The session was set up but collecting facts failed or timed out, so some areas were not checked; a stall in the middle of a session can itself be a reset symptom.", result.Medium},
}

// Catalog returns every cause the rules can report.
func Catalog() []Cause {
	return append([]Cause(nil), catalog...)
}

// catalogIndex is id's position in the catalog.
func catalogIndex(id string) int {
	for i, c := range catalog {
		if c.ID == id {
			return i
		}
	}
	return len(catalog)
}

// cause returns the catalog entry of id; the rules use only catalog ids.
func cause(id string) Cause {
	for _, c := range catalog {
		if c.ID == id {
			return c
		}
	}
	panic("diagnose: cause " + id + " not in catalog")
}

// finding starts a finding of cause id with the catalog's why.
func finding(id string, sev result.Severity, st result.Status, title string) result.Finding {
	return result.Finding{Cause: id, Severity: sev, Status: st, Title: title, Why: cause(id).Why}
}
