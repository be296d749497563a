package facts

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestScript(t *testing.T) {
	n := NewNonce()
	if len(n) != 32 || !validNonce(n) || n == NewNonce() {
		t.Fatalf("NewNonce() = %q", n)
	}
	s := Script(Params{Nonce: n, Since: 2 * time.Hour, Client: "::ffff:10.0.0.5", SectionCap: 100})
	for _, want := range []string{"RA_NONCE=" + n + "\n", "RA_SINCE=7200\n", "RA_CLIENT=10.0.0.5\n", "RA_SECTION_CAP=100\n", "RA_TOTAL_CAP=4194304\n"} {
		if !bytes.Contains(s, []byte(want)) {
			t.Errorf("script lacks %q", want)
		}
	}
	if got, ok := ScriptNonce(s); !ok || got != n {
		t.Errorf("ScriptNonce = %q, %v", got, ok)
	}
	s = Script(Params{Nonce: n, Client: "10.0.0.5; rm -rf /"})
	if !bytes.Contains(s, []byte("RA_CLIENT=\n")) {
		t.Error("an invalid client address reached the script")
	}
	if _, ok := ScriptNonce([]byte("RA_NONCE=$(reboot)\n")); ok {
		t.Error("ScriptNonce accepted a non-hex nonce")
	}
	defer func() {
		if recover() == nil {
			t.Error("Script accepted an invalid nonce")
		}
	}()
	Script(Params{Nonce: "x"})
}

// needCmd skips, or fails under CI, when a program the test needs is absent.
func needCmd(t *testing.T, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s not found: %v", name, err)
		}
		t.Skipf("%s not found", name)
	}
	return p
}

func runPayload(t *testing.T, shell ...string) ([]byte, time.Duration) {
	t.Helper()
	n := NewNonce()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, shell[0], shell[1:]...)
	cmd.Stdin = bytes.NewReader(Script(Params{Nonce: n, Client: "127.0.0.1", SectionCap: 64 << 10}))
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	if err := cmd.Run(); err != nil {
		t.Fatalf("%v: %v\n%s", shell, err, stderr.String())
	}
	took := time.Since(start)
	if took > 30*time.Second {
		t.Errorf("%v took %v, want < 30s", shell, took)
	}
	secs, err := Split(stdout.Bytes(), n)
	if err != nil {
		t.Fatalf("%v: %v", shell, err)
	}
	for _, want := range []string{"meta", "sshd_procs", "resources", "df", "sysctl", "done"} {
		s, ok := secs[want]
		if !ok || !s.Ended {
			t.Errorf("%v: section %s missing or unterminated", shell, want)
		}
	}
	for name, s := range secs {
		if !s.Ended || s.RC < 0 {
			t.Errorf("%v: section %s not framed: %+v", shell, name, s)
		}
	}
	f, err := Parse(stdout.Bytes(), n)
	if err != nil {
		t.Fatal(err)
	}
	checkCoverage(t, f)
	if f.Host.Now.IsZero() || f.Resources.MemTotalKB == 0 || len(f.Disks) == 0 {
		t.Errorf("%v: facts missing: now %v mem %d disks %d", shell, f.Host.Now, f.Resources.MemTotalKB, len(f.Disks))
	}
	return stdout.Bytes(), took
}

func TestPayloadShells(t *testing.T) {
	shells := [][]string{{needCmd(t, "dash"), "-s"}}
	if bb, err := exec.LookPath("busybox"); err == nil {
		shells = append(shells, []string{bb, "sh", "-s"})
	}
	if b, err := exec.LookPath("bash"); err == nil {
		shells = append(shells, []string{b, "--posix", "-s"})
	}
	for _, sh := range shells {
		t.Run(filepath.Base(sh[0]), func(t *testing.T) {
			_, took := runPayload(t, sh...)
			t.Logf("%v: %v", sh, took)
		})
	}
}

