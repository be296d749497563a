package firewall

import (
	"net/netip"
	"strings"
	"testing"

	"github.com/resetaudit/resetaudit/facts"
)

// filter wraps INPUT rules into an iptables-save filter table.
func filter(policy string, chains []string, rules ...string) string {
	var b strings.Builder
	b.WriteString("*filter\n:INPUT " + policy + " [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n")
	for _, c := range chains {
		b.WriteString(":" + c + " - [0:0]\n")
	}
	for _, r := range rules {
		b.WriteString(r + "\n")
	}
	b.WriteString("COMMIT\n")
	return b.String()
}

func TestIptablesMatches(t *testing.T) {
	tests := []struct {
		name    string
		dump    string
		p       Packet
		action  Action
		certain bool
	}{
		{"negated source", filter("ACCEPT", nil, "-A INPUT ! -s 10.0.0.0/8 -p tcp --dport 22 -j DROP"), newPacket("192.0.2.1", 22), Drop, true},
		{"negated source spared", filter("ACCEPT", nil, "-A INPUT ! -s 10.0.0.0/8 -p tcp --dport 22 -j DROP"), newPacket("10.0.0.1", 22), Accept, true},
		{"negated port", filter("DROP", nil, "-A INPUT -p tcp ! --dport 22 -j ACCEPT"), newPacket("192.0.2.1", 22), Drop, true},
		{"multiport negated", filter("DROP", nil, "-A INPUT -p tcp -m multiport ! --dports 80,443 -j ACCEPT"), newPacket("192.0.2.1", 22), Accept, true},
		{"dport range", filter("DROP", nil, "-A INPUT -p tcp --dport 20:25 -j ACCEPT"), newPacket("192.0.2.1", 22), Accept, true},
		{"udp rule", filter("DROP", nil, "-A INPUT -p udp --dport 22 -j ACCEPT"), newPacket("192.0.2.1", 22), Drop, true},
		{"source list", filter("ACCEPT", nil, "-A INPUT -s 192.0.2.5,192.0.2.1 -j REJECT"), newPacket("192.0.2.1", 22), Reject, true},
		{"netmask source", filter("ACCEPT", nil, "-A INPUT -s 192.0.2.0/255.255.255.0 -j DROP"), newPacket("192.0.2.1", 22), Drop, true},
		{"syn", filter("ACCEPT", nil, "-A INPUT -p tcp ! --syn -m state --state NEW -j DROP"), newPacket("192.0.2.1", 22), Accept, true},
		{"tcp-flags null scan", filter("ACCEPT", nil, "-A INPUT -p tcp --tcp-flags ALL NONE -j DROP"), newPacket("192.0.2.1", 22), Accept, true},
		{"state negation", filter("ACCEPT", nil, "-A INPUT -m conntrack ! --ctstate ESTABLISHED,RELATED -p tcp --dport 22 -j DROP"), established("192.0.2.1", 22), Accept, true},
		{"state negation new", filter("ACCEPT", nil, "-A INPUT -m conntrack ! --ctstate ESTABLISHED,RELATED -p tcp --dport 22 -j DROP"), newPacket("192.0.2.1", 22), Drop, true},
		{"old negation syntax", filter("ACCEPT", nil, "-A INPUT -s ! 10.0.0.0/8 -j DROP"), newPacket("192.0.2.1", 22), Drop, true},
		{"interface unknown", filter("DROP", nil, "-A INPUT -i eth0 -p tcp --dport 22 -j ACCEPT"), newPacket("192.0.2.1", 22), Accept, false},
		{"interface known", filter("DROP", nil, "-A INPUT -i eth0 -p tcp --dport 22 -j ACCEPT"), onIface(newPacket("192.0.2.1", 22), "eth1"), Drop, true},
		{"interface wildcard", filter("DROP", nil, "-A INPUT -i eth+ -p tcp --dport 22 -j ACCEPT"), onIface(newPacket("192.0.2.1", 22), "eth1"), Accept, true},
		{"docker interface guessed", filter("DROP", nil, "-A INPUT -i docker0 -j ACCEPT"), newPacket("192.0.2.1", 22), Drop, false},
		{"unknown ipset guessed", filter("ACCEPT", nil, "-A INPUT -p tcp --dport 22 -m set --match-set f2b-sshd src -j REJECT"), newPacket("192.0.2.1", 22), Accept, false},
		{"recent rcheck", filter("ACCEPT", nil, "-A INPUT -p tcp --dport 22 -m recent --rcheck --seconds 60 --hitcount 4 --name SSH -j DROP"), newPacket("192.0.2.1", 22), Accept, false},
		{"hashlimit above", filter("ACCEPT", nil, "-A INPUT -p tcp --dport 22 -m hashlimit --hashlimit-above 5/min --hashlimit-name ssh -j DROP"), newPacket("192.0.2.1", 22), Accept, false},
		{"limit before LOG does not matter", filter("DROP", nil, "-A INPUT -m limit --limit 5/min -j LOG", "-A INPUT -p tcp --dport 22 -j ACCEPT"), newPacket("192.0.2.1", 22), Accept, true},
		{"unknown module guessed", filter("ACCEPT", nil, "-A INPUT -m geoip --src-cc CN -j DROP"), newPacket("192.0.2.1", 22), Drop, false},
		{"goto returns to caller's caller", filter("DROP", []string{"A", "B"},
			"-A INPUT -j A", "-A INPUT -p tcp --dport 22 -j ACCEPT", "-A A -g B", "-A A -j DROP", "-A B -j RETURN"), newPacket("192.0.2.1", 22), Accept, true},
		{"jump returns to caller", filter("DROP", []string{"A", "B"},
			"-A INPUT -j A", "-A INPUT -p tcp --dport 22 -j ACCEPT", "-A A -j B", "-A A -j DROP", "-A B -j RETURN"), newPacket("192.0.2.1", 22), Drop, true},
		{"goto from INPUT ends in policy", filter("DROP", []string{"A"},
			"-A INPUT -g A", "-A INPUT -j ACCEPT"), newPacket("192.0.2.1", 22), Drop, true},
		{"jump loop", filter("ACCEPT", []string{"A", "B"}, "-A INPUT -j A", "-A A -j B", "-A B -j A"), newPacket("192.0.2.1", 22), Unknown, false},
		{"nfqueue", filter("ACCEPT", nil, "-A INPUT -j NFQUEUE --queue-num 1"), newPacket("192.0.2.1", 22), Unknown, false},
		{"counters", "*filter\n:INPUT ACCEPT [10:20]\n[1:60] -A INPUT -s 192.0.2.1/32 -j DROP\nCOMMIT\n", newPacket("192.0.2.1", 22), Drop, true},
		{"comment with quotes", filter("ACCEPT", nil, `-A INPUT -s 192.0.2.1/32 -m comment --comment "block \"bad\" -j ACCEPT" -j DROP`), newPacket("192.0.2.1", 22), Drop, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := Parse(facts.Firewall{IptablesSave: tt.dump})
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			v := r.Inbound(tt.p)
			if v.Action != tt.action || v.Certain != tt.certain {
				t.Errorf("Inbound(%+v) = %+v, want %s certain %v", tt.p, v, tt.action, tt.certain)
			}
		})
	}
}

