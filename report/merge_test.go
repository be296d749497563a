package report

import (
	"reflect"
	"testing"
	"time"

	"github.com/resetaudit/resetaudit/result"
)

func TestMerge(t *testing.T) {
	t0 := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	a := &result.Report{
		Schema: result.Schema, StartedAt: t0.Add(time.Minute), FinishedAt: t0.Add(3 * time.Minute),
		Auditor:   result.Auditor{Version: "v1", SourceAddresses: []string{"10.1.0.5"}},
		ClientIPs: []string{"203.0.113.7"},
		Hosts: []result.Host{
			{Name: "web-1", Address: "10.0.4.17", Port: 22, Groups: []string{"web"},
				Probe: result.Probe{Symptom: result.SymptomConnectTimeout},
				Findings: []result.Finding{
					{Cause: result.CauseUnreachable, Severity: result.High, Status: result.Observed},
					{Cause: result.CauseIdleTimeout, Severity: result.Low, Status: result.Risk},
				}},
			{Name: "only-a", Address: "10.0.9.1", Port: 22, Collected: true, Probe: result.Probe{Symptom: result.SymptomOK},
				Coverage: map[string]string{"sshd": "ok"}},
		},
	}
	b := &result.Report{
		Schema: result.Schema, StartedAt: t0, FinishedAt: t0.Add(2 * time.Minute),
		Auditor:     result.Auditor{Version: "v1", SourceAddresses: []string{"10.2.0.5", "fd00::5"}},
		ClientIPs:   []string{"198.51.100.1", "203.0.113.7"},
		Interrupted: true,
		Hosts: []result.Host{
			{Name: "only-b", Address: "10.0.9.2", Port: 22, Probe: result.Probe{Symptom: result.SymptomRefused}},
			{Name: "web-1", Address: "10.0.4.17", Port: 22, Groups: []string{"web", "eu"}, Collected: true,
				Probe:    result.Probe{Symptom: result.SymptomOK},
				Coverage: map[string]string{"sshd": "ok", "firewall": "skipped: not root"},
				Findings: []result.Finding{
					{Cause: result.CauseIdleTimeout, Severity: result.Medium, Status: result.Risk},
					{Cause: result.CauseFail2banBan, Severity: result.Critical, Status: result.Observed, ClientIP: "203.0.113.7"},
				}},
			{Name: "web-1", Address: "10.0.4.17", Port: 2222, Probe: result.Probe{Symptom: result.SymptomOK}},
		},
	}
	aBefore := len(a.Hosts[0].Findings)
	m := Merge([]*result.Report{a, nil, b})

	if !m.StartedAt.Equal(t0) || !m.FinishedAt.Equal(t0.Add(3*time.Minute)) {
		t.Errorf("span %v..%v", m.StartedAt, m.FinishedAt)
	}
	if want := []string{"203.0.113.7", "198.51.100.1"}; !reflect.DeepEqual(m.ClientIPs, want) {
		t.Errorf("client IPs %q, want %q", m.ClientIPs, want)
	}
	if want := []string{"10.1.0.5", "10.2.0.5", "fd00::5"}; !reflect.DeepEqual(m.Auditor.SourceAddresses, want) {
		t.Errorf("source addresses %q", m.Auditor.SourceAddresses)
	}
	if !m.Interrupted || m.Schema != result.Schema {
		t.Errorf("interrupted %v schema %q", m.Interrupted, m.Schema)
	}
	var names []string
	for _, h := range m.Hosts {
		names = append(names, h.Name+":"+hostPort(h))
	}
	if want := []string{"web-1:10.0.4.17", "only-a:10.0.9.1", "only-b:10.0.9.2", "web-1:10.0.4.17:2222"}; !reflect.DeepEqual(names, want) {
		t.Fatalf("hosts %q, want %q", names, want)
	}
	w := m.Hosts[0]
	if !w.Collected || w.Probe.Symptom != result.SymptomOK {
		t.Errorf("merged web-1 should take the collecting vantage's probe: %+v", w.Probe)
	}
	if want := []result.Vantage{
		{Auditor: "10.1.0.5", Probe: result.Probe{Symptom: result.SymptomConnectTimeout}},
		{Auditor: "10.2.0.5,fd00::5", Probe: result.Probe{Symptom: result.SymptomOK}},
	}; !reflect.DeepEqual(w.Vantages, want) {
		t.Errorf("vantages %+v", w.Vantages)
	}
	got := map[string]result.Severity{}
	for _, f := range w.Findings {
		got[f.Key()] = f.Severity
	}
	if want := map[string]result.Severity{"unreachable|": result.High, "idle_timeout|": result.Medium, "fail2ban_ban|203.0.113.7": result.Critical}; !reflect.DeepEqual(got, want) {
		t.Errorf("findings %v, want %v", got, want)
	}
	if want := map[string]string{"sshd": "ok", "firewall": "skipped: not root"}; !reflect.DeepEqual(w.Coverage, want) {
		t.Errorf("coverage %v", w.Coverage)
	}
	if want := []string{"web", "eu"}; !reflect.DeepEqual(w.Groups, want) {
		t.Errorf("groups %q", w.Groups)
	}
	if m.Hosts[1].Vantages != nil {
		t.Error("a host seen once has vantages")
	}
	if m.Summary.Hosts != 4 || m.Summary.Collected != 2 || m.Summary.ByCause[result.CauseFail2banBan] != 1 {
		t.Errorf("summary %+v", m.Summary)
	}
	if len(a.Hosts[0].Findings) != aBefore || a.Hosts[0].Coverage != nil {
		t.Error("Merge modified its input")
	}
}

func TestMergeCoverageOKInAny(t *testing.T) {
	mk := func(st string) *result.Report {
		return &result.Report{Hosts: []result.Host{{Name: "h", Address: "a", Port: 22, Coverage: map[string]string{"logs": st}}}}
	}
	for _, tc := range []struct {
		in   []string
		want string
	}{
		{[]string{"skipped: no sudo", "ok"}, "ok"},
		{[]string{"ok", "error: timeout"}, "ok"},
		{[]string{"skipped: no sudo", "error: timeout"}, "skipped: no sudo"},
	} {
		var reps []*result.Report
		for _, s := range tc.in {
			reps = append(reps, mk(s))
		}
		if got := Merge(reps).Hosts[0].Coverage["logs"]; got != tc.want {
			t.Errorf("coverage of %q = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestMergeOfMergesKeepsVantages(t *testing.T) {
	mk := func(src string) *result.Report {
		return &result.Report{Auditor: result.Auditor{SourceAddresses: []string{src}},
			Hosts: []result.Host{{Name: "h", Address: "a", Port: 22}}}
	}
	m := Merge([]*result.Report{Merge([]*result.Report{mk("1"), mk("2")}), mk("3")})
	var got []string
	for _, v := range m.Hosts[0].Vantages {
		got = append(got, v.Auditor)
	}
	if want := []string{"1", "2", "3"}; !reflect.DeepEqual(got, want) {
		t.Errorf("vantages %q, want %q", got, want)
	}
}
