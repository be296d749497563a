package remote

import (
	"bytes"
	"context"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/resetaudit/resetaudit/facts"
	"github.com/resetaudit/resetaudit/result"
)

// connect starts a server with session fn and returns a client to it.
func connect(t *testing.T, fn sessionFunc) (*Client, *testServer) {
	t.Helper()
	key := newTestKey(t)
	s := newTestServer(t, serverOptions{authorized: key.signer.PublicKey(), session: fn})
	cfg := Config{KnownHosts: writeFile(t, s.knownHostsLine()+"\n"), Identities: []string{key.path}}
	c, p := dialFor(t, cfg, s.target("root"), 2*time.Second)
	if p.Symptom != result.SymptomOK {
		t.Fatalf("dial: %q %s", p.Symptom, p.Detail)
	}
	return c, s
}

// writeUntilStop writes the first chunk, then one byte per tick until the
// server stops or the channel fails, and never closes the channel itself.
func writeUntilStop(first string, tick time.Duration) sessionFunc {
	return func(_ string, ch ssh.Channel, stop <-chan struct{}) {
		if _, err := io.WriteString(ch, first); err != nil {
			return
		}
		if tick == 0 {
			<-stop
			return
		}
		t := time.NewTicker(tick)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
				if _, err := ch.Write([]byte{'.'}); err != nil {
					return
				}
			}
		}
	}
}

func TestCollect(t *testing.T) {
	script := []byte("#!/bin/sh\necho payload\n" + strings.Repeat("x", 100<<10) + "\n")
	tests := []struct {
		name          string
		session       sessionFunc
		limit         int64
		deadline      time.Duration
		want          []byte // nil: check wantPrefix
		wantPrefix    string
		wantTruncated bool
		wantErr       error  // errors.Is target
		wantErrText   string // substring of the error
		wantClosed    bool
	}{
		{
			name:    "echo",
			session: echoSession,
			limit:   1 << 20, deadline: 2 * time.Second,
			want: script,
		},
		{
			name:    "output exactly at the cap",
			session: echoSession,
			limit:   int64(len(script)), deadline: 2 * time.Second,
			want: script,
		},
		{
			name:    "output over the cap",
			session: echoSession,
			limit:   100, deadline: 2 * time.Second,
			want: script[:100], wantTruncated: true,
		},
		{
			name: "exit status",
			session: func(_ string, ch ssh.Channel, _ <-chan struct{}) {
				io.Copy(io.Discard, ch)
				io.WriteString(ch, "out")
				io.WriteString(ch.Stderr(), "sh: boom\n")
				exitStatus(ch, 3)
			},
			limit: 1 << 20, deadline: 2 * time.Second,
			want: []byte("out"), wantErrText: "exited 3: sh: boom",
		},
		{
			name:    "channel never closes",
			session: writeUntilStop("partial", 0),
			limit:   1 << 20, deadline: 500 * time.Millisecond,
			want: []byte("partial"), wantErr: context.DeadlineExceeded, wantClosed: true,
		},
		{
			name:    "output drips",
			session: writeUntilStop("drip", 200*time.Millisecond),
			limit:   1 << 20, deadline: 700 * time.Millisecond,
			wantPrefix: "drip.", wantErr: context.DeadlineExceeded, wantClosed: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, s := connect(t, tt.session)
			ctx, cancel := context.WithTimeout(context.Background(), tt.deadline)
			defer cancel()
			start := time.Now()
			out, truncated, err := c.Collect(ctx, script, tt.limit)
			if el := time.Since(start); el > tt.deadline+time.Second {
				t.Errorf("Collect took %v, deadline %v", el, tt.deadline)
			}
			switch {
			case tt.want != nil && !bytes.Equal(out, tt.want):
				t.Errorf("output %d bytes %.40q, want %d bytes %.40q", len(out), out, len(tt.want), tt.want)
			case tt.want == nil && !strings.HasPrefix(string(out), tt.wantPrefix):
				t.Errorf("output %q, want prefix %q", out, tt.wantPrefix)
			}
			if truncated != tt.wantTruncated {
				t.Errorf("truncated %v", truncated)
			}
			switch {
			case tt.wantErr != nil && !errors.Is(err, tt.wantErr):
				t.Errorf("error %v, want %v", err, tt.wantErr)
			case tt.wantErrText != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErrText)):
				t.Errorf("error %v, want %q", err, tt.wantErrText)
			case tt.wantErr == nil && tt.wantErrText == "" && err != nil:
				t.Errorf("error %v", err)
			}
			if closed := clientClosed(c); closed != tt.wantClosed {
				t.Errorf("client closed %v, want %v", closed, tt.wantClosed)
			}
			s.mu.Lock()
			defer s.mu.Unlock()
			if len(s.commands) != 1 || s.commands[0] != facts.RemoteCommand {
				t.Errorf("commands %q", s.commands)
			}
			if s.ptys != 0 {
				t.Errorf("%d pty requests", s.ptys)
			}
		})
	}
}

func TestClientAccessors(t *testing.T) {
	c, s := connect(t, echoSession)
	_, port := s.addr()
	g := c.Goph()
	if g.Client != c.ssh || g.Config.User != "root" || g.Config.Port != uint(port) {
		t.Errorf("goph client %+v", g.Config)
	}
	if c.LocalAddr() == nil || !strings.HasPrefix(c.LocalAddr().String(), "127.0.0.1:") {
		t.Errorf("local address %v", c.LocalAddr())
	}
	if err := c.Close(); err != nil {
		t.Errorf("close: %v", err)
	}
	if err := c.Close(); err != nil {
		t.Errorf("second close: %v", err)
	}
}

// clientClosed reports whether c's connection is closed: opening a session
// on a closed client fails at once. An open that the busy test server has
// not answered within a second means the connection is still up; the open
// ends when the test's cleanup closes the client.
func clientClosed(c *Client) bool {
	res := make(chan error, 1)
	go func() {
		s, err := c.ssh.NewSession()
		if err == nil {
			s.Close()
		}
		res <- err
	}()
	select {
	case err := <-res:
		return err != nil
	case <-time.After(time.Second):
		return false
	}
}
