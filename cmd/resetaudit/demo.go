package main

import (
	"context"
	"io"
	"net/netip"
	"time"

	"github.com/resetaudit/resetaudit/audit"
	"github.com/resetaudit/resetaudit/remote"
	"github.com/resetaudit/resetaudit/simfleet"
)

// demoCmd sweeps a simulated fleet through exactly the code path of sweep.
func demoCmd(ctx context.Context, args []string, stdout, stderr io.Writer) (int, error) {
	var f sweepFlags
	fs := newSweepFlagSet("demo", &f, stderr)
	hosts := fs.Int("hosts", len(simfleet.Scenarios()), "size of the simulated fleet; beyond its distinct scenarios, hosts repeat them")
	latency := fs.Duration("latency", 20*time.Millisecond, "simulated collection time per host")
	// The demo's unresponsive hosts hold a worker until the deadline.
	f.timeout = 3 * time.Second
	fs.Lookup("timeout").DefValue = "3s"
	if err := fs.Set("timeout", "3s"); err != nil {
		return 2, err
	}
	if err := fs.Parse(args); err != nil {
		return 2, flagErr(err)
	}
	if fs.NArg() > 0 {
		return 2, usageErr("demo: unexpected argument %q", fs.Arg(0))
	}
	if err := f.validate(); err != nil {
		return 2, err
	}
	if *hosts < 1 || *hosts > 20000 {
		return 2, usageErr("--hosts %d: want 1 to 20000", *hosts)
	}
	if len(f.parsedClients) == 0 {
		f.parsedClients = []netip.Addr{netip.MustParseAddr(simfleet.ClientIP)}
	}

	fleet, err := simfleet.Start(ctx, simfleet.Options{Hosts: *hosts, Latency: *latency})
	if err != nil {
		return 2, err
	}
	defer fleet.Close()
	fleetHosts, err := selectHosts(fleet.Hosts, "", f.shardI, f.shardN)
	if err != nil {
		return 2, err
	}
	dialer, err := remote.NewDialer(remote.Config{
		KnownHosts: fleet.KnownHosts,
		Identities: []string{fleet.Identity},
	})
	if err != nil {
		return 2, err
	}
	defer dialer.Close()
	return runAudit(ctx, fleetHosts, audit.Options{
		Dialer:      dialer,
		Concurrency: f.concurrency,
		Timeout:     f.timeout,
		Since:       f.since,
		ClientIPs:   f.parsedClients,
		Version:     version,
	}, &f.out, stdout, stderr)
}
