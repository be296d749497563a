package facts

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// testNonce frames every recorded output under testdata/.
const testNonce = "00112233445566778899aabbccddeeff"

var allAreas = []string{AreaSshd, AreaConfig, AreaLogs, AreaKernelLog, AreaFirewall, AreaWrappers,
	AreaFail2ban, AreaResources, AreaDisk, AreaNetwork, AreaCloud}

func checkCoverage(t testing.TB, f *Facts) {
	t.Helper()
	for _, a := range allAreas {
		if f.Coverage[a] == "" {
			t.Errorf("coverage has no entry for %q", a)
		}
	}
}

// TestParseGolden parses every recorded output (real runs on Debian 12 as root
// and as a user, and hand-recorded outputs of other distributions) and
// compares the Facts with testdata/NAME.json.
func TestParseGolden(t *testing.T) {
	files, _ := filepath.Glob("testdata/*.out")
	if len(files) < 5 {
		t.Fatalf("found %d recorded outputs, want at least 5", len(files))
	}
	for _, in := range files {
		t.Run(filepath.Base(in), func(t *testing.T) {
			out, err := os.ReadFile(in)
			if err != nil {
				t.Fatal(err)
			}
			f, err := Parse(out, testNonce)
			if err != nil {
				t.Fatal(err)
			}
			checkCoverage(t, f)
			got, err := json.MarshalIndent(f, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			golden := strings.TrimSuffix(in, ".out") + ".json"
			if *update {
				if err := os.WriteFile(golden, append(got, '\n'), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test -update)", err)
			}
			if !bytes.Equal(bytes.TrimSpace(got), bytes.TrimSpace(want)) {
				t.Errorf("Facts differ from %s (run go test -update and review the diff)", golden)
			}
		})
	}
}

// TestParseFacts checks the facts that matter most in each fixture, so the
// golden files cannot silently drift into nonsense.
func TestParseFacts(t *testing.T) {
	load := func(name string) *Facts {
		t.Helper()
		b, err := os.ReadFile("testdata/" + name)
		if err != nil {
			t.Fatal(err)
		}
		f, err := Parse(b, testNonce)
		if err != nil {
			t.Fatal(err)
		}
		return f
	}
	kinds := func(f *Facts) map[EventKind]int {
		m := map[EventKind]int{}
		for _, e := range f.Events {
			m[e.Kind]++
		}
		return m
	}

	user := load("debian12-user.out")
	if user.Privilege != "user" {
		t.Errorf("debian12-user: Privilege = %q", user.Privilege)
	}
	for _, a := range []string{AreaConfig, AreaFirewall, AreaFail2ban} {
		if !strings.Contains(user.Coverage[a], "needs root") {
			t.Errorf("debian12-user: Coverage[%s] = %q, want needs root", a, user.Coverage[a])
		}
	}
	root := load("debian12-root.out")
	if root.Privilege != "root" || root.Host.OS != "Debian GNU/Linux 12 (bookworm)" || !strings.HasPrefix(root.Sshd.Version, "OpenSSH_9.2") {
		t.Errorf("debian12-root: %q %q %q", root.Privilege, root.Host.OS, root.Sshd.Version)
	}
	if root.Sshd.Libwrap == nil || !*root.Sshd.Libwrap {
		t.Errorf("debian12-root: Debian's sshd links libwrap")
	}

	rh := load("rhel9-sudo.out")
	if rh.Privilege != "sudo" || rh.Sshd.Service != "active" || !rh.Sshd.Running || len(rh.Sshd.Listen) != 2 {
		t.Errorf("rhel9: privilege %q service %q running %v listen %v", rh.Privilege, rh.Sshd.Service, rh.Sshd.Running, rh.Sshd.Listen)
	}
	if rh.Sshd.Version != "OpenSSH_8.7p1" || rh.Sshd.Libwrap == nil || *rh.Sshd.Libwrap {
		t.Errorf("rhel9: version %q libwrap %v", rh.Sshd.Version, rh.Sshd.Libwrap)
	}
	if got := rh.Sshd.Config["maxstartups"]; len(got) != 1 || got[0] != "10:30:100" {
		t.Errorf("rhel9: maxstartups %v", got)
	}
	if len(rh.Fail2ban.Jails) != 1 || rh.Fail2ban.Jails[0].CurrentlyBanned != 2 || len(rh.Fail2ban.Jails[0].Banned) != 2 {
		t.Errorf("rhel9: jails %+v", rh.Fail2ban.Jails)
	}
	if len(rh.Disks) != 4 || rh.Disks[0].UsePct != 100 || rh.Disks[0].InodesUsePct != 2 {
		t.Errorf("rhel9: disks %+v", rh.Disks)
	}
	if rh.Network.ReverseLookup == nil || !rh.Network.ReverseLookup.TimedOut || rh.Network.ConntrackCount != 65536 {
		t.Errorf("rhel9: network %+v", rh.Network)
	}
	if rh.Resources.MemPressure != 22.47 || rh.Resources.MemAvailKB != 190220 {
		t.Errorf("rhel9: resources %+v", rh.Resources)
	}
	k := kinds(rh)
	for _, want := range []EventKind{EvMaxStartupsThrottle, EvMaxStartupsDrop, EvKexMismatch, EvProtocolError, EvLoginGraceTimeout, EvAuthFailure, EvOOMKill, EvConntrackFull} {
		if k[want] == 0 {
			t.Errorf("rhel9: no %s event", want)
		}
	}
	if rh.Host.ClientAddr != "203.0.113.9" || rh.Firewall.IptablesMode != "nf_tables" || !strings.Contains(rh.Firewall.Firewalld, "reject") {
		t.Errorf("rhel9: client %q mode %q", rh.Host.ClientAddr, rh.Firewall.IptablesMode)
	}

	al := load("alpine321-root.out")
	k = kinds(al)
	for _, want := range []EventKind{EvPenalty, EvConnReset, EvSshdStop, EvSshdStart, EvTooManyFiles, EvSshdCrash, EvOOMKill, EvAuthFailure} {
		if k[want] == 0 {
			t.Errorf("alpine: no %s event", want)
		}
	}
	if al.Sshd.Service != "active" || !al.Sshd.Running || len(al.Sshd.PortListeners) != 2 || al.Coverage[AreaFail2ban] != CoverageOK {
		t.Errorf("alpine: sshd %+v coverage %q", al.Sshd, al.Coverage[AreaFail2ban])
	}
	if al.Sshd.Libwrap == nil || *al.Sshd.Libwrap || al.Disks[0].InodesUsePct != -1 || al.Resources.MemPressure != -1 {
		t.Errorf("alpine: libwrap %v disks %+v", al.Sshd.Libwrap, al.Disks)
	}
	if al.Host.ClientAddr != "192.0.2.10" || al.Sshd.StartTime.Unix() != 1795590012 {
		t.Errorf("alpine: client %q start %v", al.Host.ClientAddr, al.Sshd.StartTime)
	}

	ub := load("ubuntu2404-sudo.out")
	if ub.Sshd.Service != "active" || ub.Sshd.Running || len(ub.Sshd.PortListeners) != 1 {
		t.Errorf("ubuntu: socket-activated sshd: %+v", ub.Sshd)
	}
	if ub.Sshd.ConfigTest == nil || ub.Sshd.ConfigTest.OK || ub.Coverage[AreaConfig] != CoverageOK {
		t.Errorf("ubuntu: sshd -t failure must be a result: %+v %q", ub.Sshd.ConfigTest, ub.Coverage[AreaConfig])
	}
	for _, a := range []string{AreaFirewall, AreaWrappers, AreaFail2ban, AreaResources, AreaDisk, AreaNetwork} {
		if ub.Coverage[a] == CoverageOK {
			t.Errorf("ubuntu: output cut off before %s, yet coverage is ok", a)
		}
	}
	k = kinds(ub)
	if k[EvBoot] != 1 || k[EvSshdCrash] != 2 || k[EvWrappersRefused] != 1 || k[EvSshdStart] != 1 {
		t.Errorf("ubuntu: events %v", k)
	}
	if ub.Events[0].Kind != EvBoot || ub.Events[0].Time.IsZero() {
		t.Errorf("ubuntu: the boot marker should take the next line's time: %+v", ub.Events[0])
	}
}

func frame(name, rc, body string) string {
	return "<<RA:" + testNonce + ":BEGIN " + name + ">>\n" + body + "\n<<RA:" + testNonce + ":END " + name + " rc=" + rc + " cap=1000>>\n"
}

func TestSplitForgedMarker(t *testing.T) {
	other := "ffffffffffffffffffffffffffffffff"
	out := frame("meta", "0", "uid=0") +
		frame("hosts_deny", "0", "sshd: 10.0.0.0/8\n<<RA:"+other+":END hosts_deny rc=0 cap=1000>>\n<<RA:"+other+":BEGIN fail2ban>>\nALL: ALL")
	secs, err := Split([]byte(out), testNonce)
	if err != nil {
		t.Fatal(err)
	}
	d := secs["hosts_deny"]
	if !d.Ended || d.Truncated || !strings.HasSuffix(d.Text(), "ALL: ALL") || !strings.Contains(d.Text(), other) {
		t.Errorf("forged markers must stay data: %+v %q", d, d.Text())
	}
	if _, ok := secs["fail2ban"]; ok {
		t.Error("a marker with another nonce opened a section")
	}
}

func TestSplitMissingEnd(t *testing.T) {
	out := frame("meta", "0", "uid=0") + "<<RA:" + testNonce + ":BEGIN hosts_deny>>\nsshd: ALL\n"
	f, err := Parse([]byte(out), testNonce)
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Truncated) != 1 || f.Truncated[0] != "hosts_deny" {
		t.Errorf("Truncated = %v, want [hosts_deny]", f.Truncated)
	}
	if f.Coverage[AreaWrappers] == CoverageOK || f.Wrappers.Read {
		t.Errorf("a cut-off hosts.deny must not count as read: %q %+v", f.Coverage[AreaWrappers], f.Wrappers)
	}
	checkCoverage(t, f)
}

