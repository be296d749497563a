package diagnose

import (
	"fmt"
	"net/netip"
	"strings"

	"github.com/resetaudit/resetaudit/facts"
	"github.com/resetaudit/resetaudit/result"
)

// probeEvidence is the probe's outcome as an evidence line.
func (d *diag) probeEvidence() string {
	p := d.in.Probe
	s := fmt.Sprintf("probe: %s after %d ms", p.Symptom, p.DurationMS)
	if p.SourceAddress != "" {
		s += " from " + p.SourceAddress
	}
	if d.in.Jump != "" {
		s += " via " + d.in.Jump
	}
	if p.Detail != "" {
		s += ": " + p.Detail
	}
	return s
}

// probeSource is the auditor address the probe came from, "" when unknown.
func (d *diag) probeSource() string {
	if a, err := parseAddrPort(d.in.Probe.SourceAddress); err == nil {
		return a.String()
	}
	return ""
}

// confirmAuditor marks findings of cause for the auditor's addresses as
// observed; it reports whether there were any.
func (d *diag) confirmAuditor(cause string) bool {
	found := false
	for _, s := range d.sources {
		if s.auditor && d.confirm(cause, s.addr.String()) {
			found = true
		}
	}
	return found
}

// host returns the host's address for client-side commands.
func (d *diag) host() string {
	if d.in.Address != "" && jailArg(d.in.Address) != "<jail>" {
		return d.in.Address
	}
	return "HOST"
}

