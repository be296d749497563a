package report

import (
	"bytes"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/resetaudit/resetaudit/result"
)

func TestWriteTable(t *testing.T) {
	for _, tc := range []struct {
		name   string
		opts   TableOptions
		golden string
	}{
		{"plain", TableOptions{}, "table.txt"},
		{"narrow", TableOptions{Width: 100}, "table-narrow.txt"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := WriteTable(&buf, fixture(), tc.opts); err != nil {
				t.Fatal(err)
			}
			golden(t, tc.golden, buf.Bytes())
			assertTerminalSafe(t, buf.String())
			for _, want := range []string{
				"client 203.0.113.7: blocked on 2 hosts: web-1 (fail2ban_ban), db-1 (tcp_wrappers)",
				"resetaudit: 5 hosts, 4 reachable, 4 collected, 4 with findings (1 critical, 3 high)",
				"evidence: sshd jail: Banned IP list: 203.0.113.7",
			} {
				if !strings.Contains(buf.String(), want) {
					t.Errorf("table lacks %q", want)
				}
			}
		})
	}
}

func TestWriteTableColor(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteTable(&buf, fixture(), TableOptions{Color: true}); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	if !strings.Contains(out, "\x1b[1;91mcritical\x1b[0m") {
		t.Fatal("no colour with Color set")
	}
	// Stripped of our own colour codes, the output is plain text.
	assertTerminalSafe(t, regexp.MustCompile(`\x1b\[[0-9;]*m`).ReplaceAllString(out, ""))
	// The only escapes are our own SGR colour codes; the host's OSC and
	// screen-clearing sequences are gone.
	for _, bad := range []string{"\x1b]", "\x07", "\x1b[2J", "\x1b[31mred"} {
		if strings.Contains(out, bad) {
			t.Errorf("host escape %q reached the coloured table", bad)
		}
	}
}

// assertTerminalSafe fails when s holds anything but printable text,
// newlines and no escape sequences.
func assertTerminalSafe(t *testing.T, s string) {
	t.Helper()
	if !utf8.ValidString(s) {
		t.Error("output is not valid UTF-8")
	}
	for i, r := range s {
		if r == '\n' {
			continue
		}
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) || (r >= 0x202a && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069) {
			t.Fatalf("control character %U at byte %d: %q", r, i, s[max(0, i-20):min(len(s), i+20)])
		}
	}
}

func TestTerminal(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"plain", "plain"},
		{"\x1b[31mred\x1b[0m", "red"},
		{"a\x1b]0;pwned\x07b", "ab"},
		{"a\x1b]8;;http://x\x1b\\link\x1b]8;;\x1b\\b", "alinkb"},
		{"a\x1bPdcs\x1b\\b", "ab"},
		{"a\x1b(Bb", "ab"},
		{"a\x1bcb", "ab"},
		{"unterminated \x1b]0;title", "unterminated "},
		{"csi cut \x1b[31", "csi cut "},
		{"c1 \u009b31m csi", "c1 31m csi"},
		{"nul\x00 del\x7f bell\x07", "nul del bell"},
		{"tab\tnl\ncr\r", "tab nl cr "},
		{"bad \xff utf8", "bad \uFFFD utf8"},
		{"bidi \u202eevil\u202c \u2066iso\u2069", "bidi evil iso"},
		{"zero\u200bwidth", "zerowidth"},
		{"ünïcödé 日本", "ünïcödé 日本"},
		{"trailing esc \x1b", "trailing esc "},
	} {
		if got := Terminal(tc.in); got != tc.want {
			t.Errorf("Terminal(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestTruncate(t *testing.T) {
	for _, tc := range []struct {
		in   string
		max  int
		want string
	}{
		{"short", 10, "short"},
		{"exactly10!", 10, "exactly10!"},
		{"longer than ten", 10, "longer th…"},
		{"日本語のテキスト", 4, "日本語…"},
		{"x", 0, "x"},
		{"xy", 1, "…"},
	} {
		if got := truncate(tc.in, tc.max); got != tc.want {
			t.Errorf("truncate(%q, %d) = %q, want %q", tc.in, tc.max, got, tc.want)
		}
	}
}

func TestSummaryLine(t *testing.T) {
	r := fixture()
	if got, want := SummaryLine(r), "resetaudit: 5 hosts, 4 reachable, 4 collected, 4 with findings (1 critical, 3 high)"; got != want {
		t.Errorf("SummaryLine = %q, want %q", got, want)
	}
	base := fixture()
	base.Hosts[3].Collected = true // app-3 was collected in the baseline
	base.Hosts[0].Findings = base.Hosts[0].Findings[:1]
	base.Hosts[2].Findings = append(base.Hosts[2].Findings, result.Finding{Cause: result.CauseDiskFull, Severity: result.High})
	Diff(r, base)
	if got, want := SummaryLine(r), "resetaudit: 5 hosts, 4 reachable, 4 collected, 4 with findings (1 critical, 3 high), 1 new, 1 resolved, 1 newly unreachable"; got != want {
		t.Errorf("SummaryLine after Diff = %q, want %q", got, want)
	}
	if got := SummaryLine(&result.Report{}); got != "resetaudit: 0 hosts, 0 reachable, 0 collected, 0 with findings" {
		t.Errorf("empty SummaryLine = %q", got)
	}
}
