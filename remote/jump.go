package remote

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/resetaudit/resetaudit/inventory"
	"github.com/resetaudit/resetaudit/result"
)

// failTTL is how long a failed bastion's probe is reused for the targets
// behind it, so that a dead bastion fails them at once instead of each one
// waiting for its own deadline, and is not hammered with connections.
const failTTL = 10 * time.Second

// bastionPool shares one connection per bastion chain among all targets.
type bastionPool struct {
	mu     sync.Mutex
	conns  map[string]*bastion
	closed bool
	wg     sync.WaitGroup // watchers of open connections
}

// bastion is one (possibly pending) connection to a jump host.
type bastion struct {
	key    string
	label  string        // "bastion user@host:port", for messages
	ready  chan struct{} // closed when the dial finished
	client *ssh.Client   // nil when the dial failed
	source net.Addr      // local address of the outermost hop
	probe  result.Probe  // the dial's probe
	failed time.Time     // when the dial failed
	dead   chan struct{} // closed when client's connection ended
}

func (p *bastionPool) init() { p.conns = map[string]*bastion{} }

// get returns a live connection to the last hop of chain, dialing each hop
// as needed. When it fails, b is nil and the probe is the failing hop's,
// with its name prefixed to Detail.
func (p *bastionPool) get(ctx context.Context, d *Dialer, chain []inventory.Hop) (*bastion, result.Probe) {
	var prev *bastion
	for i := range chain {
		b, pr := p.hop(ctx, d, chain[:i+1], prev)
		if b == nil {
			return nil, pr
		}
		prev = b
	}
	return prev, result.Probe{}
}

// hop returns the connection for the chain prefix, reusing a live one.
func (p *bastionPool) hop(ctx context.Context, d *Dialer, chain []inventory.Hop, via *bastion) (*bastion, result.Probe) {
	h := chain[len(chain)-1]
	label := fmt.Sprintf("bastion %s@%s", d.userFor(h.User), hostPort(h.Address, h.Port))
	key := chainKey(d, chain)
	for attempt := 0; ; attempt++ {
		p.mu.Lock()
		if p.closed {
			p.mu.Unlock()
			return nil, probe(result.SymptomConnectTimeout, "%s: %v", label, errDialerClosed)
		}
		b, ok := p.conns[key]
		if ok && b.client == nil && !b.failed.IsZero() && time.Since(b.failed) > failTTL {
			delete(p.conns, key)
			ok = false
		}
		if !ok {
			b = &bastion{key: key, label: label, ready: make(chan struct{}), dead: make(chan struct{})}
			p.conns[key] = b
			p.mu.Unlock()
			p.dial(ctx, d, b, h, via)
		} else {
			p.mu.Unlock()
		}
		select {
		case <-b.ready:
		case <-ctx.Done():
			return nil, probe(result.SymptomConnectTimeout, "%s: waiting for the connection: %s", label, deadlineText(ctx))
		}
		if b.client == nil {
			return nil, bastionFailure(b)
		}
		if !ok {
			return b, result.Probe{} // just dialed
		}
		err := p.alive(ctx, b)
		if err == nil {
			return b, result.Probe{}
		}
		p.drop(b)
		if attempt > 0 || ctx.Err() != nil {
			return nil, probe(result.SymptomResetDuringKex, "%s: connection lost: %v", label, err)
		}
	}
}

func bastionFailure(b *bastion) result.Probe {
	pr := b.probe
	pr.Detail = clean(b.label+": "+pr.Detail, maxDetail)
	pr.Banner = ""
	pr.DurationMS = 0
	return pr
}

// dial connects b, directly or through via, and publishes the outcome.
func (p *bastionPool) dial(ctx context.Context, d *Dialer, b *bastion, h inventory.Hop, via *bastion) {
	defer close(b.ready)
	addr := hostPort(h.Address, h.Port)
	var conn net.Conn
	if via == nil {
		var nd net.Dialer
		c, err := nd.DialContext(ctx, "tcp", addr)
		if err != nil {
			pr := classifyConnect(ctx, err)
			pr.SourceAddress = routeSource(addr)
			p.fail(ctx, b, pr)
			return
		}
		conn, b.source = c, c.LocalAddr()
	} else {
		c, err := via.client.DialContext(ctx, "tcp", addr)
		if err != nil {
			p.fail(ctx, b, classifyChannelOpen(ctx, err, via.label))
			return
		}
		conn, b.source = c, via.source
	}
	sc, pr := d.handshake(ctx, conn, addr, d.userFor(h.User), nil)
	if sc == nil {
		pr.SourceAddress = sourceIP(b.source)
		p.fail(ctx, b, pr)
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		sc.Close()
		b.probe = probe(result.SymptomConnectTimeout, "%v", errDialerClosed)
		return
	}
	b.client = sc
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		sc.Wait()
		close(b.dead)
		p.drop(b)
	}()
}

// fail records a failed dial. Failures caused by the caller's cancellation
// say nothing about the bastion and are not kept for others.
func (p *bastionPool) fail(ctx context.Context, b *bastion, pr result.Probe) {
	b.probe = pr
	p.mu.Lock()
	defer p.mu.Unlock()
	b.failed = time.Now()
	if errors.Is(ctx.Err(), context.Canceled) && p.conns[b.key] == b {
		delete(p.conns, b.key)
	}
}

// alive checks a reused connection with a keepalive request, bounded by ctx:
// a bastion that went silent must fail its targets, not hang them.
func (p *bastionPool) alive(ctx context.Context, b *bastion) error {
	select {
	case <-b.dead:
		return errors.New("connection closed")
	default:
	}
	done := make(chan error, 1)
	go func() {
		_, _, err := b.client.SendRequest("keepalive@openssh.com", true, nil)
		done <- err
	}()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		b.client.Close() // unblocks the request; the connection is unusable
		<-done
		return fmt.Errorf("no keepalive reply: %s", deadlineText(ctx))
	}
}

// drop forgets b and closes its connection.
func (p *bastionPool) drop(b *bastion) {
	p.mu.Lock()
	if p.conns[b.key] == b {
		delete(p.conns, b.key)
	}
	p.mu.Unlock()
	if b.client != nil {
		b.client.Close()
	}
}

// close closes every bastion connection and waits for their watchers.
func (p *bastionPool) close() {
	p.mu.Lock()
	p.closed = true
	var open []*ssh.Client
	for _, b := range p.conns {
		if b.client != nil {
			open = append(open, b.client)
		}
	}
	p.conns = map[string]*bastion{}
	p.mu.Unlock()
	for _, c := range open {
		c.Close()
	}
	p.wg.Wait()
}

// chainKey names a chain prefix: user@host:port of each hop, outermost first.
func chainKey(d *Dialer, chain []inventory.Hop) string {
	parts := make([]string, len(chain))
	for i, h := range chain {
		parts[i] = d.userFor(h.User) + "@" + hostPort(h.Address, h.Port)
	}
	return strings.Join(parts, ">")
}
