package remote

import (
	"context"
	"net"
	"sync"
	"time"

	"golang.org/x/sys/unix"
)

// nudgeAfter is how long the probe waits for the server's banner before it
// sends its own version line. RFC 4253 lets either side speak first; waiting
// a moment keeps the common case identical to OpenSSH's client, and keeps a
// server that drops the connection at once (MaxStartups, hosts.deny) from
// seeing unread data and answering with a reset.
const nudgeAfter = time.Second

// nudge arranges for the client's version line to be written to a direct TCP
// connection if no banner has arrived after nudgeAfter, and reports through
// the returned func whether it was. On a banner timeout, unacked then tells a
// default-drop firewall, which drops the bytes after the handshake, from a
// listener that accepts them and stays silent.
func nudge(ctx context.Context, conn net.Conn) (net.Conn, func() bool) {
	tc, ok := conn.(*net.TCPConn)
	if !ok {
		return conn, func() bool { return false }
	}
	var (
		mu      sync.Mutex
		sent    bool
		decided bool // nudged was called: too late to send
	)
	bw := &bannerWatch{TCPConn: tc}
	t := time.AfterFunc(nudgeAfter, func() {
		if bw.seen() || ctx.Err() != nil {
			return
		}
		mu.Lock()
		defer mu.Unlock()
		if decided {
			return
		}
		if _, err := tc.Write([]byte(clientVersion + "\r\n")); err == nil {
			sent = true
		}
	})
	// Leave time to read the socket's state before the deadline closes it.
	if dl, ok := ctx.Deadline(); ok {
		tc.SetReadDeadline(dl.Add(-100 * time.Millisecond))
	}
	return bw, func() bool {
		t.Stop()
		mu.Lock()
		defer mu.Unlock()
		decided = true
		return sent
	}
}

// nudgeBytes is what the handshake must not send again.
func nudgeBytes(nudged func() bool) []byte {
	if nudged() {
		return []byte(clientVersion + "\r\n")
	}
	return nil
}

// bannerWatch notes whether anything has been read from the server.
type bannerWatch struct {
	*net.TCPConn
	mu   sync.Mutex
	read bool
}

func (b *bannerWatch) Read(p []byte) (int, error) {
	n, err := b.TCPConn.Read(p)
	if n > 0 {
		b.mu.Lock()
		b.read = true
		b.mu.Unlock()
	}
	return n, err
}

func (b *bannerWatch) seen() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.read
}

// unacked reports whether data sent on conn is still unacknowledged.
func unacked(conn net.Conn) bool {
	var tc *net.TCPConn
	switch c := conn.(type) {
	case *bannerWatch:
		tc = c.TCPConn
	case *net.TCPConn:
		tc = c
	default:
		return false
	}
	raw, err := tc.SyscallConn()
	if err != nil {
		return false
	}
	var info *unix.TCPInfo
	raw.Control(func(fd uintptr) {
		info, err = unix.GetsockoptTCPInfo(int(fd), unix.IPPROTO_TCP, unix.TCP_INFO)
	})
	return err == nil && info != nil && info.Unacked > 0
}
