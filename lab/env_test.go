//go:build linux

package lab

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

// Addresses on the lab bridge (lab/up).
const (
	auditorIP = "10.77.0.1"
	clientIP  = "10.77.0.2"
)

// upTimeout bounds lab/up: about 7 s on two cores, a minute under heavy load.
const upTimeout = 180 * time.Second

// labHost is one line of hosts.tsv: a test host and what its fault looks like.
type labHost struct {
	Name         string
	Addr         string
	User         string
	Cause        string // expected top finding; "" for none
	SweepSymptom string // probe.symptom of the sweep, from the auditor's address
	ClientOnly   bool   // the fault blocks only clientIP: the finding names it
	ClientSees   string // what the OpenSSH client sees from clientIP
}

// env is the lab that TestMain brought up, or why it could not.
type env struct {
	dir     string // lab/ (scripts, hosts.tsv)
	state   string // $RALAB_DIR
	hosts   []labHost
	missing string // a prerequisite that is absent
	upErr   error
	upTime  time.Duration
}

// lab is set once by TestMain before any test runs and only read afterwards.
var lab *env

func TestMain(m *testing.M) {
	os.Exit(runMain(m))
}

func runMain(m *testing.M) int {
	lab = newEnv()
	if lab.missing == "" {
		defer lab.down()
		lab.up()
	}
	return m.Run()
}

func newEnv() *env {
	// go test runs in the package directory, next to the scripts.
	dir, err := os.Getwd()
	e := &env{dir: dir, state: os.Getenv("RALAB_DIR")}
	if err != nil {
		e.missing = err.Error()
		return e
	}
	if e.state == "" {
		e.state = "/run/ralab"
	}
	hosts, err := readHosts(filepath.Join(e.dir, "hosts.tsv"))
	if err != nil {
		e.missing = err.Error()
		return e
	}
	e.hosts = hosts
	e.missing = missingPrerequisite()
	return e
}

// missingPrerequisite names what the lab needs and this machine lacks, or "".
func missingPrerequisite() string {
	if runtime.GOOS != "linux" {
		return "the lab needs Linux"
	}
	if os.Geteuid() != 0 {
		return "the lab needs root (network namespaces, bridges, mounts)"
	}
	for _, c := range []string{"ip", "unshare", "nsenter", "setpriv", "iptables", "nft", "ssh", "ssh-keygen",
		"rsyslogd", "fail2ban-client", "useradd", "timeout", "bash", "go"} {
		if _, err := exec.LookPath(c); err != nil {
			return fmt.Sprintf("%s is not installed (run scripts/deps)", c)
		}
	}
	for _, f := range []string{"/usr/sbin/sshd", "/usr/bin/python3", "/usr/share/openssh/sshd_config"} {
		if _, err := os.Stat(f); err != nil {
			return fmt.Sprintf("%s is missing (run scripts/deps)", f)
		}
	}
	return ""
}

func (e *env) up() {
	ctx, cancel := context.WithTimeout(context.Background(), upTimeout)
	defer cancel()
	start := time.Now()
	out, err := e.script(ctx, "up")
	e.upTime = time.Since(start)
	if err != nil {
		e.upErr = fmt.Errorf("lab/up: %w\n%s", err, out)
	}
}

func (e *env) down() {
	if os.Getenv("RALAB_KEEP") != "" {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if out, err := e.script(ctx, "down"); err != nil {
		fmt.Fprintf(os.Stderr, "lab/down: %v\n%s", err, out)
	}
}

func (e *env) script(ctx context.Context, name string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, filepath.Join(e.dir, name))
	cmd.Env = append(os.Environ(), "RALAB_DIR="+e.state)
	cmd.WaitDelay = 5 * time.Second
	return cmd.CombinedOutput()
}

// require stops t unless the lab is up: a failure under CI, a skip elsewhere.
func (e *env) require(t *testing.T) {
	t.Helper()
	if e.missing != "" {
		if os.Getenv("CI") == "true" {
			t.Fatalf("lab prerequisite missing under CI: %s", e.missing)
		}
		t.Skipf("lab prerequisite missing: %s", e.missing)
	}
	if e.upErr != nil {
		t.Fatal(e.upErr)
	}
	t.Logf("lab/up took %v", e.upTime.Round(time.Millisecond))
}

func (e *env) path(name string) string { return filepath.Join(e.state, name) }

// readHosts parses hosts.tsv: whitespace-separated columns, # comments.
func readHosts(path string) ([]labHost, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read lab hosts: %w", err)
	}
	var hosts []labHost
	sc := bufio.NewScanner(bytes.NewReader(data))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Fields(line)
		if len(f) != 7 {
			return nil, fmt.Errorf("%s:%d: want 7 columns, have %d", path, n, len(f))
		}
		h := labHost{Name: f[0], Addr: "10.77.0." + f[1], User: f[2], Cause: f[3],
			SweepSymptom: f[4], ClientOnly: f[5] == "yes", ClientSees: f[6]}
		if h.Cause == "-" {
			h.Cause = ""
		}
		hosts = append(hosts, h)
	}
	if len(hosts) == 0 {
		return nil, errors.New(path + ": no hosts")
	}
	return hosts, nil
}