func TestDefineIPSet(t *testing.T) {
	dump := filter("ACCEPT", nil, "-A INPUT -p tcp -m multiport --dports 22 -m set --match-set f2b-sshd src -j REJECT --reject-with icmp-port-unreachable")
	r, err := Parse(facts.Firewall{IptablesSave: dump})
	if err != nil {
		t.Fatal(err)
	}
	r.DefineIPSet("f2b-sshd", []netip.Prefix{netip.MustParsePrefix("192.0.2.1/32")})
	if v := r.Inbound(newPacket("192.0.2.1", 22)); v.Action != Reject || !v.Certain {
		t.Errorf("banned source: %+v, want a certain reject", v)
	}
	if v := r.Inbound(newPacket("192.0.2.2", 22)); v.Action != Accept || !v.Certain {
		t.Errorf("other source: %+v, want a certain accept", v)
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name    string
		fw      facts.Firewall
		errPart string
		p       Packet
		action  Action
	}{
		{"bad iptables line keeps the rest", facts.Firewall{IptablesSave: filter("ACCEPT", nil,
			"-A INPUT -s 192.0.2.1/32 -j DROP", "garbage here", `-A INPUT -m comment --comment "open`)},
			"line 6", newPacket("192.0.2.1", 22), Drop},
		{"truncated nft keeps earlier chains", facts.Firewall{NftJSON: `{"nftables": [{"chain": {"family": "inet", "table": "t", "name": "in", "type": "filter", "hook": "input", "prio": 0, "policy": "drop"}}, {"rule": {"family": "inet", "table": "t", "chain": "in", "expr": [{"acc`},
			"element 1", newPacket("192.0.2.1", 22), Drop},
		{"not json", facts.Firewall{NftJSON: "Error: syntax error"}, "not JSON", newPacket("192.0.2.1", 22), Accept},
		{"firewalld garbage", facts.Firewall{Firewalld: "running\n  services: ssh\n"}, "outside of a zone", newPacket("192.0.2.1", 22), Unknown},
		{"ufw garbage", facts.Firewall{Ufw: "Status: active\nDefault: deny (incoming)\n--\nwhat is this\n22/tcp ALLOW IN Anywhere\n"}, "line 4", newPacket("192.0.2.1", 22), Accept},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := Parse(tt.fw)
			if err == nil || !strings.Contains(err.Error(), tt.errPart) {
				t.Fatalf("Parse error = %v, want one containing %q", err, tt.errPart)
			}
			if v := r.Inbound(tt.p); v.Action != tt.action {
				t.Errorf("Inbound = %+v, want %s", v, tt.action)
			}
		})
	}
}

