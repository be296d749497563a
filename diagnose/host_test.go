package diagnose

import (
	"net/netip"
	"testing"
	"time"

	"github.com/resetaudit/resetaudit/facts"
	"github.com/resetaudit/resetaudit/result"
)

// Recorded kernel and journal lines of events that cannot be produced on
// a test host (Debian 12 and Rocky 9 machines).
const (
	oomSshd     = "[Tue Nov 25 03:12:44 2026] Out of memory: Killed process 812 (sshd) total-vm:15232kB, anon-rss:1024kB, file-rss:0kB, shmem-rss:0kB, UID:0 pgtables:64kB oom_score_adj:0"
	oomJava     = "[Tue Nov 25 03:12:40 2026] Out of memory: Killed process 2210 (java) total-vm:8123456kB, anon-rss:3561220kB, file-rss:0kB, shmem-rss:0kB, UID:1001 pgtables:7320kB oom_score_adj:0"
	forkFail    = "sshd[5121]: error: fork: Cannot allocate memory"
	bootLine    = "-- Boot 5f2c1e0a9b8d4c3e8f7a6b5c4d3e2f10 --"
	kernelBoot  = "kernel: Linux version 6.1.0-26-amd64 (debian-kernel@lists.debian.org) (gcc-12 (Debian 12.2.0-14) 12.2.0, GNU ld (GNU Binutils for Debian) 2.40) #1 SMP PREEMPT_DYNAMIC Debian 6.1.112-1 (2024-09-30)"
	shutdownLn  = "systemd-shutdown[1]: Syncing filesystems and block devices."
	rebootTgt   = "systemd[1]: Reached target reboot.target - System Reboot."
	cronLine    = "CRON[9912]: pam_unix(cron:session): session opened for user root(uid=0) by (uid=0)"
	noSpaceLine = "rsyslogd[433]: file '/var/log/auth.log': write error: No space left on device [v8.2302.0 try https://www.rsyslog.com/e/2027 ]"
)

