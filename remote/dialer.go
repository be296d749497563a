package remote

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/resetaudit/resetaudit/inventory"
	"github.com/resetaudit/resetaudit/result"
)

// clientVersion is the version line the auditor sends; it names the tool in
// the hosts' logs.
const clientVersion = "SSH-2.0-resetaudit"

// Target is one host to connect to.
type Target struct {
	Name    string
	Address string
	Port    int // 0 means 22
	User    string
	// Jump is the bastion chain, outermost first.
	Jump []inventory.Hop
	// Identities are extra private key files for this host.
	Identities []string
}

// TargetOf returns the Target for an inventory host.
func TargetOf(h inventory.Host) Target {
	return Target{
		Name: h.Name, Address: h.Address, Port: h.Port, User: h.User,
		Jump: h.Jump, Identities: h.Identities,
	}
}

// Config is what all connections of a run share.
type Config struct {
	// KnownHosts is the known_hosts file; "" means ~/.ssh/known_hosts.
	KnownHosts string
	// AcceptNew records the keys of hosts absent from KnownHosts (appending
	// to the file). A key that differs from a recorded one is always refused.
	AcceptNew bool
	// Identities are private key files offered to every host.
	Identities []string
	// UseAgent offers the keys of the ssh-agent at SSH_AUTH_SOCK, if set.
	UseAgent bool
	// User is the login user of targets that name none; "" means the
	// current OS user.
	User string
	// HostKeyCallback, when set, replaces the known_hosts policy (tests and
	// benchmarks).
	HostKeyCallback ssh.HostKeyCallback
}

// A Dialer connects to targets under one host-key policy and one set of
// keys, sharing bastion connections between targets. It is safe for
// concurrent use.
type Dialer struct {
	user     string
	hostKeys *hostKeys
	keys     *keyring
	bastions bastionPool
}

// NewDialer loads known_hosts and the private keys. A missing known_hosts
// file makes every host unknown; an unreadable one is an error, as is an
// encrypted key with no agent to use instead.
func NewDialer(cfg Config) (*Dialer, error) {
	path := cfg.KnownHosts
	if path == "" && cfg.HostKeyCallback == nil {
		home, err := os.UserHomeDir()
		if err != nil {
			return nil, fmt.Errorf("known hosts: %w", err)
		}
		path = filepath.Join(home, ".ssh", "known_hosts")
	}
	hk, err := newHostKeys(path, cfg.AcceptNew, cfg.HostKeyCallback)
	if err != nil {
		return nil, err
	}
	name := cfg.User
	if name == "" {
		u, err := user.Current()
		if err != nil {
			return nil, fmt.Errorf("login user: %w", err)
		}
		name = u.Username
	}
	keys, err := newKeyring(cfg.Identities, cfg.UseAgent)
	if err != nil {
		return nil, err
	}
	d := &Dialer{user: name, hostKeys: hk, keys: keys}
	d.bastions.init()
	return d, nil
}

// Close closes the shared bastion connections and the agent connection.
// Clients reached through a bastion stop working; direct ones are not
// affected.
func (d *Dialer) Close() error {
	d.bastions.close()
	return d.keys.close()
}

// Dial connects to t, authenticates, and says how it went. The context's
// deadline bounds everything: TCP connect, banner, key exchange and
// authentication. A Client is returned only when the probe's symptom is
// "ok"; it is not bound to ctx afterwards.
//
// A connection that ends after the key exchange but before authentication
// completes, without a refusal (sshd's LoginGraceTime behind a slow reverse
// DNS lookup), is auth_failed with AuthStalled set. A banner timeout after
// the probe sent its own version line that the server's TCP never
// acknowledged has DataUnacked set. Behind a bastion, a failure of the bastion is the
// target's probe, with Detail naming the bastion; a bastion that failed is
// not redialed for a few seconds, so the targets behind it fail at once.
func (d *Dialer) Dial(ctx context.Context, t Target) (*Client, result.Probe) {
	start := time.Now()
	c, p := d.dial(ctx, t)
	p.DurationMS = time.Since(start).Milliseconds()
	return c, p
}

func (d *Dialer) dial(ctx context.Context, t Target) (*Client, result.Probe) {
	addr := hostPort(t.Address, t.Port)
	u := d.userFor(t.User)
	var (
		conn   net.Conn
		source net.Addr
	)
	if len(t.Jump) > 0 {
		b, p := d.bastions.get(ctx, d, t.Jump)
		if b == nil {
			return nil, p
		}
		source = b.source
		c, err := b.client.DialContext(ctx, "tcp", addr)
		if err != nil {
			p := classifyChannelOpen(ctx, err, b.label)
			p.SourceAddress = sourceIP(source)
			return nil, p
		}
		conn = c
	} else {
		var nd net.Dialer
		c, err := nd.DialContext(ctx, "tcp", addr)
		if err != nil {
			p := classifyConnect(ctx, err)
			p.SourceAddress = routeSource(addr)
			return nil, p
		}
		conn, source = c, c.LocalAddr()
	}
	sc, p := d.handshake(ctx, conn, addr, u, t.Identities)
	p.SourceAddress = sourceIP(source)
	if sc == nil {
		return nil, p
	}
	return &Client{ssh: sc, user: u, address: t.Address, port: portOr22(t.Port), local: source}, p
}

