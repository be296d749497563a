package diagnose

import (
	"fmt"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/resetaudit/resetaudit/facts"
	"github.com/resetaudit/resetaudit/result"
)

// now is the fixed clock of every test host.
var now = time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)

var (
	client  = netip.MustParseAddr("198.51.100.23")
	auditor = netip.MustParseAddr("192.0.2.10")
)

// debianConfig is what Debian 12's stock sshd -T prints for the keywords
// the rules read.
func debianConfig() map[string][]string {
	return map[string][]string{
		"port":                {"22"},
		"usedns":              {"no"},
		"logingracetime":      {"120"},
		"maxstartups":         {"10:30:100"},
		"maxsessions":         {"10"},
		"clientaliveinterval": {"0"},
		"clientalivecountmax": {"3"},
		"kexalgorithms":       {"sntrup761x25519-sha512@openssh.com,curve25519-sha256,curve25519-sha256@libssh.org,ecdh-sha2-nistp256,ecdh-sha2-nistp384,ecdh-sha2-nistp521,diffie-hellman-group-exchange-sha256,diffie-hellman-group16-sha512,diffie-hellman-group18-sha512,diffie-hellman-group14-sha256"},
		"ciphers":             {"chacha20-poly1305@openssh.com,aes128-ctr,aes192-ctr,aes256-ctr,aes128-gcm@openssh.com,aes256-gcm@openssh.com"},
		"macs":                {"umac-64-etm@openssh.com,umac-128-etm@openssh.com,hmac-sha2-256-etm@openssh.com,hmac-sha2-512-etm@openssh.com,hmac-sha1-etm@openssh.com,umac-64@openssh.com,umac-128@openssh.com,hmac-sha2-256,hmac-sha2-512,hmac-sha1"},
		"hostkeyalgorithms":   {"ssh-ed25519-cert-v01@openssh.com,ecdsa-sha2-nistp256-cert-v01@openssh.com,ssh-ed25519,ecdsa-sha2-nistp256,rsa-sha2-512,rsa-sha2-256"},
	}
}

// debian returns a healthy Debian 12 host, audited as root over a clean
// probe.
func debian() Input {
	yes := true
	f := &facts.Facts{
		Host: facts.HostInfo{
			Hostname: "web-1", OS: "Debian GNU/Linux 12 (bookworm)", Kernel: "6.1.0-26-amd64",
			Init: "systemd", Now: now, BootTime: now.Add(-40 * 24 * time.Hour),
			ClientAddr: "192.0.2.10 51234 10.0.0.5 22",
		},
		Privilege: "root",
		Coverage:  map[string]string{},
		Sshd: facts.Sshd{
			Version: "OpenSSH_9.2p1", Running: true, PIDs: []int{612}, Service: "active",
			Listen:        []netip.AddrPort{netip.MustParseAddrPort("0.0.0.0:22"), netip.MustParseAddrPort("[::]:22")},
			PortListeners: []facts.Listener{{Addr: netip.MustParseAddrPort("0.0.0.0:22"), Process: "sshd"}},
			Config:        debianConfig(),
			ConfigTest:    &facts.ConfigTest{OK: true},
			Libwrap:       &yes,
			StartTime:     now.Add(-40 * 24 * time.Hour),
		},
		Wrappers: facts.Wrappers{Read: true,
			Allow: "# /etc/hosts.allow: list of hosts that are allowed to access the system.\n",
			Deny:  "# /etc/hosts.deny: list of hosts that are _not_ allowed to access the system.\n"},
		Fail2ban: facts.Fail2ban{},
		Resources: facts.Resources{CPUs: 2, Load1: 0.12, Load5: 0.08, Load15: 0.05,
			MemTotalKB: 4026000, MemAvailKB: 3100000, SwapTotalKB: 0,
			Processes: 130, PidMax: 4194304, ThreadsMax: 31000, FilesOpen: 1200, FilesMax: 9223372036854775807,
			MemPressure: 0, CPUPressure: 0.5},
		Disks: []facts.Disk{
			{Mount: "/", Device: "/dev/vda1", SizeKB: 20000000, AvailKB: 14000000, UsePct: 28, InodesUsePct: 9},
			{Mount: "/run", Device: "tmpfs", SizeKB: 402000, AvailKB: 401000, UsePct: 1, InodesUsePct: 1},
		},
		Network: facts.Network{
			Interfaces: []facts.Interface{
				{Name: "lo", MTU: 65536, Up: true, Addrs: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/8")}},
				{Name: "eth0", MTU: 1500, Up: true, Addrs: []netip.Prefix{netip.MustParsePrefix("10.0.0.5/24")}},
			},
			Sysctl:         map[string]string{"net.ipv4.tcp_mtu_probing": "0"},
			Nameservers:    []string{"10.0.0.2"},
			ReverseLookup:  &facts.Lookup{Query: "192.0.2.10", Duration: 3 * time.Millisecond, OK: true},
			ConntrackCount: -1, ConntrackMax: -1,
		},
		Since: now.Add(-24 * time.Hour),
	}
	for _, a := range []string{facts.AreaSshd, facts.AreaConfig, facts.AreaLogs, facts.AreaKernelLog, facts.AreaFirewall,
		facts.AreaWrappers, facts.AreaFail2ban, facts.AreaResources, facts.AreaDisk, facts.AreaNetwork} {
		f.Coverage[a] = facts.CoverageOK
	}
	return Input{
		Probe:      result.Probe{Symptom: result.SymptomOK, Banner: "SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3", DurationMS: 41, SourceAddress: "192.0.2.10:51234", Privilege: "root"},
		Facts:      f,
		Port:       22,
		ClientIPs:  []netip.Addr{client},
		AuditorIPs: []netip.Addr{auditor},
		Since:      24 * time.Hour,
		Address:    "10.0.0.5",
	}
}

// ev builds an event at now minus ago.
func ev(kind facts.EventKind, ago time.Duration, source, line, addr string) facts.Event {
	return facts.Event{Kind: kind, Time: now.Add(-ago), Source: source, Line: line, Addr: addr}
}

// find returns the finding of cause for ip.
func find(fs []result.Finding, cause, ip string) (result.Finding, bool) {
	for _, f := range fs {
		if f.Cause == cause && f.ClientIP == ip {
			return f, true
		}
	}
	return result.Finding{}, false
}

func dump(fs []result.Finding) string {
	var b strings.Builder
	for _, f := range fs {
		fmt.Fprintf(&b, "  %s/%s %s [%s] %q\n", f.Severity, f.Status, f.Cause, f.ClientIP, f.Title)
		for _, e := range f.Evidence {
			fmt.Fprintf(&b, "      ev: %s\n", e)
		}
	}
	return b.String()
}

// allText joins a finding's title, evidence and fixes for substring checks.
func allText(f result.Finding) string {
	return f.Title + "\n" + strings.Join(f.Evidence, "\n") + "\n" + strings.Join(f.Fix, "\n")
}

func mustAddr(t *testing.T, s string) netip.Addr {
	t.Helper()
	a, err := netip.ParseAddr(s)
	if err != nil {
		t.Fatal(err)
	}
	return a
}
