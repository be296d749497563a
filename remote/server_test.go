package remote

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"encoding/binary"
	"encoding/pem"
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"
	xknownhosts "golang.org/x/crypto/ssh/knownhosts"
)

// testKey is a client key pair with its private key in a file.
type testKey struct {
	signer ssh.Signer
	path   string
}

func newTestKey(t testing.TB) testKey {
	t.Helper()
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	block, err := ssh.MarshalPrivateKey(priv, "")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "id_ed25519")
	if err := os.WriteFile(path, pem.EncodeToMemory(block), 0o600); err != nil {
		t.Fatal(err)
	}
	s, err := ssh.NewSignerFromKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	return testKey{signer: s, path: path}
}

func newHostSigner(t testing.TB, kind string) ssh.Signer {
	t.Helper()
	var key any
	switch kind {
	case "rsa":
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			t.Fatal(err)
		}
		key = k
	default:
		_, k, err := ed25519.GenerateKey(rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		key = k
	}
	s, err := ssh.NewSignerFromKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// sessionFunc serves one exec request: it gets the command, the channel, and
// a channel closed when the server shuts down.
type sessionFunc func(cmd string, ch ssh.Channel, stop <-chan struct{})

// testServer is an in-process SSH server on 127.0.0.1.
type testServer struct {
	ln       net.Listener
	hostKeys []ssh.Signer
	accepted atomic.Int32
	// commands records the exec commands received; ptys counts pty requests.
	mu       sync.Mutex
	commands []string
	ptys     int
	conns    []net.Conn

	stop chan struct{}
	wg   sync.WaitGroup
}

type serverOptions struct {
	hostKeys   []ssh.Signer
	authorized ssh.PublicKey // nil: any key is refused
	kex        []string
	session    sessionFunc
	forward    bool   // serve direct-tcpip
	listen     string // address to listen on; "" means a random loopback port
}

func newTestServerAt(t testing.TB, addr string, o serverOptions) *testServer {
	o.listen = addr
	return newTestServer(t, o)
}

func newTestServer(t testing.TB, o serverOptions) *testServer {
	t.Helper()
	if o.hostKeys == nil {
		o.hostKeys = []ssh.Signer{newHostSigner(t, "ed25519")}
	}
	if o.session == nil {
		o.session = echoSession
	}
	cfg := &ssh.ServerConfig{
		ServerVersion: "SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3",
		PublicKeyCallback: func(_ ssh.ConnMetadata, k ssh.PublicKey) (*ssh.Permissions, error) {
			if o.authorized != nil && string(k.Marshal()) == string(o.authorized.Marshal()) {
				return nil, nil
			}
			return nil, io.ErrUnexpectedEOF
		},
	}
	cfg.KeyExchanges = o.kex
	for _, k := range o.hostKeys {
		cfg.AddHostKey(k)
	}
	if o.listen == "" {
		o.listen = "127.0.0.1:0"
	}
	ln, err := net.Listen("tcp", o.listen)
	if err != nil {
		t.Fatal(err)
	}
	s := &testServer{ln: ln, hostKeys: o.hostKeys, stop: make(chan struct{})}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			s.accepted.Add(1)
			if !s.track(c) {
				return
			}
			s.wg.Add(1)
			go func() {
				defer s.wg.Done()
				s.serve(c, cfg, o)
			}()
		}
	}()
	t.Cleanup(s.Close)
	return s
}

// track remembers c so Close can close it; false if the server is closed.
func (s *testServer) track(c net.Conn) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	select {
	case <-s.stop:
		c.Close()
		return false
	default:
	}
	s.conns = append(s.conns, c)
	return true
}

func (s *testServer) serve(c net.Conn, cfg *ssh.ServerConfig, o serverOptions) {
	defer c.Close()
	sc, chans, reqs, err := ssh.NewServerConn(c, cfg)
	if err != nil {
		return
	}
	defer sc.Close()
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		ssh.DiscardRequests(reqs)
	}()
	for nc := range chans {
		switch {
		case nc.ChannelType() == "session":
			ch, creqs, err := nc.Accept()
			if err != nil {
				continue
			}
			s.wg.Add(1)
			go func() {
				defer s.wg.Done()
				s.session(ch, creqs, o.session) // closes ch after an exec
			}()
		case nc.ChannelType() == "direct-tcpip" && o.forward:
			s.forward(nc)
		default:
			nc.Reject(ssh.Prohibited, "not here")
		}
	}
}

