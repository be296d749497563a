// Package audit runs a sweep: it fans out over the inventory with bounded
// concurrency, gives every host one hard deadline, collects and diagnoses each,
// and returns the results in inventory order.
//
// A host's failure is a result, never an error: the sweep always finishes and
// reports every host.
package audit

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"sort"
	"strings"
	"sync/atomic"
	"time"

	"golang.org/x/crypto/ssh"
	"golang.org/x/sync/errgroup"

	"github.com/resetaudit/resetaudit/cloud"
	"github.com/resetaudit/resetaudit/diagnose"
	"github.com/resetaudit/resetaudit/facts"
	"github.com/resetaudit/resetaudit/inventory"
	"github.com/resetaudit/resetaudit/remote"
	"github.com/resetaudit/resetaudit/result"
)

// Dialer connects to one host. *remote.Dialer implements it.
type Dialer interface {
	Dial(ctx context.Context, t remote.Target) (*remote.Client, result.Probe)
}

// CloudChecker evaluates cloud reachability for a batch of hosts.
// *cloud.AWS implements it.
type CloudChecker interface {
	Check(ctx context.Context, hosts []cloud.HostQuery) (map[string]*facts.Cloud, cloud.Stats, error)
}

// Options configure a sweep.
type Options struct {
	Dialer      Dialer
	Concurrency int           // hosts in flight; default 64, as the CLI
	Timeout     time.Duration // hard deadline per host, connect + collect; default 20s
	Since       time.Duration // log window; default 24h
	ClientIPs   []netip.Addr
	// OutputCap bounds one host's payload output; default 4 MiB.
	OutputCap int64
	// Cloud, when set, is asked once for the whole fleet.
	Cloud        CloudChecker
	CloudTimeout time.Duration // default 60s
	// Progress, when set, is called after each host (from several goroutines).
	Progress func(Progress)
	Version  string
}

// Progress reports one finished host.
type Progress struct {
	Done, Total int
	InFlight    int // hosts started and not yet done
	Host        string
	Symptom     result.Symptom
}

// hostRun is one host's intermediate state between collection and diagnosis.
type hostRun struct {
	host   inventory.Host
	probe  result.Probe
	facts  *facts.Facts
	notRun bool
	// diagnosed is set when the host's result is already in the report.
	diagnosed bool
}

// Run audits hosts and returns the report. It returns early, with unfinished
// hosts marked not_run, when ctx is cancelled.
func Run(ctx context.Context, hosts []inventory.Host, o Options) *result.Report {
	o.defaults()
	rep := &result.Report{
		Schema:    result.Schema,
		StartedAt: time.Now().UTC(),
		Auditor:   result.Auditor{Version: o.Version},
		ClientIPs: addrStrings(o.ClientIPs),
	}
	if h, err := os.Hostname(); err == nil {
		rep.Auditor.Hostname = h
	}

	runs := make([]hostRun, len(hosts))
	rep.Hosts = make([]result.Host, len(runs))
	var done, started atomic.Int64
	g := new(errgroup.Group)
	g.SetLimit(o.Concurrency)
	for i := range hosts {
		runs[i].host = hosts[i]
		if ctx.Err() != nil {
			runs[i].notRun = true
			continue
		}
		g.Go(func() error {
			r := &runs[i]
			if ctx.Err() != nil {
				r.notRun = true
				return nil
			}
			started.Add(1)
			r.probe, r.facts = collectHost(ctx, r.host, o)
			if ctx.Err() != nil && r.probe.Symptom != result.SymptomOK && r.facts == nil {
				r.notRun = true
			}
			if o.Cloud == nil {
				// Diagnose now, so that a host's facts are garbage as soon
				// as it is done: memory stays flat in the fleet's size.
				rep.Hosts[i] = diagnoseHost(r, nil, o)
				r.facts, r.diagnosed = nil, true
			}
			if o.Progress != nil {
				d := done.Add(1)
				o.Progress(Progress{Done: int(d), Total: len(hosts), InFlight: int(started.Load() - d), Host: r.host.Name, Symptom: r.probe.Symptom})
			}
			return nil
		})
	}
	_ = g.Wait()
	rep.Interrupted = ctx.Err() != nil

	var clouds map[string]*facts.Cloud
	if o.Cloud != nil && !rep.Interrupted {
		clouds = checkCloud(ctx, runs, o)
	}

	sources := map[string]bool{}
	for i := range runs {
		r := &runs[i]
		if r.probe.SourceAddress != "" {
			sources[r.probe.SourceAddress] = true
		}
		if !r.diagnosed {
			rep.Hosts[i] = diagnoseHost(r, clouds[key(i)], o)
			r.facts = nil // release memory as we go
		}
	}
	for s := range sources {
		rep.Auditor.SourceAddresses = append(rep.Auditor.SourceAddresses, s)
	}
	sort.Strings(rep.Auditor.SourceAddresses)
	rep.FinishedAt = time.Now().UTC()
	rep.Summarize()
	return rep
}

