package simfleet

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"regexp"
	"sync"
	"time"

	"golang.org/x/crypto/ssh"
)

// Behaviour is how a simulated host answers a connection.
type Behaviour int

// Behaviours, each reproducing what a client sees from a real fault
// (shared/NOTES.md, "What a client sees").
const (
	Answer       Behaviour = iota // full SSH server running the payload
	Refuse                        // nothing listens: connection refused
	Silent                        // accepts TCP, never sends a banner
	ResetEarly                    // accepts, then resets before the banner (hosts.deny)
	Exceeded                      // "Exceeded MaxStartups" then close
	LegacyKex                     // offers only diffie-hellman-group1-sha1
	WrongHostKey                  // a host key other than the recorded one
	DenyAuth                      // refuses every key
	StallKex                      // sends a banner, then nothing (MTU black hole)
	Drip                          // answers the payload a byte at a time
	NeverClose                    // answers the payload, then never closes the channel
	Flood                         // answers with endless output
)

// server is one simulated host.
type server struct {
	ln        net.Listener
	behaviour Behaviour
	config    *ssh.ServerConfig
	payload   func(nonce string) []byte
	latency   time.Duration

	mu    sync.Mutex
	conns map[net.Conn]struct{}
	wg    sync.WaitGroup
}

func (s *server) addr() *net.TCPAddr { return s.ln.Addr().(*net.TCPAddr) }

func (s *server) serve(ctx context.Context) {
	defer s.wg.Done()
	for {
		c, err := s.ln.Accept()
		if err != nil {
			return
		}
		if !s.track(c) {
			c.Close()
			return
		}
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			defer s.untrack(c)
			s.handle(ctx, c)
		}()
	}
}

func (s *server) track(c net.Conn) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.conns == nil {
		return false
	}
	s.conns[c] = struct{}{}
	return true
}

func (s *server) untrack(c net.Conn) {
	s.mu.Lock()
	delete(s.conns, c)
	s.mu.Unlock()
	c.Close()
}

// close stops the listener and every open connection, and waits for them.
func (s *server) close() {
	s.ln.Close()
	s.mu.Lock()
	for c := range s.conns {
		c.Close()
	}
	s.conns = nil
	s.mu.Unlock()
	s.wg.Wait()
}

func (s *server) handle(ctx context.Context, c net.Conn) {
	switch s.behaviour {
	case Silent:
		io.Copy(io.Discard, c) // holds until the client gives up
		return
	case ResetEarly:
		if tc, ok := c.(*net.TCPConn); ok {
			tc.SetLinger(0)
		}
		return
	case Exceeded:
		c.Write([]byte("Exceeded MaxStartups\r\n"))
		return
	case StallKex:
		c.Write([]byte("SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3\r\n"))
		io.Copy(io.Discard, c)
		return
	}
	sc, chans, reqs, err := ssh.NewServerConn(c, s.config)
	if err != nil {
		return
	}
	defer sc.Close()
	go ssh.DiscardRequests(reqs)
	for nc := range chans {
		if nc.ChannelType() != "session" {
			nc.Reject(ssh.UnknownChannelType, "only sessions")
			continue
		}
		ch, creqs, err := nc.Accept()
		if err != nil {
			return
		}
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			s.session(ctx, ch, creqs)
		}()
	}
}

var nonceRE = regexp.MustCompile(`RA_NONCE=([0-9a-f]{8,64})`)

// session answers one exec request: it reads the script from stdin, then
// writes the recorded payload output framed with the script's nonce.
func (s *server) session(ctx context.Context, ch ssh.Channel, reqs <-chan *ssh.Request) {
	defer ch.Close()
	for req := range reqs {
		if req.Type != "exec" {
			if req.WantReply {
				req.Reply(false, nil)
			}
			continue
		}
		req.Reply(true, nil)
		script, err := io.ReadAll(io.LimitReader(ch, 1<<20))
		if err != nil {
			return
		}
		m := nonceRE.FindSubmatch(script)
		if m == nil {
			ch.Stderr().Write([]byte("sh: no payload\n"))
			sendExit(ch, 2)
			return
		}
		if s.latency > 0 {
			t := time.NewTimer(s.latency)
			select {
			case <-t.C:
			case <-ctx.Done():
				t.Stop()
				return
			}
		}
		out := s.payload(string(m[1]))
		switch s.behaviour {
		case Drip:
			drip(ctx, ch, out)
			return
		case Flood:
			flood(ch, out)
			return
		}
		if _, err := io.Copy(ch, bytes.NewReader(out)); err != nil && !errors.Is(err, io.EOF) {
			return
		}
		if s.behaviour == NeverClose {
			<-ctx.Done()
			return
		}
		sendExit(ch, 0)
		return
	}
}

func sendExit(ch ssh.Channel, code uint32) {
	b := ssh.Marshal(struct{ Status uint32 }{code})
	ch.SendRequest("exit-status", false, b)
}

// drip writes out a byte every 100 ms until the client goes away.
func drip(ctx context.Context, ch ssh.Channel, out []byte) {
	t := time.NewTicker(100 * time.Millisecond)
	defer t.Stop()
	for _, b := range out {
		if _, err := ch.Write([]byte{b}); err != nil {
			return
		}
		select {
		case <-t.C:
		case <-ctx.Done():
			return
		}
	}
}

// flood writes the payload's first section, then a section that never ends,
// until the client stops reading.
func flood(ch ssh.Channel, out []byte) {
	if i := bytes.Index(out, []byte("\n<<RA:")); i > 0 {
		if j := bytes.IndexByte(out[i+1:], '\n'); j > 0 {
			out = out[:i+1+j+1] // the meta section with its END marker
		}
	}
	if _, err := ch.Write(out); err != nil {
		return
	}
	chunk := bytes.Repeat([]byte("Nov 25 10:00:00 flood sshd[1]: Failed password for root from 192.0.2.9 port 22 ssh2\n"), 400)
	for {
		if _, err := ch.Write(chunk); err != nil {
			return
		}
	}
}
