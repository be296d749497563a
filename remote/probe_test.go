package remote

import (
	"context"
	"io"
	"net"
	"os"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"
	xknownhosts "golang.org/x/crypto/ssh/knownhosts"

	"github.com/resetaudit/resetaudit/result"
)

// dialFor dials t with a fresh Dialer under a deadline and checks that Dial
// returned within it (plus a margin).
func dialFor(t *testing.T, cfg Config, tg Target, deadline time.Duration) (*Client, result.Probe) {
	t.Helper()
	if cfg.User == "" {
		cfg.User = "auditor"
	}
	d, err := NewDialer(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), deadline)
	defer cancel()
	start := time.Now()
	c, p := d.Dial(ctx, tg)
	// The margin absorbs scheduling delays on a loaded machine; a missed
	// deadline would be a hang, far longer than that.
	if el := time.Since(start); el > deadline+time.Second {
		t.Errorf("Dial took %v, deadline %v", el, deadline)
	}
	if (c != nil) != (p.Symptom == result.SymptomOK) {
		t.Errorf("client %v with symptom %q", c != nil, p.Symptom)
	}
	if c != nil {
		t.Cleanup(func() { c.Close() })
	}
	return c, p
}

// drain reads and discards until the connection or the test ends.
func drain(c net.Conn, stop <-chan struct{}) {
	go func() { <-stop; c.Close() }()
	io.Copy(io.Discard, c)
}

func TestProbeBeforeHandshake(t *testing.T) {
	const banner = "SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3"
	tests := []struct {
		name       string
		serve      func(c net.Conn, stop <-chan struct{}) // nil: closed port
		want       result.Symptom
		wantDetail string
		wantBanner string
	}{
		{name: "closed port", want: result.SymptomRefused, wantDetail: "refused"},
		{
			name:  "silent listener",
			serve: drain,
			want:  result.SymptomBannerTimeout, wantDetail: "no SSH banner",
		},
		{
			name: "MaxStartups line then close",
			serve: func(c net.Conn, _ <-chan struct{}) {
				io.WriteString(c, "Exceeded MaxStartups\r\n")
				c.Close()
			},
			want: result.SymptomClosedBeforeBanner, wantDetail: `"Exceeded MaxStartups"`,
		},
		{
			name: "reset on accept",
			serve: func(c net.Conn, _ <-chan struct{}) {
				c.(*net.TCPConn).SetLinger(0)
				c.Close()
			},
			want: result.SymptomResetBeforeBanner, wantDetail: "reset",
		},
		{
			name: "non-SSH line then stall",
			serve: func(c net.Conn, stop <-chan struct{}) {
				io.WriteString(c, "220 smtp.example ESMTP\r\n")
				drain(c, stop)
			},
			want: result.SymptomBannerTimeout, wantDetail: "220 smtp.example ESMTP",
		},
		{
			name: "banner then stall",
			serve: func(c net.Conn, stop <-chan struct{}) {
				io.WriteString(c, banner+"\r\n")
				drain(c, stop)
			},
			want: result.SymptomResetDuringKex, wantDetail: "during key exchange", wantBanner: banner,
		},
		{
			name: "banner then reset",
			serve: func(c net.Conn, _ <-chan struct{}) {
				io.WriteString(c, banner+"\r\n")
				c.Read(make([]byte, 64))
				c.(*net.TCPConn).SetLinger(0)
				c.Close()
			},
			want: result.SymptomResetDuringKex, wantDetail: "during key exchange", wantBanner: banner,
		},
		{
			name: "banner with control characters",
			serve: func(c net.Conn, stop <-chan struct{}) {
				io.WriteString(c, "SSH-2.0-evil\x1b[31mred\x07\r\n")
				drain(c, stop)
			},
			want: result.SymptomResetDuringKex, wantBanner: "SSH-2.0-evil [31mred",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			host, port := "127.0.0.1", 0
			if tt.serve == nil {
				port = closedPort(t)
			} else {
				host, port = rawListener(t, tt.serve)
			}
			cfg := Config{KnownHosts: writeFile(t, "")}
			_, p := dialFor(t, cfg, Target{Address: host, Port: port}, 400*time.Millisecond)
			if p.Symptom != tt.want {
				t.Fatalf("symptom %q (%s), want %q", p.Symptom, p.Detail, tt.want)
			}
			if !strings.Contains(p.Detail, tt.wantDetail) {
				t.Errorf("detail %q, want it to contain %q", p.Detail, tt.wantDetail)
			}
			if p.Banner != tt.wantBanner {
				t.Errorf("banner %q, want %q", p.Banner, tt.wantBanner)
			}
			if p.SourceAddress != "127.0.0.1" {
				t.Errorf("source address %q", p.SourceAddress)
			}
		})
	}
}