func (s *testServer) session(ch ssh.Channel, reqs <-chan *ssh.Request, fn sessionFunc) {
	for r := range reqs {
		switch r.Type {
		case "exec":
			var p struct{ Command string }
			if err := ssh.Unmarshal(r.Payload, &p); err != nil {
				r.Reply(false, nil)
				continue
			}
			r.Reply(true, nil)
			s.mu.Lock()
			s.commands = append(s.commands, p.Command)
			s.mu.Unlock()
			s.wg.Add(1)
			go func() {
				defer s.wg.Done()
				go ssh.DiscardRequests(reqs)
				fn(p.Command, ch, s.stop)
				ch.Close()
			}()
			return
		case "pty-req":
			s.mu.Lock()
			s.ptys++
			s.mu.Unlock()
			r.Reply(false, nil)
		default:
			r.Reply(false, nil)
		}
	}
}

// forward serves a direct-tcpip channel by dialing its destination.
func (s *testServer) forward(nc ssh.NewChannel) {
	var p struct {
		Host     string
		Port     uint32
		OrigHost string
		OrigPort uint32
	}
	if err := ssh.Unmarshal(nc.ExtraData(), &p); err != nil {
		nc.Reject(ssh.ConnectionFailed, "bad request")
		return
	}
	c, err := net.DialTimeout("tcp", net.JoinHostPort(p.Host, strconv.Itoa(int(p.Port))), time.Second)
	if err != nil {
		nc.Reject(ssh.ConnectionFailed, "connect failed: Connection refused")
		return
	}
	if !s.track(c) {
		nc.Reject(ssh.ConnectionFailed, "shutting down")
		return
	}
	ch, reqs, err := nc.Accept()
	if err != nil {
		c.Close()
		return
	}
	go ssh.DiscardRequests(reqs)
	s.wg.Add(2)
	go func() {
		defer s.wg.Done()
		io.Copy(ch, c)
		ch.CloseWrite()
		ch.Close()
	}()
	go func() {
		defer s.wg.Done()
		io.Copy(c, ch)
		c.Close()
	}()
}

func (s *testServer) addr() (string, int) {
	a := s.ln.Addr().(*net.TCPAddr)
	return a.IP.String(), a.Port
}

func (s *testServer) target(user string) Target {
	h, p := s.addr()
	return Target{Name: "t", Address: h, Port: p, User: user}
}

// knownHostsLine is s's first host key as a known_hosts line.
func (s *testServer) knownHostsLine() string {
	return xknownhosts.Line([]string{s.ln.Addr().String()}, s.hostKeys[0].PublicKey())
}

// Close stops the server and closes every connection it has.
func (s *testServer) Close() {
	s.mu.Lock()
	select {
	case <-s.stop:
		s.mu.Unlock()
		return
	default:
	}
	close(s.stop)
	conns := s.conns
	s.mu.Unlock()
	s.ln.Close()
	for _, c := range conns {
		c.Close()
	}
	s.wg.Wait()
}

func echoSession(_ string, ch ssh.Channel, _ <-chan struct{}) {
	io.Copy(ch, ch)
	exitStatus(ch, 0)
}

func exitStatus(ch ssh.Channel, code uint32) {
	ch.SendRequest("exit-status", false, binary.BigEndian.AppendUint32(nil, code))
}

// rawListener accepts connections on 127.0.0.1 and hands each to fn; fn
// must return when stop is closed or the connection fails.
func rawListener(t testing.TB, fn func(c net.Conn, stop <-chan struct{})) (string, int) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	stop := make(chan struct{})
	serve(t, ln, func(c net.Conn) { fn(c, stop) })
	t.Cleanup(func() { close(stop) }) // runs before serve's cleanup
	a := ln.Addr().(*net.TCPAddr)
	return a.IP.String(), a.Port
}

// serve hands each connection accepted on ln to handle, each in its own
// goroutine; the test's cleanup closes ln and every connection and waits for
// the handlers.
func serve(t testing.TB, ln net.Listener, handle func(net.Conn)) {
	var wg sync.WaitGroup
	var mu sync.Mutex
	var conns []net.Conn
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
			wg.Add(1)
			go func() {
				defer wg.Done()
				handle(c)
			}()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		for _, c := range conns {
			c.Close()
		}
		mu.Unlock()
		wg.Wait()
	})
}

// closedPort returns a loopback port that nothing listens on.
func closedPort(t testing.TB) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	return p
}

func writeFile(t testing.TB, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "known_hosts")
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}
