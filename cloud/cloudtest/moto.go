// Package cloudtest runs moto, an EC2 emulator, for tests of package cloud
// and of its callers.
//
// Start launches `moto_server` on a free loopback port and stops it when the
// test ends. Under CI=true a missing moto_server fails the test; elsewhere it
// skips it.
package cloudtest

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"
)

// Moto is a running moto server.
type Moto struct {
	// Endpoint is the server's base URL, http://127.0.0.1:PORT.
	Endpoint string
	cmd      *exec.Cmd
	done     chan error
}

// startTimeout bounds how long moto may take to answer; it is a Python
// program and starts in one to three seconds on an idle machine, much longer on a loaded one.
const startTimeout = 90 * time.Second

// Start starts moto_server, waits until it answers, and registers its stop
// with t.Cleanup.
func Start(t testing.TB) *Moto {
	t.Helper()
	bin, err := exec.LookPath("moto_server")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("moto_server not found (it is required under CI): %v", err)
		}
		t.Skipf("moto_server not found: %v", err)
	}
	var lastErr error
	// A free port found by listening can be taken before moto binds it;
	// try again with another port in that case.
	for range 3 {
		m, err := start(t, bin)
		if err == nil {
			return m
		}
		lastErr = err
	}
	t.Fatalf("starting moto_server: %v", lastErr)
	return nil
}

func start(t testing.TB, bin string) (*Moto, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, "-H", "127.0.0.1", "-p", strconv.Itoa(port))
	// Its own process group, so that stopping it also stops anything a
	// wrapper (a pyenv shim) started.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	logf, err := os.Create(filepath.Join(t.TempDir(), "moto.log"))
	if err != nil {
		return nil, err
	}
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		logf.Close()
		return nil, err
	}
	m := &Moto{Endpoint: fmt.Sprintf("http://127.0.0.1:%d", port), cmd: cmd, done: make(chan error, 1)}
	go func() { m.done <- cmd.Wait(); logf.Close() }()
	if err := m.waitReady(); err != nil {
		m.stop()
		log, _ := os.ReadFile(logf.Name())
		return nil, fmt.Errorf("%w; log:\n%s", err, log)
	}
	t.Cleanup(m.stop)
	return m, nil
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// waitReady polls moto until it answers or exits.
func (m *Moto) waitReady() error {
	ctx, cancel := context.WithTimeout(context.Background(), startTimeout)
	defer cancel()
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, m.Endpoint+"/moto-api/data.json", nil)
		if resp, err := http.DefaultClient.Do(req); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case err := <-m.done:
			m.done <- err
			return fmt.Errorf("moto_server exited: %v", err)
		case <-ctx.Done():
			return errors.New("moto_server did not answer within " + startTimeout.String())
		case <-tick.C:
		}
	}
}

func (m *Moto) stop() {
	_ = syscall.Kill(-m.cmd.Process.Pid, syscall.SIGKILL)
	<-m.done
}

// Reset drops all of moto's state (instances, groups, VPCs...).
func (m *Moto) Reset(t testing.TB) {
	t.Helper()
	resp, err := http.Post(m.Endpoint+"/moto-api/reset", "application/json", nil)
	if err != nil {
		t.Fatalf("resetting moto: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("resetting moto: %s", resp.Status)
	}
}

// Env points the AWS SDK at this server with dummy credentials and no
// access to the real machine's AWS configuration, for the rest of the test.
func (m *Moto) Env(t *testing.T) {
	t.Helper()
	Hermetic(t, "us-east-1")
	t.Setenv("AWS_ENDPOINT_URL_EC2", m.Endpoint)
}

// Hermetic sets dummy credentials and region and hides the real AWS
// configuration files and instance metadata, for the rest of the test.
func Hermetic(t *testing.T, region string) {
	t.Helper()
	dir := t.TempDir()
	for k, v := range map[string]string{
		"AWS_ACCESS_KEY_ID":           "testing",
		"AWS_SECRET_ACCESS_KEY":       "testing",
		"AWS_SESSION_TOKEN":           "",
		"AWS_SECURITY_TOKEN":          "",
		"AWS_PROFILE":                 "",
		"AWS_DEFAULT_PROFILE":         "",
		"AWS_REGION":                  region,
		"AWS_DEFAULT_REGION":          region,
		"AWS_CONFIG_FILE":             filepath.Join(dir, "no-config"),
		"AWS_SHARED_CREDENTIALS_FILE": filepath.Join(dir, "no-credentials"),
		"AWS_EC2_METADATA_DISABLED":   "true",
		"AWS_ENDPOINT_URL":            "",
		"AWS_ENDPOINT_URL_EC2":        "",
		"AWS_MAX_ATTEMPTS":            "",
		"AWS_RETRY_MODE":              "",
		"AWS_CA_BUNDLE":               "",
	} {
		t.Setenv(k, v)
	}
}
