package diagnose

import (
	"strings"
	"testing"
)

// runbookFixes are the diagnosis commands and fixes the seed runbooks
// (shared/seeds) name; the product must give each one somewhere, in its own
// words, for the situation it fits.
var runbookFixes = []string{
	// keepalives
	"ClientAliveInterval 60", "ClientAliveCountMax 3", "ServerAliveInterval 60", "ServerAliveCountMax 3",
	// resources
	"dmesg -T", "top", "free -m", "MaxStartups 10:30:100", "MaxSessions 10",
	// sshd crash / restart
	"systemctl status", "journalctl -u", "sshd -t", "systemctl restart", "update openssh-server",
	// protocol and algorithms
	`grep -i -e "protocol" -e "packet"`, "KexAlgorithms", "Ciphers", "MACs",
	"ssh -o KexAlgorithms=+diffie-hellman-group14-sha1", "-c aes256-ctr", "ssh -vvv",
	// reboots
	"journalctl --list-boots", "/var/log/syslog",
	// tcp wrappers and firewalls
	"/etc/hosts.allow", "/etc/hosts.deny", "'sshd: ALL' in hosts.allow",
	"iptables -L INPUT -n -v --line-numbers", "-p tcp --dport 22 -j ACCEPT",
	"iptables -I INPUT 1 -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT",
	"firewall-cmd --list-all", "firewall-cmd --permanent --add-service=ssh", "firewall-cmd --reload",
	// MTU
	"ip link", "ip link set dev", "sysctl -w net.ipv4.tcp_mtu_probing=1", "net.ipv4.tcp_mtu_probing = 1", "/etc/sysctl.d/", "ping -M do -s 1472",
	// fail2ban
	"fail2ban-client status sshd", "fail2ban-client set sshd unbanip", "/var/log/fail2ban.log",
	// cloud
	"authorize-security-group-ingress", "create-network-acl-entry",
	// DNS
	"UseDNS no",
	// reachability
	"mtr --report", "ping -c3",
}

func TestRunbookFixesCovered(t *testing.T) {
	var all strings.Builder
	for _, in := range loadInputs(t) {
		for _, f := range Host(in) {
			all.WriteString(strings.Join(f.Fix, "\n"))
			all.WriteString("\n")
		}
	}
	text := all.String()
	for _, want := range runbookFixes {
		if !strings.Contains(text, want) {
			t.Errorf("no scenario's fix mentions %q", want)
		}
	}
}
