// Package bench holds the Go benchmarks of a whole sweep. The fleet-level
// benchmarks against real sshd hosts, Ansible and parallel-ssh are the
// scripts next to this file (bench/run, bench/fleet); see BENCHMARKS.md.
//
// The package has no tests: `go test ./bench` runs nothing slow.
package bench

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"runtime"
	"syscall"
	"testing"
	"time"

	"github.com/resetaudit/resetaudit/audit"
	"github.com/resetaudit/resetaudit/diagnose"
	"github.com/resetaudit/resetaudit/facts"
	"github.com/resetaudit/resetaudit/inventory"
	"github.com/resetaudit/resetaudit/remote"
	"github.com/resetaudit/resetaudit/simfleet"
)

// simHosts is the size of the simulated fleet of one benchmark iteration.
const simHosts = 60

// BenchmarkSweepSimfleet audits a simulated fleet through the code path of a
// real sweep (TCP on loopback, SSH handshake with host-key check and
// public-key auth, payload, parse, diagnose) and reports the cost per host.
// Hosts whose scenario only ends at the deadline (silent listener, stalled
// key exchange) are left out: they would measure the timeout, not the code.
// ns/host and allocs/host include the simulated servers' side of each
// connection, which runs in the same process.
func BenchmarkSweepSimfleet(b *testing.B) {
	ctx := context.Background()
	fleet, err := simfleet.Start(ctx, simfleet.Options{Hosts: simHosts, Dir: b.TempDir()})
	if err != nil {
		b.Fatal(err)
	}
	defer fleet.Close()
	hosts := finishingHosts(fleet.Hosts)

	d, err := remote.NewDialer(remote.Config{KnownHosts: fleet.KnownHosts, Identities: []string{fleet.Identity}})
	if err != nil {
		b.Fatal(err)
	}
	defer d.Close()
	o := audit.Options{Dialer: d, Concurrency: 16, Timeout: 10 * time.Second}

	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := cpuTime()
	for b.Loop() {
		rep := audit.Run(ctx, hosts, o)
		if len(rep.Hosts) != len(hosts) {
			b.Fatalf("report has %d hosts, want %d", len(rep.Hosts), len(hosts))
		}
	}
	b.StopTimer()
	per := float64(b.N * len(hosts))
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/per, "ns/host")
	// CPU time, unlike wall time, holds up on a shared, loaded machine.
	b.ReportMetric(float64(cpuTime()-cpu0)/per, "cpu-ns/host")
	// allocs/op counts a whole sweep; count them per host from the runtime.
	reportAllocsPerHost(b, ctx, hosts, o)
}

// reportAllocsPerHost runs one more sweep and reports its allocations and
// bytes per host.
func reportAllocsPerHost(b *testing.B, ctx context.Context, hosts []inventory.Host, o audit.Options) {
	b.Helper()
	allocs, bytes := measureAllocs(func() { audit.Run(ctx, hosts, o) })
	b.ReportMetric(float64(allocs)/float64(len(hosts)), "allocs/host")
	b.ReportMetric(float64(bytes)/float64(len(hosts)), "B/host")
}

// finishingHosts drops the hosts whose scenario never answers: they are the
// scenario list's Silent and StallKex entries, repeated in fleet order.
func finishingHosts(all []inventory.Host) []inventory.Host {
	scen := simfleet.Scenarios()
	var out []inventory.Host
	for i, h := range all {
		switch scen[i%len(scen)].Behaviour {
		case simfleet.Silent, simfleet.StallKex:
			continue
		}
		out = append(out, h)
	}
	return out
}

// measureAllocs returns the heap allocations and bytes f makes, in this
// process (the simulated servers' included).
func measureAllocs(f func()) (allocs, bytes uint64) {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.Mallocs - before.Mallocs, after.TotalAlloc - before.TotalAlloc
}

// recorded is a real Debian 12 host's payload output (simfleet's base
// recording), framed with the nonce recordNonce.
const (
	recorded    = "../simfleet/recorded/debian12.out"
	recordNonce = "0123456789abcdef0123456789abcdef"
)

// BenchmarkParseDiagnose parses and diagnoses one recorded host output whose
// auth.log section carries 2,000 recent sshd lines, as the real-sshd fleet of
// bench/fleet ships (about 270 KB a host): the auditor's per-host work after
// the output has arrived.
func BenchmarkParseDiagnose(b *testing.B) {
	out := withAuthLog(b, 2000)
	b.SetBytes(int64(len(out)))
	b.ReportAllocs()
	cpu0 := cpuTime()
	for b.Loop() {
		f, err := facts.Parse(out, recordNonce)
		if err != nil {
			b.Fatal(err)
		}
		diagnose.Host(diagnose.Input{Facts: f, Port: 22, Since: 24 * time.Hour})
	}
	b.ReportMetric(float64(cpuTime()-cpu0)/float64(b.N), "cpu-ns/op")
}

// withAuthLog returns the recorded output with n sshd log lines, spread over
// the last 20 hours, added to its logs section.
func withAuthLog(b *testing.B, n int) []byte {
	b.Helper()
	rec, err := os.ReadFile(recorded)
	if err != nil {
		b.Fatal(err)
	}
	marker := []byte("<<RA:" + recordNonce + ":BEGIN logs src=auth.log>>\n")
	i := bytes.Index(rec, marker)
	if i < 0 {
		b.Fatalf("%s: no auth.log section", recorded)
	}
	var log bytes.Buffer
	now := time.Now().UTC()
	for k := range n {
		ts := now.Add(-time.Duration(n-k) * 36 * time.Second).Format("2006-01-02T15:04:05.000000+00:00")
		ip := fmt.Sprintf("198.51.100.%d", k%200+1)
		var msg string
		switch k % 4 {
		case 0:
			msg = fmt.Sprintf("Accepted publickey for root from %s port %d ssh2: ED25519 SHA256:bench", ip, 40000+k)
		case 1:
			msg = "pam_unix(sshd:session): session opened for user root(uid=0) by (uid=0)"
		case 2:
			msg = fmt.Sprintf("Received disconnect from %s port %d:11: disconnected by user", ip, 40000+k)
		default:
			msg = fmt.Sprintf("Connection closed by authenticating user root %s port %d [preauth]", ip, 40000+k)
		}
		fmt.Fprintf(&log, "%s bench sshd[%d]: %s\n", ts, 10000+k, msg)
	}
	at := i + len(marker)
	out := append([]byte(nil), rec[:at]...)
	out = append(out, log.Bytes()...)
	return append(out, rec[at:]...)
}

// cpuTime is the user+system CPU time of this process so far, in
// nanoseconds.
func cpuTime() int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}
