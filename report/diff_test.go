package report

import (
	"testing"

	"github.com/resetaudit/resetaudit/result"
)

func f(cause string, sev result.Severity, ip string) result.Finding {
	return result.Finding{Cause: cause, Severity: sev, Status: result.Observed, ClientIP: ip}
}

func host(name string, collected bool, sym result.Symptom, fs ...result.Finding) result.Host {
	return result.Host{Name: name, Address: "10.0.0." + name, Port: 22, Collected: collected, Probe: result.Probe{Symptom: sym}, Findings: fs}
}

func TestDiff(t *testing.T) {
	ban := f(result.CauseFail2banBan, result.Critical, "203.0.113.7")
	banOther := f(result.CauseFail2banBan, result.Critical, "198.51.100.1")
	idle := f(result.CauseIdleTimeout, result.Medium, "")
	disk := f(result.CauseDiskFull, result.High, "")
	for _, tc := range []struct {
		name         string
		base, cur    result.Host
		wantChange   []string // per current finding
		wantResolved []string // keys
		wantHost     string
	}{
		{"persisting and new", host("a", true, "ok", ban, idle), host("a", true, "ok", ban, disk),
			[]string{"persisting", "new"}, []string{idle.Key()}, ""},
		{"same cause other client is new", host("a", true, "ok", ban), host("a", true, "ok", banOther),
			[]string{"new"}, []string{ban.Key()}, ""},
		{"all resolved", host("a", true, "ok", ban, idle), host("a", true, "ok"),
			nil, []string{ban.Key(), idle.Key()}, ""},
		{"newly unreachable keeps unknowns unresolved", host("a", true, "ok", ban),
			host("a", false, result.SymptomConnectTimeout, f(result.CauseUnreachable, result.High, "")),
			[]string{"new"}, nil, ChangeNewlyUnreachable},
		{"reachable but not collected: not newly unreachable, nothing resolved", host("a", true, "ok", idle),
			host("a", false, result.SymptomAuthFailed, f(result.CauseAuthFailed, result.High, "")),
			[]string{"new"}, nil, ""},
		{"unreachable in both: probe findings compare", host("a", false, result.SymptomRefused, f(result.CauseUnreachable, result.High, "")),
			host("a", false, result.SymptomConnectTimeout),
			nil, []string{"unreachable|"}, ""},
		{"new host", host("b", true, "ok"), host("a", true, "ok", idle),
			[]string{"new"}, nil, ChangeHostNew},
	} {
		t.Run(tc.name, func(t *testing.T) {
			base := &result.Report{Hosts: []result.Host{tc.base}}
			cur := &result.Report{Hosts: []result.Host{tc.cur}}
			Diff(cur, base)
			h := cur.Hosts[0]
			if h.Change != tc.wantHost {
				t.Errorf("host change %q, want %q", h.Change, tc.wantHost)
			}
			var got []string
			for _, f := range h.Findings {
				got = append(got, f.Change)
			}
			if !equal(got, tc.wantChange) {
				t.Errorf("finding changes %q, want %q", got, tc.wantChange)
			}
			var res []string
			for _, f := range h.Resolved {
				res = append(res, f.Key())
				if f.Change != "" {
					t.Errorf("resolved finding has change %q", f.Change)
				}
			}
			if !equal(res, tc.wantResolved) {
				t.Errorf("resolved %q, want %q", res, tc.wantResolved)
			}
			if cur.Summary.Resolved != len(tc.wantResolved) || cur.Summary.Hosts != 1 {
				t.Errorf("summary not recomputed: %+v", cur.Summary)
			}
		})
	}
}

func TestDiffMatchesHostsByNameAddressPort(t *testing.T) {
	base := &result.Report{Hosts: []result.Host{host("a", true, "ok", f(result.CauseIdleTimeout, result.Medium, ""))}}
	cur := &result.Report{Hosts: []result.Host{host("a", true, "ok", f(result.CauseIdleTimeout, result.Medium, ""))}}
	cur.Hosts[0].Port = 2222
	Diff(cur, base)
	if cur.Hosts[0].Change != "" || cur.Hosts[0].Findings[0].Change != result.ChangePersisting {
		t.Errorf("a uniquely named host that moved to another port lost its history: %+v", cur.Hosts[0])
	}

	// Two hosts of one name: only name, address and port identify them.
	base = &result.Report{Hosts: []result.Host{host("a", true, "ok", f(result.CauseIdleTimeout, result.Medium, ""))}}
	cur = &result.Report{Hosts: []result.Host{
		host("a", true, "ok", f(result.CauseIdleTimeout, result.Medium, "")),
		host("a", true, "ok", f(result.CauseIdleTimeout, result.Medium, "")),
	}}
	cur.Hosts[0].Port, cur.Hosts[1].Port = 2222, 2223
	Diff(cur, base)
	for _, h := range cur.Hosts {
		if h.Change != ChangeHostNew || h.Findings[0].Change != result.ChangeNew {
			t.Errorf("ambiguous name matched the baseline: %+v", h)
		}
	}
}

func TestDiffIsRepeatable(t *testing.T) {
	cur, base := fixture(), fixture()
	base.Hosts[0].Findings = base.Hosts[0].Findings[:1]
	base.FinishedAt = base.FinishedAt.Add(-24 * 3600e9)
	Diff(cur, base)
	Diff(cur, base)
	if cur.Summary.New != 1 || cur.Summary.Resolved != 0 || len(cur.Hosts[0].Resolved) != 0 {
		t.Errorf("after two diffs: %+v", cur.Summary)
	}
	if cur.Baseline != "2026-02-28T10:00:42Z" {
		t.Errorf("Baseline = %q", cur.Baseline)
	}
	cur.Baseline = "/var/lib/resetaudit/report-x.json"
	Diff(cur, base)
	if cur.Baseline != "/var/lib/resetaudit/report-x.json" {
		t.Errorf("Diff overwrote the caller's baseline name: %q", cur.Baseline)
	}
}

func equal(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