// accountFiles change when another test package (the lab) adds or removes
// its test user while this test runs; the payload never writes them either,
// but a change there would not be the payload's.
var accountFiles = map[string]bool{
	"/etc/passwd": true, "/etc/shadow": true, "/etc/group": true, "/etc/gshadow": true,
	"/etc/subuid": true, "/etc/subgid": true, "/etc/.pwd.lock": true,
}

// snapshot lists path, size, mode and mtime of every file under /etc (a
// directory's mtime only changes with its entries, which are listed), and
// the ruleset, so that a payload run can be shown to change nothing.
func snapshot(t *testing.T) string {
	t.Helper()
	var lines []string
	filepath.Walk("/etc", func(p string, fi os.FileInfo, err error) error {
		switch {
		case err != nil || accountFiles[strings.TrimSuffix(strings.TrimSuffix(p, "-"), "+")]:
		case fi.IsDir():
			lines = append(lines, p+" "+fi.Mode().String())
		default:
			lines = append(lines, p+" "+fi.Mode().String()+" "+fi.ModTime().String()+" "+strconv.FormatInt(fi.Size(), 10))
		}
		return nil
	})
	sort.Strings(lines)
	if p, err := exec.LookPath("iptables-save"); err == nil {
		out, _ := exec.Command(p).Output()
		// Drop the "# Generated ... on DATE" comment lines.
		for _, l := range strings.Split(string(out), "\n") {
			if !strings.HasPrefix(l, "#") {
				lines = append(lines, l)
			}
		}
	}
	return strings.Join(lines, "\n")
}

func TestPayloadReadOnly(t *testing.T) {
	if os.Geteuid() != 0 {
		if os.Getenv("CI") == "true" {
			t.Fatal("the read-only test needs root")
		}
		t.Skip("needs root")
	}
	sh := needCmd(t, "dash")
	before := snapshot(t)
	runPayload(t, sh, "-s")
	if after := snapshot(t); after != before {
		t.Error("the payload changed /etc or the firewall")
	}
}

// TestPayloadReadsPreviousRotation runs the payload with a private /var/log
// holding auth.log and auth.log.1 (Debian's rotation), and checks that
// events of both files inside the window are found: a nightly audit just
// after a midnight rotation must still see the evening's resets.
func TestPayloadReadsPreviousRotation(t *testing.T) {
	if os.Geteuid() != 0 {
		if os.Getenv("CI") == "true" {
			t.Fatal("needs root (a private mount namespace)")
		}
		t.Skip("needs root")
	}
	unshare := needCmd(t, "unshare")
	logs := t.TempDir()
	now := time.Now()
	line := func(t time.Time, msg string) string {
		return t.Format("2006-01-02T15:04:05.000000-07:00") + " host sshd[42]: " + msg + "\n"
	}
	os.WriteFile(filepath.Join(logs, "auth.log.1"), []byte(line(now.Add(-5*time.Hour), "error: beginning MaxStartups throttling")), 0o600)
	os.WriteFile(filepath.Join(logs, "auth.log"), []byte(line(now.Add(-time.Hour), "refused connect from 203.0.113.7 (203.0.113.7)")), 0o600)

	n := NewNonce()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, unshare, "-m", "sh", "-c", `mount --bind "$1" /var/log && exec sh -s`, "sh", logs)
	cmd.Stdin = bytes.NewReader(Script(Params{Nonce: n, Since: 24 * time.Hour}))
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("payload: %v", err)
	}
	f, err := Parse(out, n)
	if err != nil {
		t.Fatal(err)
	}
	secs, _ := Split(out, n)
	if src := secs["logs"].Attrs["src"]; src != "auth.log" {
		t.Fatalf("the payload read logs from %q, want auth.log (this test needs a host without a systemd journal)", src)
	}
	kinds := map[EventKind]bool{}
	for _, e := range f.Events {
		kinds[e.Kind] = true
	}
	if !kinds[EvMaxStartupsThrottle] || !kinds[EvWrappersRefused] {
		t.Errorf("events %v, want the throttling from auth.log.1 and the refusal from auth.log", kinds)
	}
}