func TestHostRules(t *testing.T) {
	runCases(t, []ruleCase{
		{
			name: "oom killed sshd",
			setup: func(in *Input) {
				in.Facts.Events = []facts.Event{
					{Kind: facts.EvOOMKill, Time: now.Add(-9 * time.Hour), Source: "dmesg", Line: oomJava, Process: "java"},
					{Kind: facts.EvOOMKill, Time: now.Add(-9 * time.Hour), Source: "dmesg", Line: oomSshd, Process: "sshd"},
				}
			},
			want: []want{{result.CauseResourceExhaustion, "", result.Critical, result.Observed,
				[]string{"Killed process 812 (sshd)", "Killed process 2210 (java)", "dmesg -T", "OOMScoreAdjust=-1000"}}},
		},
		{
			name: "oom killed another process, fork failures",
			setup: func(in *Input) {
				in.Facts.Events = []facts.Event{
					{Kind: facts.EvOOMKill, Time: now.Add(-9 * time.Hour), Source: "dmesg", Line: oomJava, Process: "java"},
					ev(facts.EvForkFailure, 9*time.Hour, "auth.log", forkFail, ""),
				}
			},
			want: []want{{result.CauseResourceExhaustion, "", result.High, result.Observed, []string{"Cannot allocate memory"}}},
		},
		{
			name: "low memory without swap",
			setup: func(in *Input) {
				in.Facts.Resources.MemAvailKB = 90000
				in.Facts.Resources.MemPressure = 35
			},
			want: []want{{result.CauseResourceExhaustion, "", result.Medium, result.Observed,
				[]string{"MemAvailable 90000 kB of 4026000 kB", "avg60=35.00"}}},
		},
		{
			name:  "load alone is low",
			setup: func(in *Input) { in.Facts.Resources.Load1 = 12 },
			want:  []want{{result.CauseResourceExhaustion, "", result.Low, result.Observed, []string{"loadavg: 12.00"}}},
		},
		{
			name: "pid and file tables",
			setup: func(in *Input) {
				r := &in.Facts.Resources
				r.Processes, r.PidMax = 32000, 32768
				r.FilesOpen, r.FilesMax = 99000, 100000
			},
			want: []want{{result.CauseResourceExhaustion, "", result.High, result.Observed,
				[]string{"pid_max 32768", "file-max 100000", "sysctl -w kernel.pid_max=4194304"}}},
		},
		{
			name: "resources not checked",
			setup: func(in *Input) {
				in.Facts.Coverage[facts.AreaResources] = "not checked: /proc not readable"
				in.Facts.Resources.MemAvailKB = 10
			},
			absent: []string{result.CauseResourceExhaustion},
		},
		{
			name: "var/log full",
			setup: func(in *Input) {
				in.Facts.Disks = append(in.Facts.Disks, facts.Disk{Mount: "/var/log", Device: "/dev/vdb1", SizeKB: 1000000, AvailKB: 0, UsePct: 100, InodesUsePct: 3})
				in.Facts.Events = []facts.Event{ev(facts.EvNoSpace, time.Hour, "journal", noSpaceLine, "")}
			},
			want: []want{{result.CauseDiskFull, "", result.High, result.Observed,
				[]string{"df: /var/log 100% used", "No space left on device", "du -xh /var/log"}}},
		},
		{
			name: "root nearly full, tmp out of inodes soon, data disk ignored",
			setup: func(in *Input) {
				in.Facts.Disks[0].UsePct = 96
				in.Facts.Disks = append(in.Facts.Disks,
					facts.Disk{Mount: "/tmp", SizeKB: 100, AvailKB: 50, UsePct: 50, InodesUsePct: 97},
					facts.Disk{Mount: "/srv/data", SizeKB: 100, AvailKB: 0, UsePct: 100, InodesUsePct: 1})
			},
			want: []want{{result.CauseDiskFull, "", result.Medium, result.Observed, []string{"df: / 96% used", "df -i: /tmp 97% inodes used"}}},
		},
		{
			name: "unclean reboot",
			setup: func(in *Input) {
				in.Facts.Host.BootTime = now.Add(-2 * time.Hour)
				in.Facts.Events = []facts.Event{
					ev(facts.EvAuthFailure, 6*time.Hour, "journal", "sshd[100]: Failed password for root from 203.0.113.4 port 4000 ssh2", "203.0.113.4"),
					ev(facts.EvBoot, 2*time.Hour, "journal", bootLine, ""),
					ev(facts.EvBoot, 2*time.Hour, "journal", kernelBoot, ""),
				}
			},
			want: []want{{result.CauseHostRebooted, "", result.High, result.Observed,
				[]string{"booted at 2026-11-25T10:00:00Z", "no shutdown logged before: journal: -- Boot", "journalctl --list-boots"}}},
		},
		{
			name: "clean reboot",
			setup: func(in *Input) {
				in.Facts.Host.BootTime = now.Add(-2 * time.Hour)
				in.Facts.Events = []facts.Event{
					ev(facts.EvAuthFailure, 6*time.Hour, "journal", cronLine, ""),
					ev(facts.EvShutdown, 2*time.Hour+time.Minute, "journal", rebootTgt, ""),
					ev(facts.EvShutdown, 2*time.Hour+50*time.Second, "journal", shutdownLn, ""),
					ev(facts.EvSshdStop, 2*time.Hour+40*time.Second, "journal", "sshd[612]: Received signal 15; terminating.", ""),
					ev(facts.EvBoot, 2*time.Hour, "journal", bootLine, ""),
				}
			},
			want: []want{{result.CauseHostRebooted, "", result.Medium, result.Observed, []string{"reboot.target", "Syncing filesystems"}}},
		},
		{
			name:   "boot before the window",
			setup:  func(in *Input) { in.Facts.Host.BootTime = now.Add(-30 * time.Hour) },
			absent: []string{result.CauseHostRebooted},
		},
	})
}

