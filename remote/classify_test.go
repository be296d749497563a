package remote

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"syscall"
	"testing"

	"golang.org/x/crypto/ssh"
	xknownhosts "golang.org/x/crypto/ssh/knownhosts"

	"github.com/resetaudit/resetaudit/result"
)

var update = flag.Bool("update", false, "rewrite golden files")

// opErr wraps errno the way the net package reports a failed system call.
func opErr(op string, errno syscall.Errno) error {
	return &net.OpError{Op: op, Net: "tcp", Err: os.NewSyscallError(op, errno)}
}

type timeoutErr struct{}

func (timeoutErr) Error() string   { return "i/o timeout" }
func (timeoutErr) Timeout() bool   { return true }
func (timeoutErr) Temporary() bool { return true }

// TestClassifyGolden runs the classifiers on errors that loopback tests
// cannot produce (unreachable networks, resolver failures, resets at each
// stage) and compares the probes with testdata/classify.golden.
func TestClassifyGolden(t *testing.T) {
	live := context.Background()
	expired, cancel := context.WithTimeout(context.Background(), 0)
	defer cancel()
	canceled, cancel2 := context.WithCancel(context.Background())
	cancel2()
	hostKey, recorded := fixedKey(t, 1), fixedKey(t, 2)
	known := []xknownhosts.KnownKey{{Key: recorded, Filename: "/home/a/.ssh/known_hosts", Line: 7}}

	cases := []struct {
		name  string
		probe result.Probe
	}{
		{"connect refused", classifyConnect(live, opErr("connect", syscall.ECONNREFUSED))},
		{"connect reset", classifyConnect(live, opErr("connect", syscall.ECONNRESET))},
		{"connect host unreachable", classifyConnect(live, opErr("connect", syscall.EHOSTUNREACH))},
		{"connect network unreachable", classifyConnect(live, opErr("connect", syscall.ENETUNREACH))},
		{"connect timeout", classifyConnect(expired, &net.OpError{Op: "dial", Err: timeoutErr{}})},
		{"connect canceled", classifyConnect(canceled, &net.OpError{Op: "dial", Err: context.Canceled})},
		{"connect unresolvable", classifyConnect(live, &net.OpError{Op: "dial", Err: &net.DNSError{Name: "db-1.internal", Err: "no such host", IsNotFound: true}})},
		{"banner reset", classifyBanner(live, opErr("read", syscall.ECONNRESET), bannerResult{})},
		{"banner reset after text", classifyBanner(live, opErr("read", syscall.ECONNRESET), bannerResult{other: "Exceeded MaxStartups\r\n"})},
		{"banner closed", classifyBanner(live, io.EOF, bannerResult{})},
		{"banner closed after MaxStartups", classifyBanner(live, io.EOF, bannerResult{other: "Exceeded MaxStartups\r\n"})},
		{"banner hostile text", classifyBanner(live, io.EOF, bannerResult{other: "\x1b]0;owned\x07\u202egnp.exe\r\n" + strings.Repeat("A", 600)})},
		{"banner timeout", classifyBanner(expired, timeoutErr{}, bannerResult{})},
		{"banner garbage", classifyBanner(live, errNoBanner, bannerResult{other: "HTTP/1.1 400 Bad Request\r\n"})},
		{"kex no common algorithm", classifyHandshake(live, fmt.Errorf("ssh: handshake failed: %w", &ssh.AlgorithmNegotiationError{
			What: "client to server key exchange", RequestedAlgorithms: []string{"diffie-hellman-group1-sha1"},
			SupportedAlgorithms: []string{"curve25519-sha256", "ecdh-sha2-nistp256"},
		}), "10.0.4.17:22", "root", nil, nil, false, nil)},
		{"kex reset", classifyHandshake(live, opErr("read", syscall.ECONNRESET), "10.0.4.17:22", "root", nil, nil, false, nil)},
		{"kex closed", classifyHandshake(live, fmt.Errorf("ssh: handshake failed: %w", io.EOF), "10.0.4.17:22", "root", nil, nil, false, nil)},
		{"kex deadline", classifyHandshake(expired, fmt.Errorf("ssh: handshake failed: %w", net.ErrClosed), "10.0.4.17:22", "root", nil, nil, false, nil)},
		{"closed during auth", classifyHandshake(live, fmt.Errorf("ssh: handshake failed: %w", io.EOF), "10.0.4.17:22", "root", nil, nil, true, nil)},
		{"host key unknown", classifyHandshake(live, errors.New("ssh: handshake failed: knownhosts: key is unknown"), "10.0.4.17:22", "root",
			&xknownhosts.KeyError{}, hostKey, false, nil)},
		{"host key changed", classifyHandshake(live, errors.New("ssh: handshake failed: knownhosts: key mismatch"), "10.0.4.17:22", "root",
			&xknownhosts.KeyError{Want: known}, hostKey, false, nil)},
		{"auth failed", classifyHandshake(live, errors.New("ssh: handshake failed: ssh: unable to authenticate, attempted methods [none publickey], no supported methods remain"),
			"10.0.4.17:22", "deploy", nil, nil, true, []string{"identity /keys/web: open /keys/web: permission denied"})},
		{"channel refused", classifyChannelOpen(live, &ssh.OpenChannelError{Reason: ssh.ConnectionFailed, Message: "Connection refused"}, "bastion jump@10.0.0.1:22")},
		{"channel failed", classifyChannelOpen(live, &ssh.OpenChannelError{Reason: ssh.ConnectionFailed, Message: "No route to host"}, "bastion jump@10.0.0.1:22")},
		{"channel prohibited", classifyChannelOpen(live, &ssh.OpenChannelError{Reason: ssh.Prohibited, Message: "administratively prohibited: open failed"}, "bastion jump@10.0.0.1:22")},
		{"channel timeout", classifyChannelOpen(expired, context.DeadlineExceeded, "bastion jump@10.0.0.1:22")},
	}
	var b strings.Builder
	for _, c := range cases {
		j, err := json.Marshal(c.probe)
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&b, "%s\n\t%s\n", c.name, j)
	}
	const golden = "testdata/classify.golden"
	if *update {
		if err := os.WriteFile(golden, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if got := b.String(); got != string(want) {
		t.Errorf("classification differs from %s (run with -update to accept):\n%s", golden, diffLines(string(want), got))
	}
}

// fixedKey is a deterministic ed25519 public key.
func fixedKey(t *testing.T, b byte) ssh.PublicKey {
	t.Helper()
	k, err := ssh.NewPublicKey(ed25519.PublicKey(bytes.Repeat([]byte{b}, ed25519.PublicKeySize)))
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// diffLines lists the lines that differ, for a readable failure.
func diffLines(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	var b strings.Builder
	for i := range max(len(w), len(g)) {
		var wl, gl string
		if i < len(w) {
			wl = w[i]
		}
		if i < len(g) {
			gl = g[i]
		}
		if wl != gl {
			fmt.Fprintf(&b, "line %d\n  want %s\n  got  %s\n", i+1, wl, gl)
		}
	}
	return b.String()
}

func TestClean(t *testing.T) {
	tests := []struct {
		in   string
		max  int
		want string
	}{
		{"SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3", 256, "SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3"},
		{"  Exceeded\tMaxStartups\r\n", 256, "Exceeded MaxStartups"},
		{"a\x1b[2Jb\x00c\x7fd", 256, "a [2Jb c d"},
		{"bad \xff\xfe utf8", 256, "bad utf8"},
		{"bidi \u202eevil\u202c end", 256, "bidi evil end"},
		{"héllo wörld", 6, "héllo"},
		{"ééé", 5, "éé"},
		{"", 10, ""},
	}
	for _, tt := range tests {
		if got := clean(tt.in, tt.max); got != tt.want {
			t.Errorf("clean(%q, %d) = %q, want %q", tt.in, tt.max, got, tt.want)
		}
		if got := clean(tt.in, tt.max); len(got) > tt.max {
			t.Errorf("clean(%q, %d) is %d bytes", tt.in, tt.max, len(got))
		}
	}
}
