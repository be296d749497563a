package diagnose

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/resetaudit/resetaudit/result"
)

var update = flag.Bool("update", false, "rewrite testdata/golden/*.json from the current output")

// loadInputs reads every testdata/*.json as an Input.
func loadInputs(t *testing.T) map[string]Input {
	t.Helper()
	files, err := filepath.Glob("testdata/*.json")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("no testdata/*.json inputs")
	}
	out := map[string]Input{}
	for _, file := range files {
		b, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.DisallowUnknownFields()
		var in Input
		if err := dec.Decode(&in); err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		out[strings.TrimSuffix(filepath.Base(file), ".json")] = in
	}
	return out
}

func TestGolden(t *testing.T) {
	for name, in := range loadInputs(t) {
		t.Run(name, func(t *testing.T) {
			got, err := json.MarshalIndent(Host(in), "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, '\n')
			path := filepath.Join("testdata", "golden", name+".json")
			if *update {
				if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("findings differ from %s (go test -update rewrites it); got:\n%s", path, got)
			}
		})
	}
}

// TestGoldenSanity pins the headline of each scenario, so that a careless
// -update cannot bless a regression in what matters most.
func TestGoldenSanity(t *testing.T) {
	top := map[string]struct {
		cause string
		sev   result.Severity
	}{
		"debian-healthy":              {result.CauseIdleTimeout, result.Low},
		"rocky-oom-sshd":              {result.CauseResourceExhaustion, result.Critical},
		"ubuntu-penalties":            {result.CausePerSourcePenalty, result.High},
		"debian-unclean-reboot":       {result.CauseHostRebooted, result.High},
		"alpine-disk-dns":             {result.CauseDiskFull, result.High},
		"refused-nothing-collected":   {result.CauseSshdNotRunning, result.Critical},
		"aws-sg-timeout":              {result.CauseCloudSecurityGroup, result.High},
		"reset-before-banner-unknown": {result.CauseTCPWrappers, result.High},
		"kex-failed-legacy":           {result.CauseAlgorithmMismatch, result.High},
	}
	inputs := loadInputs(t)
	for name, w := range top {
		in, ok := inputs[name]
		if !ok {
			t.Errorf("scenario %s missing", name)
			continue
		}
		got := Host(in)
		if len(got) == 0 || got[0].Cause != w.cause || got[0].Severity != w.sev {
			t.Errorf("%s: top finding is not %s/%s:\n%s", name, w.cause, w.sev, dump(got))
		}
	}
}
