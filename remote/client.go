package remote

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"

	"github.com/melbahja/goph"
	"golang.org/x/crypto/ssh"

	"github.com/resetaudit/resetaudit/facts"
)

// maxStderr caps the standard error kept from the remote command.
const maxStderr = 16 << 10

// A Client is an authenticated connection to one host.
type Client struct {
	ssh     *ssh.Client
	user    string
	address string
	port    int
	local   net.Addr

	closeOnce sync.Once
	closeErr  error
}

// Collect runs facts.RemoteCommand in one session, without a terminal, with script
// on its standard input, and returns at most limit bytes of its standard
// output; truncated reports that there was more, in which case the session
// was closed without reading the rest. When ctx ends first the whole
// connection is closed (a signal may be ignored, and an abandoned session
// would hold the connection open), and Collect returns the output read so far
// with an error wrapping ctx.Err(). A nonzero exit status is an error
// wrapping *ssh.ExitError, returned with the output.
func (c *Client) Collect(ctx context.Context, script []byte, limit int64) (out []byte, truncated bool, err error) {
	stop := context.AfterFunc(ctx, func() { c.Close() })
	defer stop()

	sess, err := c.ssh.NewSession()
	if err != nil {
		if ctx.Err() != nil {
			return nil, false, fmt.Errorf("open session: %w", ctx.Err())
		}
		return nil, false, fmt.Errorf("open session: %w", err)
	}
	defer sess.Close()
	stdout, err := sess.StdoutPipe()
	if err != nil {
		return nil, false, fmt.Errorf("session: %w", err)
	}
	stderr := &cappedBuffer{max: maxStderr}
	sess.Stderr = stderr
	sess.Stdin = bytes.NewReader(script)
	if err := sess.Start(facts.RemoteCommand); err != nil {
		if ctx.Err() != nil {
			return nil, false, fmt.Errorf("start remote command: %w", ctx.Err())
		}
		return nil, false, fmt.Errorf("start remote command: %w", err)
	}

	var buf bytes.Buffer
	n, rerr := buf.ReadFrom(io.LimitReader(stdout, limit+1))
	if n > limit {
		truncated = true
		buf.Truncate(int(limit))
		sess.Close() // stop the output; Wait then sees the channel close
	}
	out = buf.Bytes()
	werr := sess.Wait()
	switch {
	case ctx.Err() != nil:
		c.Close()
		return out, truncated, fmt.Errorf("remote command: %w", ctx.Err())
	case rerr != nil:
		return out, truncated, fmt.Errorf("read output: %w", rerr)
	case truncated:
		return out, true, nil
	}
	var exit *ssh.ExitError
	if errors.As(werr, &exit) {
		return out, false, fmt.Errorf("remote command exited %d: %s: %w",
			exit.ExitStatus(), clean(stderr.String(), maxDetail), werr)
	}
	if werr != nil {
		return out, false, fmt.Errorf("remote command: %w", werr)
	}
	return out, false, nil
}

// Close closes the connection.
func (c *Client) Close() error {
	c.closeOnce.Do(func() {
		c.closeErr = c.ssh.Close()
		if errors.Is(c.closeErr, net.ErrClosed) {
			c.closeErr = nil
		}
	})
	return c.closeErr
}

// Goph returns the connection as a goph.Client, for callers that want its
// helpers. Its Config describes the connection but was not used to make it.
func (c *Client) Goph() *goph.Client {
	return &goph.Client{Client: c.ssh, Config: &goph.Config{
		User: c.user, Addr: c.address, Port: uint(c.port),
	}}
}

// LocalAddr is the auditor's end of the connection (of the outermost hop
// when the host is reached through bastions).
func (c *Client) LocalAddr() net.Addr { return c.local }

// cappedBuffer keeps the first max bytes written to it and discards the rest.
type cappedBuffer struct {
	mu  sync.Mutex
	max int
	b   bytes.Buffer
}

func (w *cappedBuffer) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if room := w.max - w.b.Len(); room > 0 {
		w.b.Write(p[:min(room, len(p))])
	}
	return len(p), nil
}

func (w *cappedBuffer) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.String()
}
