package facts

import (
	"bytes"
	"fmt"
	"os"
	"testing"
	"time"
)

// BenchmarkParse measures Parse on the largest recorded output and on the
// same output carrying a 5,000-line auth.log, the size of a busy host's day.
func BenchmarkParse(b *testing.B) {
	rec, err := os.ReadFile("testdata/debian12-root.out")
	if err != nil {
		b.Fatal(err)
	}
	for _, bb := range []struct {
		name string
		out  []byte
	}{
		{"debian12-root", rec},
		{"authlog5000", withSyslog(b, rec, 5000)},
	} {
		b.Run(bb.name, func(b *testing.B) {
			b.SetBytes(int64(len(bb.out)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Parse(bb.out, testNonce); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// withSyslog replaces the empty logs section of the debian12-root recording
// with n auth.log lines in syslog format, spread over the host's last 20
// hours: a quarter of them auth failures, the rest ordinary traffic.
func withSyslog(b *testing.B, rec []byte, n int) []byte {
	b.Helper()
	begin := []byte("<<RA:" + testNonce + ":BEGIN logs>>\n")
	endTag := []byte("<<RA:" + testNonce + ":END logs ")
	i, j := bytes.Index(rec, begin), bytes.Index(rec, endTag)
	if i < 0 || j < i {
		b.Fatal("debian12-root.out: no logs section")
	}
	k := bytes.IndexByte(rec[j:], '\n')
	if k < 0 {
		b.Fatal("debian12-root.out: logs END marker has no newline")
	}
	now := time.Unix(1795619423, 0).UTC() // the recording's meta now=
	var log bytes.Buffer
	for l := range n {
		ts := now.Add(-time.Duration(n-l) * 14 * time.Second).Format(time.Stamp)
		ip := fmt.Sprintf("198.51.100.%d", l%200+1)
		var msg string
		switch l % 4 {
		case 0:
			msg = fmt.Sprintf("Accepted publickey for root from %s port %d ssh2: ED25519 SHA256:bench", ip, 40000+l)
		case 1:
			msg = "pam_unix(sshd:session): session opened for user root(uid=0) by (uid=0)"
		case 2:
			msg = fmt.Sprintf("Received disconnect from %s port %d:11: disconnected by user", ip, 40000+l)
		default:
			msg = fmt.Sprintf("Failed password for invalid user admin from %s port %d ssh2", ip, 40000+l)
		}
		fmt.Fprintf(&log, "%s vm sshd[%d]: %s\n", ts, 10000+l, msg)
	}
	var out bytes.Buffer
	out.Write(rec[:i])
	out.WriteString("<<RA:" + testNonce + ":BEGIN logs src=auth.log>>\n")
	out.Write(log.Bytes())
	out.WriteString("\n<<RA:" + testNonce + ":END logs src=auth.log rc=0 cap=2000000>>\n")
	out.Write(rec[j+k+1:])
	return out.Bytes()
}