func (o *Options) defaults() {
	if o.Concurrency <= 0 {
		o.Concurrency = 64
	}
	if o.Timeout <= 0 {
		o.Timeout = 20 * time.Second
	}
	if o.Since <= 0 {
		o.Since = 24 * time.Hour
	}
	if o.OutputCap <= 0 {
		o.OutputCap = 4 << 20
	}
	if o.CloudTimeout <= 0 {
		o.CloudTimeout = 60 * time.Second
	}
}

// collectHost connects to one host and runs the payload, all under one
// deadline.
func collectHost(parent context.Context, h inventory.Host, o Options) (result.Probe, *facts.Facts) {
	ctx, cancel := context.WithTimeout(parent, o.Timeout)
	defer cancel()
	start := time.Now()

	client, probe := o.Dialer.Dial(ctx, remote.TargetOf(h))
	if client == nil {
		return probe, nil
	}
	defer client.Close()

	// The host looks up the address it sees the auditor as; behind a
	// bastion that is the bastion's, which the payload reads from
	// SSH_CONNECTION itself.
	var seenAs string
	if len(h.Jump) == 0 {
		seenAs = probe.SourceAddress
	}
	nonce := facts.NewNonce()
	script := facts.Script(facts.Params{Nonce: nonce, Since: o.Since, Client: seenAs})
	out, truncated, err := client.Collect(ctx, script, o.OutputCap)
	probe.OutputBytes = int64(len(out))
	f, perr := facts.Parse(out, nonce)
	var exit *ssh.ExitError
	switch {
	case err != nil && ctx.Err() != nil:
		probe.Symptom = result.SymptomCollectTimeout
		probe.Detail = fmt.Sprintf("payload did not finish within %s (%d bytes received)", o.Timeout, len(out))
	case err != nil && !errors.As(err, &exit) && !truncated:
		probe.Symptom = result.SymptomCollectFailed
		probe.Detail = "payload: " + err.Error()
	case perr != nil:
		probe.Symptom = result.SymptomCollectFailed
		probe.Detail = "payload output: " + perr.Error()
		if err != nil {
			probe.Detail += " (" + err.Error() + ")"
		}
	case truncated:
		probe.Detail = fmt.Sprintf("output capped at %d bytes", o.OutputCap)
	}
	probe.DurationMS = time.Since(start).Milliseconds()
	if perr != nil {
		return probe, nil
	}
	probe.Privilege = f.Privilege
	return probe, f
}

func key(i int) string { return fmt.Sprint(i) }

// checkCloud asks the cloud provider once for every host.
func checkCloud(ctx context.Context, runs []hostRun, o Options) map[string]*facts.Cloud {
	ctx, cancel := context.WithTimeout(ctx, o.CloudTimeout)
	defer cancel()
	qs := make([]cloud.HostQuery, 0, len(runs))
	for i := range runs {
		r := &runs[i]
		q := cloud.HostQuery{Key: key(i), Address: r.host.Address, InstanceID: r.host.InstanceID, Port: portOr22(r.host.Port)}
		for _, a := range auditorIPs(r) {
			q.Sources = append(q.Sources, cloud.Source{Addr: a, Label: "auditor"})
		}
		for _, a := range o.ClientIPs {
			q.Sources = append(q.Sources, cloud.Source{Addr: a, Label: "client"})
		}
		if len(r.host.Jump) > 0 {
			if a, err := netip.ParseAddr(r.host.Jump[len(r.host.Jump)-1].Address); err == nil {
				q.Sources = append(q.Sources, cloud.Source{Addr: a, Label: "bastion"})
			}
		}
		qs = append(qs, q)
	}
	res, _, err := o.Cloud.Check(ctx, qs)
	if res == nil {
		res = map[string]*facts.Cloud{}
	}
	if err != nil {
		for _, q := range qs {
			if res[q.Key] == nil {
				res[q.Key] = &facts.Cloud{Provider: "aws", Reason: err.Error()}
			}
		}
	}
	return res
}

