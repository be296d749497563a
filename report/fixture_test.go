package report

import (
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/resetaudit/resetaudit/result"
)

var update = flag.Bool("update", false, "rewrite golden files in testdata/")

// hostileName and friends are host-supplied strings that try to break out
// of every output format.
const (
	hostileName   = "<script>alert(1)</script>"
	hostileBanner = "SSH-2.0-OpenSSH_9.2p1 \x1b[31mred\x1b[0m \x1b]0;pwned\x07 \u202eevil\u202c"
	hostileBreak  = "</script><script>alert(2)</script>"
)

// fixture is a small fleet: a clean host, hosts with findings, an
// unreachable host and a hostile one.
func fixture() *result.Report {
	t0 := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	r := &result.Report{
		Schema:     result.Schema,
		StartedAt:  t0,
		FinishedAt: t0.Add(42 * time.Second),
		Auditor:    result.Auditor{Version: "v0.1.0", SourceAddresses: []string{"198.51.100.10"}},
		ClientIPs:  []string{"203.0.113.7"},
		Hosts: []result.Host{
			{
				Name: "web-1", Address: "10.0.4.17", Port: 22, User: "root", Groups: []string{"web"},
				Probe:     result.Probe{Symptom: result.SymptomOK, Banner: "SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3", DurationMS: 41},
				Collected: true,
				Coverage:  map[string]string{"sshd": "ok", "logs": "ok", "firewall": "ok", "fail2ban": "ok"},
				Findings: []result.Finding{
					{Cause: result.CauseFail2banBan, Severity: result.Critical, Status: result.Observed,
						Title: "fail2ban has banned client 203.0.113.7", Evidence: []string{"sshd jail: Banned IP list: 203.0.113.7"},
						Fix: []string{"fail2ban-client set sshd unbanip 203.0.113.7", "add the address to ignoreip"}, Why: "A banned address is rejected before sshd sees it.",
						ClientIP: "203.0.113.7"},
					{Cause: result.CauseIdleTimeout, Severity: result.Medium, Status: result.Risk,
						Title: "idle sessions are not kept alive", Evidence: []string{"ClientAliveInterval 0"},
						Fix: []string{"set ClientAliveInterval 60 in sshd_config"}, Why: "Stateful hops forget idle flows."},
				},
			},
			{
				Name: "web-2", Address: "10.0.4.18", Port: 22, User: "root", Groups: []string{"web"},
				Probe:     result.Probe{Symptom: result.SymptomOK, DurationMS: 38},
				Collected: true,
				Coverage:  map[string]string{"sshd": "ok", "logs": "ok", "firewall": "ok"},
			},
			{
				Name: "db-1", Address: "db-1.internal", Port: 2222, User: "deploy", Groups: []string{"db"},
				Probe:     result.Probe{Symptom: result.SymptomOK, DurationMS: 55},
				Collected: true,
				Coverage:  map[string]string{"sshd": "ok", "logs": "ok", "firewall": "skipped: not root and sudo -n refused"},
				Findings: []result.Finding{
					{Cause: result.CauseTCPWrappers, Severity: result.High, Status: result.Risk,
						Title: "hosts.deny denies sshd to 203.0.113.0/24", Evidence: []string{"/etc/hosts.deny: sshd: 203.0.113.0/24"},
						Fix: []string{"remove the line from /etc/hosts.deny"}, Why: "libwrap resets the connection after a delay.",
						ClientIP: "203.0.113.7"},
					{Cause: result.CauseMaxStartups, Severity: result.Low, Status: result.Risk,
						Title: "MaxStartups at its default", Evidence: []string{"maxstartups 10:30:100"},
						Fix: []string{"raise MaxStartups"}, Why: "Bursts of connections are dropped."},
				},
			},
			{
				Name: "app-3", Address: "10.0.5.3", Port: 22, Groups: []string{"app"},
				Probe: result.Probe{Symptom: result.SymptomConnectTimeout, Detail: "dial tcp 10.0.5.3:22: i/o timeout", DurationMS: 5000},
				Findings: []result.Finding{
					{Cause: result.CauseUnreachable, Severity: result.High, Status: result.Observed,
						Title: "no TCP connection to port 22", Evidence: []string{"connect timed out after 5s"},
						Fix: []string{"check security groups, routes and the host's power state"}, Why: "Nothing answered."},
				},
			},
			{
				Name: hostileName, Address: "10.0.6.6", Port: 22, User: "root", Groups: []string{"evil\x1b[2J", hostileBreak},
				Probe:     result.Probe{Symptom: result.SymptomOK, Banner: hostileBanner, Detail: "NUL\x00here", DurationMS: 12},
				Collected: true,
				Coverage:  map[string]string{"sshd": "ok", "logs\x1b[1m": "error: \xff\xfe"},
				OS:        hostileBreak,
				Findings: []result.Finding{
					{Cause: result.CauseSshdRestarts, Severity: result.High, Status: result.Observed,
						Title: "sshd restarted " + hostileBreak,
						Evidence: []string{
							`=HYPERLINK("http://x")`, "+cmd", "-2+3", "@SUM(A1)", "\tTAB", "\rCR",
							"bad utf8 \xff end", "nul\x00byte", "ansi \x1b[31mred\x1b[0m osc \x1b]0;pwned\x07 c1 \u009b31m del\x7f",
							hostileBreak, "<img src=x onerror=alert(3)>",
						},
						Fix: []string{"=cmd|' /C calc'!A0"}, Why: "<b>bold</b> & \u202eoverride"},
				},
			},
		},
	}
	r.Summarize()
	return r
}

// golden compares got with testdata/name, rewriting it under -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("reading golden file (run go test -update): %v", err)
	}
	if string(got) != string(want) {
		t.Errorf("%s differs from golden file (run go test -update to accept):\n got:\n%s\nwant:\n%s", name, got, want)
	}
}
