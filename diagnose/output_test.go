package diagnose

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/resetaudit/resetaudit/facts"
	"github.com/resetaudit/resetaudit/result"
)

func TestEvidenceIsCapped(t *testing.T) {
	in := debian()
	for i := range 30 {
		in.Facts.Events = append(in.Facts.Events, ev(facts.EvMaxStartupsDrop, time.Hour, "auth.log",
			fmt.Sprintf("sshd[699]: drop connection #%d from [203.0.113.9]:%d on [10.0.0.5]:22 past MaxStartups", 10+i, 40000+i), "203.0.113.9"))
	}
	f, ok := find(Host(in), result.CauseMaxStartups, "")
	if !ok {
		t.Fatal("no maxstartups finding")
	}
	if len(f.Evidence) != maxEvidence {
		t.Fatalf("got %d evidence lines, want %d: %q", len(f.Evidence), maxEvidence, f.Evidence)
	}
	// sshd -T line + 30 drops = 31 lines; 7 kept, 24 summarised.
	if last := f.Evidence[maxEvidence-1]; last != "… and 24 more" {
		t.Errorf("last line %q", last)
	}
	if f.Evidence[0] != "sshd -T: maxstartups 10:30:100" {
		t.Errorf("first line %q", f.Evidence[0])
	}
}

func TestHostileStringsPassThrough(t *testing.T) {
	in := debian()
	hostile := "sshd[1]: \x1b[31mdrop connection\x1b[0m <script>alert(1)</script> =cmd|' /C calc'!A0 past MaxStartups"
	in.Facts.Events = []facts.Event{ev(facts.EvMaxStartupsDrop, time.Hour, "auth.log\n", hostile, "\x00;rm -rf /")}
	in.Facts.Sshd.Config["maxstartups"] = []string{"1:2:3:4;reboot"}
	got := Host(in)
	f, ok := find(got, result.CauseMaxStartups, "")
	if !ok {
		t.Fatalf("no maxstartups finding:\n%s", dump(got))
	}
	if !slices.Contains(f.Evidence, "auth.log\n: "+hostile) {
		t.Errorf("evidence altered: %q", f.Evidence)
	}
	for _, fix := range f.Fix {
		if strings.Contains(fix, "reboot") || strings.Contains(fix, "rm -rf") {
			t.Errorf("host data leaked into a fix command: %q", fix)
		}
	}
}

func TestSortOrderAndUniqueKeys(t *testing.T) {
	in := debian()
	in.Facts.Sshd.Config["maxstartups"] = []string{"2"}
	in.Facts.Sshd.ConfigTest = &facts.ConfigTest{Output: "line 3: Bad configuration option: Foo"}
	in.Facts.Disks[0].UsePct = 100
	in.Facts.Fail2ban = facts.Fail2ban{Running: true, Jails: []facts.Jail{
		{Name: "sshd", Banned: []string{"198.51.100.23", "192.0.2.10"}},
		{Name: "sshd-ddos", Banned: []string{"198.51.100.23"}},
	}}
	in.Facts.Events = []facts.Event{{Kind: facts.EvOOMKill, Time: now.Add(-time.Hour), Source: "dmesg", Line: oomSshd, Process: "sshd"}}
	got := Host(in)
	keys := map[string]bool{}
	for i, f := range got {
		if keys[f.Key()] {
			t.Errorf("key %s twice", f.Key())
		}
		keys[f.Key()] = true
		if i == 0 {
			continue
		}
		p := got[i-1]
		switch {
		case p.Severity.Rank() < f.Severity.Rank():
			t.Errorf("%s (%s) before %s (%s)", p.Cause, p.Severity, f.Cause, f.Severity)
		case p.Severity == f.Severity && p.Status == result.Risk && f.Status == result.Observed:
			t.Errorf("risk %s before observed %s", p.Cause, f.Cause)
		case p.Severity == f.Severity && p.Status == f.Status && p.Cause+p.ClientIP > f.Cause+f.ClientIP:
			t.Errorf("%s before %s", p.Cause, f.Cause)
		}
	}
	if got[0].Cause != result.CauseResourceExhaustion || got[0].Severity != result.Critical {
		t.Errorf("first finding %s/%s", got[0].Cause, got[0].Severity)
	}
	// Two jails banning the client merge into one finding with both.
	f, _ := find(got, result.CauseFail2banBan, client.String())
	if !slices.Contains(f.Evidence, "fail2ban: jail sshd-ddos bans 198.51.100.23") || !slices.Contains(f.Evidence, "fail2ban: jail sshd bans 198.51.100.23") {
		t.Errorf("merged evidence %q", f.Evidence)
	}
}

func TestDeterministic(t *testing.T) {
	in := debian()
	in.Facts.Sshd.Version = "OpenSSH_9.8p1"
	in.Facts.Events = []facts.Event{
		ev(facts.EvPenalty, time.Hour, "journal", "a", "198.51.100.23"),
		ev(facts.EvPenalty, time.Hour, "journal", "b", "203.0.113.1"),
		ev(facts.EvKexMismatch, time.Hour, "journal", "c", "192.0.2.10"),
	}
	first := fmt.Sprint(Host(in))
	for range 20 {
		if got := fmt.Sprint(Host(in)); got != first {
			t.Fatalf("output changed between runs:\n%s\n%s", first, got)
		}
	}
}

// TestSparseInputs runs every symptom against empty and missing facts: no
// panic, and nothing claimed about areas that were not checked (a refused
// probe alone names sshd_not_running as the likely cause).
func TestSparseInputs(t *testing.T) {
	symptoms := []result.Symptom{result.SymptomOK, result.SymptomRefused, result.SymptomConnectTimeout,
		result.SymptomResetBeforeBanner, result.SymptomClosedBeforeBanner, result.SymptomBannerTimeout,
		result.SymptomResetDuringKex, result.SymptomKexFailed, result.SymptomHostKeyUnknown,
		result.SymptomHostKeyChanged, result.SymptomAuthFailed, result.SymptomCollectTimeout,
		result.SymptomCollectFailed, result.SymptomNotRun, "garbage"}
	for _, s := range symptoms {
		for _, f := range []*facts.Facts{nil, {}} {
			in := Input{Probe: result.Probe{Symptom: s, SourceAddress: "not an address"}, Facts: f,
				Cloud: &facts.Cloud{Checked: true, Sources: []facts.CloudSource{{}}}}
			for _, fd := range Host(in) {
				if fd.Cause == result.CauseSshdNotRunning && f != nil && s != result.SymptomRefused {
					t.Errorf("%s: sshd_not_running from empty facts", s)
				}
				if fd.Title == "" || fd.Why == "" || fd.Evidence == nil || fd.Fix == nil {
					t.Errorf("%s: incomplete finding %+v", s, fd)
				}
			}
		}
	}
}