func TestProbeHandshake(t *testing.T) {
	key := newTestKey(t)
	other := newTestKey(t)
	edKey := newHostSigner(t, "ed25519")
	rsaKey := newHostSigner(t, "rsa")

	tests := []struct {
		name      string
		server    serverOptions
		identity  string
		known     func(s *testServer) string // known_hosts content
		acceptNew bool
		want      result.Symptom
		detail    string
	}{
		{
			name:     "ok",
			server:   serverOptions{authorized: key.signer.PublicKey()},
			identity: key.path,
			known:    func(s *testServer) string { return s.knownHostsLine() + "\n" },
			want:     result.SymptomOK,
		},
		{
			name:     "hashed known_hosts entry",
			server:   serverOptions{authorized: key.signer.PublicKey()},
			identity: key.path,
			known: func(s *testServer) string {
				return xknownhosts.HashHostname(xknownhosts.Normalize(s.ln.Addr().String())) + " " +
					strings.SplitN(s.knownHostsLine(), " ", 2)[1] + "\n"
			},
			want: result.SymptomOK,
		},
		{
			name:     "server has two key types, rsa recorded",
			server:   serverOptions{authorized: key.signer.PublicKey(), hostKeys: []ssh.Signer{edKey, rsaKey}},
			identity: key.path,
			known: func(s *testServer) string {
				return xknownhosts.Line([]string{s.ln.Addr().String()}, rsaKey.PublicKey()) + "\n"
			},
			want: result.SymptomOK,
		},
		{
			name:     "server has two key types, ed25519 recorded",
			server:   serverOptions{authorized: key.signer.PublicKey(), hostKeys: []ssh.Signer{rsaKey, edKey}},
			identity: key.path,
			known: func(s *testServer) string {
				return xknownhosts.Line([]string{s.ln.Addr().String()}, edKey.PublicKey()) + "\n"
			},
			want: result.SymptomOK,
		},
		{
			name:     "wrong client key",
			server:   serverOptions{authorized: key.signer.PublicKey()},
			identity: other.path,
			known:    func(s *testServer) string { return s.knownHostsLine() + "\n" },
			want:     result.SymptomAuthFailed, detail: "user auditor",
		},
		{
			name:     "unknown host key",
			server:   serverOptions{authorized: key.signer.PublicKey()},
			identity: key.path,
			known:    func(*testServer) string { return "" },
			want:     result.SymptomHostKeyUnknown, detail: "is not in known_hosts",
		},
		{
			name:     "changed host key",
			server:   serverOptions{authorized: key.signer.PublicKey()},
			identity: key.path,
			known: func(s *testServer) string {
				return xknownhosts.Line([]string{s.ln.Addr().String()}, edKey.PublicKey()) + "\n"
			},
			want: result.SymptomHostKeyChanged, detail: "records ssh-ed25519",
		},
		{
			name:     "changed host key with AcceptNew",
			server:   serverOptions{authorized: key.signer.PublicKey()},
			identity: key.path,
			known: func(s *testServer) string {
				return xknownhosts.Line([]string{s.ln.Addr().String()}, edKey.PublicKey()) + "\n"
			},
			acceptNew: true,
			want:      result.SymptomHostKeyChanged,
		},
		{
			name:     "legacy key exchange only",
			server:   serverOptions{authorized: key.signer.PublicKey(), kex: []string{ssh.InsecureKeyExchangeDH1SHA1}},
			identity: key.path,
			known:    func(s *testServer) string { return s.knownHostsLine() + "\n" },
			want:     result.SymptomKexFailed, detail: "the server offered diffie-hellman-group1-sha1",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newTestServer(t, tt.server)
			cfg := Config{
				KnownHosts: writeFile(t, tt.known(s)),
				AcceptNew:  tt.acceptNew,
				Identities: []string{tt.identity},
			}
			_, p := dialFor(t, cfg, s.target(""), 2*time.Second)
			if p.Symptom != tt.want {
				t.Fatalf("symptom %q (%s), want %q", p.Symptom, p.Detail, tt.want)
			}
			if !strings.Contains(p.Detail, tt.detail) {
				t.Errorf("detail %q, want it to contain %q", p.Detail, tt.detail)
			}
			if p.Banner != "SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3" {
				t.Errorf("banner %q", p.Banner)
			}
		})
	}
}

