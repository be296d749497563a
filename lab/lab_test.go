//go:build linux

package lab

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// clientSees maps hosts.tsv's client_sees column to how the OpenSSH client
// reports it (NOTES.md, "What a client sees, per cause").
var clientSees = map[string]func(r sshResult) bool{
	"success": func(r sshResult) bool { return r.err == nil },
	"reset":   func(r sshResult) bool { return r.failed() && strings.Contains(r.stderr, "Connection reset by") },
	"refused": func(r sshResult) bool { return r.failed() && strings.Contains(r.stderr, "Connection refused") },
	"connect_timeout": func(r sshResult) bool {
		return r.failed() && strings.Contains(r.stderr, "port 22: Connection timed out")
	},
	"banner_timeout": func(r sshResult) bool {
		return r.failed() && strings.Contains(r.stderr, "timed out during banner exchange")
	},
	"closed": func(r sshResult) bool { return r.failed() && strings.Contains(r.stderr, "Connection closed by") },
	"kex_failed": func(r sshResult) bool {
		return r.failed() && strings.Contains(r.stderr, "no matching key exchange method found")
	},
	"host_key_changed": func(r sshResult) bool {
		return r.failed() && strings.Contains(r.stderr, "REMOTE HOST IDENTIFICATION HAS CHANGED")
	},
	// The key exchange never completes: only our deadline ends it.
	"kex_stall": func(r sshResult) bool { return r.stalled },
}

// insideCheck is a command run on a host as its inventory user, from the
// auditor's address, whose output shows the fault is in place on the host.
type insideCheck struct{ cmd, want string }

// insideChecks covers the hosts that the auditor can log into; the others
// (no SSH, no common algorithm, changed key, stalled login) prove themselves
// through the client's view alone.
var insideChecks = map[string]insideCheck{
	"healthy":     {"dmesg 2>&1 | head -n1", "Operation not permitted"}, // the kernel log is machine-wide: hidden
	"tcpwrap":     {"grep -m1 'refused connect from' /var/log/auth.log", "refused connect from " + clientIP},
	"maxstartups": {"grep -m1 'past MaxStartups' /var/log/auth.log", "past MaxStartups"},
	"fail2ban":    {"fail2ban-client status sshd", "Banned IP list:\t" + clientIP},
	"fwreject":    {"iptables -S INPUT", "-s " + clientIP + "/32 -p tcp -m tcp --dport 22 -j REJECT --reject-with tcp-reset"},
	"nftdrop":     {"nft list ruleset", "ip saddr " + clientIP + " tcp dport 22 drop"},
	"conntrack":   {"sysctl -n net.netfilter.nf_conntrack_tcp_timeout_established net.netfilter.nf_conntrack_tcp_loose", "60\n0"},
	"mtu":         {"ip -o link show eth0", "mtu 9000"},
	"badconfig":   {"/usr/sbin/sshd -t 2>&1; true", "Bad configuration option"},
	"logfull":     {"df -P /var/log | tail -n1", "100%"},
	"oom":         {"dmesg | grep -m1 'Killed process.*(sshd)'", "Memory cgroup out of memory: Killed process"},
	"nosudo":      {"sudo -n true 2>&1; true", "a password is required"},
}

// insideOpts are extra ssh options of an inside check. OpenSSH's default
// sntrup761 key exchange stalls on the jumbo-MTU host; curve25519's smaller
// packets pass.
var insideOpts = map[string][]string{
	"mtu": {"-o", "KexAlgorithms=curve25519-sha256"},
}

type sshResult struct {
	stdout, stderr string
	err            error
	stalled        bool // our deadline, not ssh, ended it
	took           time.Duration
}

func (r sshResult) failed() bool { return r.err != nil && !r.stalled }

func (r sshResult) summary() string {
	switch {
	case r.stalled:
		return "no answer before our deadline"
	case r.err == nil:
		return "success"
	}
	lines := strings.Split(strings.TrimSpace(r.stderr), "\n")
	return lines[len(lines)-1]
}

// ssh runs the real OpenSSH client from the source address from, verifying
// host keys against the lab's known_hosts, and bounds it by limit.
func (e *env) ssh(ctx context.Context, from string, h labHost, limit time.Duration, command string, opts ...string) sshResult {
	ctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	args := append([]string{"-F", "/dev/null",
		"-o", "BatchMode=yes", "-o", "IdentitiesOnly=yes",
		"-o", "StrictHostKeyChecking=yes", "-o", "UserKnownHostsFile=" + e.path("known_hosts"),
		"-o", "ConnectTimeout=10", "-i", e.path("id_ed25519"), "-b", from}, opts...)
	cmd := exec.CommandContext(ctx, "ssh", append(args, h.User+"@"+h.Addr, command)...)
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	cmd.WaitDelay = 2 * time.Second
	start := time.Now()
	err := cmd.Run()
	return sshResult{stdout: stdout.String(), stderr: stderr.String(), err: err,
		stalled: errors.Is(ctx.Err(), context.DeadlineExceeded), took: time.Since(start)}
}

