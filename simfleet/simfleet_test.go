package simfleet

import (
	"bytes"
	"strings"
	"testing"

	"github.com/resetaudit/resetaudit/facts"
)

// TestScenariosParse checks that every answering scenario's output parses
// into facts and that the patch changed what it meant to.
func TestScenariosParse(t *testing.T) {
	nonce := facts.NewNonce()
	for _, sc := range Scenarios() {
		if sc.Behaviour != Answer {
			continue
		}
		out := sc.render(nonce)
		if bytes.Contains(out, []byte(recordNonce)) {
			t.Errorf("%s: output still carries the recording nonce", sc.Name)
		}
		f, err := facts.Parse(out, nonce)
		if err != nil {
			t.Errorf("%s: %v", sc.Name, err)
			continue
		}
		if len(f.Coverage) == 0 {
			t.Errorf("%s: no coverage", sc.Name)
		}
		if len(f.Truncated) > 0 {
			t.Errorf("%s: sections truncated: %v", sc.Name, f.Truncated)
		}
	}
}

func TestRecordingRoundTrip(t *testing.T) {
	rec, err := parseRecording(base)
	if err != nil {
		t.Fatal(err)
	}
	if got := rec.bytes(recordNonce); !bytes.Equal(got, base) {
		t.Errorf("re-rendered recording differs from the original (%d vs %d bytes)", len(got), len(base))
	}
	r := rec.clone()
	r.set("hosts_deny", "sshd: 192.0.2.1", 0)
	if !strings.Contains(string(r.bytes(recordNonce)), "sshd: 192.0.2.1\n<<RA:") {
		t.Error("set did not replace the section body")
	}
	if strings.Contains(string(rec.bytes(recordNonce)), "192.0.2.1") {
		t.Error("patching a clone changed the original")
	}
}
