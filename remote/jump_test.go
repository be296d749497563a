package remote

import (
	"context"
	"fmt"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	xknownhosts "golang.org/x/crypto/ssh/knownhosts"

	"github.com/resetaudit/resetaudit/inventory"
	"github.com/resetaudit/resetaudit/result"
)

// jumpLab is a bastion that forwards to two targets, all accepting one key
// and recorded in one known_hosts file.
type jumpLab struct {
	key              testKey
	bastion          *testServer
	target1, target2 *testServer
	cfg              Config
}

func newJumpLab(t *testing.T) *jumpLab {
	t.Helper()
	key := newTestKey(t)
	l := &jumpLab{key: key}
	l.bastion = newTestServer(t, serverOptions{authorized: key.signer.PublicKey(), forward: true})
	l.target1 = newTestServer(t, serverOptions{authorized: key.signer.PublicKey()})
	l.target2 = newTestServer(t, serverOptions{authorized: key.signer.PublicKey()})
	known := l.bastion.knownHostsLine() + "\n" + l.target1.knownHostsLine() + "\n" + l.target2.knownHostsLine() + "\n"
	l.cfg = Config{KnownHosts: writeFile(t, known), Identities: []string{key.path}, User: "auditor"}
	return l
}

func (l *jumpLab) behind(s *testServer) Target {
	t := s.target("")
	h, p := l.bastion.addr()
	t.Jump = []inventory.Hop{{User: "jump", Address: h, Port: p}}
	return t
}