// faultView is what one host showed: the client's view and the inside check.
type faultView struct {
	client, inside sshResult
	check          *insideCheck
}

// observe looks at every host at once: most faults take a timeout to show,
// and t.Parallel would run only GOMAXPROCS of them at a time.
func (e *env) observe() []faultView {
	views := make([]faultView, len(e.hosts))
	var wg sync.WaitGroup
	for i, h := range e.hosts {
		wg.Go(func() {
			limit := 25 * time.Second
			if h.ClientSees == "kex_stall" {
				limit = 8 * time.Second
			}
			v := faultView{client: e.ssh(context.Background(), clientIP, h, limit, "true")}
			if c, ok := insideChecks[h.Name]; ok {
				v.check = &c
				v.inside = e.ssh(context.Background(), auditorIP, h, 20*time.Second, c.cmd, insideOpts[h.Name]...)
			}
			views[i] = v
		})
	}
	wg.Wait()
	return views
}

// TestLabFaultsAreReal shows each fault with the real OpenSSH client from the
// end user's address, and on the host itself where the auditor can log in.
func TestLabFaultsAreReal(t *testing.T) {
	lab.require(t)
	start := time.Now()
	views := lab.observe()
	t.Logf("observed %d hosts in %v", len(views), time.Since(start).Round(time.Millisecond))

	rows := make([]string, 0, len(lab.hosts))
	for i, h := range lab.hosts {
		v := views[i]
		inside := "-"
		t.Run(h.Name, func(t *testing.T) {
			want, ok := clientSees[h.ClientSees]
			if !ok {
				t.Fatalf("hosts.tsv: unknown client_sees %q", h.ClientSees)
			}
			r := v.client
			if !want(r) {
				t.Errorf("from %s: want %s, got %s (after %v)\nstderr: %s",
					clientIP, h.ClientSees, r.summary(), r.took.Round(time.Millisecond), r.stderr)
			}
			if v.check == nil {
				return
			}
			in := v.inside
			switch {
			case in.err != nil:
				t.Errorf("on the host (%s): %s\nstderr: %s", v.check.cmd, in.summary(), in.stderr)
				inside = "FAILED"
			case !strings.Contains(in.stdout, v.check.want):
				t.Errorf("on the host (%s): want %q in the output, got %q", v.check.cmd, v.check.want, in.stdout)
				inside = "FAILED"
			default:
				inside = "ok"
			}
		})
		rows = append(rows, fmt.Sprintf("%-14s %-17s %-8s %-6s %s", h.Name, h.ClientSees,
			v.client.took.Round(100*time.Millisecond), inside, v.client.summary()))
	}
	t.Logf("what the OpenSSH client sees from %s:\n%-14s %-17s %-8s %-6s %s\n%s", clientIP,
		"host", "expected", "took", "inside", "got", strings.Join(rows, "\n"))
}

// report is the part of the JSON report (CONTRACT.md) that the test reads.
type report struct {
	Schema string `json:"schema"`
	Hosts  []host `json:"hosts"`
}

type host struct {
	Name    string `json:"name"`
	Address string `json:"address"`
	Probe   struct {
		Symptom string `json:"symptom"`
		Detail  string `json:"detail"`
	} `json:"probe"`
	Collected bool              `json:"collected"`
	Coverage  map[string]string `json:"coverage"`
	Findings  []finding         `json:"findings"`
}

type finding struct {
	Cause    string `json:"cause"`
	Severity string `json:"severity"`
	Status   string `json:"status"`
	ClientIP string `json:"client_ip"`
}

var severityRank = map[string]int{"info": 1, "low": 2, "medium": 3, "high": 4, "critical": 5}