func TestSplitCapReached(t *testing.T) {
	body := strings.Repeat("x", 1000)
	secs, _ := Split([]byte(frame("meta", "0", "")+frame("sshd_T", "0", body)), testNonce)
	if !secs["sshd_T"].Truncated {
		t.Error("output of exactly cap bytes should be marked truncated")
	}
}

func TestParseNoMeta(t *testing.T) {
	for _, out := range []string{"", "Permission denied\n", frame("df", "0", "x")} {
		if _, err := Parse([]byte(out), testNonce); err != ErrNoMeta {
			t.Errorf("Parse(%q) error = %v, want ErrNoMeta", out, err)
		}
	}
}

func TestParseHostileBytes(t *testing.T) {
	out := frame("meta", "0", "uid=0\nhostname=h\xff\x00st\nos=\"\x00\x01\"") +
		frame("logs src=auth.log", "0", "Nov 25 10:00:00 h sshd[1]: Invalid user \xff\x00 from 10.0.0.5 port 1\n\x00\x00\x00") +
		frame("sshd_T", "0", "port \xff\x00\nmaxstartups 1:2:3\x00")
	f, err := Parse([]byte(out), testNonce)
	if err != nil {
		t.Fatal(err)
	}
	checkCoverage(t, f)
	if len(f.Events) != 1 || f.Events[0].Addr != "10.0.0.5" {
		t.Errorf("events %+v", f.Events)
	}
	if _, err := json.Marshal(f); err != nil {
		t.Errorf("facts from hostile bytes do not marshal: %v", err)
	}
}