func TestJumpSharesBastion(t *testing.T) {
	l := newJumpLab(t)
	d, err := NewDialer(l.cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()

	targets := []Target{l.behind(l.target1), l.behind(l.target2), l.behind(l.target1), l.behind(l.target2)}
	var wg sync.WaitGroup
	errs := make([]error, len(targets))
	for i, tg := range targets {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			defer cancel()
			c, p := d.Dial(ctx, tg)
			if p.Symptom != result.SymptomOK {
				errs[i] = fmt.Errorf("dial %d: %q %s", i, p.Symptom, p.Detail)
				return
			}
			defer c.Close()
			if p.SourceAddress != "127.0.0.1" {
				errs[i] = fmt.Errorf("dial %d: source address %q", i, p.SourceAddress)
			}
			out, _, err := c.Collect(ctx, []byte("hello"), 100)
			if err != nil || string(out) != "hello" {
				errs[i] = fmt.Errorf("collect %d: %q %v", i, out, err)
			}
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	if n := l.bastion.accepted.Load(); n != 1 {
		t.Errorf("bastion accepted %d connections, want 1", n)
	}
	if n1, n2 := l.target1.accepted.Load(), l.target2.accepted.Load(); n1 != 2 || n2 != 2 {
		t.Errorf("targets accepted %d and %d connections, want 2 each", n1, n2)
	}
}

func TestJumpFailures(t *testing.T) {
	tests := []struct {
		name   string
		setup  func(t *testing.T, l *jumpLab) Target
		want   result.Symptom
		detail string
	}{
		{
			name: "bastion refuses",
			setup: func(t *testing.T, l *jumpLab) Target {
				tg := l.behind(l.target1)
				tg.Jump[0].Port = closedPort(t)
				return tg
			},
			want:   result.SymptomRefused,
			detail: "bastion jump@127.0.0.1:",
		},
		{
			name: "bastion host key unknown",
			setup: func(t *testing.T, l *jumpLab) Target {
				l.cfg.KnownHosts = writeFile(t, l.target1.knownHostsLine()+"\n")
				return l.behind(l.target1)
			},
			want:   result.SymptomHostKeyUnknown,
			detail: "bastion jump@127.0.0.1:",
		},
		{
			name: "target behind bastion refuses",
			setup: func(t *testing.T, l *jumpLab) Target {
				tg := l.behind(l.target1)
				tg.Port = closedPort(t)
				return tg
			},
			want:   result.SymptomRefused,
			detail: "via bastion jump@127.0.0.1:",
		},
		{
			name: "target behind bastion is silent",
			setup: func(t *testing.T, l *jumpLab) Target {
				tg := l.behind(l.target1)
				tg.Address, tg.Port = rawListener(t, drain)
				return tg
			},
			want:   result.SymptomBannerTimeout,
			detail: "no SSH banner",
		},
		{
			name: "two-hop chain",
			setup: func(t *testing.T, l *jumpLab) Target {
				tg := l.behind(l.target1)
				tg.Jump = append(tg.Jump, tg.Jump[0])
				return tg
			},
			want: result.SymptomOK,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			l := newJumpLab(t)
			tg := tt.setup(t, l)
			_, p := dialFor(t, l.cfg, tg, 600*time.Millisecond)
			if p.Symptom != tt.want {
				t.Fatalf("symptom %q (%s), want %q", p.Symptom, p.Detail, tt.want)
			}
			if !strings.Contains(p.Detail, tt.detail) {
				t.Errorf("detail %q, want it to contain %q", p.Detail, tt.detail)
			}
			if p.SourceAddress != "127.0.0.1" {
				t.Errorf("source address %q", p.SourceAddress)
			}
		})
	}
}

func TestJumpDeadBastionFailsFast(t *testing.T) {
	l := newJumpLab(t)
	d, err := NewDialer(l.cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	c, p := d.Dial(ctx, l.behind(l.target1))
	if p.Symptom != result.SymptomOK {
		t.Fatalf("dial: %q %s", p.Symptom, p.Detail)
	}
	c.Close()

	l.bastion.Close()
	for i := range 3 {
		start := time.Now()
		c, p := d.Dial(ctx, l.behind(l.target2))
		if c != nil {
			c.Close()
		}
		if el := time.Since(start); el > time.Second {
			t.Errorf("dial %d after the bastion died took %v", i, el)
		}
		if p.Symptom == result.SymptomOK || !strings.Contains(p.Detail, "bastion jump@") {
			t.Errorf("dial %d after the bastion died: %q %s", i, p.Symptom, p.Detail)
		}
	}
}

func TestJumpAfterClose(t *testing.T) {
	l := newJumpLab(t)
	d, err := NewDialer(l.cfg)
	if err != nil {
		t.Fatal(err)
	}
	d.Close()
	_, p := d.Dial(context.Background(), l.behind(l.target1))
	if p.Symptom == result.SymptomOK || !strings.Contains(p.Detail, "dialer closed") {
		t.Errorf("dial after Close: %q %s", p.Symptom, p.Detail)
	}
}

// freezer is a TCP proxy to backend that can go silent without closing
// anything, like a path that starts dropping packets.
type freezer struct {
	frozen chan struct{}
	once   sync.Once
}

func newFreezer(t *testing.T, backend string) (*freezer, string, int) {
	f := &freezer{frozen: make(chan struct{})}
	host, port := rawListener(t, func(c net.Conn, stop <-chan struct{}) {
		b, err := net.Dial("tcp", backend)
		if err != nil {
			c.Close()
			return
		}
		var wg sync.WaitGroup
		pipe := func(dst, src net.Conn) {
			defer wg.Done()
			buf := make([]byte, 32<<10)
			for {
				n, err := src.Read(buf)
				select {
				case <-f.frozen:
					<-stop // swallow everything until the test ends
					return
				default:
				}
				if n > 0 {
					dst.Write(buf[:n])
				}
				if err != nil {
					return
				}
			}
		}
		wg.Add(2)
		go pipe(b, c)
		go pipe(c, b)
		<-stop
		c.Close()
		b.Close()
		wg.Wait()
	})
	return f, host, port
}

func (f *freezer) freeze() { f.once.Do(func() { close(f.frozen) }) }

func TestJumpSilentBastion(t *testing.T) {
	l := newJumpLab(t)
	f, host, port := newFreezer(t, l.bastion.ln.Addr().String())
	known := l.bastion.knownHostsLine() + "\n" + l.target1.knownHostsLine() + "\n" + l.target2.knownHostsLine() + "\n" +
		xknownhosts.Line([]string{net.JoinHostPort(host, fmt.Sprint(port))}, l.bastion.hostKeys[0].PublicKey()) + "\n"
	l.cfg.KnownHosts = writeFile(t, known)
	d, err := NewDialer(l.cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	behind := func(s *testServer) Target {
		tg := s.target("")
		tg.Jump = []inventory.Hop{{User: "jump", Address: host, Port: port}}
		return tg
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	c, p := d.Dial(ctx, behind(l.target1))
	if p.Symptom != result.SymptomOK {
		t.Fatalf("dial: %q %s", p.Symptom, p.Detail)
	}
	c.Close()

	f.freeze()
	for i, want := range []string{"no keepalive reply", "bastion jump@"} {
		ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
		start := time.Now()
		c, p := d.Dial(ctx, behind(l.target2))
		cancel()
		if c != nil {
			c.Close()
		}
		if el := time.Since(start); el > 1300*time.Millisecond {
			t.Errorf("dial %d through a silent bastion took %v", i, el)
		}
		if p.Symptom == result.SymptomOK || !strings.Contains(p.Detail, want) {
			t.Errorf("dial %d through a silent bastion: %q %s, want detail with %q", i, p.Symptom, p.Detail, want)
		}
	}
}
