package diagnose

import (
	"cmp"
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/resetaudit/resetaudit/facts"
	"github.com/resetaudit/resetaudit/result"
)

// Input is everything known about one host.
type Input struct {
	Probe      result.Probe
	Facts      *facts.Facts  // nil when nothing was collected (probe failed, auth failed...)
	Cloud      *facts.Cloud  // nil when no cloud check was made
	Port       int           // the SSH port audited; 0 means 22
	ClientIPs  []netip.Addr  // --client-ip: end users' addresses
	AuditorIPs []netip.Addr  // the auditor's own source address(es); checked like client IPs
	Jump       string        // bastion used, "" if direct
	Since      time.Duration // the log window; 0 means the window in Facts.Since
	// Address is the host's address or name as dialed, used in client-side
	// fix commands (ssh-keygen -R, ssh-keyscan); "" reads as "HOST".
	Address string
}

// maxEvidence is how many evidence lines a finding keeps.
const maxEvidence = 8

// Host diagnoses one host. Findings are sorted by severity (most severe
// first), observed before risk, then by the catalog's order (most common
// cause first) and client address. There is
// at most one finding per cause and client address (result.Finding.Key).
func Host(in Input) []result.Finding {
	d := newDiag(in)
	if d.f != nil {
		d.sshd()
		d.logs()
		d.resources()
		d.disks()
		d.network()
		d.wrappers()
		d.fail2ban()
		d.firewall() // after fail2ban: some of its rules are fail2ban's bans
	}
	d.cloud()
	d.probe() // last: it looks at what the facts already explain
	d.selfInflicted()
	return finish(d.out)
}

// source is one address checked against the block mechanisms.
type source struct {
	addr    netip.Addr
	auditor bool
}

// Label is label() at the start of a sentence.
func (s source) Label() string {
	if s.auditor {
		return "The auditor's address " + s.addr.String()
	}
	return "Client " + s.addr.String()
}

func (s source) label() string {
	if s.auditor {
		return "the auditor's address " + s.addr.String()
	}
	return "client " + s.addr.String()
}

// diag carries the state of one diagnosis.
type diag struct {
	in      Input
	f       *facts.Facts
	port    int
	sources []source
	// from and to bound the log window; zero when unknown.
	from, to time.Time
	out      []result.Finding
}

func newDiag(in Input) *diag {
	d := &diag{in: in, f: in.Facts, port: in.Port}
	if d.port <= 0 {
		d.port = 22
	}
	if in.Probe.Reachable() && in.Jump == "" {
		d.port = hostPort(in.Facts, d.port)
	}
	seen := map[netip.Addr]bool{}
	add := func(a netip.Addr, auditor bool) {
		if !a.IsValid() {
			return
		}
		a = a.Unmap()
		if seen[a] {
			return
		}
		seen[a] = true
		d.sources = append(d.sources, source{addr: a, auditor: auditor})
	}
	for _, a := range in.ClientIPs {
		add(a, false)
	}
	for _, a := range in.AuditorIPs {
		add(a, true)
	}
	if a, err := parseAddrPort(in.Probe.SourceAddress); err == nil {
		add(a, true)
	}
	if d.f != nil {
		// Behind NAT or a bastion the host sees another address than ours.
		if a, err := parseAddrPort(firstField(d.f.Host.ClientAddr)); err == nil {
			add(a, true)
		}
		d.to = d.f.Host.Now
		switch {
		case in.Since > 0 && !d.to.IsZero():
			d.from = d.to.Add(-in.Since)
		case !d.f.Since.IsZero():
			d.from = d.f.Since
		}
	}
	return d
}

// firstField returns the first space-separated field of s (SSH_CONNECTION is
// "client_ip client_port server_ip server_port").
func firstField(s string) string {
	if f := strings.Fields(s); len(f) > 0 {
		return f[0]
	}
	return ""
}

// parseAddrPort accepts "1.2.3.4", "1.2.3.4:22", "[::1]:22" and "::1".
func parseAddrPort(s string) (netip.Addr, error) {
	if ap, err := netip.ParseAddrPort(s); err == nil {
		return ap.Addr().Unmap(), nil
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Addr{}, fmt.Errorf("parse address %q: %w", s, err)
	}
	return a.Unmap(), nil
}

// connectedFrom reports whether the probe, made directly from addr, got a
// TCP connection (and which stage it reached): then nothing blocked addr's SYN.
func (d *diag) connectedFrom(addr netip.Addr) (tcp, banner bool) {
	if d.in.Jump != "" || d.sourceAddr() != addr {
		return false, false
	}
	switch d.in.Probe.Symptom {
	case "", result.SymptomNotRun, result.SymptomRefused, result.SymptomConnectTimeout:
		return false, false
	case result.SymptomResetBeforeBanner, result.SymptomClosedBeforeBanner, result.SymptomBannerTimeout:
		return true, false
	}
	return true, true
}

