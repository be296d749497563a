//go:build linux

package lab

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestSweepThroughBastion sweeps three lab hosts through the healthy host as
// a real OpenSSH bastion (ProxyJump, direct-tcpip channels): the targets see
// the bastion's address, not the auditor's, one bastion login serves them
// all, and a target whose sshd is stopped is reported through the bastion.
func TestSweepThroughBastion(t *testing.T) {
	lab.require(t)
	addr := map[string]string{}
	for _, h := range lab.hosts {
		addr[h.Name] = h.Addr
	}
	bastion := addr["healthy"]
	targets := []string{"tcpwrap", "fwreject", "sshdstopped"}
	var inv strings.Builder
	for _, name := range targets {
		fmt.Fprintf(&inv, "root@%s name=%s jump=root@%s group=behind\n", addr[name], name, bastion)
	}
	invPath := filepath.Join(t.TempDir(), "behind.txt")
	if err := os.WriteFile(invPath, []byte(inv.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	authLog := filepath.Join(lab.state, "hosts", "healthy", "log", "auth.log") // the host's /var/log
	before := countLogins(t, authLog)

	bin := buildResetaudit(t)
	out := filepath.Join(t.TempDir(), "out.json")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "sweep", "--inventory", invPath,
		"--known-hosts", lab.path("known_hosts"), "--identity", lab.path("id_ed25519"), "--no-agent",
		"--client-ip", clientIP, "--json", out, "--timeout", "15s", "--fail-on", "never", "--quiet")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("resetaudit sweep: %v\n%s", err, b)
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	var rep report
	if err := json.Unmarshal(data, &rep); err != nil {
		t.Fatal(err)
	}
	got := map[string]host{}
	for _, h := range rep.Hosts {
		got[h.Name] = h
	}
	want := map[string]struct{ symptom, cause string }{
		"tcpwrap":     {"ok", "tcp_wrappers"},
		"fwreject":    {"ok", "firewall_reject"},
		"sshdstopped": {"refused", "sshd_not_running"},
	}
	for name, w := range want {
		h, ok := got[name]
		if !ok {
			t.Errorf("%s missing from the report", name)
			continue
		}
		if h.Probe.Symptom != w.symptom {
			t.Errorf("%s: symptom %s (%s), want %s", name, h.Probe.Symptom, h.Probe.Detail, w.symptom)
		}
		if top := topFinding(h.Findings); top.Cause != w.cause {
			t.Errorf("%s: top cause %q, want %q", name, top.Cause, w.cause)
		}
	}
	// rsyslog may take a moment to write the bastion's login.
	deadline := time.Now().Add(5 * time.Second)
	for countLogins(t, authLog) == before && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
	}
	if n := countLogins(t, authLog) - before; n != 1 {
		t.Errorf("the bastion saw %d logins from the auditor, want 1 shared by its %d targets", n, len(targets))
	}
}

// countLogins counts the auditor's accepted logins in an auth.log.
func countLogins(t *testing.T, path string) int {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("bastion auth.log: %v", err)
	}
	return strings.Count(string(b), "Accepted publickey for root from "+auditorIP+" ")
}