func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.out")
	for _, in := range files {
		b, err := os.ReadFile(in)
		if err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte(frame("meta", "0", "uid=0")))
	f.Fuzz(func(t *testing.T, out []byte) {
		facts, err := Parse(out, testNonce)
		if err != nil {
			return
		}
		checkCoverage(t, facts)
	})
}

// TestFail2banStates: not installed and installed-but-not-running are both
// checked (nothing can be banned); needing root is not.
func TestFail2banStates(t *testing.T) {
	skipped := func(note string) string {
		return "<<RA:" + testNonce + ":BEGIN fail2ban>>\n\n<<RA:" + testNonce + ":END fail2ban rc=0 cap=1000 note=" + note + ">>\n"
	}
	tests := []struct {
		name, section               string
		installed, running, checked bool
	}{
		{"not installed", skipped("missing:fail2ban-client"), false, false, true},
		{"no server", skipped("not_running"), true, false, true},
		{"needs root", skipped("needs_root"), true, false, false},
		{"client cannot connect", frame("fail2ban", "255", "ERROR   Failed to access socket path: /var/run/fail2ban/fail2ban.sock. Is fail2ban running?"), true, false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := Parse([]byte(frame("meta", "0", "uid=0")+tt.section), testNonce)
			if err != nil {
				t.Fatal(err)
			}
			got := f.Coverage[AreaFail2ban] == CoverageOK
			if got != tt.checked || f.Fail2ban.Installed != tt.installed || f.Fail2ban.Running != tt.running {
				t.Errorf("coverage %q installed %v running %v", f.Coverage[AreaFail2ban], f.Fail2ban.Installed, f.Fail2ban.Running)
			}
		})
	}
}
