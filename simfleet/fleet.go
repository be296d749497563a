// Package simfleet runs in-process SSH servers that answer like real hosts,
// each replaying output recorded from a real system and patched to show one
// fault. It backs `resetaudit demo`, tests and benchmarks, and goes through
// exactly the code path of a real sweep, host-key verification included.
package simfleet

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"time"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"

	"github.com/resetaudit/resetaudit/inventory"
)

// Options configure a simulated fleet.
type Options struct {
	Hosts int // number of hosts; beyond the distinct scenarios, hosts repeat them
	// Latency delays each payload answer, as a real host's collection would.
	Latency time.Duration
	// Dir holds the generated key and known_hosts; a temporary one when "".
	Dir string
	// Scenarios replaces the demo's scenarios, e.g. with Hostile().
	Scenarios []*Scenario
}

// Fleet is a running simulated fleet.
type Fleet struct {
	Hosts      []inventory.Host
	KnownHosts string // known_hosts file with every host's key
	Identity   string // private key file the hosts accept
	// ClientIP is the end-user address the scenarios block.
	ClientIP string

	dir     string
	tempDir bool
	servers []*server
	cancel  context.CancelFunc
}

// ClientIP is the documentation address (RFC 5737) the scenarios treat as
// the end user who reports resets. No traffic is ever sent to it.
const ClientIP = "203.0.113.7"

// Start starts o.Hosts simulated hosts on loopback.
func Start(ctx context.Context, o Options) (*Fleet, error) {
	if o.Scenarios == nil {
		o.Scenarios = Scenarios()
	}
	if o.Hosts <= 0 {
		o.Hosts = len(o.Scenarios)
	}
	f := &Fleet{dir: o.Dir, ClientIP: ClientIP}
	if f.dir == "" {
		d, err := os.MkdirTemp("", "resetaudit-demo-")
		if err != nil {
			return nil, err
		}
		f.dir, f.tempDir = d, true
	}
	ctx, f.cancel = context.WithCancel(ctx)
	if err := f.start(ctx, o); err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

func (f *Fleet) start(ctx context.Context, o Options) error {
	hostKey, err := newSigner()
	if err != nil {
		return err
	}
	otherKey, err := newSigner()
	if err != nil {
		return err
	}
	clientPriv, clientPub, err := newClientKey()
	if err != nil {
		return err
	}
	f.Identity = filepath.Join(f.dir, "id_ed25519")
	if err := os.WriteFile(f.Identity, clientPriv, 0o600); err != nil {
		return err
	}
	allowed := string(clientPub.Marshal())
	accept := func(_ ssh.ConnMetadata, k ssh.PublicKey) (*ssh.Permissions, error) {
		if string(k.Marshal()) == allowed {
			return nil, nil
		}
		return nil, fmt.Errorf("unknown key")
	}
	deny := func(ssh.ConnMetadata, ssh.PublicKey) (*ssh.Permissions, error) {
		return nil, fmt.Errorf("denied")
	}

	scen := o.Scenarios
	var known strings.Builder
	var refused []*server
	for i := 0; i < o.Hosts; i++ {
		sc := scen[i%len(scen)]
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return fmt.Errorf("simulated host %d: %w", i, err)
		}
		s := &server{ln: ln, behaviour: sc.Behaviour, latency: o.Latency, conns: map[net.Conn]struct{}{}}
		cfg := &ssh.ServerConfig{PublicKeyCallback: accept, ServerVersion: "SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3"}
		if sc.Banner != "" {
			cfg.ServerVersion = sc.Banner
		}
		key := hostKey
		switch sc.Behaviour {
		case WrongHostKey:
			key = otherKey
		case DenyAuth:
			cfg.PublicKeyCallback = deny
		case LegacyKex:
			cfg.KeyExchanges = []string{"diffie-hellman-group1-sha1"}
			cfg.ServerVersion = "SSH-2.0-OpenSSH_5.3"
		}
		cfg.AddHostKey(key)
		s.config = cfg
		s.payload = sc.render
		f.servers = append(f.servers, s)
		if sc.Behaviour == Refuse {
			refused = append(refused, s)
		} else {
			s.wg.Add(1)
			go s.serve(ctx)
		}

		name := sc.Name
		if i >= len(scen) {
			name = fmt.Sprintf("%s-%d", sc.Name, i/len(scen)+1)
		}
		port := s.addr().Port
		f.Hosts = append(f.Hosts, inventory.Host{
			Name:    name,
			Address: "127.0.0.1",
			Port:    port,
			User:    sc.user(),
			Groups:  []string{"demo", sc.Group},
			Source:  fmt.Sprintf("simfleet:%d", i+1),
		})
		known.WriteString(knownhosts.Line([]string{knownhosts.Normalize(fmt.Sprintf("127.0.0.1:%d", port))}, hostKey.PublicKey()))
		known.WriteByte('\n')
	}
	// Closed only now, so that no later listener takes the port over.
	for _, s := range refused {
		s.ln.Close()
	}
	f.KnownHosts = filepath.Join(f.dir, "known_hosts")
	return os.WriteFile(f.KnownHosts, []byte(known.String()), 0o600)
}

// Close stops every simulated host and removes generated files.
func (f *Fleet) Close() error {
	if f.cancel != nil {
		f.cancel()
	}
	for _, s := range f.servers {
		if s.behaviour != Refuse {
			s.close()
		}
	}
	if f.tempDir {
		return os.RemoveAll(f.dir)
	}
	return nil
}

func newSigner() (ssh.Signer, error) {
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, err
	}
	return ssh.NewSignerFromKey(priv)
}

func newClientKey() (pemBytes []byte, pub ssh.PublicKey, err error) {
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, nil, err
	}
	block, err := ssh.MarshalPrivateKey(priv, "resetaudit demo")
	if err != nil {
		return nil, nil, err
	}
	signer, err := ssh.NewSignerFromKey(priv)
	if err != nil {
		return nil, nil, err
	}
	return pem.EncodeToMemory(block), signer.PublicKey(), nil
}
