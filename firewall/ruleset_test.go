package firewall

import (
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/resetaudit/resetaudit/facts"
)

func golden(t testing.TB, name string) string {
	t.Helper()
	if name == "" {
		return ""
	}
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// dumps names the golden files of one host's firewall.
type dumps struct {
	ipt, ip6t, mode, nft, firewalld, ufw string
}

func (d dumps) facts(t *testing.T) facts.Firewall {
	return facts.Firewall{
		IptablesSave:  golden(t, d.ipt),
		Ip6tablesSave: golden(t, d.ip6t),
		IptablesMode:  d.mode,
		NftJSON:       golden(t, d.nft),
		Firewalld:     golden(t, d.firewalld),
		Ufw:           golden(t, d.ufw),
	}
}

func newPacket(src string, port int) Packet {
	return Packet{Src: netip.MustParseAddr(src), DPort: port}
}

func established(src string, port int) Packet {
	p := newPacket(src, port)
	p.Established = true
	return p
}

func onIface(p Packet, iface string) Packet {
	p.InIface = iface
	return p
}

type inboundCase struct {
	name    string
	p       Packet
	action  Action
	backend string
	rule    string // substring of Verdict.Rule; "-" means Rule must be empty
	reset   bool
	certain bool
}

func TestInbound(t *testing.T) {
	tests := []struct {
		name     string
		dumps    dumps
		backends []string
		cases    []inboundCase
	}{
		{
			name:     "legacy default drop without established accept",
			dumps:    dumps{ipt: "iptables-legacy-drop-noestab.txt", mode: "legacy"},
			backends: []string{"iptables"},
			cases: []inboundCase{
				{"new ssh", newPacket("198.51.100.7", 22), Accept, "iptables", "--dport 22 -m conntrack --ctstate NEW -j ACCEPT", false, true},
				{"established dropped", established("198.51.100.7", 22), Drop, "iptables", "policy DROP of chain INPUT", false, true},
				{"other port", newPacket("198.51.100.7", 2222), Drop, "iptables", "policy DROP", false, true},
				{"loopback", established("127.0.0.1", 22), Accept, "iptables", "-i lo -j ACCEPT", false, true},
				{"ipv6 not filtered by iptables", newPacket("2001:db8::1", 22), Accept, "", "-", false, true},
			},
		},
		{
			name:     "iptables-nft with established accept and reset",
			dumps:    dumps{ipt: "iptables-nft-drop-estab.txt", mode: "nf_tables", nft: "iptables-nft-drop-estab.json"},
			backends: []string{"iptables", "nftables"},
			cases: []inboundCase{
				{"established accepted", established("10.0.0.5", 22), Accept, "iptables", "RELATED,ESTABLISHED -j ACCEPT", false, true},
				{"reset for one source", newPacket("10.0.0.5", 22), Reject, "iptables", "-s 10.0.0.5/32 -p tcp -m tcp --dport 22 -j REJECT --reject-with tcp-reset", true, true},
				{"user chain accepts after LOG", newPacket("10.0.0.6", 22), Accept, "iptables", "-A ssh-in -j ACCEPT", false, true},
				{"RETURN from user chain falls to policy", newPacket("192.0.2.9", 22), Drop, "iptables", "policy DROP of chain INPUT", false, true},
				{"negated source drops", newPacket("198.51.100.1", 2222), Drop, "iptables", "! -s 10.0.0.0/8", false, true},
				{"negation not taken", newPacket("10.9.9.9", 2222), Accept, "iptables", "-A ssh-in -j ACCEPT", false, true},
				{"multiport range", newPacket("10.9.9.9", 8050), Accept, "iptables", "-A ssh-in -j ACCEPT", false, true},
				{"negated ctstate", newPacket("203.0.113.1", 443), Accept, "iptables", "! --ctstate INVALID", false, true},
			},
		},
		{
			name:     "iptables-nft tables seen only through nft are uncertain",
			dumps:    dumps{nft: "iptables-nft-drop-estab.json"},
			backends: []string{"nftables"},
			cases: []inboundCase{
				{"xt match guessed", newPacket("10.0.0.5", 22), Accept, "nftables", "xt match", false, false},
			},
		},
		{
			name:     "fail2ban bans",
			dumps:    dumps{ipt: "iptables-f2b.txt"},
			backends: []string{"iptables"},
			cases: []inboundCase{
				{"banned", newPacket("1.2.3.4", 22), Reject, "iptables", "-A f2b-sshd -s 1.2.3.4/32 -j REJECT --reject-with icmp-port-unreachable", false, true},
				{"banned established", established("203.0.113.77", 22), Reject, "iptables", "203.0.113.77/32", false, true},
				{"not banned", newPacket("5.6.7.8", 22), Accept, "iptables", "policy ACCEPT", false, true},
				{"banned but other port", newPacket("1.2.3.4", 80), Accept, "iptables", "policy ACCEPT", false, true},
			},
		},
		{
			name:     "ufw generated chains",
			dumps:    dumps{ipt: "iptables-ufw.txt", ufw: "ufw-status-verbose.txt"},
			backends: []string{"iptables", "ufw"},
			cases: []inboundCase{
				{"limit rule accepts, uncertainly", newPacket("198.51.100.7", 22), Accept, "iptables", "-A ufw-user-limit-accept -j ACCEPT", false, false},
				{"denied source", newPacket("10.0.0.5", 22), Drop, "iptables", "-A ufw-user-input -s 10.0.0.5/32 -j DROP", false, true},
				{"established", established("10.0.0.5", 22), Accept, "iptables", "ufw-before-input -m conntrack --ctstate RELATED,ESTABLISHED", false, true},
				{"closed port", newPacket("198.51.100.7", 3306), Drop, "iptables", "policy DROP", false, true},
			},
		},
		{
			name:     "docker chains leave input open",
			dumps:    dumps{ipt: "iptables-docker.txt"},
			backends: []string{"iptables"},
			cases: []inboundCase{
				{"ssh", newPacket("203.0.113.1", 22), Accept, "iptables", "policy ACCEPT", false, true},
			},
		},
		{
			name:     "ip6tables",
			dumps:    dumps{ipt: "iptables-legacy-drop-noestab.txt", ip6t: "ip6tables-drop.txt"},
			backends: []string{"iptables", "ip6tables"},
			cases: []inboundCase{
				{"reset", newPacket("2001:db8:1::bad", 22), Reject, "ip6tables", "2001:db8:1::bad/128", true, true},
				{"allowed prefix", newPacket("2001:db8:1::5", 22), Accept, "ip6tables", "2001:db8:1::/48", false, true},
				{"other prefix", newPacket("2001:db8:2::1", 22), Drop, "ip6tables", "policy DROP", false, true},
				{"established", established("2001:db8:2::1", 22), Accept, "ip6tables", "RELATED,ESTABLISHED", false, true},
				{"v4 uses iptables", established("10.0.0.1", 22), Drop, "iptables", "policy DROP", false, true},
				{"v4-mapped uses iptables", established("::ffff:10.0.0.1", 22), Drop, "iptables", "policy DROP", false, true},
			},
		},
		{
			name:     "nft inet table with sets and a second input chain",
			dumps:    dumps{nft: "nft-inet.json"},
			backends: []string{"nftables"},
			cases: []inboundCase{
				{"named set element", newPacket("10.0.0.5", 22), Reject, "nftables", "ip saddr @blocklist tcp dport 22 reject with tcp reset", true, true},
				{"named set prefix", newPacket("192.0.2.44", 22), Reject, "nftables", "@blocklist", true, true},
				{"prefix drop", newPacket("198.51.100.3", 22), Drop, "nftables", "table inet filter chain input: ip saddr 198.51.100.0/24 counter drop", false, true},
				{"second base chain drops", newPacket("203.0.113.9", 22), Drop, "nftables", "table ip extra chain input", false, true},
				{"accepted by both", newPacket("203.0.113.10", 22), Accept, "nftables", "tcp dport { 22, 2222 } ct state new", false, true},
				{"ipv6 named set", newPacket("2001:db8::1", 22), Accept, "nftables", "@admin6", false, true},
				{"ipv6 ignores ip saddr rules", newPacket("2001:db8::9", 2222), Accept, "nftables", "{ 22, 2222 }", false, true},
				{"ipv6 policy", newPacket("2001:db8::2", 443), Drop, "nftables", "policy drop of chain input (table inet filter)", false, true},
				{"negated prefix", newPacket("192.168.1.1", 2222), Drop, "nftables", "ip saddr != 10.0.0.0/8", false, true},
				{"jump and return", newPacket("172.16.0.5", 22), Accept, "nftables", "{ 22, 2222 }", false, true},
				{"jump and accept", newPacket("172.16.0.5", 9999), Accept, "nftables", "chain trusted: accept", false, true},
				{"port range", newPacket("10.1.1.1", 8050), Accept, "nftables", "8000-8100", false, true},
				{"established", established("10.0.0.5", 22), Accept, "nftables", "ct state { established, related } accept", false, true},
				{"loopback", newPacket("::1", 9), Accept, "nftables", `iifname lo accept`, false, true},
			},
		},
		{
			name:     "nft without established accept",
			dumps:    dumps{nft: "nft-noestab.json"},
			backends: []string{"nftables"},
			cases: []inboundCase{
				{"new", newPacket("198.51.100.7", 22), Accept, "nftables", "tcp dport 22 ct state new accept", false, true},
				{"established dropped", established("198.51.100.7", 22), Drop, "nftables", "policy drop of chain input", false, true},
			},
		},
		{
			name:     "nft verdict maps",
			dumps:    dumps{nft: "nft-vmap.json"},
			backends: []string{"nftables"},
			cases: []inboundCase{
				{"established", established("10.0.0.5", 22), Accept, "nftables", "ct state vmap", false, true},
				{"reject via vmap jump", newPacket("10.0.0.5", 22), Reject, "nftables", "chain ssh: ip saddr 10.0.0.5 reject", false, true},
				{"ipv6 drop", newPacket("2001:db8::5", 22), Drop, "nftables", "2001:db8::/32", false, true},
				{"accepted in ssh chain", newPacket("10.0.0.6", 22), Accept, "nftables", "chain ssh: accept", false, true},
				{"vmap accept", newPacket("10.0.0.6", 80), Accept, "nftables", "80 : accept", false, true},
				{"vmap miss", newPacket("10.0.0.6", 443), Drop, "nftables", "policy drop", false, true},
			},
		},
		{
			name:     "firewalld nft tables",
			dumps:    dumps{nft: "firewalld.json", firewalld: "firewalld-rhel9.txt"},
			backends: []string{"nftables", "firewalld"},
			cases: []inboundCase{
				{"deny rich rule", onIface(newPacket("10.0.0.5", 22), "eth0"), Reject, "nftables", "ip saddr 10.0.0.5 reject with icmp admin-prohibited", false, true},
				{"ssh allowed", onIface(newPacket("10.0.0.6", 22), "eth0"), Accept, "nftables", "tcp dport 22 ct state { new, untracked } accept", false, true},
				{"unknown interface", newPacket("10.0.0.6", 22), Accept, "nftables", "tcp dport 22", false, false},
				{"zone reject", onIface(newPacket("10.0.0.6", 3306), "eth0"), Reject, "nftables", "reject with icmpx admin-prohibited", false, true},
				{"established", established("10.0.0.6", 3306), Accept, "nftables", "established", false, true},
			},
		},
		{
			name:     "firewalld text only",
			dumps:    dumps{firewalld: "firewalld-rhel9.txt"},
			backends: []string{"firewalld"},
			cases: []inboundCase{
				{"rich reject with reset", newPacket("10.0.0.5", 22), Reject, "firewalld", `source address="10.0.0.5" reject type="tcp-reset"`, true, true},
				{"rich drop", newPacket("192.0.2.7", 22), Drop, "firewalld", `192.0.2.0/24`, false, true},
				{"service", newPacket("203.0.113.1", 22), Accept, "firewalld", "zone public: service ssh", false, true},
				{"limited accept", newPacket("198.51.100.9", 22), Accept, "firewalld", "198.51.100.0/24", false, false},
				{"port range", newPacket("203.0.113.1", 8050), Accept, "firewalld", "zone public: port 8000-8100/tcp", false, true},
				{"target", newPacket("203.0.113.1", 3306), Reject, "firewalld", "zone public: target default", false, true},
				{"source zone", newPacket("172.16.5.5", 3306), Accept, "firewalld", "zone trusted: target ACCEPT", false, true},
				{"NOT address", newPacket("2001:db9::1", 22), Reject, "firewalld", `NOT address="2001:db8::/32"`, false, true},
				{"ipv6 service", newPacket("2001:db8::1", 22), Accept, "firewalld", "service ssh", false, true},
				{"established", established("10.0.0.5", 22), Accept, "firewalld", "established", false, true},
			},
		},
		{
			name:     "firewalld without ssh",
			dumps:    dumps{firewalld: "firewalld-nossh.txt"},
			backends: []string{"firewalld"},
			cases: []inboundCase{
				{"drop target", newPacket("203.0.113.1", 22), Drop, "firewalld", "zone public: target DROP", false, true},
				{"port", newPacket("203.0.113.1", 2222), Accept, "firewalld", "port 2222/tcp", false, true},
			},
		},
		{
			name:     "ufw status only",
			dumps:    dumps{ufw: "ufw-status-verbose.txt"},
			backends: []string{"ufw"},
			cases: []inboundCase{
				{"deny from", newPacket("10.0.0.5", 22), Drop, "ufw", "DENY IN     10.0.0.5", false, true},
				{"reject", newPacket("192.0.2.3", 22), Reject, "ufw", "192.0.2.0/24", false, true},
				{"limit", newPacket("203.0.113.1", 22), Accept, "ufw", "LIMIT IN", false, false},
				{"default deny", newPacket("203.0.113.1", 3306), Drop, "ufw", "default deny (incoming)", false, true},
				{"ipv6 allow", newPacket("2001:db8::7", 22), Accept, "ufw", "22/tcp (v6)", false, true},
				{"ipv6 default", newPacket("2001:db9::7", 22), Drop, "ufw", "default deny", false, true},
				{"interface unknown", newPacket("172.16.1.1", 3306), Accept, "ufw", "on eth1", false, false},
				{"interface known", onIface(newPacket("172.16.1.1", 3306), "eth0"), Drop, "ufw", "default deny", false, true},
				{"established", established("10.0.0.5", 22), Accept, "ufw", "established", false, true},
			},
		},
		{
			name:     "ufw application profile",
			dumps:    dumps{ufw: "ufw-status-openssh.txt"},
			backends: []string{"ufw"},
			cases: []inboundCase{
				{"OpenSSH", newPacket("203.0.113.1", 22), Accept, "ufw", "OpenSSH", false, true},
				{"OpenSSH v6", newPacket("2001:db8::1", 22), Accept, "ufw", "OpenSSH (v6)", false, true},
				{"default reject", newPacket("203.0.113.1", 2222), Reject, "ufw", "default reject", false, true},
			},
		},
		{
			name:     "ufw inactive",
			dumps:    dumps{ufw: "ufw-status-inactive.txt"},
			backends: []string{"ufw"},
			cases: []inboundCase{
				{"nothing filters", newPacket("203.0.113.1", 22), Accept, "", "-", false, true},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := Parse(tt.dumps.facts(t))
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if got := r.Backends(); !slices.Equal(got, tt.backends) {
				t.Errorf("Backends() = %q, want %q", got, tt.backends)
			}
			for _, c := range tt.cases {
				t.Run(c.name, func(t *testing.T) {
					v := r.Inbound(c.p)
					if v.Action != c.action || v.Backend != c.backend || v.Reset != c.reset || v.Certain != c.certain {
						t.Errorf("Inbound(%+v) = %+v, want action %s backend %q reset %v certain %v",
							c.p, v, c.action, c.backend, c.reset, c.certain)
					}
					if c.rule == "-" {
						if v.Rule != "" {
							t.Errorf("Rule = %q, want empty", v.Rule)
						}
					} else if !strings.Contains(v.Rule, c.rule) {
						t.Errorf("Rule = %q, want it to contain %q", v.Rule, c.rule)
					}
				})
			}
		})
	}
}

func TestEmpty(t *testing.T) {
	tests := []struct {
		name  string
		fw    facts.Firewall
		empty bool
	}{
		{"no dumps", facts.Firewall{}, true},
		{"accept policies only", facts.Firewall{IptablesSave: "*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\nCOMMIT\n"}, true},
		{"nat table only", facts.Firewall{IptablesSave: "*nat\n:PREROUTING ACCEPT [0:0]\n-A PREROUTING -p tcp --dport 80 -j DNAT --to-destination 10.0.0.1\nCOMMIT\n"}, true},
		{"empty nft ruleset", facts.Firewall{NftJSON: `{"nftables": [{"metainfo": {"version": "1.0.6", "json_schema_version": 1}}]}`}, true},
		{"ufw inactive", facts.Firewall{Ufw: "Status: inactive\n"}, true},
		{"firewalld not running", facts.Firewall{Firewalld: "not running\n"}, true},
		{"docker rules", facts.Firewall{IptablesSave: golden(t, "iptables-docker.txt")}, false},
		{"drop policy", facts.Firewall{IptablesSave: "*filter\n:INPUT DROP [0:0]\nCOMMIT\n"}, false},
		{"nft rules", facts.Firewall{NftJSON: golden(t, "nft-noestab.json")}, false},
		{"firewalld", facts.Firewall{Firewalld: golden(t, "firewalld-nossh.txt")}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := Parse(tt.fw)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if got := r.Empty(); got != tt.empty {
				t.Errorf("Empty() = %v, want %v", got, tt.empty)
			}
			if tt.empty {
				v := r.Inbound(newPacket("203.0.113.1", 22))
				if v.Action != Accept || !v.Certain {
					t.Errorf("Inbound on an empty ruleset = %+v, want a certain accept", v)
				}
			}
		})
	}
}