func (d *Dialer) userFor(u string) string {
	if u != "" {
		return u
	}
	return d.user
}

// handshake reads the banner and runs the SSH handshake and authentication
// over conn, closing conn when ctx ends first. On failure conn is closed.
func (d *Dialer) handshake(ctx context.Context, conn net.Conn, addr, user string, identities []string) (*ssh.Client, result.Probe) {
	// Channel connections through a bastion ignore deadlines: closing the
	// connection is what reliably interrupts a blocked read.
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	if dl, ok := ctx.Deadline(); ok {
		conn.SetDeadline(dl)
	}
	fail := func(p result.Probe) (*ssh.Client, result.Probe) {
		stop()
		conn.Close()
		return nil, p
	}

	wconn, nudged := nudge(ctx, conn)
	br, err := readBanner(wconn)
	if err != nil {
		p := classifyBanner(ctx, err, br)
		if p.Symptom == result.SymptomBannerTimeout && nudged() && unacked(wconn) {
			p.DataUnacked = true
			p.Detail += "; the server never acknowledged the bytes we sent, so packets after the TCP handshake are dropped"
		}
		return fail(p)
	}
	banner := clean(br.version, maxBanner)

	signers, problems := d.keys.signers(identities)
	var (
		mu        sync.Mutex
		hkErr     error
		hkKey     ssh.PublicKey
		kexPassed bool
	)
	cfg := &ssh.ClientConfig{
		Config:            ssh.Config{KeyExchanges: kexPreference},
		User:              user,
		Auth:              []ssh.AuthMethod{ssh.PublicKeys(signers...)},
		ClientVersion:     clientVersion,
		HostKeyAlgorithms: d.hostKeys.algorithms(addr),
		HostKeyCallback: func(host string, remote net.Addr, key ssh.PublicKey) error {
			err := d.hostKeys.check(host, remote, key)
			mu.Lock()
			defer mu.Unlock()
			kexPassed, hkErr, hkKey = err == nil, err, key
			return err
		},
	}
	sconn, chans, reqs, err := ssh.NewClientConn(&replayConn{Conn: wconn, pending: br.raw, skip: nudgeBytes(nudged)}, addr, cfg)
	if err != nil {
		mu.Lock()
		defer mu.Unlock()
		p := classifyHandshake(ctx, err, addr, user, hkErr, hkKey, kexPassed, problems)
		p.Banner = banner
		return fail(p)
	}
	if !stop() {
		// ctx ended just as authentication succeeded: conn is being closed.
		sconn.Close()
		return nil, result.Probe{Symptom: result.SymptomResetDuringKex, Banner: banner,
			Detail: "deadline reached as authentication completed: " + ctx.Err().Error()}
	}
	conn.SetDeadline(time.Time{})
	return ssh.NewClient(sconn, chans, reqs), result.Probe{Symptom: result.SymptomOK, Banner: banner}
}

// kexPreference puts curve25519 first: the key exchange is most of the
// auditor's CPU per host, and the post-quantum hybrid costs several times
// more for a connection that lives a second and carries no secret. Only
// algorithms a current OpenSSH client offers are listed, so a server that
// has none of them fails here as it would for the fleet's users.
var kexPreference = []string{
	ssh.KeyExchangeCurve25519,
	"curve25519-sha256@libssh.org",
	ssh.KeyExchangeECDHP256,
	ssh.KeyExchangeECDHP384,
	ssh.KeyExchangeECDHP521,
	ssh.KeyExchangeMLKEM768X25519,
	ssh.KeyExchangeDHGEXSHA256,
	ssh.KeyExchangeDH16SHA512,
	ssh.KeyExchangeDH14SHA256,
}

func hostPort(host string, port int) string {
	return net.JoinHostPort(host, strconv.Itoa(portOr22(port)))
}

func portOr22(p int) int {
	if p == 0 {
		return 22
	}
	return p
}

// routeSource returns the local IP the kernel would use to reach addr, for
// probes of connections that failed before having a local address: a refusal
// is often aimed at that address (a fail2ban ban, a firewall rule). It
// connects a UDP socket, which sends nothing. Names are not resolved again:
// that could outlast the deadline.
func routeSource(addr string) string {
	host, _, err := net.SplitHostPort(addr)
	if err != nil || net.ParseIP(host) == nil {
		return ""
	}
	c, err := net.Dial("udp", addr)
	if err != nil {
		return ""
	}
	defer c.Close()
	return sourceIP(c.LocalAddr())
}

func sourceIP(a net.Addr) string {
	switch a := a.(type) {
	case *net.TCPAddr:
		if a != nil {
			return a.IP.String()
		}
	case *net.UDPAddr:
		if a != nil {
			return a.IP.String()
		}
	}
	return ""
}

// errDialerClosed is returned for dials through a bastion after Close.
var errDialerClosed = errors.New("dialer closed")
