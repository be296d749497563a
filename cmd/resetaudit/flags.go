package main

import (
	"flag"
	"io"
	"net/netip"
	"strings"
	"time"

	"github.com/resetaudit/resetaudit/inventory"
	"github.com/resetaudit/resetaudit/result"
)

// strList is a repeatable string flag.
type strList []string

func (s *strList) String() string     { return strings.Join(*s, ",") }
func (s *strList) Set(v string) error { *s = append(*s, v); return nil }

// outputFlags are shared by sweep, demo and merge.
type outputFlags struct {
	json, csv, html string
	quiet           bool
	failOn          string
	baseline        string
	stateDir        string
	keep            int
	color           string
}

func (o *outputFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&o.json, "json", "", "write the JSON report to `FILE` (- = stdout)")
	fs.StringVar(&o.csv, "csv", "", "write the CSV report (one row per finding) to `FILE` (- = stdout)")
	fs.StringVar(&o.html, "html", "", "write the HTML report to `FILE` (- = stdout)")
	fs.BoolVar(&o.quiet, "quiet", false, "no table and no progress; print one summary line")
	fs.StringVar(&o.failOn, "fail-on", "high", "exit 1 when any finding is at or above `SEVERITY` (critical, high, medium, low, info, never)")
	fs.StringVar(&o.baseline, "baseline", "", "previous JSON `report`: mark findings new/persisting and list resolved ones")
	fs.StringVar(&o.stateDir, "state-dir", "", "keep every run's JSON report in `DIR` and use the latest as the baseline")
	fs.IntVar(&o.keep, "state-keep", 30, "reports to keep in --state-dir")
	fs.StringVar(&o.color, "color", "auto", "colour the table: auto, always, never")
}

func (o *outputFlags) validate() error {
	if _, ok := result.ParseSeverity(o.failOn); !ok {
		return usageErr("--fail-on %q: want critical, high, medium, low, info or never", o.failOn)
	}
	switch o.color {
	case "auto", "always", "never":
	default:
		return usageErr("--color %q: want auto, always or never", o.color)
	}
	if o.keep < 1 {
		return usageErr("--state-keep must be at least 1")
	}
	n := 0
	for _, f := range []string{o.json, o.csv, o.html} {
		if f == "-" {
			n++
		}
	}
	if n > 1 {
		return usageErr("only one of --json, --csv, --html can write to stdout")
	}
	if n == 1 {
		o.quiet = true // the report owns stdout
	}
	return nil
}

// sweepFlags are the flags of sweep and, in part, demo.
type sweepFlags struct {
	out         outputFlags
	inventories strList
	knownHosts  string
	acceptNew   bool
	identities  strList
	user        string
	clientIPs   strList
	concurrency int
	timeout     time.Duration
	since       time.Duration
	limit       string
	shard       string
	cloud       string
	awsRegions  strList
	awsProfile  string
	ec2Filters  strList
	noAgent     bool

	parsedClients []netip.Addr
	shardI        int
	shardN        int
}

func newSweepFlagSet(name string, f *sweepFlags, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	f.out.register(fs)
	fs.Var(&f.clientIPs, "client-ip", "an end user's source `IP`: check what would block it on every host (repeatable)")
	fs.IntVar(&f.concurrency, "concurrency", 64, "hosts audited at once")
	fs.DurationVar(&f.timeout, "timeout", 20*time.Second, "hard deadline per host, connect + collect")
	fs.DurationVar(&f.since, "since", 24*time.Hour, "how far back logs are read")
	fs.StringVar(&f.shard, "shard", "", "audit only the I-th of N stable slices of the inventory (`I/N`)")
	return fs
}

func (f *sweepFlags) registerSweep(fs *flag.FlagSet) {
	fs.Var(&f.inventories, "inventory", "hosts to audit: plain list, YAML, Ansible INI/YAML, ssh_config, or ec2:[REGION] (repeatable)")
	fs.StringVar(&f.knownHosts, "known-hosts", "", "OpenSSH known_hosts `FILE` to verify host keys (default ~/.ssh/known_hosts)")
	fs.BoolVar(&f.acceptNew, "accept-new-hostkeys", false, "record unknown host keys in --known-hosts (changed keys are still refused)")
	fs.Var(&f.identities, "identity", "private key `FILE` (repeatable); ssh-agent is used too when SSH_AUTH_SOCK is set")
	fs.BoolVar(&f.noAgent, "no-agent", false, "do not use ssh-agent")
	fs.StringVar(&f.user, "user", "", "login `NAME` where the inventory names none (default: the current user)")
	fs.StringVar(&f.limit, "limit", "", "only hosts or groups matching `PATTERN` (a,b  a:&b  a:!b  globs)")
	fs.StringVar(&f.cloud, "cloud", "", "also evaluate cloud firewalls: aws")
	fs.Var(&f.awsRegions, "aws-region", "AWS `REGION` (repeatable; default from the AWS config)")
	fs.StringVar(&f.awsProfile, "aws-profile", "", "AWS shared config `PROFILE`")
	fs.Var(&f.ec2Filters, "ec2-filter", "filter for --inventory ec2:, e.g. tag:Role=web (repeatable)")
}

func (f *sweepFlags) validate() error {
	if err := f.out.validate(); err != nil {
		return err
	}
	for _, s := range f.clientIPs {
		for _, part := range strings.Split(s, ",") {
			a, err := netip.ParseAddr(strings.TrimSpace(part))
			if err != nil {
				return usageErr("--client-ip %q: not an IP address", part)
			}
			f.parsedClients = append(f.parsedClients, a.Unmap())
		}
	}
	if f.concurrency < 1 || f.concurrency > 10000 {
		return usageErr("--concurrency %d: want 1 to 10000", f.concurrency)
	}
	if f.timeout < time.Second {
		return usageErr("--timeout %s: want at least 1s", f.timeout)
	}
	if f.since <= 0 {
		return usageErr("--since %s: want a positive duration such as 24h", f.since)
	}
	if f.shard != "" {
		i, n, err := inventory.ParseShard(f.shard)
		if err != nil {
			return usageErr("--shard: %v", err)
		}
		f.shardI, f.shardN = i, n
	}
	switch f.cloud {
	case "", "aws":
	default:
		return usageErr("--cloud %q: only aws is supported", f.cloud)
	}
	return nil
}