func TestNetworkRules(t *testing.T) {
	runCases(t, []ruleCase{
		{
			name: "short conntrack timeout",
			setup: func(in *Input) {
				in.Facts.Network.Sysctl["net.netfilter.nf_conntrack_tcp_timeout_established"] = "300"
				in.Facts.Network.Sysctl["net.netfilter.nf_conntrack_tcp_loose"] = "1"
			},
			want: []want{{result.CauseIdleTimeout, "", result.Medium, result.Risk,
				[]string{"= 300", "ClientAliveInterval 60", "ClientAliveCountMax 3", "ServerAliveInterval 60",
					"sysctl -w net.netfilter.nf_conntrack_tcp_timeout_established=7200", "/etc/sysctl.d/"}}},
		},
		{
			name: "short conntrack timeout, no loose pickup",
			setup: func(in *Input) {
				in.Facts.Network.Sysctl["net.netfilter.nf_conntrack_tcp_timeout_established"] = "600"
				in.Facts.Network.Sysctl["net.netfilter.nf_conntrack_tcp_loose"] = "0"
			},
			want: []want{{result.CauseIdleTimeout, "", result.High, result.Risk, []string{"nf_conntrack_tcp_loose = 0"}}},
		},
		{
			name:  "aws",
			setup: func(in *Input) { in.Cloud = &facts.Cloud{Provider: "aws", Checked: true} },
			want:  []want{{result.CauseIdleTimeout, "", result.Medium, result.Risk, []string{"350 s"}}},
		},
		{
			name: "keepalive shorter than conntrack",
			setup: func(in *Input) {
				in.Facts.Sshd.Config["clientaliveinterval"] = []string{"60"}
				in.Facts.Network.Sysctl["net.netfilter.nf_conntrack_tcp_timeout_established"] = "300"
				in.Cloud = &facts.Cloud{Provider: "aws", Checked: true}
			},
			absent: []string{result.CauseIdleTimeout},
		},
		{
			name: "keepalive longer than conntrack",
			setup: func(in *Input) {
				in.Facts.Sshd.Config["clientaliveinterval"] = []string{"900"}
				in.Facts.Network.Sysctl["net.netfilter.nf_conntrack_tcp_timeout_established"] = "300"
			},
			want: []want{{result.CauseIdleTimeout, "", result.Medium, result.Risk, []string{"ClientAliveInterval 900 is longer than the 300 s"}}},
		},
		{
			name: "jumbo frames without probing",
			setup: func(in *Input) {
				in.Facts.Network.Interfaces[1].MTU = 9001
			},
			want: []want{{result.CauseMTUBlackhole, "", result.Medium, result.Risk,
				[]string{"ip link: eth0 mtu 9001 up", "sysctl -w net.ipv4.tcp_mtu_probing=1", "net.ipv4.tcp_mtu_probing = 1"}}},
		},
		{
			name: "jumbo frames and a stalled collect",
			setup: func(in *Input) {
				in.Facts.Network.Interfaces[1].MTU = 9000
				in.Probe.Symptom = result.SymptomCollectTimeout
			},
			want: []want{
				{result.CauseMTUBlackhole, "", result.High, result.Observed, []string{"probe: collect_timeout"}},
				{result.CauseCollectIncomplete, "", result.Medium, result.Observed, []string{"--timeout"}},
			},
		},
		{
			name: "jumbo frames with probing",
			setup: func(in *Input) {
				in.Facts.Network.Interfaces[1].MTU = 9001
				in.Facts.Network.Sysctl["net.ipv4.tcp_mtu_probing"] = "1"
			},
			absent: []string{result.CauseMTUBlackhole},
		},
		{
			name: "loopback and down interfaces ignored",
			setup: func(in *Input) {
				in.Facts.Network.Interfaces = append(in.Facts.Network.Interfaces, facts.Interface{Name: "eth1", MTU: 9000})
			},
			absent: []string{result.CauseMTUBlackhole},
		},
	})
}