// add records a finding.
func (d *diag) add(f result.Finding) { d.out = append(d.out, f) }

// has reports whether a finding of cause exists, for any client address when
// ip is "*".
func (d *diag) has(cause, ip string) bool {
	for _, f := range d.out {
		if f.Cause == cause && (ip == "*" || f.ClientIP == ip) {
			return true
		}
	}
	return false
}

// addEvidence appends a line to the findings of cause for ip; it reports
// whether there were any.
func (d *diag) addEvidence(cause, ip, line string) bool {
	found := false
	for i := range d.out {
		if f := &d.out[i]; f.Cause == cause && f.ClientIP == ip {
			f.Evidence = append(f.Evidence, line)
			found = true
		}
	}
	return found
}

// confirm marks the findings of cause for ip as observed, adding the probe's
// evidence; it reports whether there were any.
func (d *diag) confirm(cause, ip string) bool {
	found := false
	for i := range d.out {
		f := &d.out[i]
		if f.Cause != cause || (ip != "*" && f.ClientIP != ip) {
			continue
		}
		found = true
		f.Status = result.Observed
		f.Evidence = append([]string{d.probeEvidence()}, f.Evidence...)
	}
	return found
}

// covered reports whether an area was fully checked. An area missing from
// the coverage map was not: a host is never judged on what was not looked at.
func (d *diag) covered(area string) bool {
	return d.f != nil && d.f.Coverage[area] == facts.CoverageOK
}

// inWindow reports whether t falls in the log window. A zero time (a line
// without a timestamp) is in the window: the payload read only the window.
func (d *diag) inWindow(t time.Time) bool {
	if t.IsZero() {
		return true
	}
	if !d.from.IsZero() && t.Before(d.from) {
		return false
	}
	return d.to.IsZero() || !t.After(d.to.Add(time.Minute))
}

// finish merges findings that share a key, caps evidence and sorts.
func finish(in []result.Finding) []result.Finding {
	var out []result.Finding
	index := map[string]int{}
	for _, f := range in {
		i, ok := index[f.Key()]
		if !ok {
			index[f.Key()] = len(out)
			out = append(out, f)
			continue
		}
		out[i] = merge(out[i], f)
	}
	for i := range out {
		out[i].Evidence = capLines(dedup(out[i].Evidence), maxEvidence)
		out[i].Fix = dedup(out[i].Fix)
		if out[i].Evidence == nil {
			out[i].Evidence = []string{}
		}
		if out[i].Fix == nil {
			out[i].Fix = []string{}
		}
	}
	slices.SortStableFunc(out, func(a, b result.Finding) int {
		if c := cmp.Compare(b.Severity.Rank(), a.Severity.Rank()); c != 0 {
			return c
		}
		if c := cmp.Compare(statusRank(b.Status), statusRank(a.Status)); c != 0 {
			return c
		}
		if c := cmp.Compare(catalogIndex(a.Cause), catalogIndex(b.Cause)); c != 0 {
			return c
		}
		return cmp.Compare(a.ClientIP, b.ClientIP)
	})
	return out
}

func statusRank(s result.Status) int {
	if s == result.Observed {
		return 1
	}
	return 0
}

// merge combines two findings of one key: the stronger one's title and why,
// the higher severity, observed if either is, and both evidence and fixes.
func merge(a, b result.Finding) result.Finding {
	strong, weak := a, b
	if b.Severity.Rank() > a.Severity.Rank() ||
		(b.Severity.Rank() == a.Severity.Rank() && statusRank(b.Status) > statusRank(a.Status)) {
		strong, weak = b, a
	}
	m := strong
	if weak.Status == result.Observed {
		m.Status = result.Observed
	}
	m.Evidence = append(slices.Clone(strong.Evidence), weak.Evidence...)
	m.Fix = append(slices.Clone(strong.Fix), weak.Fix...)
	return m
}

func dedup(s []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, v := range s {
		if seen[v] {
			continue
		}
		seen[v] = true
		out = append(out, v)
	}
	return out
}

// capLines keeps the first n-1 lines and a count of the rest when s is
// longer than n.
func capLines(s []string, n int) []string {
	if len(s) <= n {
		return s
	}
	out := slices.Clone(s[:n-1])
	return append(out, fmt.Sprintf("… and %d more", len(s)-(n-1)))
}

// hostPort is the port sshd itself listens on. When the auditor reached sshd
// on a port sshd is not configured for, something forwarded it (DNAT, a
// load balancer), and the host's firewall and listeners see sshd's own port.
func hostPort(f *facts.Facts, dialed int) int {
	if f == nil {
		return dialed
	}
	ports := f.Sshd.Config["port"]
	for _, p := range ports {
		if p == strconv.Itoa(dialed) {
			return dialed
		}
	}
	if len(ports) > 0 {
		if p, err := strconv.Atoi(ports[0]); err == nil && p > 0 && p < 65536 {
			return p
		}
	}
	return dialed
}
