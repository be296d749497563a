package report

import (
	"time"

	"github.com/resetaudit/resetaudit/result"
)

// Host.Change values set by Diff.
const (
	ChangeHostNew          = "new"
	ChangeNewlyUnreachable = "newly_unreachable"
)

// Diff compares cur with the baseline report base and records the result in
// cur: every finding becomes new or persisting (findings match by
// Finding.Key, hosts by name, address and port, or else by a name that is
// unique in both reports, so a renumbered host keeps its history), each host's Resolved lists
// the baseline findings it no longer has, and hosts get Change "new" when the
// baseline lacks them or "newly_unreachable" when the baseline collected them
// and they cannot be reached now. cur.Summary is recomputed. cur.Baseline is
// set to the baseline's finish time unless the caller has already named it.
//
// A host that was not collected this time is not searched for resolved
// findings: that nothing was found where nothing could be looked at does not
// mean a cause went away.
func Diff(cur, base *result.Report) {
	old := make(map[hostKey]*result.Host, len(base.Hosts))
	for i := range base.Hosts {
		old[keyOf(&base.Hosts[i])] = &base.Hosts[i]
	}
	oldByName := uniqueNames(base)
	curByName := uniqueNames(cur)
	for i := range cur.Hosts {
		h := &cur.Hosts[i]
		h.Resolved = nil
		h.Change = ""
		b, ok := old[keyOf(h)]
		if !ok && curByName[h.Name] != nil {
			b = oldByName[h.Name]
			ok = b != nil
		}
		if !ok {
			h.Change = ChangeHostNew
			for j := range h.Findings {
				h.Findings[j].Change = result.ChangeNew
			}
			continue
		}
		if b.Collected && !h.Probe.Reachable() {
			h.Change = ChangeNewlyUnreachable
		}
		had := make(map[string]bool, len(b.Findings))
		for _, f := range b.Findings {
			had[f.Key()] = true
		}
		has := make(map[string]bool, len(h.Findings))
		for j := range h.Findings {
			f := &h.Findings[j]
			has[f.Key()] = true
			if had[f.Key()] {
				f.Change = result.ChangePersisting
			} else {
				f.Change = result.ChangeNew
			}
		}
		if h.Collected || !b.Collected {
			for _, f := range b.Findings {
				if !has[f.Key()] {
					f.Change = ""
					h.Resolved = append(h.Resolved, f)
				}
			}
		}
	}
	if cur.Baseline == "" && !base.FinishedAt.IsZero() {
		cur.Baseline = base.FinishedAt.UTC().Format(time.RFC3339)
	}
	cur.Summarize()
}

// uniqueNames maps each host name that occurs once in r to its host.
func uniqueNames(r *result.Report) map[string]*result.Host {
	m := make(map[string]*result.Host, len(r.Hosts))
	seen := make(map[string]int, len(r.Hosts))
	for i := range r.Hosts {
		h := &r.Hosts[i]
		seen[h.Name]++
		m[h.Name] = h
	}
	for name, n := range seen {
		if n > 1 {
			delete(m, name)
		}
	}
	return m
}
