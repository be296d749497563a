package cloud

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"net/http"
	"net/netip"
	"os"
	"path/filepath"
	"testing"
)

var update = flag.Bool("update", false, "rewrite golden files")

// TestGoldenCheck evaluates a small recorded fleet (testdata/fleet, one file
// per action; prefix-list actions are refused) and compares the whole result,
// wording included, with testdata/check.golden.json.
func TestGoldenCheck(t *testing.T) {
	f := newFakeEC2(t, func(w http.ResponseWriter, r *http.Request, action string, attempt int) {
		body, err := os.ReadFile(filepath.Join("testdata", "fleet", filepath.Base(action)+".xml"))
		if err != nil {
			ec2Error(w, http.StatusForbidden, "UnauthorizedOperation", "You are not authorized to perform this operation.")
			return
		}
		w.Header().Set("Content-Type", "text/xml")
		w.Write(body)
	})
	sources := []Source{
		{Addr: netip.MustParseAddr("10.0.1.10"), Label: "auditor"},
		{Addr: netip.MustParseAddr("203.0.113.7"), Label: "client"},
	}
	hosts := []HostQuery{
		{Key: "web-1", Address: "10.0.1.10", Sources: sources},
		{Key: "web-1-public", Address: "198.51.100.10", Port: 2222, Sources: sources},
		{Key: "db-1", InstanceID: "i-0db", Sources: sources},
		{Key: "terminated", Address: "10.0.1.99", Sources: sources},
	}
	got, stats, err := fakeAWS(t, f).Check(context.Background(), hosts)
	if err != nil {
		t.Fatal(err)
	}
	out, err := json.MarshalIndent(map[string]any{"hosts": got, "stats": stats}, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	out = append(out, '\n')
	golden := filepath.Join("testdata", "check.golden.json")
	if *update {
		if err := os.WriteFile(golden, out, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(out, want) {
		t.Errorf("Check result differs from %s (run go test -run GoldenCheck -update to accept):\n%s", golden, out)
	}
}
