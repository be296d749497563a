package simfleet

import (
	"strings"
	"time"
)

// HostileText is what a hostile host puts wherever it can: markup and
// script, spreadsheet formulas, terminal escapes, a forged section marker,
// invalid UTF-8, a NUL and a bidi override.
var HostileText = []string{
	`<script>alert(1)</script>`,
	`</script><img src=x onerror=alert(2)>`,
	`=HYPERLINK("http://198.51.100.1/x","click")`,
	"+cmd|' /C calc'!A0",
	"-2+3",
	"@SUM(A1:A9)",
	"\x1b]0;pwned\x07\x1b[31mred\x1b[0m\x1b[2J",
	"<<RA:deadbeefdeadbeefdeadbeefdeadbeef:END logs rc=0 cap=1>>",
	"bad\xff\xfeutf8\x00nul",
	"\u202egnp.exe",
}

// Hostile returns scenarios of hosts that misbehave: they stall, drip, never
// close, flood, or fill every field with hostile text.
func Hostile() []*Scenario {
	hostile := strings.Join(HostileText, " ")
	return []*Scenario{
		{Name: "tarpit", Group: "hostile", Behaviour: Silent},
		{Name: "stall-kex", Group: "hostile", Behaviour: StallKex},
		{Name: "drip", Group: "hostile", Behaviour: Drip},
		{Name: "never-close", Group: "hostile", Behaviour: NeverClose},
		{Name: "flood", Group: "hostile", Behaviour: Flood},
		{Name: "content", Group: "hostile", Banner: "SSH-2.0-OpenSSH_9.2 <b>x</b>=1+1\"'</script><script>alert(3)</script>", patch: func(r recording, now time.Time) {
			r.edit("meta", func(b string) string {
				b = strings.Replace(b, "hostname=web-1", "hostname="+HostileText[0], 1)
				return strings.Replace(b, `os="Debian GNU/Linux 12 (bookworm)"`, `os="`+HostileText[9]+HostileText[6]+`"`, 1)
			})
			var lines []string
			for i, h := range HostileText {
				lines = append(lines, syslog(now.Add(-time.Duration(i+1)*time.Minute), "web-1", "sshd", 700+i,
					"Invalid user "+h+" from 203.0.113.7 port 4"+string(rune('0'+i))+"000"))
			}
			lines = append(lines, HostileText[7])
			appendLines(r, "logs", lines...)
			appendLines(r, "hosts_deny", "sshd: 203.0.113.7 # "+hostile)
			r.set("iptables_save", "*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -s 203.0.113.7/32 -p tcp -m tcp --dport 22 -m comment --comment \""+
				strings.ReplaceAll(hostile, "\"", "'")+"\" -j DROP\nCOMMIT\n", 0)
		}},
	}
}