func TestAcceptNewRecordsKey(t *testing.T) {
	key := newTestKey(t)
	s := newTestServer(t, serverOptions{authorized: key.signer.PublicKey()})
	known := t.TempDir() + "/ssh/known_hosts" // directory does not exist yet
	cfg := Config{KnownHosts: known, AcceptNew: true, Identities: []string{key.path}}

	d, err := NewDialer(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	for i := range 2 { // the second dial verifies against the recorded key
		c, p := d.Dial(context.Background(), s.target("u"))
		if p.Symptom != result.SymptomOK {
			t.Fatalf("dial %d: %q %s", i, p.Symptom, p.Detail)
		}
		c.Close()
	}
	b, err := os.ReadFile(known)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := string(b), s.knownHostsLine()+"\n"; got != want {
		t.Errorf("known_hosts:\n%q\nwant\n%q", got, want)
	}
	if fi, err := os.Stat(known); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("known_hosts mode: %v %v", fi.Mode(), err)
	}

	// A new run verifies against the file, without accepting anything new.
	_, p := dialFor(t, Config{KnownHosts: known, Identities: []string{key.path}}, s.target("u"), 2*time.Second)
	if p.Symptom != result.SymptomOK {
		t.Fatalf("fresh dialer: %q %s", p.Symptom, p.Detail)
	}

	// Another server on the same address with another key is refused.
	s.Close()
	s2 := newTestServerAt(t, s.ln.Addr().String(), serverOptions{authorized: key.signer.PublicKey()})
	_, p = dialFor(t, cfg, s2.target("u"), 2*time.Second)
	if p.Symptom != result.SymptomHostKeyChanged {
		t.Fatalf("after key change: %q %s", p.Symptom, p.Detail)
	}
}

func TestNewDialerErrors(t *testing.T) {
	dir := t.TempDir()
	bad := writeFile(t, "this is not a known_hosts line\n")
	unreadable := dir + "/dir-not-file"
	if err := os.Mkdir(unreadable, 0o700); err != nil {
		t.Fatal(err)
	}
	encrypted := "testdata/id_ed25519_encrypted" // passphrase "not-a-secret"
	tests := []struct {
		name string
		cfg  Config
		want string
	}{
		{"malformed known_hosts", Config{KnownHosts: bad}, bad},
		{"known_hosts is a directory", Config{KnownHosts: unreadable}, unreadable},
		{"missing identity", Config{KnownHosts: dir + "/none", Identities: []string{dir + "/nokey"}}, dir + "/nokey"},
		{"encrypted identity without agent", Config{KnownHosts: dir + "/none", Identities: []string{encrypted}}, encrypted + " is encrypted"},
	}
	t.Setenv("SSH_AUTH_SOCK", "")
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.cfg.User = "u"
			d, err := NewDialer(tt.cfg)
			if err == nil {
				d.Close()
				t.Fatal("no error")
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not name %q", err, tt.want)
			}
		})
	}
}