func TestNftHostile(t *testing.T) {
	loop := `{"nftables": [
	{"chain": {"family": "inet", "table": "t", "name": "in", "type": "filter", "hook": "input", "prio": 0, "policy": "accept"}},
	{"chain": {"family": "inet", "table": "t", "name": "a"}},
	{"rule": {"family": "inet", "table": "t", "chain": "in", "expr": [{"jump": {"target": "a"}}]}},
	{"rule": {"family": "inet", "table": "t", "chain": "a", "expr": [{"jump": {"target": "in"}}]}}]}`
	r, err := Parse(facts.Firewall{NftJSON: loop})
	if err != nil {
		t.Fatal(err)
	}
	if v := r.Inbound(newPacket("192.0.2.1", 22)); v.Action != Unknown || v.Certain {
		t.Errorf("jump loop: %+v, want an uncertain unknown", v)
	}
}

func FuzzParseIptables(f *testing.F) {
	for _, name := range []string{"iptables-ufw.txt", "iptables-nft-drop-estab.txt", "ip6tables-drop.txt", "iptables-f2b.txt"} {
		f.Add(golden(f, name))
	}
	f.Add(filter("DROP", []string{"A"}, "-A INPUT -j A", "-A A -g INPUT", `-A A -m comment --comment "x\" -j ! -s`))
	f.Fuzz(func(t *testing.T, dump string) {
		r, _ := Parse(facts.Firewall{IptablesSave: dump, Ip6tablesSave: dump})
		for _, p := range []Packet{newPacket("192.0.2.1", 22), established("2001:db8::1", 22), newPacket("127.0.0.1", 22)} {
			if v := r.Inbound(p); v.Action == "" {
				t.Errorf("empty action for %+v", p)
			}
		}
	})
}

func FuzzParseNft(f *testing.F) {
	for _, name := range []string{"nft-inet.json", "nft-vmap.json", "firewalld.json", "iptables-nft-drop-estab.json"} {
		f.Add(golden(f, name))
	}
	f.Fuzz(func(t *testing.T, dump string) {
		r, _ := Parse(facts.Firewall{NftJSON: dump, Firewalld: dump, Ufw: dump})
		for _, p := range []Packet{newPacket("192.0.2.1", 22), established("2001:db8::1", 22)} {
			if v := r.Inbound(p); v.Action == "" {
				t.Errorf("empty action for %+v", p)
			}
		}
	})
}
