package diagnose

import (
	"net/netip"
	"testing"

	"github.com/resetaudit/resetaudit/facts"
	"github.com/resetaudit/resetaudit/result"
)

// TestProbeSignals checks the causes named from the probe alone, for hosts
// that could not be logged into.
func TestProbeSignals(t *testing.T) {
	tests := []struct {
		name  string
		probe result.Probe
		want  string
	}{
		{"silent listener", result.Probe{Symptom: result.SymptomBannerTimeout}, result.CauseBannerTimeout},
		{"handshake then drops", result.Probe{Symptom: result.SymptomBannerTimeout, DataUnacked: true}, result.CauseFirewallNoEstablished},
		{"refused login", result.Probe{Symptom: result.SymptomAuthFailed, Detail: "unable to authenticate"}, result.CauseAuthFailed},
		{"login stalls", result.Probe{Symptom: result.SymptomAuthFailed, AuthStalled: true}, result.CauseSlowDNSLogin},
		{"output stalls", result.Probe{Symptom: result.SymptomCollectTimeout, OutputBytes: 120}, result.CauseMTUBlackhole},
		{"payload fails", result.Probe{Symptom: result.SymptomCollectFailed}, result.CauseCollectIncomplete},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Host(Input{Probe: tt.probe, Port: 22})
			if len(got) == 0 || got[0].Cause != tt.want {
				t.Fatalf("top finding %v, want %s", got, tt.want)
			}
			if got[0].Status != result.Observed {
				t.Errorf("status %s, want observed", got[0].Status)
			}
		})
	}
}

// TestStallWithKnownMTU: when the host's interfaces are known to be at 1500,
// a stalled payload is not blamed on the MTU.
func TestStallWithKnownMTU(t *testing.T) {
	f := &facts.Facts{
		Coverage: map[string]string{facts.AreaNetwork: facts.CoverageOK},
		Network:  facts.Network{Interfaces: []facts.Interface{{Name: "eth0", MTU: 1500, Up: true}}},
	}
	for _, fd := range Host(Input{Probe: result.Probe{Symptom: result.SymptomCollectTimeout}, Facts: f, Port: 22}) {
		if fd.Cause == result.CauseMTUBlackhole {
			t.Errorf("MTU blamed for a stall on a 1500-byte host: %+v", fd)
		}
	}
}

// TestForwardedPort: the auditor reached sshd through a forwarded port, so
// the host's firewall is evaluated for sshd's own port.
func TestForwardedPort(t *testing.T) {
	f := &facts.Facts{
		Coverage: map[string]string{facts.AreaFirewall: facts.CoverageOK, facts.AreaSshd: facts.CoverageOK},
		Sshd:     facts.Sshd{Config: map[string][]string{"port": {"22"}}},
		Firewall: facts.Firewall{IptablesSave: "*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -s 203.0.113.7/32 -p tcp -m tcp --dport 22 -j DROP\nCOMMIT\n"},
	}
	got := Host(Input{Probe: result.Probe{Symptom: result.SymptomOK}, Facts: f, Port: 2201,
		ClientIPs: []netip.Addr{netip.MustParseAddr("203.0.113.7")}})
	for _, fd := range got {
		if fd.Cause == result.CauseFirewallReject && fd.ClientIP == "203.0.113.7" {
			return
		}
	}
	t.Errorf("no firewall_reject for the client on sshd's own port 22; got %v", got)
}
