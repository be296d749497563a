package main

import (
	"bytes"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/resetaudit/resetaudit/result"
)

func runCLI(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(args, &out, &errb)
	return code, out.String(), errb.String()
}

func TestBadInputExitsTwo(t *testing.T) {
	dir := t.TempDir()
	inv := filepath.Join(dir, "hosts.txt")
	os.WriteFile(inv, []byte("# fleet\nroot@10.0.0.1 name=a\nroot@10.0.0.2 colour=blue\n"), 0o600)
	good := filepath.Join(dir, "good.txt")
	os.WriteFile(good, []byte("root@127.0.0.1:1 name=a\n"), 0o600)
	semi := filepath.Join(dir, "semi.txt")
	os.WriteFile(semi, []byte("a;reboot\n"), 0o600)
	tests := []struct {
		name string
		args []string
		want string // in stderr
	}{
		{"unknown key", []string{"sweep", "--inventory", inv}, inv + ":3:"},
		{"shell metacharacters", []string{"sweep", "--inventory", semi}, semi + ":1:"},
		{"missing inventory", []string{"sweep", "--inventory", filepath.Join(dir, "nope")}, "nope"},
		{"no inventory", []string{"sweep"}, "--inventory is required"},
		{"bad client ip", []string{"sweep", "--inventory", inv, "--client-ip", "10.0.0.300"}, "--client-ip"},
		{"bad fail-on", []string{"demo", "--fail-on", "severe"}, "--fail-on"},
		{"bad shard", []string{"demo", "--shard", "3/2"}, "--shard"},
		{"bad timeout", []string{"sweep", "--inventory", inv, "--timeout", "10ms"}, "--timeout"},
		{"bad since", []string{"sweep", "--inventory", good, "--since", "yesterday"}, "-since"},
		{"missing identity", []string{"sweep", "--inventory", good, "--identity", filepath.Join(dir, "nokey")}, "nokey"},
		{"bad limit", []string{"sweep", "--inventory", good, "--limit", "[web"}, "--limit"},
		{"unknown flag", []string{"sweep", "--colour"}, "flag provided but not defined"},
		{"unknown command", []string{"swep"}, "unknown command"},
		{"bad baseline", []string{"merge", filepath.Join(dir, "hosts.txt")}, "merge"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, stderr := runCLI(t, tt.args...)
			if code != 2 {
				t.Errorf("exit %d, want 2 (stderr %q)", code, stderr)
			}
			if !strings.Contains(stderr, tt.want) {
				t.Errorf("stderr %q does not name %q", stderr, tt.want)
			}
			if n := strings.Count(strings.TrimSpace(stderr), "\n"); n > 3 {
				t.Errorf("error is %d lines, want a short message: %q", n+1, stderr)
			}
		})
	}
}

func TestDemoWritesReportsAndExitCode(t *testing.T) {
	dir := t.TempDir()
	js, csvf, html := filepath.Join(dir, "r.json"), filepath.Join(dir, "r.csv"), filepath.Join(dir, "r.html")
	code, stdout, stderr := runCLI(t, "demo", "--timeout", "2s", "--json", js, "--csv", csvf, "--html", html, "--quiet")
	if code != 1 {
		t.Fatalf("demo exit %d, want 1 (high findings); stderr %q", code, stderr)
	}
	if !strings.HasPrefix(stdout, "resetaudit:") || strings.Count(stdout, "\n") != 1 {
		t.Errorf("--quiet printed %q, want one summary line", stdout)
	}
	rep := readReport(t, js)
	if rep.Schema != result.Schema || len(rep.Hosts) == 0 {
		t.Fatalf("bad report: schema %q, %d hosts", rep.Schema, len(rep.Hosts))
	}
	for _, f := range []string{csvf, html} {
		if st, err := os.Stat(f); err != nil || st.Size() == 0 {
			t.Errorf("%s not written: %v", f, err)
		}
	}
	// --fail-on never always exits 0; critical only on critical findings.
	if code, _, _ := runCLI(t, "demo", "--timeout", "2s", "--quiet", "--fail-on", "never"); code != 0 {
		t.Errorf("--fail-on never: exit %d", code)
	}

	// A second run against the first as baseline marks findings persisting.
	js2 := filepath.Join(dir, "r2.json")
	runCLI(t, "demo", "--timeout", "2s", "--quiet", "--baseline", js, "--json", js2)
	rep2 := readReport(t, js2)
	for _, h := range rep2.Hosts {
		for _, f := range h.Findings {
			if f.Change != result.ChangePersisting {
				t.Errorf("%s %s: change %q, want persisting", h.Name, f.Cause, f.Change)
			}
		}
	}

	// merge of two shards gives the whole fleet.
	s1, s2, m := filepath.Join(dir, "s1.json"), filepath.Join(dir, "s2.json"), filepath.Join(dir, "m.json")
	runCLI(t, "demo", "--timeout", "2s", "--quiet", "--shard", "1/2", "--json", s1)
	runCLI(t, "demo", "--timeout", "2s", "--quiet", "--shard", "2/2", "--json", s2)
	if code, _, stderr := runCLI(t, "merge", "--quiet", "--json", m, s1, s2); code != 1 {
		t.Fatalf("merge exit %d: %s", code, stderr)
	}
	a, b, mm := readReport(t, s1), readReport(t, s2), readReport(t, m)
	if len(a.Hosts)+len(b.Hosts) != len(rep.Hosts) || len(mm.Hosts) != len(rep.Hosts) {
		t.Errorf("shards %d+%d, merged %d, want %d", len(a.Hosts), len(b.Hosts), len(mm.Hosts), len(rep.Hosts))
	}
}

