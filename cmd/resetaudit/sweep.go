package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/resetaudit/resetaudit/audit"
	"github.com/resetaudit/resetaudit/cloud"
	"github.com/resetaudit/resetaudit/inventory"
	"github.com/resetaudit/resetaudit/remote"
)

func sweepCmd(ctx context.Context, args []string, stdout, stderr io.Writer) (int, error) {
	var f sweepFlags
	fs := newSweepFlagSet("sweep", &f, stderr)
	f.registerSweep(fs)
	if err := parseFlags(fs, args, stderr); err != nil {
		return 2, err
	}
	if fs.NArg() > 0 {
		return 2, usageErr("sweep: unexpected argument %q", fs.Arg(0))
	}
	if err := f.validate(); err != nil {
		return 2, err
	}
	if len(f.inventories) == 0 {
		return 2, usageErr("sweep: --inventory is required")
	}

	var aws *cloud.AWS
	needAWS := f.cloud == "aws"
	var files []string
	discover := false
	for _, inv := range f.inventories {
		if region, ok := strings.CutPrefix(inv, "ec2:"); ok {
			// ec2: discovers in the --aws-region regions; ec2:REGION adds one.
			discover, needAWS = true, true
			if region != "" {
				f.awsRegions = append(f.awsRegions, region)
			}
			continue
		}
		files = append(files, inv)
	}
	if needAWS {
		var err error
		aws, err = cloud.NewAWS(ctx, cloud.AWSOptions{Profile: f.awsProfile, Regions: f.awsRegions})
		if err != nil {
			return 2, usageErr("aws: %v", err)
		}
	}

	hosts, warnings, err := inventory.LoadAll(files)
	if err != nil {
		return 2, &exitError{code: 2, err: err}
	}
	for _, w := range warnings {
		fmt.Fprintf(stderr, "resetaudit: warning: %v\n", w)
	}
	if discover {
		found, err := aws.Discover(ctx, f.ec2Filters)
		if err != nil {
			return 2, usageErr("ec2 discovery: %v", err)
		}
		hosts = append(hosts, found...)
	}
	hosts, err = selectHosts(hosts, f.limit, f.shardI, f.shardN)
	if err != nil {
		return 2, err
	}
	if len(hosts) == 0 {
		return 2, usageErr("sweep: no hosts to audit (check --inventory, --limit and --shard)")
	}

	known := f.knownHosts
	if known == "" {
		home, _ := os.UserHomeDir()
		known = filepath.Join(home, ".ssh", "known_hosts")
	}
	dialer, err := remote.NewDialer(remote.Config{
		KnownHosts: known,
		AcceptNew:  f.acceptNew,
		Identities: f.identities,
		UseAgent:   !f.noAgent && os.Getenv("SSH_AUTH_SOCK") != "",
		User:       f.user,
	})
	if err != nil {
		return 2, &exitError{code: 2, err: err}
	}
	defer dialer.Close()

	opts := audit.Options{
		Dialer:      dialer,
		Concurrency: f.concurrency,
		Timeout:     f.timeout,
		Since:       f.since,
		ClientIPs:   f.parsedClients,
		Version:     version,
	}
	if f.cloud == "aws" {
		opts.Cloud = aws
	}
	return runAudit(ctx, hosts, opts, &f.out, stdout, stderr)
}

// selectHosts applies --limit and --shard.
func selectHosts(hosts []inventory.Host, limit string, i, n int) ([]inventory.Host, error) {
	if limit != "" {
		var err error
		hosts, err = inventory.Limit(hosts, limit)
		if err != nil {
			return nil, usageErr("--limit: %v", err)
		}
	}
	if n > 0 {
		hosts = inventory.Shard(hosts, i, n)
	}
	return hosts, nil
}

// parseFlags parses args, printing the flag list only when asked with -h:
// a mistake gets a one-line error.
func parseFlags(fs *flag.FlagSet, args []string, stderr io.Writer) error {
	fs.SetOutput(io.Discard)
	err := fs.Parse(args)
	if errors.Is(err, flag.ErrHelp) {
		fs.SetOutput(stderr)
		fmt.Fprintf(stderr, "Usage of resetaudit %s:\n", fs.Name())
		fs.PrintDefaults()
		return &exitError{code: 0, err: errors.New("help requested")}
	}
	if err != nil {
		return usageErr("%s: %v (run 'resetaudit %s -h' for the flags)", fs.Name(), err, fs.Name())
	}
	return nil
}