// probe turns the probe's symptom into findings, confirming the findings of
// the facts that explain it when there are some.
func (d *diag) probe() {
	p := d.in.Probe
	ev := []string{d.probeEvidence()}
	add := func(id string, sev result.Severity, title string, fix ...string) {
		fd := finding(id, sev, result.Observed, title)
		fd.Evidence = ev
		fd.Fix = fix
		d.add(fd)
	}
	switch p.Symptom {
	case result.SymptomRefused:
		if d.confirm(result.CauseSshdNotRunning, "*") ||
			d.confirmAuditor(result.CauseFirewallReject) || d.confirmAuditor(result.CauseFail2banBan) {
			return
		}
		fix := []string{
			d.service("status") + "   # on the host: is sshd running?",
			fmt.Sprintf("ss -ltnp 'sport = :%d'   # does anything listen on the port?", d.port),
			"iptables -L INPUT -n -v --line-numbers | grep -e REJECT -e DROP   # a REJECT rule also reads as refused",
			"fail2ban-client status sshd   # is the auditor banned?",
		}
		if listening, _ := d.listeningKnown(); !listening {
			add(result.CauseSshdNotRunning, result.Critical,
				fmt.Sprintf("Connection refused on port %d: sshd is not listening, or a REJECT rule or fail2ban ban answers for it", d.port), fix...)
			return
		}
		fd := finding(result.CauseFirewallReject, result.High, result.Observed,
			fmt.Sprintf("Connection refused on port %d although sshd listens: something rejects the auditor", d.port))
		fd.ClientIP = d.probeSource()
		fd.Evidence, fd.Fix = ev, fix
		d.add(fd)

	case result.SymptomConnectTimeout:
		if d.confirmAuditor(result.CauseCloudSecurityGroup) || d.confirmAuditor(result.CauseCloudNetworkACL) ||
			d.confirmAuditor(result.CauseFirewallReject) {
			return
		}
		// The cloud's verdicts may name the bastion rather than the auditor.
		if d.has(result.CauseCloudSecurityGroup, "*") || d.has(result.CauseCloudNetworkACL, "*") {
			return
		}
		add(result.CauseUnreachable, result.High, fmt.Sprintf("No TCP connection to port %d could be made", d.port),
			"ping -c3 "+d.host()+" ; mtr --report "+d.host()+"   # loss or latency on the way",
			"check the cloud security group and network ACL for inbound TCP from the auditor (or run with --cloud aws)",
			"on the host's console: ip addr; ip route; "+d.service("status")+"; iptables -L INPUT -n -v",
			fmt.Sprintf("tcpdump -ni any tcp port %d   # on the host: does the SYN arrive?", d.port))

	case result.SymptomResetBeforeBanner, result.SymptomClosedBeforeBanner:
		if d.confirmAuditor(result.CauseTCPWrappers) || d.confirmAuditor(result.CausePerSourcePenalty) {
			return
		}
		if d.f != nil && d.hasObserved(result.CauseMaxStartups) {
			d.confirm(result.CauseMaxStartups, "*")
			return
		}
		d.beforeBanner(ev)

	case result.SymptomBannerTimeout:
		if d.confirm(result.CauseFirewallNoEstablished, "*") {
			return
		}
		if p.DataUnacked {
			add(result.CauseFirewallNoEstablished, result.Critical,
				"The TCP handshake completes, then every later packet is dropped: a default-drop firewall without an ESTABLISHED,RELATED accept (likely)",
				"iptables -S INPUT; nft list ruleset   # on the host's console: policy DROP, and no 'ct state established,related accept'?",
				"iptables -I INPUT 1 -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT   # then persist it (iptables-save, nft list ruleset > /etc/nftables.conf)",
				"nft insert rule inet filter input ct state established,related accept   # the nftables equivalent",
				"firewall-cmd --list-all   # firewalld: make sure the zone's target and the ssh service are right")
			return
		}
		add(result.CauseBannerTimeout, result.High, "TCP connected but sshd sent no banner in time",
			fmt.Sprintf("nc -v %s %d   # a banner 'SSH-2.0-…' should arrive at once", d.host(), d.port),
			"iptables -L INPUT -n -v | head   # default DROP without an ESTABLISHED,RELATED accept stalls here",
			"iptables -I INPUT 1 -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT   # if that is the case",
			"uptime; free -m; "+d.logsCommand()+"   # an overloaded sshd or host answers late",
			"check for a proxy, tarpit or load balancer on the port (ss -ltnp)")

	case result.SymptomResetDuringKex:
		if d.confirm(result.CauseMTUBlackhole, "*") || d.confirm(result.CauseAlgorithmMismatch, "*") {
			return
		}
		add(result.CauseMTUBlackhole, result.High, "Connection reset during key exchange (likely an MTU black hole)",
			"ip link show   # on the host: an MTU above the path's (jumbo frames, tunnels)?",
			"sysctl -w net.ipv4.tcp_mtu_probing=1 ; echo 'net.ipv4.tcp_mtu_probing = 1' > /etc/sysctl.d/90-resetaudit-tcp_mtu_probing.conf",
			"ping -M do -s 1472 "+d.host()+"   # from the client: does a full-size packet pass?",
			"ssh -vvv "+d.host()+" 2>&1 | tail   # stalls at 'expecting SSH2_MSG_KEX_ECDH_REPLY' point at MTU; 'no matching' at algorithms")

	case result.SymptomKexFailed:
		d.confirm(result.CauseAlgorithmMismatch, "*")
		add(result.CauseAlgorithmMismatch, result.High, "The server offers no key exchange, cipher, MAC or host key algorithm the client accepts",
			"the detail above lists the server's offer: enable current algorithms in /etc/ssh/sshd_config ("+recommended["KexAlgorithms"]+" ; "+recommended["Ciphers"]+" ; "+recommended["MACs"]+" ; "+recommended["HostKeyAlgorithms"]+"), then sshd -t and reload",
			"ssh -vvv "+d.host()+" 2>&1 | grep -e 'kex: ' -e 'Their offer' -e 'no matching'   # which algorithm list has nothing in common",
			"update OpenSSH on the host when it predates curve25519 and rsa-sha2 (OpenSSH < 7.2)",
			"as a stopgap for one client: ssh -o KexAlgorithms=+diffie-hellman-group14-sha1 -o HostKeyAlgorithms=+ssh-rsa "+d.host())

	case result.SymptomHostKeyChanged:
		add(result.CauseHostKeyChanged, result.Critical, "The host key differs from known_hosts: not connected",
			"verify the new key's fingerprint out of band (console: ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub)",
			"only if it is legitimately new (reinstall, rebuilt instance): ssh-keygen -R "+d.host()+" and re-run the audit",
			"otherwise treat it as a possible interception and investigate before connecting")

	case result.SymptomHostKeyUnknown:
		add(result.CauseHostKeyUnknown, result.Medium, "The host key is not in known_hosts: not audited",
			"ssh-keyscan -t ed25519,ecdsa,rsa "+d.host()+" > /tmp/key ; ssh-keygen -lf /tmp/key   # compare the fingerprints with the host's console",
			"cat /tmp/key >> ~/.ssh/known_hosts   # once verified",
			"or re-run with --accept-new-hostkeys (trust on first use; changed keys are still refused)")

	case result.SymptomAuthFailed:
		if p.AuthStalled {
			d.authStalled(ev)
			return
		}
		fix := []string{
			"give the audit user the auditor's public key in ~/.ssh/authorized_keys, or pass --identity / --user",
			d.logsCommand() + " | grep -e 'Failed' -e 'Invalid user' -e 'Authentication refused'   # why the key was refused",
		}
		title := "The auditor was refused at authentication: nothing collected"
		if on := d.penaltiesOn(); on {
			title += " (repeated failures earn a PerSourcePenalties block)"
			fix = append(fix, "fix the credentials before re-running: OpenSSH 9.8+ penalises sources whose logins fail")
		}
		add(result.CauseAuthFailed, result.Medium, title, fix...)

	case result.SymptomCollectTimeout, result.SymptomCollectFailed:
		// A stall with the host's interfaces known to be at 1500 or less is
		// not an MTU problem on the host's side.
		mtuKnownFine := d.f != nil && d.covered(facts.AreaNetwork) && !d.jumbo()
		if p.Symptom == result.SymptomCollectTimeout && !d.has(result.CauseMTUBlackhole, "*") && !mtuKnownFine {
			add(result.CauseMTUBlackhole, result.High,
				fmt.Sprintf("Login worked, then the output stalled after %d bytes: an MTU black hole is the usual cause (large packets dropped, the ICMP that would say so filtered)", p.OutputBytes),
				"ip link show   # on the host: an MTU above the path's (jumbo frames 9000/9001, tunnels)?",
				"sysctl -w net.ipv4.tcp_mtu_probing=1 ; echo 'net.ipv4.tcp_mtu_probing = 1' > /etc/sysctl.d/90-resetaudit-tcp_mtu_probing.conf",
				"ping -M do -s 1472 "+d.host()+"   # from the client: does a full-size packet pass?",
				"clamp the MSS on the tunnel or router: iptables -t mangle -A FORWARD -p tcp --tcp-flags SYN,RST SYN -j TCPMSS --clamp-mss-to-pmtu",
				"if the MTU is fine: an overloaded host or a stuck command also stalls output (uptime; "+d.logsCommand()+")")
		} else if p.Symptom == result.SymptomCollectTimeout {
			d.confirm(result.CauseMTUBlackhole, "*")
		}
		add(result.CauseCollectIncomplete, result.Medium, "The audit payload did not finish: some areas were not checked",
			"re-run with a longer --timeout, and check the coverage column for the areas that are missing",
			"a session that stalls mid-transfer is itself a symptom: check MTU (ip link; sysctl net.ipv4.tcp_mtu_probing) and the host's load")
	}
}