func readReport(t *testing.T, path string) *result.Report {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var r result.Report
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return &r
}

// buildBinary builds resetaudit once for the tests that signal a process.
func buildBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "resetaudit")
	cmd := exec.Command("go", "build", "-o", bin, ".")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

func TestInterruptWritesReports(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := buildBinary(t)
	dir := t.TempDir()
	js := filepath.Join(dir, "r.json")

	cmd := exec.Command(bin, "demo", "--hosts", "200", "--latency", "3s", "--timeout", "30s", "--concurrency", "8", "--json", js, "--quiet")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(1500 * time.Millisecond)
	sent := time.Now()
	cmd.Process.Signal(syscall.SIGINT)
	err := cmd.Wait()
	if el := time.Since(sent); el > 2*time.Second {
		t.Errorf("exited %s after SIGINT, want < 2s", el)
	}
	if ee, ok := err.(*exec.ExitError); err != nil && (!ok || ee.ExitCode() == 130) {
		t.Fatalf("exit after one signal: %v", err)
	}
	rep := readReport(t, js)
	if !rep.Interrupted || len(rep.Hosts) != 200 {
		t.Fatalf("interrupted=%v hosts=%d, want true and 200", rep.Interrupted, len(rep.Hosts))
	}
	notRun := 0
	for _, h := range rep.Hosts {
		if h.Probe.Symptom == result.SymptomNotRun {
			notRun++
		}
	}
	if notRun == 0 {
		t.Error("no host marked not_run")
	}

}

// TestSecondSignalExits checks that a second signal exits at once with 130,
// while the first only cancels the sweep.
func TestSecondSignalExits(t *testing.T) {
	exited := make(chan int, 1)
	ctx, stop := interruptContext(io.Discard, func(code int) { exited <- code })
	defer stop()
	syscall.Kill(os.Getpid(), syscall.SIGINT)
	select {
	case <-ctx.Done():
	case <-time.After(2 * time.Second):
		t.Fatal("first SIGINT did not cancel the sweep")
	}
	select {
	case code := <-exited:
		t.Fatalf("first signal exited with %d", code)
	case <-time.After(100 * time.Millisecond):
	}
	syscall.Kill(os.Getpid(), syscall.SIGTERM)
	select {
	case code := <-exited:
		if code != 130 {
			t.Errorf("second signal: exit %d, want 130", code)
		}
	case <-time.After(2 * time.Second):
		t.Fatal("second signal did not exit")
	}
}

// TestCausesDoc keeps docs/causes.md in step with the catalog.
func TestCausesDoc(t *testing.T) {
	path := filepath.Join("..", "..", "docs", "causes.md")
	want := causesMarkdown()
	if os.Getenv("UPDATE_DOCS") != "" {
		os.WriteFile(path, []byte(want), 0o644)
	}
	got, err := os.ReadFile(path)
	if err != nil || string(got) != want {
		t.Errorf("docs/causes.md is out of date: run UPDATE_DOCS=1 go test -run TestCausesDoc ./cmd/resetaudit")
	}
}
