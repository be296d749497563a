package remote

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/agent"

	"github.com/resetaudit/resetaudit/inventory"
	"github.com/resetaudit/resetaudit/result"
)

// startAgent serves an in-memory ssh-agent holding keys on a socket named
// by SSH_AUTH_SOCK for the rest of the test.
func startAgent(t *testing.T, keys ...testKey) {
	t.Helper()
	ring := agent.NewKeyring()
	for _, k := range keys {
		b, err := os.ReadFile(k.path)
		if err != nil {
			t.Fatal(err)
		}
		if err := addRaw(ring, b); err != nil {
			t.Fatal(err)
		}
	}
	sock := filepath.Join(t.TempDir(), "agent.sock")
	ln, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	serve(t, ln, func(c net.Conn) { agent.ServeAgent(ring, c) })
	t.Setenv("SSH_AUTH_SOCK", sock)
}

func TestAuthSources(t *testing.T) {
	hostKey, agentKey, otherKey := newTestKey(t), newTestKey(t), newTestKey(t)
	tests := []struct {
		name       string
		authorized testKey
		agent      []testKey // nil: no agent
		useAgent   bool
		config     []string // Config.Identities
		target     []string // Target.Identities
		want       result.Symptom
		detail     string
	}{
		{name: "per-host identity", authorized: hostKey, config: []string{otherKey.path}, target: []string{hostKey.path}, want: result.SymptomOK},
		{name: "agent key", authorized: agentKey, agent: []testKey{agentKey}, useAgent: true, config: []string{otherKey.path}, want: result.SymptomOK},
		{name: "agent not wanted", authorized: agentKey, agent: []testKey{agentKey}, config: []string{otherKey.path}, want: result.SymptomAuthFailed},
		{
			name: "encrypted key skipped with an agent", authorized: agentKey, agent: []testKey{agentKey}, useAgent: true,
			config: []string{"testdata/id_ed25519_encrypted"}, want: result.SymptomOK,
		},
		{
			name: "unreadable per-host identity", authorized: hostKey, target: []string{"testdata/missing"},
			want: result.SymptomAuthFailed, detail: "identity testdata/missing",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("SSH_AUTH_SOCK", "")
			if tt.agent != nil {
				startAgent(t, tt.agent...)
			}
			s := newTestServer(t, serverOptions{authorized: tt.authorized.signer.PublicKey()})
			cfg := Config{KnownHosts: writeFile(t, s.knownHostsLine()+"\n"), Identities: tt.config, UseAgent: tt.useAgent}
			tg := s.target("")
			tg.Identities = tt.target
			_, p := dialFor(t, cfg, tg, 2*time.Second)
			if p.Symptom != tt.want {
				t.Fatalf("symptom %q (%s), want %q", p.Symptom, p.Detail, tt.want)
			}
			if !strings.Contains(p.Detail, tt.detail) {
				t.Errorf("detail %q, want it to contain %q", p.Detail, tt.detail)
			}
		})
	}
}

func TestAcceptNewConcurrent(t *testing.T) {
	key := newTestKey(t)
	known := filepath.Join(t.TempDir(), "known_hosts")
	d, err := NewDialer(Config{KnownHosts: known, AcceptNew: true, Identities: []string{key.path}, User: "u"})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	var servers []*testServer
	for range 6 {
		servers = append(servers, newTestServer(t, serverOptions{authorized: key.signer.PublicKey()}))
	}
	var wg sync.WaitGroup
	errs := make(chan error, len(servers)*2)
	for _, s := range append(servers, servers...) { // each host twice, concurrently
		wg.Add(1)
		go func() {
			defer wg.Done()
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			defer cancel()
			c, p := d.Dial(ctx, s.target(""))
			if p.Symptom != result.SymptomOK {
				errs <- fmt.Errorf("%s: %q %s", s.ln.Addr(), p.Symptom, p.Detail)
				return
			}
			c.Close()
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	b, err := os.ReadFile(known)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(lines) != len(servers) {
		t.Errorf("known_hosts has %d lines, want %d:\n%s", len(lines), len(servers), b)
	}
	for _, s := range servers {
		if !strings.Contains(string(b), s.knownHostsLine()+"\n") {
			t.Errorf("known_hosts lacks %s", s.knownHostsLine())
		}
	}
}

func TestDialCanceled(t *testing.T) {
	host, port := rawListener(t, drain)
	d, err := NewDialer(Config{KnownHosts: writeFile(t, ""), User: "u"})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(100*time.Millisecond, cancel)
	start := time.Now()
	_, p := d.Dial(ctx, Target{Address: host, Port: port})
	if el := time.Since(start); el > time.Second {
		t.Errorf("Dial took %v after cancel", el)
	}
	if p.Symptom != result.SymptomBannerTimeout || !strings.Contains(p.Detail, "canceled") {
		t.Errorf("probe %q %s", p.Symptom, p.Detail)
	}
}

func addRaw(ring agent.Agent, pemBytes []byte) error {
	k, err := ssh.ParseRawPrivateKey(pemBytes)
	if err != nil {
		return err
	}
	return ring.Add(agent.AddedKey{PrivateKey: k})
}

func TestTargetOf(t *testing.T) {
	h := inventory.Host{
		Name: "web-1", Address: "10.0.4.17", Port: 2222, User: "deploy",
		Jump:       []inventory.Hop{{User: "j", Address: "bastion", Port: 22}},
		Identities: []string{"/k"}, Groups: []string{"web"},
	}
	got := TargetOf(h)
	if got.Name != "web-1" || got.Address != "10.0.4.17" || got.Port != 2222 || got.User != "deploy" ||
		len(got.Jump) != 1 || got.Jump[0] != h.Jump[0] || len(got.Identities) != 1 || got.Identities[0] != "/k" {
		t.Errorf("TargetOf = %+v", got)
	}
}
