package remote

import (
	"bytes"
	"errors"
	"net"
)

// maxPreBanner bounds what is read while waiting for the version line. RFC
// 4253 lets a server send other lines first; OpenSSH sends "Exceeded
// MaxStartups" that way before it drops a connection.
const maxPreBanner = 8 << 10

// errNoBanner reports a server that sent maxPreBanner bytes without a version line.
var errNoBanner = errors.New("no SSH version line")

// bannerResult is what readBanner saw.
type bannerResult struct {
	raw     []byte // every byte read, to be replayed to the handshake
	version string // the "SSH-..." line, without line end; "" if none
	other   string // lines (or a partial line) before the version line
}

// readBanner reads from c until it has a complete "SSH-" line. It never
// consumes past what one Read returned, and all bytes read are kept in raw so
// that the handshake sees the stream unchanged.
func readBanner(c net.Conn) (bannerResult, error) {
	var r bannerResult
	buf := make([]byte, 512)
	for {
		n, err := c.Read(buf)
		r.raw = append(r.raw, buf[:n]...)
		if v, other, ok := findVersion(r.raw); ok {
			r.version, r.other = v, other
			return r, nil
		}
		if err != nil {
			r.other = string(r.raw)
			return r, err
		}
		if len(r.raw) >= maxPreBanner {
			r.other = string(r.raw)
			return r, errNoBanner
		}
	}
}

// findVersion looks for a complete line starting with "SSH-" in b.
func findVersion(b []byte) (version, other string, ok bool) {
	start := 0
	for {
		i := bytes.IndexByte(b[start:], '\n')
		if i < 0 {
			return "", "", false
		}
		line := b[start : start+i]
		if bytes.HasPrefix(line, []byte("SSH-")) {
			return string(bytes.TrimRight(line, "\r")), string(b[:start]), true
		}
		start += i + 1
	}
}

// replayConn is a net.Conn whose first reads return bytes already read from
// it, and whose first write drops skip, already sent by nudge.
type replayConn struct {
	net.Conn
	pending []byte
	skip    []byte
}

func (c *replayConn) Write(p []byte) (int, error) {
	if len(c.skip) > 0 && bytes.HasPrefix(p, c.skip) {
		n := len(c.skip)
		c.skip = nil
		m, err := c.Conn.Write(p[n:])
		return n + m, err
	}
	c.skip = nil
	return c.Conn.Write(p)
}

func (c *replayConn) Read(p []byte) (int, error) {
	if len(c.pending) > 0 {
		n := copy(p, c.pending)
		c.pending = c.pending[n:]
		return n, nil
	}
	return c.Conn.Read(p)
}