// auditorIPs are the addresses a host sees the auditor as: the local source
// address, and what the host itself reported when that differs (NAT).
func auditorIPs(r *hostRun) []netip.Addr {
	var out []netip.Addr
	add := func(s string) {
		a, err := netip.ParseAddr(s)
		if err != nil {
			return
		}
		a = a.Unmap()
		for _, b := range out {
			if b == a {
				return
			}
		}
		out = append(out, a)
	}
	add(r.probe.SourceAddress)
	if r.facts != nil {
		add(r.facts.Host.ClientAddr)
	}
	return out
}

func diagnoseHost(r *hostRun, cf *facts.Cloud, o Options) result.Host {
	h := result.Host{
		Name:    r.host.Name,
		Address: r.host.Address,
		Port:    portOr22(r.host.Port),
		User:    r.host.User,
		Groups:  r.host.Groups,
		Jump:    jumpString(r.host.Jump),
		Probe:   r.probe,
	}
	if h.Groups == nil {
		h.Groups = []string{}
	}
	if r.notRun {
		h.Probe = result.Probe{Symptom: result.SymptomNotRun, Detail: "the sweep was interrupted before this host finished"}
		h.Coverage = notChecked("not checked: sweep interrupted")
		h.Findings = []result.Finding{}
		return h
	}
	h.Collected = r.facts != nil
	if r.facts != nil {
		h.Coverage = make(map[string]string, len(r.facts.Coverage)+1)
		for k, v := range r.facts.Coverage {
			h.Coverage[k] = v
		}
		h.OS = r.facts.Host.OS
		h.SSHVersion = r.facts.Sshd.Version
	} else {
		h.Coverage = notChecked("not checked: " + string(r.probe.Symptom))
	}
	if o.Cloud == nil {
		delete(h.Coverage, facts.AreaCloud) // not requested: not a gap
	} else {
		switch {
		case cf == nil:
			h.Coverage[facts.AreaCloud] = "not checked: no cloud result"
		case !cf.Checked:
			h.Coverage[facts.AreaCloud] = "not checked: " + cf.Reason
		default:
			h.Coverage[facts.AreaCloud] = facts.CoverageOK
		}
	}
	h.Findings = diagnose.Host(diagnose.Input{
		Probe:      r.probe,
		Facts:      r.facts,
		Cloud:      cf,
		Port:       h.Port,
		ClientIPs:  o.ClientIPs,
		AuditorIPs: auditorIPs(r),
		Jump:       h.Jump,
		Since:      o.Since,
		Address:    h.Address,
	})
	if h.Findings == nil {
		h.Findings = []result.Finding{}
	}
	return h
}

// notChecked marks every host-side area with the same reason.
func notChecked(reason string) map[string]string {
	m := map[string]string{}
	for _, a := range []string{facts.AreaSshd, facts.AreaConfig, facts.AreaLogs, facts.AreaKernelLog,
		facts.AreaFirewall, facts.AreaWrappers, facts.AreaFail2ban, facts.AreaResources,
		facts.AreaDisk, facts.AreaNetwork} {
		m[a] = reason
	}
	return m
}

func jumpString(hops []inventory.Hop) string {
	parts := make([]string, len(hops))
	for i, h := range hops {
		parts[i] = h.String()
	}
	return strings.Join(parts, ",")
}

func portOr22(p int) int {
	if p == 0 {
		return 22
	}
	return p
}

func addrStrings(as []netip.Addr) []string {
	out := make([]string, 0, len(as))
	for _, a := range as {
		out = append(out, a.String())
	}
	return out
}