// listeningKnown reports whether the facts show a listener on the SSH port.
func (d *diag) listeningKnown() (listening, known bool) {
	if d.f == nil || !d.covered(facts.AreaSshd) {
		return false, false
	}
	l, _ := d.listening()
	return l, true
}

// hasObserved reports whether an observed finding of cause exists.
func (d *diag) hasObserved(cause string) bool {
	for _, f := range d.out {
		if f.Cause == cause && f.Status == result.Observed {
			return true
		}
	}
	return false
}

// beforeBanner picks the likely cause of a connection cut before the SSH
// banner when the facts do not name one.
func (d *diag) beforeBanner(ev []string) {
	p := d.in.Probe
	reset := p.Symptom == result.SymptomResetBeforeBanner
	text := strings.ToLower(p.Detail + " " + p.Banner)
	penalties := d.penaltiesOn()
	var fd result.Finding
	switch {
	case strings.Contains(text, "maxstartups"):
		fd = finding(result.CauseMaxStartups, result.High, result.Observed, "sshd refused the connection: MaxStartups exceeded")
		fd.Fix = append(d.sshdConfigFix("MaxStartups 10:30:100"), d.logsCommand()+" | grep MaxStartups")
	case reset && p.DurationMS >= 4000 || reset && !penalties:
		// libwrap answers a denied client after a reverse lookup delay.
		fd = finding(result.CauseTCPWrappers, result.High, result.Observed,
			"Connection reset before the SSH banner (likely hosts.deny; else MaxStartups or PerSourcePenalties)")
		fd.ClientIP = d.probeSource()
		who := d.probeSource()
		if who == "" {
			who = "<auditor address>"
		}
		fd.Fix = []string{
			"cat /etc/hosts.allow /etc/hosts.deny   # on the host",
			fmt.Sprintf("echo 'sshd: %s' >> /etc/hosts.allow", who),
			d.logsCommand() + " | grep -e 'refused connect' -e MaxStartups -e penalty",
		}
	case penalties:
		fd = finding(result.CausePerSourcePenalty, result.High, result.Observed,
			"Connection cut before the SSH banner (likely PerSourcePenalties; else MaxStartups or hosts.deny)")
		fd.ClientIP = d.probeSource()
		fd.Fix = append(d.penaltyFix(d.sourceAddr()), "cat /etc/hosts.allow /etc/hosts.deny")
	default:
		fd = finding(result.CauseMaxStartups, result.High, result.Observed,
			"Connection closed before the SSH banner (likely MaxStartups; else hosts.deny)")
		fd.Fix = append(d.sshdConfigFix("MaxStartups 10:30:100"),
			d.logsCommand()+" | grep -e MaxStartups -e 'refused connect'",
			"cat /etc/hosts.allow /etc/hosts.deny")
	}
	fd.Evidence = ev
	if p.Banner != "" {
		fd.Evidence = append(fd.Evidence, "banner: "+p.Banner)
	}
	d.add(fd)
}