func TestFail2banRules(t *testing.T) {
	many := make([]string, 25)
	for i := range many {
		many[i] = netip.AddrFrom4([4]byte{203, 0, 113, byte(100 + i)}).String()
	}
	runCases(t, []ruleCase{
		{
			name: "client and auditor banned",
			setup: func(in *Input) {
				in.Facts.Fail2ban = facts.Fail2ban{Installed: true, Running: true, Jails: []facts.Jail{
					{Name: "sshd", CurrentlyBanned: 2, TotalBanned: 9, Banned: []string{"198.51.100.23", "192.0.2.0/24"}},
				}}
			},
			want: []want{
				{result.CauseFail2banBan, client.String(), result.High, result.Observed,
					[]string{"fail2ban: jail sshd bans 198.51.100.23", "fail2ban-client set sshd unbanip 198.51.100.23", "ignoreip"}},
				{result.CauseFail2banBan, auditor.String(), result.High, result.Observed,
					[]string{"fail2ban-client set sshd unbanip 192.0.2.0/24"}},
			},
		},
		{
			name: "many bans",
			setup: func(in *Input) {
				in.Facts.Fail2ban = facts.Fail2ban{Installed: true, Running: true, Jails: []facts.Jail{
					{Name: "sshd", CurrentlyBanned: 25, TotalBanned: 300, Banned: many},
				}}
			},
			want: []want{{result.CauseFail2banBan, "", result.Low, result.Observed, []string{"bans 25 addresses", "… and 19 more"}}},
		},
		{
			name: "not running",
			setup: func(in *Input) {
				in.Facts.Fail2ban = facts.Fail2ban{Installed: true, Running: false, Jails: []facts.Jail{
					{Name: "sshd", Banned: []string{"198.51.100.23"}},
				}}
			},
			absent: []string{result.CauseFail2banBan},
		},
		{
			name: "hostile jail name",
			setup: func(in *Input) {
				in.Facts.Fail2ban = facts.Fail2ban{Installed: true, Running: true, Jails: []facts.Jail{
					{Name: "ssh;rm -rf /", Banned: []string{"198.51.100.23", "not-an-address", ""}},
				}}
			},
			want: []want{{result.CauseFail2banBan, client.String(), result.High, result.Observed,
				[]string{"fail2ban: jail ssh;rm -rf / bans 198.51.100.23", "fail2ban-client set <jail> unbanip 198.51.100.23"}}},
		},
	})
}

func TestCloudRules(t *testing.T) {
	deny := &facts.CloudVerdict{Allowed: false,
		Evidence: []string{"sg-0abc123 (web): inbound tcp 22 from 10.0.0.0/8 only"},
		Fix:      []string{"aws ec2 authorize-security-group-ingress --group-id sg-0abc123 --protocol tcp --port 22 --cidr 198.51.100.23/32"}}
	acl := &facts.CloudVerdict{Allowed: false,
		Evidence: []string{"acl-0def456 rule 90: deny egress tcp 1024-65535 to 0.0.0.0/0"}, Assumption: "client ephemeral ports 1024-65535"}
	runCases(t, []ruleCase{
		{
			name: "security group and nacl",
			setup: func(in *Input) {
				in.Cloud = &facts.Cloud{Provider: "aws", Region: "eu-west-1", InstanceID: "i-0abc123def4567890", Checked: true,
					Sources: []facts.CloudSource{
						{Addr: "198.51.100.23", Label: "client", SecurityGroup: deny, NetworkACL: acl},
						{Addr: "192.0.2.10", Label: "auditor", SecurityGroup: &facts.CloudVerdict{Allowed: true}},
					}}
			},
			want: []want{
				{result.CauseCloudSecurityGroup, client.String(), result.High, result.Observed,
					[]string{"aws: sg-0abc123", "authorize-security-group-ingress --group-id sg-0abc123"}},
				{result.CauseCloudNetworkACL, client.String(), result.High, result.Observed,
					[]string{"aws: acl-0def456", "assumed client ephemeral ports", "create-network-acl-entry"}},
			},
			absent: []string{result.CauseUnreachable},
		},
		{
			name: "timeout explained by the security group",
			setup: func(in *Input) {
				in.Facts = nil
				in.Probe = result.Probe{Symptom: result.SymptomConnectTimeout, DurationMS: 10000, SourceAddress: "192.0.2.10:40000", Detail: "dial tcp 10.0.0.5:22: i/o timeout"}
				in.Cloud = &facts.Cloud{Provider: "aws", Checked: true, Sources: []facts.CloudSource{{Addr: "192.0.2.10", Label: "auditor", SecurityGroup: deny}}}
			},
			want:   []want{{result.CauseCloudSecurityGroup, auditor.String(), result.High, result.Observed, []string{"probe: connect_timeout"}}},
			absent: []string{result.CauseUnreachable},
		},
		{
			name: "cloud not checked",
			setup: func(in *Input) {
				in.Cloud = &facts.Cloud{Provider: "aws", Checked: false, Reason: "no credentials",
					Sources: []facts.CloudSource{{Addr: "198.51.100.23", SecurityGroup: deny}}}
			},
			absent: []string{result.CauseCloudSecurityGroup},
		},
	})
}

