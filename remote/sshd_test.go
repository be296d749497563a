package remote

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"
	xknownhosts "golang.org/x/crypto/ssh/knownhosts"

	"github.com/resetaudit/resetaudit/result"
)

const sshdPath = "/usr/sbin/sshd"

// realDeadline bounds operations against a real sshd: a login forks a shell
// and reads its startup files, which on a loaded machine can take seconds.
// Tests pass in well under a second when the machine is idle.
const realDeadline = 10 * time.Second

// needSshd skips (or, under CI=true, fails) when the real OpenSSH server
// cannot be run here.
func needSshd(t *testing.T) {
	t.Helper()
	missing := ""
	if _, err := os.Stat(sshdPath); err != nil {
		missing = sshdPath + " is missing"
	} else if os.Geteuid() != 0 {
		missing = "sshd needs root"
	}
	if missing == "" {
		return
	}
	if os.Getenv("CI") == "true" {
		t.Fatal(missing)
	}
	t.Skip(missing)
}

// realSshd is an OpenSSH sshd on 127.0.0.1 with a fresh host key and one
// authorized client key.
type realSshd struct {
	port      int
	hostKey   ssh.PublicKey
	clientKey testKey
	log       *bytes.Buffer
}

func startSshd(t *testing.T, extraConfig string) *realSshd {
	t.Helper()
	needSshd(t)
	dir := t.TempDir()
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	block, err := ssh.MarshalPrivateKey(priv, "")
	if err != nil {
		t.Fatal(err)
	}
	hostKeyPath := filepath.Join(dir, "ssh_host_ed25519_key")
	if err := os.WriteFile(hostKeyPath, pem.EncodeToMemory(block), 0o600); err != nil {
		t.Fatal(err)
	}
	signer, err := ssh.NewSignerFromKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	s := &realSshd{port: closedPort(t), hostKey: signer.PublicKey(), clientKey: newTestKey(t), log: new(bytes.Buffer)}
	authorized := filepath.Join(dir, "authorized_keys")
	if err := os.WriteFile(authorized, ssh.MarshalAuthorizedKey(s.clientKey.signer.PublicKey()), 0o600); err != nil {
		t.Fatal(err)
	}
	config := fmt.Sprintf(`Port %d
ListenAddress 127.0.0.1
HostKey %s
PidFile none
UsePAM no
StrictModes no
AuthorizedKeysFile %s
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
%s
`, s.port, hostKeyPath, authorized, extraConfig)
	configPath := filepath.Join(dir, "sshd_config")
	if err := os.WriteFile(configPath, []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}
	// sshd refuses to start without its privilege separation directory,
	// which the init system normally creates.
	if err := os.MkdirAll("/run/sshd", 0o755); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(sshdPath, "-D", "-e", "-f", configPath)
	cmd.Stdout, cmd.Stderr = s.log, s.log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGTERM)
		cmd.Wait()
		if t.Failed() {
			t.Logf("sshd log:\n%s", s.log)
		}
	})
	addr := net.JoinHostPort("127.0.0.1", fmt.Sprint(s.port))
	for start := time.Now(); ; time.Sleep(20 * time.Millisecond) {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			c.Close()
			return s
		}
		if time.Since(start) > 5*time.Second {
			t.Fatalf("sshd did not listen on %s: %v", addr, err)
		}
	}
}

func (s *realSshd) config(t *testing.T) Config {
	addr := net.JoinHostPort("127.0.0.1", fmt.Sprint(s.port))
	return Config{
		KnownHosts: writeFile(t, xknownhosts.Line([]string{addr}, s.hostKey)+"\n"),
		Identities: []string{s.clientKey.path},
		User:       "root",
	}
}

func TestRealSshd(t *testing.T) {
	s := startSshd(t, "")
	c, p := dialFor(t, s.config(t), Target{Address: "127.0.0.1", Port: s.port}, realDeadline)
	if p.Symptom != result.SymptomOK {
		t.Fatalf("dial: %q %s", p.Symptom, p.Detail)
	}
	if !strings.HasPrefix(p.Banner, "SSH-2.0-OpenSSH_") {
		t.Errorf("banner %q", p.Banner)
	}
	ctx, cancel := context.WithTimeout(context.Background(), realDeadline)
	defer cancel()
	out, truncated, err := c.Collect(ctx, []byte("echo hello-from-sshd; id -u\n"), 1<<10)
	if err != nil || truncated {
		t.Fatalf("collect: %q %v %v", out, truncated, err)
	}
	if got, want := string(out), "hello-from-sshd\n0\n"; got != want {
		t.Errorf("output %q, want %q", got, want)
	}
}

func TestRealSshdProbe(t *testing.T) {
	tests := []struct {
		name     string
		config   string
		otherKey bool // offer a key the server does not know
		want     result.Symptom
		detail   string
	}{
		{
			name:   "legacy key exchange only",
			config: "KexAlgorithms diffie-hellman-group1-sha1",
			want:   result.SymptomKexFailed,
			detail: "the server offered diffie-hellman-group1-sha1",
		},
		{
			name:     "key not authorized",
			otherKey: true,
			want:     result.SymptomAuthFailed,
			detail:   "user root",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := startSshd(t, tt.config)
			cfg := s.config(t)
			if tt.otherKey {
				cfg.Identities = []string{newTestKey(t).path}
			}
			_, p := dialFor(t, cfg, Target{Address: "127.0.0.1", Port: s.port}, realDeadline)
			if p.Symptom != tt.want {
				t.Fatalf("symptom %q (%s), want %q", p.Symptom, p.Detail, tt.want)
			}
			if !strings.Contains(p.Detail, tt.detail) {
				t.Errorf("detail %q, want it to contain %q", p.Detail, tt.detail)
			}
		})
	}
}

// TestRealSshdMaxStartups holds one unauthenticated connection open against
// MaxStartups 1, so sshd drops the next one the way a busy server does.
func TestRealSshdMaxStartups(t *testing.T) {
	s := startSshd(t, "MaxStartups 1")
	// Once a banner arrives, sshd has counted the held connection. The
	// readiness check's connection may still be counted for a moment, so
	// retry until this one is the one sshd keeps.
	var held net.Conn
	for start := time.Now(); held == nil; time.Sleep(20 * time.Millisecond) {
		c, err := net.DialTimeout("tcp", net.JoinHostPort("127.0.0.1", fmt.Sprint(s.port)), time.Second)
		if err != nil {
			t.Fatal(err)
		}
		c.SetDeadline(time.Now().Add(2 * time.Second))
		if _, err := readBanner(c); err == nil {
			held = c
			break
		} else if time.Since(start) > 3*time.Second {
			t.Fatalf("no connection is let through: %v", err)
		}
		c.Close()
	}
	defer held.Close()
	_, p := dialFor(t, s.config(t), Target{Address: "127.0.0.1", Port: s.port}, realDeadline)
	if p.Symptom != result.SymptomClosedBeforeBanner && p.Symptom != result.SymptomResetBeforeBanner {
		t.Fatalf("symptom %q (%s), want closed or reset before the banner", p.Symptom, p.Detail)
	}
	if !strings.Contains(p.Detail, "Exceeded MaxStartups") {
		t.Errorf("detail %q does not quote the server", p.Detail)
	}
}
