package main

import (
	"context"
	"io"
	"net/netip"
	"time"

	"github.com/resetaudit/resetaudit/audit"
	"github.com/resetaudit/resetaudit/inventory"
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
	if err := parseFlags(fs, args, stderr); err != nil {
		return 2, err
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
	fleetHosts := shardByName(fleet.Hosts, f.shardI, f.shardN)
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

// shardByName shards the simulated fleet on host names alone: the hosts'
// loopback ports change from run to run, their names do not.
func shardByName(hosts []inventory.Host, i, n int) []inventory.Host {
	if n == 0 {
		return hosts
	}
	byName := make(map[string]inventory.Host, len(hosts))
	names := make([]inventory.Host, len(hosts))
	for k, h := range hosts {
		byName[h.Name] = h
		names[k] = inventory.Host{Name: h.Name, Address: h.Name}
	}
	var out []inventory.Host
	for _, h := range inventory.Shard(names, i, n) {
		out = append(out, byName[h.Name])
	}
	return out
}
