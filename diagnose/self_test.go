package diagnose

import (
	"net/netip"
	"strings"
	"testing"

	"github.com/resetaudit/resetaudit/facts"
	"github.com/resetaudit/resetaudit/result"
)

// TestSelfInflicted: a fail2ban ban of the auditor's own address says that
// audits may have caused it and how to exempt the auditor; the same ban of
// a client does not.
func TestSelfInflicted(t *testing.T) {
	f := &facts.Facts{
		Coverage: map[string]string{facts.AreaFail2ban: facts.CoverageOK},
		Fail2ban: facts.Fail2ban{Installed: true, Running: true, Jails: []facts.Jail{
			{Name: "sshd", CurrentlyBanned: 2, Banned: []string{"192.0.2.10", "203.0.113.7"}},
		}},
	}
	got := Host(Input{Probe: result.Probe{Symptom: result.SymptomRefused, SourceAddress: "192.0.2.10"}, Facts: f, Port: 22,
		ClientIPs: []netip.Addr{netip.MustParseAddr("203.0.113.7")}})
	seen := map[string]bool{}
	for _, fd := range got {
		if fd.Cause != result.CauseFail2banBan {
			continue
		}
		seen[fd.ClientIP] = true
		self := strings.Contains(strings.Join(fd.Fix, "\n"), "exempt the auditor")
		if want := fd.ClientIP == "192.0.2.10"; self != want {
			t.Errorf("%s: exemption advice %v, want %v: %q", fd.ClientIP, self, want, fd.Fix)
		}
	}
	if !seen["192.0.2.10"] || !seen["203.0.113.7"] {
		t.Fatalf("fail2ban findings for %v, want the auditor and the client; got %v", seen, got)
	}
}
