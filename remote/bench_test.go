package remote

import (
	"context"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/resetaudit/resetaudit/result"
)

// BenchmarkDialCollect measures one host's round: dial, authenticate, run
// the payload over one session, disconnect, against an in-process server.
func BenchmarkDialCollect(b *testing.B) {
	key := newTestKey(b)
	s := newTestServer(b, serverOptions{authorized: key.signer.PublicKey()})
	d, err := NewDialer(Config{
		HostKeyCallback: ssh.FixedHostKey(s.hostKeys[0].PublicKey()),
		Identities:      []string{key.path}, User: "u",
	})
	if err != nil {
		b.Fatal(err)
	}
	defer d.Close()
	script := make([]byte, 16<<10)
	b.ReportAllocs()
	for b.Loop() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		c, p := d.Dial(ctx, s.target(""))
		if p.Symptom != result.SymptomOK {
			b.Fatalf("%q %s", p.Symptom, p.Detail)
		}
		if _, _, err := c.Collect(ctx, script, 1<<20); err != nil {
			b.Fatal(err)
		}
		c.Close()
		cancel()
	}
}
