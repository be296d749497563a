package tcpwrap

import (
	"net/netip"
	"os"
	"path/filepath"
	"testing"
)

func golden(t *testing.T, name string) string {
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

func TestCheckGolden(t *testing.T) {
	tests := []struct {
		name        string
		allow, deny string
		daemon      string
		client      string
		clientName  string
		want        Decision
	}{
		{"debian defaults", "debian-default.allow", "debian-default.deny", "sshd", "203.0.113.1", "",
			Decision{Allowed: true, Certain: true}},
		{"netmask", "lockdown.allow", "lockdown.deny", "sshd", "10.0.4.17", "",
			Decision{Allowed: true, File: AllowFile, Line: 2, Rule: "sshd: 10.0.0.0/255.255.0.0, 192.168.1.        [2001:db8::]/32 EXCEPT 10.0.99.0/24", Certain: true}},
		{"except", "lockdown.allow", "lockdown.deny", "sshd", "10.0.99.5", "",
			Decision{Allowed: false, File: DenyFile, Line: 3, Rule: "sshd : ALL", Certain: false}},
		{"except with name known", "lockdown.allow", "lockdown.deny", "sshd", "10.0.99.5", "host.elsewhere.net",
			Decision{Allowed: false, File: DenyFile, Line: 3, Rule: "sshd : ALL", Certain: true}},
		{"address prefix", "lockdown.allow", "lockdown.deny", "sshd", "192.168.1.20", "",
			Decision{Allowed: true, File: AllowFile, Line: 2, Rule: "sshd: 10.0.0.0/255.255.0.0, 192.168.1.        [2001:db8::]/32 EXCEPT 10.0.99.0/24", Certain: true}},
		{"ipv6 net continued line", "lockdown.allow", "lockdown.deny", "sshd", "2001:db8::42", "",
			Decision{Allowed: true, File: AllowFile, Line: 2, Rule: "sshd: 10.0.0.0/255.255.0.0, 192.168.1.        [2001:db8::]/32 EXCEPT 10.0.99.0/24", Certain: true}},
		{"domain suffix", "lockdown.allow", "lockdown.deny", "sshd", "203.0.113.50", "ws1.corp.example.com",
			Decision{Allowed: true, File: AllowFile, Line: 4, Rule: "sshd: .corp.example.com EXCEPT bastion-old.corp.example.com", Certain: true}},
		{"domain suffix except", "lockdown.allow", "lockdown.deny", "sshd", "203.0.113.51", "bastion-old.corp.example.com",
			Decision{Allowed: false, File: DenyFile, Line: 3, Rule: "sshd : ALL", Certain: true}},
		{"spawn option ignored", "lockdown.allow", "lockdown.deny", "sshd", "172.20.1.1", "",
			Decision{Allowed: true, File: AllowFile, Line: 5, Rule: "sshd: 172.16.0.0/12 : spawn /bin/echo %a >> /var/log/ssh-allow.log : severity auth.info", Certain: false}},
		{"DENY option in hosts.allow", "lockdown.allow", "lockdown.deny", "sshd", "198.51.100.7", "x.example.org",
			Decision{Allowed: false, File: AllowFile, Line: 6, Rule: "sshd: 198.51.100.7 : DENY", Certain: true}},
		{"ALLOW option in hosts.deny", "lockdown.allow", "lockdown.deny", "sshd", "203.0.113.66", "x.example.org",
			Decision{Allowed: true, File: DenyFile, Line: 2, Rule: "ALL EXCEPT in.fingerd: 203.0.113.66 : ALLOW", Certain: true}},
		{"other daemon", "lockdown.allow", "lockdown.deny", "in.tftpd", "203.0.113.1", "",
			Decision{Allowed: true, File: AllowFile, Line: 7, Rule: "in.tftpd: ALL", Certain: true}},
		{"denied address", "", "sshd-deny-one.deny", "sshd", "203.0.113.10", "",
			Decision{Allowed: false, File: DenyFile, Line: 3, Rule: "sshd: 203.0.113.10", Certain: true}},
		{"paranoid uncertain", "", "sshd-deny-one.deny", "sshd", "203.0.113.11", "",
			Decision{Allowed: true, Certain: false}},
		{"v4-mapped client", "", "sshd-deny-one.deny", "sshd", "::ffff:203.0.113.9", "",
			Decision{Allowed: false, File: DenyFile, Line: 2, Rule: "sshd: 203.0.113.9", Certain: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Check(golden(t, tt.allow), golden(t, tt.deny), tt.daemon, netip.MustParseAddr(tt.client), tt.clientName)
			if got != tt.want {
				t.Errorf("Check() = %+v\nwant      %+v", got, tt.want)
			}
		})
	}
}

func TestCheckPatterns(t *testing.T) {
	tests := []struct {
		name       string
		deny       string
		client     string
		clientName string
		denied     bool
		certain    bool
	}{
		{"ALL", "ALL: ALL", "10.1.2.3", "", true, true},
		{"daemon list", "vsftpd, sshd: ALL", "10.1.2.3", "", true, true},
		{"daemon case", "SSHD: ALL", "10.1.2.3", "", true, true},
		{"other daemon", "vsftpd: ALL", "10.1.2.3", "", false, true},
		{"ALL EXCEPT sshd", "ALL EXCEPT sshd: ALL", "10.1.2.3", "", false, true},
		{"daemon@host", "sshd@192.0.2.1: ALL", "10.1.2.3", "", true, false},
		{"cidr", "sshd: 10.0.0.0/8", "10.1.2.3", "", true, true},
		{"cidr miss", "sshd: 10.0.0.0/16", "10.1.2.3", "", false, true},
		{"net/mask", "sshd: 10.0.0.0/255.0.0.0", "10.1.2.3", "", true, true},
		{"bad mask", "sshd: 10.0.0.0/255.0.255.0", "10.1.2.3", "", false, false},
		{"prefix", "sshd: 10.1.", "10.1.2.3", "", true, true},
		{"prefix miss", "sshd: 10.11.", "10.1.2.3", "", false, true},
		{"wildcard address", "sshd: 10.1.2.*", "10.1.2.3", "", true, true},
		{"wildcard ?", "sshd: 10.1.2.?", "10.1.2.3", "", true, true},
		{"wildcard name", "sshd: *.evil.example", "10.1.2.3", "a.evil.example", true, true},
		{"wildcard name unknown", "sshd: *.evil.example", "10.1.2.3", "", false, false},
		{"ipv6 bracket", "sshd: [2001:db8::1]", "2001:db8::1", "", true, true},
		{"ipv6 bracket prefix", "sshd: [2001:db8::]/64", "2001:db8::1", "", true, true},
		{"ipv6 bracket prefix miss", "sshd: [2001:db8:1::]/64", "2001:db8::1", "", false, true},
		{"suffix", "sshd: .example.com", "10.1.2.3", "h.example.com", true, true},
		{"suffix unknown", "sshd: .example.com", "10.1.2.3", "", false, false},
		{"host name", "sshd: h.example.com", "10.1.2.3", "H.Example.Com.", true, true},
		{"LOCAL", "sshd: LOCAL", "10.1.2.3", "printer", true, true},
		{"LOCAL dotted", "sshd: LOCAL", "10.1.2.3", "printer.lan", false, true},
		{"KNOWN", "sshd: KNOWN", "10.1.2.3", "", true, false},
		{"UNKNOWN", "sshd: UNKNOWN", "10.1.2.3", "", false, false},
		{"UNKNOWN name known", "sshd: UNKNOWN", "10.1.2.3", "h.example.com", false, true},
		{"netgroup", "sshd: @admins", "10.1.2.3", "", false, false},
		{"pattern file", "sshd: /etc/ssh/blocked", "10.1.2.3", "", false, false},
		{"user@host", "sshd: root@10.1.2.3", "10.1.2.3", "", true, false},
		{"nested except", "sshd: ALL EXCEPT 10.0.0.0/8 EXCEPT 10.1.2.3", "10.1.2.3", "", true, true},
		{"nested except 2", "sshd: ALL EXCEPT 10.0.0.0/8 EXCEPT 10.1.2.3", "10.1.2.4", "", false, true},
		{"continuation", "sshd: 10.9.9.9 \\\n  10.1.2.3", "10.1.2.3", "", true, true},
		{"comment", "#sshd: ALL", "10.1.2.3", "", false, true},
		{"missing colon ignored", "sshd ALL", "10.1.2.3", "", false, true},
		{"twist", "sshd: ALL: twist /bin/echo go away", "10.1.2.3", "", true, false},
		{"crlf", "sshd: 10.1.2.3\r\n", "10.1.2.3", "", true, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Check("", tt.deny, "sshd", netip.MustParseAddr(tt.client), tt.clientName)
			if got.Allowed == tt.denied || got.Certain != tt.certain {
				t.Errorf("Check(deny=%q, %s, %q) = %+v, want denied %v certain %v", tt.deny, tt.client, tt.clientName, got, tt.denied, tt.certain)
			}
			if tt.denied && (got.File != DenyFile || got.Line != 1) {
				t.Errorf("decided by %s:%d, want %s:1", got.File, got.Line, DenyFile)
			}
		})
	}
}

func FuzzTCPWrap(f *testing.F) {
	f.Add("sshd: 10.0.0.0/255.0.0.0 EXCEPT 10.1.", "ALL: ALL : spawn x", "10.1.2.3", "h.example.com")
	f.Add("sshd: [::1]/128, .example.com \\\n LOCAL", "ALL EXCEPT sshd@x: PARANOID : ALLOW", "::1", "")
	f.Add("a:b:c:d:[:]:\\", "[[[]]]:::EXCEPT EXCEPT", "1.2.3.4", "x")
	f.Fuzz(func(t *testing.T, allow, deny, client, name string) {
		addr, _ := netip.ParseAddr(client)
		d := Check(allow, deny, "sshd", addr, name)
		if d.File == "" && (!d.Allowed || d.Line != 0) {
			t.Errorf("default decision %+v", d)
		}
	})
}
