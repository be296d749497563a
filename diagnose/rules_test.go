package diagnose

import (
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/resetaudit/resetaudit/facts"
	"github.com/resetaudit/resetaudit/result"
)

type want struct {
	cause    string
	ip       string
	sev      result.Severity
	status   result.Status
	contains []string // substrings of title, evidence or fix
}

type ruleCase struct {
	name   string
	setup  func(in *Input)
	want   []want
	absent []string // causes that must not be reported for any address
}

func runCases(t *testing.T, cases []ruleCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			in := debian()
			tc.setup(&in)
			got := Host(in)
			for _, w := range tc.want {
				f, ok := find(got, w.cause, w.ip)
				if !ok {
					t.Errorf("no %s finding for %q; got:\n%s", w.cause, w.ip, dump(got))
					continue
				}
				if f.Severity != w.sev || f.Status != w.status {
					t.Errorf("%s: got %s/%s, want %s/%s\n%s", w.cause, f.Severity, f.Status, w.sev, w.status, dump(got))
				}
				for _, s := range w.contains {
					if !strings.Contains(allText(f), s) {
						t.Errorf("%s: %q not in\n%s", w.cause, s, allText(f))
					}
				}
				if f.Why == "" || len(f.Fix) == 0 || len(f.Evidence) == 0 {
					t.Errorf("%s: missing why, fix or evidence: %+v", w.cause, f)
				}
			}
			for _, c := range tc.absent {
				for _, f := range got {
					if f.Cause == c {
						t.Errorf("unexpected %s finding: %+v", c, f)
					}
				}
			}
		})
	}
}

func TestHealthyHost(t *testing.T) {
	in := debian()
	got := Host(in)
	for _, f := range got {
		if f.Severity.Rank() >= result.Medium.Rank() {
			t.Errorf("healthy host has a %s finding: %+v", f.Severity, f)
		}
	}
	f, ok := find(got, result.CauseIdleTimeout, "")
	if !ok || f.Severity != result.Low || f.Status != result.Risk {
		t.Errorf("want a low idle_timeout risk, got:\n%s", dump(got))
	}
	if len(got) != 1 {
		t.Errorf("want only idle_timeout, got:\n%s", dump(got))
	}
}

