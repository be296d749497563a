package report

import (
	"strings"

	"github.com/resetaudit/resetaudit/result"
)

// Merge combines the reports of several shards or vantage points into one.
// Hosts match by name, address and port and keep the order in which they
// first appear. A host seen by more than one report keeps each report's probe
// in Vantages (labelled by that report's auditor source addresses) and the
// probe that got furthest as its own; its findings are the union by
// Finding.Key, the more severe one kept on a clash; a coverage area is ok if
// any report checked it cleanly. The result spans the earliest start and the
// latest finish, lists every client IP, and has its summary recomputed.
func Merge(reps []*result.Report) *result.Report {
	out := &result.Report{Schema: result.Schema}
	index := map[hostKey]int{}
	vantages := map[hostKey][]result.Vantage{}
	seenIP := map[string]bool{}
	seenSrc := map[string]bool{}
	for _, r := range reps {
		if r == nil {
			continue
		}
		if !r.StartedAt.IsZero() && (out.StartedAt.IsZero() || r.StartedAt.Before(out.StartedAt)) {
			out.StartedAt = r.StartedAt
		}
		if r.FinishedAt.After(out.FinishedAt) {
			out.FinishedAt = r.FinishedAt
		}
		if out.Auditor.Version == "" {
			out.Auditor.Version = r.Auditor.Version
		}
		if out.Auditor.Hostname == "" {
			out.Auditor.Hostname = r.Auditor.Hostname
		}
		out.Auditor.SourceAddresses = appendNew(out.Auditor.SourceAddresses, seenSrc, r.Auditor.SourceAddresses...)
		out.ClientIPs = appendNew(out.ClientIPs, seenIP, r.ClientIPs...)
		out.Interrupted = out.Interrupted || r.Interrupted
		label := strings.Join(r.Auditor.SourceAddresses, ",")
		for _, h := range r.Hosts {
			k := keyOf(&h)
			if len(h.Vantages) > 0 {
				vantages[k] = append(vantages[k], h.Vantages...)
			} else {
				vantages[k] = append(vantages[k], result.Vantage{Auditor: label, Probe: h.Probe})
			}
			i, ok := index[k]
			if !ok {
				index[k] = len(out.Hosts)
				out.Hosts = append(out.Hosts, copyHost(h))
				continue
			}
			mergeHost(&out.Hosts[i], h)
		}
	}
	for i := range out.Hosts {
		h := &out.Hosts[i]
		h.Vantages = nil
		if v := vantages[keyOf(h)]; len(v) > 1 {
			h.Vantages = v
		}
	}
	out.Summarize()
	return out
}

// copyHost copies h deeply enough that merging into it leaves the input
// reports untouched.
func copyHost(h result.Host) result.Host {
	h.Groups = append([]string(nil), h.Groups...)
	h.Findings = append([]result.Finding(nil), h.Findings...)
	h.Resolved = append([]result.Finding(nil), h.Resolved...)
	cov := make(map[string]string, len(h.Coverage))
	for k, v := range h.Coverage {
		cov[k] = v
	}
	h.Coverage = cov
	return h
}

func mergeHost(dst *result.Host, src result.Host) {
	if probeRank(src) > probeRank(*dst) {
		dst.Probe = src.Probe
	}
	dst.Collected = dst.Collected || src.Collected
	dst.Groups = appendNew(dst.Groups, set(dst.Groups), src.Groups...)
	for area, st := range src.Coverage {
		if cur, ok := dst.Coverage[area]; !ok || (cur != "ok" && st == "ok") {
			dst.Coverage[area] = st
		}
	}
	dst.Findings = unionFindings(dst.Findings, src.Findings)
	dst.Resolved = unionFindings(dst.Resolved, src.Resolved)
	if dst.Change == "" {
		dst.Change = src.Change
	}
	if dst.OS == "" {
		dst.OS = src.OS
	}
	if dst.SSHVersion == "" {
		dst.SSHVersion = src.SSHVersion
	}
	if dst.User == "" {
		dst.User = src.User
	}
	if dst.Jump == "" {
		dst.Jump = src.Jump
	}
}

// probeRank orders views of a host by how far they got: collected, then
// reachable, then the rest.
func probeRank(h result.Host) int {
	switch {
	case h.Collected:
		return 2
	case h.Probe.Reachable():
		return 1
	}
	return 0
}

// unionFindings adds src's findings to dst; on a shared key the more severe
// (then the observed) finding wins.
func unionFindings(dst, src []result.Finding) []result.Finding {
	at := make(map[string]int, len(dst))
	for i, f := range dst {
		at[f.Key()] = i
	}
	for _, f := range src {
		i, ok := at[f.Key()]
		if !ok {
			at[f.Key()] = len(dst)
			dst = append(dst, f)
			continue
		}
		d := dst[i]
		if f.Severity.Rank() > d.Severity.Rank() ||
			f.Severity.Rank() == d.Severity.Rank() && f.Status == result.Observed && d.Status != result.Observed {
			dst[i] = f
		}
	}
	return dst
}

func set(s []string) map[string]bool {
	m := make(map[string]bool, len(s))
	for _, v := range s {
		m[v] = true
	}
	return m
}

// appendNew appends the values of add not yet in seen, recording them.
func appendNew(dst []string, seen map[string]bool, add ...string) []string {
	for _, v := range add {
		if !seen[v] {
			seen[v] = true
			dst = append(dst, v)
		}
	}
	return dst
}