func TestProbeRules(t *testing.T) {
	noFacts := func(p result.Probe) func(in *Input) {
		return func(in *Input) { in.Facts, in.Probe = nil, p }
	}
	runCases(t, []ruleCase{
		{
			name:  "refused",
			setup: noFacts(result.Probe{Symptom: result.SymptomRefused, Detail: "dial tcp 10.0.0.5:22: connect: connection refused", DurationMS: 1}),
			want: []want{{result.CauseSshdNotRunning, "", result.Critical, result.Observed,
				[]string{"probe: refused", "connection refused", "fail2ban-client status sshd", "systemctl status sshd"}}},
		},
		{
			name:  "connect timeout",
			setup: noFacts(result.Probe{Symptom: result.SymptomConnectTimeout, Detail: "i/o timeout", DurationMS: 10000}),
			want:  []want{{result.CauseUnreachable, "", result.High, result.Observed, []string{"mtr --report 10.0.0.5"}}},
		},
		{
			name:  "reset after the libwrap delay",
			setup: noFacts(result.Probe{Symptom: result.SymptomResetBeforeBanner, Detail: "read: connection reset by peer", DurationMS: 5012, SourceAddress: "192.0.2.10:51000"}),
			want: []want{{result.CauseTCPWrappers, auditor.String(), result.High, result.Observed,
				[]string{"likely hosts.deny", "echo 'sshd: 192.0.2.10' >> /etc/hosts.allow"}}},
		},
		{
			name:  "exceeded maxstartups",
			setup: noFacts(result.Probe{Symptom: result.SymptomClosedBeforeBanner, Detail: "ssh: handshake failed: EOF", Banner: "Exceeded MaxStartups", DurationMS: 3}),
			want:  []want{{result.CauseMaxStartups, "", result.High, result.Observed, []string{"MaxStartups 10:30:100"}}},
		},
		{
			name:  "closed before banner on OpenSSH 9.8",
			setup: noFacts(result.Probe{Symptom: result.SymptomClosedBeforeBanner, Banner: "SSH-2.0-OpenSSH_9.8p1 Debian-3", DurationMS: 2, SourceAddress: "192.0.2.10:51000"}),
			want: []want{{result.CausePerSourcePenalty, auditor.String(), result.High, result.Observed,
				[]string{"likely PerSourcePenalties", "PerSourcePenaltyExemptList 192.0.2.10"}}},
		},
		{
			name:  "closed before banner, old OpenSSH",
			setup: noFacts(result.Probe{Symptom: result.SymptomClosedBeforeBanner, DurationMS: 2}),
			want:  []want{{result.CauseMaxStartups, "", result.High, result.Observed, []string{"likely MaxStartups"}}},
		},
		{
			name:  "banner timeout",
			setup: noFacts(result.Probe{Symptom: result.SymptomBannerTimeout, DurationMS: 10000}),
			want:  []want{{result.CauseBannerTimeout, "", result.High, result.Observed, []string{"ESTABLISHED,RELATED"}}},
		},
		{
			name:  "reset during kex",
			setup: noFacts(result.Probe{Symptom: result.SymptomResetDuringKex, DurationMS: 30000}),
			want:  []want{{result.CauseMTUBlackhole, "", result.High, result.Observed, []string{"tcp_mtu_probing=1", "ping -M do -s 1472 10.0.0.5"}}},
		},
		{
			name: "kex failed",
			setup: noFacts(result.Probe{Symptom: result.SymptomKexFailed, DurationMS: 40,
				Detail: "ssh: handshake failed: ssh: no common algorithm for key exchange; client offered: [curve25519-sha256], server offered: [diffie-hellman-group1-sha1]"}),
			want: []want{{result.CauseAlgorithmMismatch, "", result.High, result.Observed, []string{"server offered: [diffie-hellman-group1-sha1]", "KexAlgorithms"}}},
		},
		{
			name:  "host key changed",
			setup: noFacts(result.Probe{Symptom: result.SymptomHostKeyChanged, Detail: "knownhosts: key mismatch"}),
			want:  []want{{result.CauseHostKeyChanged, "", result.Critical, result.Observed, []string{"ssh-keygen -R 10.0.0.5"}}},
		},
		{
			name:  "host key unknown",
			setup: noFacts(result.Probe{Symptom: result.SymptomHostKeyUnknown, Detail: "knownhosts: key is unknown"}),
			want:  []want{{result.CauseHostKeyUnknown, "", result.Medium, result.Observed, []string{"ssh-keyscan", "--accept-new-hostkeys"}}},
		},
		{
			name:  "auth failed on 9.9",
			setup: noFacts(result.Probe{Symptom: result.SymptomAuthFailed, Banner: "SSH-2.0-OpenSSH_9.9", Detail: "ssh: unable to authenticate"}),
			want:  []want{{result.CauseAuthFailed, "", result.Medium, result.Observed, []string{"PerSourcePenalties"}}},
		},
		{
			name:   "ok adds nothing",
			setup:  noFacts(result.Probe{Symptom: result.SymptomOK}),
			absent: []string{result.CauseUnreachable, result.CauseSshdNotRunning, result.CauseCollectIncomplete},
		},
	})
}