// sourceAddr is the probe's source address as a netip.Addr, invalid when
// unknown.
func (d *diag) sourceAddr() netip.Addr {
	a, _ := parseAddrPort(d.in.Probe.SourceAddress)
	return a
}

// authStalled explains a login that the server closed after the key
// exchange without refusing it. sshd ends such a login at LoginGraceTime;
// the usual reason it takes that long is UseDNS yes with a resolver that does
// not answer, since sshd looks the client up before authenticating it.
func (d *diag) authStalled(ev []string) {
	if d.confirm(result.CauseSlowDNSLogin, "*") {
		return
	}
	fd := finding(result.CauseSlowDNSLogin, result.High, result.Observed,
		"Key exchange works, then the login hangs until the server closes it (likely UseDNS yes with an unanswering resolver; else a hung PAM or LDAP)")
	fd.Evidence = ev
	fd.Fix = []string{
		"on the host's console: sshd -T | grep -i -e usedns -e logingracetime ; cat /etc/resolv.conf",
		"getent hosts <client address>   # on the host: a reverse lookup that takes seconds is the stall",
		"set UseDNS no in /etc/ssh/sshd_config, then sshd -t && " + d.service("reload"),
		"or fix the resolver in /etc/resolv.conf so reverse lookups answer (or fail) at once",
		"ssh -vvv " + d.host() + " 2>&1 | tail   # the client sits after 'Authentications that can continue' or SSH2_MSG_SERVICE_ACCEPT",
	}
	d.add(fd)
}

// jumbo reports whether an interface other than loopback has an MTU above
// Ethernet's 1500.
func (d *diag) jumbo() bool {
	for _, i := range d.f.Network.Interfaces {
		if i.Name != "lo" && i.MTU > 1500 {
			return true
		}
	}
	return false
}
