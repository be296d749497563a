package diagnose

import (
	"testing"

	"github.com/resetaudit/resetaudit/facts"
	"github.com/resetaudit/resetaudit/result"
)

// Dumps recorded on Debian 12 (iptables-legacy) and Rocky 9 (firewalld).
const (
	iptNoEstablished = `*filter
:INPUT DROP [0:0]
:FORWARD ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
-A INPUT -i lo -j ACCEPT
-A INPUT -p tcp -m tcp --dport 22 -m conntrack --ctstate NEW -j ACCEPT
-A INPUT -p icmp -j ACCEPT
COMMIT
`
	iptBlocksClient = `*filter
:INPUT ACCEPT [0:0]
:FORWARD ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
-A INPUT -s 198.51.100.0/24 -p tcp -m tcp --dport 22 -j REJECT --reject-with tcp-reset
COMMIT
`
	iptAllowlist = `*filter
:INPUT DROP [0:0]
:FORWARD DROP [0:0]
:OUTPUT ACCEPT [0:0]
-A INPUT -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
-A INPUT -i lo -j ACCEPT
-A INPUT -s 192.0.2.0/24 -p tcp -m tcp --dport 22 -j ACCEPT
-A INPUT -s 198.51.100.23/32 -p tcp -m tcp --dport 22 -j ACCEPT
COMMIT
`
	iptOpen = `*filter
:INPUT DROP [0:0]
:FORWARD DROP [0:0]
:OUTPUT ACCEPT [0:0]
-A INPUT -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
-A INPUT -i lo -j ACCEPT
-A INPUT -p tcp -m tcp --dport 22 -j ACCEPT
COMMIT
`
	firewalldNoSSH = `running
public (default, active)
  target: default
  icmp-block-inversion: no
  interfaces: ens3
  sources: 
  services: cockpit dhcpv6-client
  ports: 
  protocols: 
  forward: yes
  masquerade: no
  forward-ports: 
  source-ports: 
  icmp-blocks: 
  rich rules: 
`
)

func TestFirewallRules(t *testing.T) {
	runCases(t, []ruleCase{
		{
			name:  "default drop without established accept",
			setup: func(in *Input) { in.Facts.Firewall.IptablesSave = iptNoEstablished },
			want: []want{{result.CauseFirewallNoEstablished, "", result.Critical, result.Observed,
				[]string{"iptables: ", "iptables -I INPUT 1 -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT", "netfilter-persistent save"}}},
			absent: []string{result.CauseFirewallReject},
		},
		{
			name:  "rule resets a client",
			setup: func(in *Input) { in.Facts.Firewall.IptablesSave = iptBlocksClient },
			want: []want{{result.CauseFirewallReject, client.String(), result.High, result.Observed,
				[]string{"resets SSH from client 198.51.100.23", "-A INPUT -s 198.51.100.0/24", "iptables -I INPUT -p tcp -s 198.51.100.23 --dport 22 -j ACCEPT"}}},
			absent: []string{result.CauseFirewallNoEstablished},
		},
		{
			name:  "allowlist: named sources pass, others are a risk",
			setup: func(in *Input) { in.Facts.Firewall.IptablesSave = iptAllowlist },
			want: []want{{result.CauseFirewallReject, "", result.Medium, result.Risk,
				[]string{"203.0.113.1", "iptables -I INPUT -p tcp --dport 22 -j ACCEPT"}}},
		},
		{
			name:   "open firewall",
			setup:  func(in *Input) { in.Facts.Firewall.IptablesSave = iptOpen },
			absent: []string{result.CauseFirewallReject, result.CauseFirewallNoEstablished},
		},
		{
			name: "firewalld zone without ssh (Rocky 9)",
			setup: func(in *Input) {
				in.Facts.Host.OS = "Rocky Linux 9.4 (Blue Onyx)"
				in.Facts.Firewall.Firewalld = firewalldNoSSH
				in.ClientIPs = nil
				in.AuditorIPs = nil
				in.Probe.SourceAddress = ""
				in.Facts.Host.ClientAddr = ""
			},
			want: []want{{result.CauseFirewallReject, "", result.Medium, result.Risk,
				[]string{"firewalld: ", "firewall-cmd --permanent --add-service=ssh", "firewall-cmd --reload"}}},
		},
		{
			name: "firewall not checked",
			setup: func(in *Input) {
				in.Facts.Firewall.IptablesSave = iptBlocksClient
				in.Facts.Coverage[facts.AreaFirewall] = "not checked: needs root (sudo -n refused)"
			},
			absent: []string{result.CauseFirewallReject},
		},
		{
			name: "refused probe confirmed by the firewall",
			setup: func(in *Input) {
				in.Facts.Firewall.IptablesSave = `*filter
:INPUT ACCEPT [0:0]
-A INPUT -s 192.0.2.10/32 -p tcp -m tcp --dport 22 -j REJECT --reject-with icmp-port-unreachable
COMMIT
`
				in.Probe = result.Probe{Symptom: result.SymptomRefused, SourceAddress: "192.0.2.10:40000", Detail: "connect: connection refused"}
				in.Jump = "bastion-1"
			},
			want: []want{{result.CauseFirewallReject, auditor.String(), result.High, result.Observed,
				[]string{"probe: refused", "rejects SSH from the auditor's address 192.0.2.10"}}},
			absent: []string{result.CauseSshdNotRunning},
		},
		{
			name: "banner timeout explained by missing established accept",
			setup: func(in *Input) {
				in.Facts.Firewall.IptablesSave = iptNoEstablished
				in.Probe = result.Probe{Symptom: result.SymptomBannerTimeout, SourceAddress: "192.0.2.10:40000"}
			},
			want:   []want{{result.CauseFirewallNoEstablished, "", result.Critical, result.Observed, []string{"probe: banner_timeout"}}},
			absent: []string{result.CauseBannerTimeout},
		},
	})
}