func TestProbeNothingOnOK(t *testing.T) {
	for _, s := range []result.Symptom{result.SymptomOK, result.SymptomNotRun, ""} {
		if got := Host(Input{Probe: result.Probe{Symptom: s}}); len(got) != 0 {
			t.Errorf("%q: got\n%s", s, dump(got))
		}
	}
}

func TestFixesFollowTheHost(t *testing.T) {
	cases := []struct {
		os, init string
		want     string
	}{
		{"Debian GNU/Linux 12 (bookworm)", "systemd", "sshd -t && systemctl reload ssh"},
		{"Ubuntu 24.04.1 LTS", "systemd", "sshd -t && systemctl reload ssh"},
		{"Rocky Linux 9.4 (Blue Onyx)", "systemd", "sshd -t && systemctl reload sshd"},
		{"Alpine Linux v3.20", "openrc", "sshd -t && rc-service sshd reload"},
		{"CentOS release 6.10 (Final)", "sysv", "sshd -t && service sshd reload"},
	}
	for _, c := range cases {
		in := debian()
		in.Facts.Host.OS, in.Facts.Host.Init = c.os, c.init
		in.Facts.Sshd.Config["maxstartups"] = []string{"3:30:10"}
		f, ok := find(Host(in), result.CauseMaxStartups, "")
		if !ok {
			t.Fatalf("%s: no maxstartups finding", c.os)
		}
		if !contains(f.Fix, c.want) {
			t.Errorf("%s/%s: fix %q lacks %q", c.os, c.init, f.Fix, c.want)
		}
	}
}

func contains(lines []string, s string) bool {
	for _, l := range lines {
		if l == s {
			return true
		}
	}
	return false
}
