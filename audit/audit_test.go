package audit_test

import (
	"context"
	"net/netip"
	"os"
	"runtime"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/resetaudit/resetaudit/audit"
	"github.com/resetaudit/resetaudit/remote"
	"github.com/resetaudit/resetaudit/result"
	"github.com/resetaudit/resetaudit/simfleet"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

func startFleet(t *testing.T, n int) (*simfleet.Fleet, *remote.Dialer) {
	t.Helper()
	fleet, err := simfleet.Start(context.Background(), simfleet.Options{Hosts: n})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { fleet.Close() })
	d, err := remote.NewDialer(remote.Config{KnownHosts: fleet.KnownHosts, Identities: []string{fleet.Identity}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	return fleet, d
}

// TestRunNamesEachScenario sweeps one host of every simulated scenario and
// checks that the top finding is the scenario's cause.
func TestRunNamesEachScenario(t *testing.T) {
	fleet, d := startFleet(t, 0)
	client := netip.MustParseAddr(simfleet.ClientIP)
	rep := audit.Run(context.Background(), fleet.Hosts, audit.Options{
		Dialer: d, Concurrency: 8, Timeout: 2 * time.Second, ClientIPs: []netip.Addr{client},
	})
	if got, want := len(rep.Hosts), len(fleet.Hosts); got != want {
		t.Fatalf("report has %d hosts, want %d", got, want)
	}
	scen := simfleet.Scenarios()
	for i, h := range rep.Hosts {
		if h.Name != fleet.Hosts[i].Name {
			t.Errorf("host %d is %s, want %s: results must keep inventory order", i, h.Name, fleet.Hosts[i].Name)
		}
		want := scen[i].Expect
		top, ok := h.Top()
		switch {
		case want == "" && ok && top.Severity.Rank() >= result.Medium.Rank():
			t.Errorf("%s: healthy host has %s finding %s (%s)", h.Name, top.Severity, top.Cause, top.Title)
		case want != "" && !ok:
			t.Errorf("%s: no findings, want %s (probe %s: %s)", h.Name, want, h.Probe.Symptom, h.Probe.Detail)
		case want != "" && top.Cause != want:
			t.Errorf("%s: top cause %s (%s), want %s; all: %v", h.Name, top.Cause, top.Severity, want, causes(h))
		}
		if len(h.Coverage) == 0 {
			t.Errorf("%s: empty coverage", h.Name)
		}
	}
}

func causes(h result.Host) []string {
	var out []string
	for _, f := range h.Findings {
		out = append(out, f.Cause+"/"+string(f.Severity))
	}
	return out
}

// TestRunUnprivilegedCoverage checks that areas the payload could not read
// are never reported as checked.
func TestRunUnprivilegedCoverage(t *testing.T) {
	fleet, d := startFleet(t, 0)
	rep := audit.Run(context.Background(), fleet.Hosts, audit.Options{Dialer: d, Timeout: 2 * time.Second})
	for _, h := range rep.Hosts {
		if h.Name != "ops-1" {
			continue
		}
		for _, area := range []string{"firewall", "logs", "sshd_config", "fail2ban"} {
			if v := h.Coverage[area]; v == "ok" || v == "" {
				t.Errorf("ops-1 runs unprivileged, but coverage[%s] = %q", area, v)
			}
		}
		return
	}
	t.Fatal("no ops-1 host in the fleet")
}

// TestRunInterrupted cancels a sweep and checks that it returns promptly
// with every host reported, the unfinished ones as not_run.
func TestRunInterrupted(t *testing.T) {
	fleet, d := startFleet(t, 60)
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(300*time.Millisecond, cancel)
	start := time.Now()
	rep := audit.Run(ctx, fleet.Hosts, audit.Options{Dialer: d, Concurrency: 4, Timeout: 10 * time.Second})
	if el := time.Since(start); el > 3*time.Second {
		t.Errorf("interrupted sweep took %s", el)
	}
	if !rep.Interrupted {
		t.Error("report not marked interrupted")
	}
	if len(rep.Hosts) != 60 {
		t.Fatalf("%d hosts reported, want 60", len(rep.Hosts))
	}
	notRun := 0
	for _, h := range rep.Hosts {
		if h.Probe.Symptom == result.SymptomNotRun {
			notRun++
			if h.Coverage["firewall"] == "ok" {
				t.Errorf("%s: not run but firewall coverage ok", h.Name)
			}
		}
	}
	if notRun == 0 {
		t.Error("no host marked not_run")
	}
}

// TestRunReleasesResources sweeps hundreds of hosts, most failing in some
// way, and checks that goroutines and file descriptors return to baseline.
func TestRunReleasesResources(t *testing.T) {
	fdsBefore := openFDs(t)
	fleet, d := startFleet(t, 300)
	rep := audit.Run(context.Background(), fleet.Hosts, audit.Options{Dialer: d, Concurrency: 64, Timeout: time.Second})
	if len(rep.Hosts) != 300 {
		t.Fatalf("%d hosts, want 300", len(rep.Hosts))
	}
	d.Close()
	fleet.Close()
	deadline := time.Now().Add(5 * time.Second)
	for {
		fds := openFDs(t)
		if fds <= fdsBefore+2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("open fds %d after the sweep, %d before", fds, fdsBefore)
		}
		runtime.GC()
		time.Sleep(50 * time.Millisecond)
	}
	goleak.VerifyNone(t)
}

func openFDs(t *testing.T) int {
	t.Helper()
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Skip("no /proc/self/fd")
	}
	return len(ents)
}