func TestSshdRules(t *testing.T) {
	runCases(t, []ruleCase{
		{
			name: "stopped",
			setup: func(in *Input) {
				s := &in.Facts.Sshd
				s.Running, s.PIDs, s.Listen, s.PortListeners, s.Service = false, nil, nil, nil, "failed"
				in.Probe = result.Probe{Symptom: result.SymptomCollectFailed} // collected via a console-like path
				in.Jump = "bastion-1"
			},
			want: []want{{result.CauseSshdNotRunning, "", result.Critical, result.Observed,
				[]string{"nothing listens on TCP port 22", "service: ssh is failed", "systemctl start ssh", "journalctl -u ssh"}}},
		},
		{
			name: "socket activated (Ubuntu 24.04)",
			setup: func(in *Input) {
				s := &in.Facts.Sshd
				s.Running, s.Listen, s.Service = false, nil, "inactive"
				s.PortListeners = []facts.Listener{{Addr: netip.MustParseAddrPort("0.0.0.0:22"), Process: "systemd"}}
			},
			absent: []string{result.CauseSshdNotRunning},
		},
		{
			name: "listens elsewhere",
			setup: func(in *Input) {
				in.Port = 2222
				in.Probe = result.Probe{Symptom: result.SymptomCollectFailed}
				in.Jump = "bastion-1"
			},
			want: []want{{result.CauseSshdNotRunning, "", result.Critical, result.Observed,
				[]string{"does not listen on port 2222", "sshd listens on 0.0.0.0:22"}}},
		},
		{
			name: "config invalid while running",
			setup: func(in *Input) {
				in.Facts.Sshd.ConfigTest = &facts.ConfigTest{OK: false, Output: "/etc/ssh/sshd_config line 14: Bad configuration option: PermitRootLogn\n/etc/ssh/sshd_config: terminating, 1 bad configuration options\n"}
			},
			want: []want{{result.CauseSshdConfigInvalid, "", result.High, result.Risk,
				[]string{"sshd -t: /etc/ssh/sshd_config line 14: Bad configuration option: PermitRootLogn", "systemctl reload ssh", "sshd -t"}}},
		},
		{
			name: "segfault and restarts",
			setup: func(in *Input) {
				in.Facts.Events = []facts.Event{
					ev(facts.EvSshdCrash, 3*time.Hour, "dmesg", "sshd[2231]: segfault at 0 ip 00007f3b2c4a1f3e sp 00007ffd6b1c9e20 error 4 in libc.so.6[7f3b2c428000+155000] likely on CPU 1 (core 1, socket 0)", ""),
					ev(facts.EvSshdCrash, 3*time.Hour, "journal", "ssh.service: Main process exited, code=killed, status=11/SEGV", ""),
					ev(facts.EvSshdStart, 3*time.Hour-5*time.Second, "journal", "sshd[2301]: Server listening on 0.0.0.0 port 22.", ""),
				}
			},
			want: []want{{result.CauseSshdRestarts, "", result.High, result.Observed,
				[]string{"segfault at 0", "status=11/SEGV", "dmesg -T"}}},
		},
		{
			name: "restarts without crash",
			setup: func(in *Input) {
				in.Facts.Events = []facts.Event{
					ev(facts.EvSshdStop, 5*time.Hour, "auth.log", "sshd[612]: Received signal 15; terminating.", ""),
					ev(facts.EvSshdStart, 5*time.Hour, "auth.log", "sshd[7001]: Server listening on 0.0.0.0 port 22.", ""),
				}
			},
			want: []want{{result.CauseSshdRestarts, "", result.Medium, result.Observed, []string{"Received signal 15"}}},
		},
		{
			name: "restart outside the window",
			setup: func(in *Input) {
				in.Facts.Events = []facts.Event{
					ev(facts.EvSshdStop, 50*time.Hour, "auth.log", "sshd[612]: Received signal 15; terminating.", ""),
					ev(facts.EvSshdStart, 50*time.Hour, "auth.log", "sshd[7001]: Server listening on 0.0.0.0 port 22.", ""),
				}
			},
			absent: []string{result.CauseSshdRestarts},
		},
		{
			name:  "maxstartups low",
			setup: func(in *Input) { in.Facts.Sshd.Config["maxstartups"] = []string{"2"} },
			want: []want{{result.CauseMaxStartups, "", result.Medium, result.Risk,
				[]string{"sshd -T: maxstartups 2", "MaxStartups 10:30:100", "sshd -t && systemctl reload ssh"}}},
		},
		{
			name: "maxstartups drops",
			setup: func(in *Input) {
				in.Facts.Events = []facts.Event{
					ev(facts.EvMaxStartupsThrottle, time.Hour, "auth.log", "2026-11-25T11:00:01.120391+00:00 web-1 sshd[699]: beginning MaxStartups throttling", ""),
					ev(facts.EvMaxStartupsDrop, time.Hour, "auth.log", "2026-11-25T11:00:01.200112+00:00 web-1 sshd[699]: drop connection #10 from [203.0.113.9]:41522 on [10.0.0.5]:22 past MaxStartups", "203.0.113.9"),
				}
			},
			want: []want{{result.CauseMaxStartups, "", result.High, result.Observed,
				[]string{"past MaxStartups", "MaxStartups 30:30:200"}}},
		},
		{
			name: "penalty against a client (OpenSSH 9.8)",
			setup: func(in *Input) {
				in.Facts.Sshd.Version = "OpenSSH_9.8p1"
				in.Facts.Events = []facts.Event{
					ev(facts.EvPenalty, time.Hour, "journal", "sshd[1045]: srclimit_penalise: ipv4: new 198.51.100.23/32 active penalty of 15 seconds for penalty: failed authentication", "198.51.100.23/32"),
					ev(facts.EvPenalty, time.Hour, "journal", "sshd[1045]: drop connection #0 from [198.51.100.23]:50412 on [10.0.0.5]:22 penalty: failed authentication", "198.51.100.23"),
					ev(facts.EvPenalty, time.Hour, "journal", "sshd[1045]: drop connection #1 from [203.0.113.77]:40022 on [10.0.0.5]:22 penalty: connections without attempting authentication", "203.0.113.77"),
				}
			},
			want: []want{
				{result.CausePerSourcePenalty, client.String(), result.High, result.Observed,
					[]string{"srclimit_penalise", "PerSourcePenaltyExemptList 198.51.100.23"}},
				{result.CausePerSourcePenalty, "", result.Low, result.Observed, []string{"203.0.113.77"}},
			},
		},
		{
			name: "penalty risk (OpenSSH 9.9, failing client)",
			setup: func(in *Input) {
				in.Facts.Sshd.Version = "OpenSSH_9.9p1"
				in.Facts.Events = []facts.Event{
					ev(facts.EvAuthFailure, time.Hour, "auth.log", "sshd[3301]: Failed publickey for deploy from 198.51.100.23 port 50144 ssh2: ED25519 SHA256:x", "198.51.100.23"),
				}
			},
			want: []want{{result.CausePerSourcePenalty, client.String(), result.Medium, result.Risk, []string{"Failed publickey"}}},
		},
		{
			name: "penalty risk off when exempt",
			setup: func(in *Input) {
				in.Facts.Sshd.Version = "OpenSSH_9.9p1"
				in.Facts.Sshd.Config["persourcepenaltyexemptlist"] = []string{"198.51.100.0/24"}
				in.Facts.Events = []facts.Event{
					ev(facts.EvAuthFailure, time.Hour, "auth.log", "sshd[3301]: Failed password for root from 198.51.100.23 port 50144 ssh2", "198.51.100.23"),
				}
			},
			absent: []string{result.CausePerSourcePenalty},
		},
		{
			name: "usedns with a dead resolver",
			setup: func(in *Input) {
				in.Facts.Sshd.Config["usedns"] = []string{"yes"}
				in.Facts.Sshd.Config["logingracetime"] = []string{"20"}
				in.Facts.Network.ReverseLookup = &facts.Lookup{Query: "192.0.2.10", Duration: 10 * time.Second, TimedOut: true}
			},
			want: []want{{result.CauseSlowDNSLogin, "", result.High, result.Observed,
				[]string{"timed out", "UseDNS no", "systemctl reload ssh"}}},
		},
		{
			name: "usedns slow resolver",
			setup: func(in *Input) {
				in.Facts.Sshd.Config["usedns"] = []string{"yes"}
				in.Facts.Network.ReverseLookup = &facts.Lookup{Query: "192.0.2.10", Duration: 5 * time.Second, OK: true}
			},
			want: []want{{result.CauseSlowDNSLogin, "", result.Medium, result.Risk, []string{"took 5s"}}},
		},
		{
			name: "usedns no",
			setup: func(in *Input) {
				in.Facts.Network.ReverseLookup = &facts.Lookup{Duration: 10 * time.Second, TimedOut: true}
			},
			absent: []string{result.CauseSlowDNSLogin},
		},
		{
			name: "legacy-only algorithms",
			setup: func(in *Input) {
				c := in.Facts.Sshd.Config
				c["kexalgorithms"] = []string{"diffie-hellman-group1-sha1,diffie-hellman-group14-sha1"}
				c["hostkeyalgorithms"] = []string{"ssh-rsa,ssh-dss"}
			},
			want: []want{{result.CauseAlgorithmMismatch, "", result.High, result.Risk,
				[]string{"KexAlgorithms/HostKeyAlgorithms", "sshd -T: kexalgorithms diffie-hellman-group1-sha1", "KexAlgorithms sntrup761x25519-sha512@openssh.com,curve25519-sha256"}}},
		},
		{
			name: "cbc ciphers and sha1 macs only",
			setup: func(in *Input) {
				c := in.Facts.Sshd.Config
				c["ciphers"] = []string{"aes128-cbc,3des-cbc"}
				c["macs"] = []string{"hmac-sha1,hmac-md5"}
			},
			want: []want{{result.CauseAlgorithmMismatch, "", result.High, result.Risk, []string{"Ciphers/MACs"}}},
		},
		{
			name: "gcm only, old macs: fine",
			setup: func(in *Input) {
				c := in.Facts.Sshd.Config
				c["ciphers"] = []string{"aes256-gcm@openssh.com"}
				c["macs"] = []string{"hmac-sha1"}
			},
			absent: []string{result.CauseAlgorithmMismatch},
		},
		{
			name: "negotiation failures in the log",
			setup: func(in *Input) {
				in.Facts.Events = []facts.Event{
					ev(facts.EvKexMismatch, time.Hour, "auth.log", "sshd[4410]: Unable to negotiate with 203.0.113.50 port 51522: no matching key exchange method found. Their offer: diffie-hellman-group1-sha1 [preauth]", "203.0.113.50"),
					ev(facts.EvProtocolError, time.Hour, "auth.log", "sshd[4419]: Bad packet length 1349676916. [preauth]", ""),
					ev(facts.EvKexMismatch, time.Hour, "auth.log", "sshd[4420]: Unable to negotiate with 198.51.100.23 port 40022: no matching host key type found. Their offer: ssh-rsa [preauth]", "198.51.100.23"),
				}
			},
			want: []want{
				{result.CauseAlgorithmMismatch, "", result.Medium, result.Observed, []string{"Their offer: diffie-hellman-group1-sha1", "Bad packet length", `grep -i -e "protocol" -e "packet"`}},
				{result.CauseAlgorithmMismatch, client.String(), result.High, result.Observed, []string{"Their offer: ssh-rsa"}},
			},
		},
	})
}