// TestSweepFindsEachFault sweeps the lab with resetaudit and checks that every
// fault is found, named, ranked first, and tied to the client it blocks.
func TestSweepFindsEachFault(t *testing.T) {
	lab.require(t)
	bin := buildResetaudit(t)
	out := filepath.Join(t.TempDir(), "out.json")

	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "sweep",
		"--inventory", lab.path("inventory.txt"), "--known-hosts", lab.path("known_hosts"),
		"--identity", lab.path("id_ed25519"), "--client-ip", clientIP, "--json", out,
		"--timeout", "15s", "--concurrency", "32", "--fail-on", "never", "--quiet")
	var stderr strings.Builder
	cmd.Stderr = &stderr
	cmd.WaitDelay = 5 * time.Second
	start := time.Now()
	if err := cmd.Run(); err != nil {
		t.Fatalf("resetaudit sweep: %v\n%s", err, stderr.String())
	}
	t.Logf("sweep of %d hosts took %v", len(lab.hosts), time.Since(start).Round(time.Millisecond))

	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	var rep report
	if err := json.Unmarshal(data, &rep); err != nil {
		t.Fatalf("parse %s: %v", out, err)
	}
	if rep.Schema != "resetaudit/v1" {
		t.Errorf("schema = %q, want resetaudit/v1", rep.Schema)
	}
	byName := make(map[string]int, len(rep.Hosts))
	for i, h := range rep.Hosts {
		byName[h.Name] = i
	}

	var rows []string
	for _, want := range lab.hosts {
		t.Run(want.Name, func(t *testing.T) {
			i, ok := byName[want.Name]
			if !ok {
				t.Fatalf("host %s is not in the report", want.Name)
			}
			got := rep.Hosts[i]
			top := topFinding(got.Findings)
			rows = append(rows, fmt.Sprintf("%-14s %-17s %-24s %-17s %-24s %s", want.Name,
				want.SweepSymptom, orDash(want.Cause), got.Probe.Symptom, orDash(top.Cause), orDash(top.Severity)))

			if got.Probe.Symptom != want.SweepSymptom {
				t.Errorf("probe.symptom = %q, want %q (detail: %s)", got.Probe.Symptom, want.SweepSymptom, got.Probe.Detail)
			}
			if want.Cause != "" {
				checkCause(t, want, got.Findings)
			}
			switch want.Name {
			case "healthy":
				for _, f := range got.Findings {
					if severityRank[f.Severity] >= severityRank["medium"] {
						t.Errorf("healthy host has finding %s at %s", f.Cause, f.Severity)
					}
				}
			case "nosudo":
				for _, area := range []string{"firewall", "logs"} {
					if c, ok := got.Coverage[area]; !ok || c == "ok" {
						t.Errorf("coverage[%q] = %q, want a reason it was not checked (login without sudo)", area, c)
					}
				}
			}
		})
	}
	t.Logf("sweep results:\n%-14s %-17s %-24s %-17s %-24s %s\n%s", "host", "want symptom", "want cause",
		"got symptom", "got top cause", "severity", strings.Join(rows, "\n"))
}

// checkCause wants a finding of the host's cause, ranked top by severity and,
// when the fault blocks only the client, naming the client's address.
func checkCause(t *testing.T, want labHost, findings []finding) {
	t.Helper()
	var match []finding
	for _, f := range findings {
		if f.Cause == want.Cause {
			match = append(match, f)
		}
	}
	if len(match) == 0 {
		t.Errorf("no %s finding; findings: %v", want.Cause, findings)
		return
	}
	if top := topFinding(findings); severityRank[topFinding(match).Severity] < severityRank[top.Severity] {
		t.Errorf("%s is at %s, below %s at %s", want.Cause, topFinding(match).Severity, top.Cause, top.Severity)
	}
	if want.ClientOnly {
		named := false
		for _, f := range match {
			named = named || f.ClientIP == clientIP
		}
		if !named {
			t.Errorf("no %s finding names client_ip %s: %v", want.Cause, clientIP, match)
		}
	}
}

// topFinding is the first finding of the highest severity.
func topFinding(fs []finding) finding {
	var top finding
	for _, f := range fs {
		if severityRank[f.Severity] > severityRank[top.Severity] {
			top = f
		}
	}
	return top
}

// buildResetaudit builds cmd/resetaudit of this module into a temporary dir.
func buildResetaudit(t *testing.T) string {
	t.Helper()
	gomod, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil || strings.TrimSpace(string(gomod)) == "" || strings.TrimSpace(string(gomod)) == os.DevNull {
		t.Fatalf("go env GOMOD: %q, %v", gomod, err)
	}
	bin := filepath.Join(t.TempDir(), "resetaudit")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, "./cmd/resetaudit")
	cmd.Dir = filepath.Dir(strings.TrimSpace(string(gomod)))
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build ./cmd/resetaudit: %v\n%s", err, out)
	}
	return bin
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
