package facts

import (
	"testing"
	"time"
)

func TestClassify(t *testing.T) {
	c := Classifier{Now: time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC), Boot: time.Date(2026, 11, 25, 6, 0, 0, 0, time.UTC)}
	tests := []struct {
		line string
		kind EventKind
		addr string
		proc string
		time string // RFC 3339, "" for none
	}{
		{"Nov 25 10:15:22 host sshd[123]: error: beginning MaxStartups throttling", EvMaxStartupsThrottle, "", "", "2026-11-25T10:15:22Z"},
		{"Nov  5 10:15:22 host sshd[123]: drop connection #11 from [10.0.0.5]:50512 on [10.0.0.1]:22 past MaxStartups", EvMaxStartupsDrop, "10.0.0.5", "", "2026-11-05T10:15:22Z"},
		{"Dec 31 23:59:59 host sshd[1]: Server listening on 0.0.0.0 port 22.", EvSshdStart, "", "", "2025-12-31T23:59:59Z"},
		{"2026-11-25T10:15:22.123456+00:00 host sshd[123]: refused connect from 10.0.0.5 (10.0.0.5)", EvWrappersRefused, "10.0.0.5", "", "2026-11-25T10:15:22.123456Z"},
		{"2026-11-25T10:15:22+0000 host sshd[9]: Did not receive identification string from 10.0.0.6 port 4444", EvNoIdentification, "10.0.0.6", "", "2026-11-25T10:15:22Z"},
		{"Nov 25 10:15:22 host sshd[9]: banner exchange: Connection from 10.0.0.7 port 50000: invalid format", EvNoIdentification, "10.0.0.7", "", "2026-11-25T10:15:22Z"},
		{"Nov 25 10:15:22 host sshd[9]: Bad packet length 3212315454. [preauth]", EvProtocolError, "", "", "2026-11-25T10:15:22Z"},
		{"Nov 25 10:15:22 host sshd[9]: Corrupted MAC on input. [preauth]", EvProtocolError, "", "", "2026-11-25T10:15:22Z"},
		{"Nov 25 10:15:22 host sshd[9]: Unable to negotiate with 2001:db8::5 port 50022: no matching key exchange method found. Their offer: diffie-hellman-group1-sha1 [preauth]", EvKexMismatch, "2001:db8::5", "", "2026-11-25T10:15:22Z"},
		{"Nov 25 10:15:22 host sshd[9]: fatal: no hostkey alg [preauth]", EvKexMismatch, "", "", "2026-11-25T10:15:22Z"},
		{"Nov 25 10:15:22 host sshd[9]: fatal: Timeout before authentication for 10.0.0.8 port 1234", EvLoginGraceTimeout, "10.0.0.8", "", "2026-11-25T10:15:22Z"},
		{"Nov 25 10:15:22 host sshd[9]: Connection reset by 10.0.0.9 port 4321 [preauth]", EvConnReset, "10.0.0.9", "", "2026-11-25T10:15:22Z"},
		{"Nov 25 10:15:22 host sshd[9]: error: kex_exchange_identification: read: Connection reset by peer", EvConnReset, "", "", "2026-11-25T10:15:22Z"},
		{"Nov 25 10:15:22 host sshd[5]: drop connection #0 from [1.2.3.4]:5678 on [10.0.0.1]:22 penalty: failed authentication", EvPenalty, "1.2.3.4", "", "2026-11-25T10:15:22Z"},
		{"Nov 25 10:15:22 host sshd[5]: srclimit_penalise: ipv4: new 1.2.3.4/32 deny penalty of 5 seconds for penalty: failed authentication", EvPenalty, "1.2.3.4/32", "", "2026-11-25T10:15:22Z"},
		{"Nov 25 10:15:22 host sshd[5]: Failed password for root from 10.0.0.10 port 22 ssh2", EvAuthFailure, "10.0.0.10", "", "2026-11-25T10:15:22Z"},
		// The user name is chosen by the client: it must not change the kind or the address.
		{"Nov 25 10:15:22 host sshd[5]: Invalid user Out of memory: Killed process 1 (sshd) from 6.6.6.6 port 1 from 10.0.0.11 port 2", EvAuthFailure, "10.0.0.11", "", "2026-11-25T10:15:22Z"},
		{"Nov 25 10:15:22 host sshd[5]: Received signal 15; terminating.", EvSshdStop, "", "", "2026-11-25T10:15:22Z"},
		{"2026-11-25T10:15:22+0000 host systemd[1]: ssh.service: Main process exited, code=killed, status=11/SEGV", EvSshdCrash, "", "sshd", "2026-11-25T10:15:22Z"},
		{"2026-11-25T10:15:22+0000 host systemd[1]: sshd.service: Failed with result 'core-dump'.", EvSshdCrash, "", "sshd", "2026-11-25T10:15:22Z"},
		{"2026-11-25T10:15:22+0000 host kernel: Out of memory: Killed process 1234 (sshd) total-vm:1kB", EvOOMKill, "", "sshd", "2026-11-25T10:15:22Z"},
		{"[Wed Nov 25 10:15:22 2026] oom-kill:constraint=CONSTRAINT_NONE,nodemask=(null),cpuset=/,mems_allowed=0,global_oom,task_memcg=/,task=sshd,pid=1234,uid=0", EvOOMKill, "", "sshd", "2026-11-25T10:15:22Z"},
		{"[   60.500000] Out of memory: Kill process 99 (java) score 900 or sacrifice child", EvOOMKill, "", "java", "2026-11-25T06:01:00.5Z"},
		{"Nov 25 10:15:22 host sshd[9]: error: fork: Cannot allocate memory", EvForkFailure, "", "", "2026-11-25T10:15:22Z"},
		{"Nov 25 10:15:22 host sshd[9]: error: accept: Too many open files", EvTooManyFiles, "", "sshd", "2026-11-25T10:15:22Z"},
		{"Nov 25 10:15:22 host sshd[9]: error: write: No space left on device", EvNoSpace, "", "sshd", "2026-11-25T10:15:22Z"},
		{"[Wed Nov 25 10:15:22 2026] nf_conntrack: table full, dropping packet", EvConntrackFull, "", "", "2026-11-25T10:15:22Z"},
		{"-- Boot 0123456789abcdef0123456789abcdef --", EvBoot, "", "", ""},
		{"2026-11-25T10:15:22+0000 host kernel: Linux version 6.1.0-13-amd64 (debian-kernel@lists.debian.org)", EvBoot, "", "", "2026-11-25T10:15:22Z"},
		{"2026-11-25T10:15:22+0000 host systemd-shutdown[1]: Syncing filesystems and block devices.", EvShutdown, "", "", "2026-11-25T10:15:22Z"},
		{"2026-11-25T10:15:22+0000 host systemd[1]: Reached target Shutdown.", EvShutdown, "", "", "2026-11-25T10:15:22Z"},
		{"Nov 25 10:15:22 host authpriv.info sshd-session[7]: Connection closed by authenticating user root 10.0.0.12 port 2 [preauth]", EvAuthFailure, "10.0.0.12", "", "2026-11-25T10:15:22Z"},
	}
	for _, tt := range tests {
		e, ok := c.Classify(tt.line)
		if !ok {
			t.Errorf("Classify(%q) found nothing, want %s", tt.line, tt.kind)
			continue
		}
		if e.Kind != tt.kind || e.Addr != tt.addr || e.Process != tt.proc {
			t.Errorf("Classify(%q) = %s addr %q proc %q, want %s %q %q", tt.line, e.Kind, e.Addr, e.Process, tt.kind, tt.addr, tt.proc)
		}
		got := ""
		if !e.Time.IsZero() {
			got = e.Time.UTC().Format(time.RFC3339Nano)
		}
		if got != tt.time {
			t.Errorf("Classify(%q) time %s, want %s", tt.line, got, tt.time)
		}
	}
}

func TestClassifyIgnores(t *testing.T) {
	for _, l := range []string{
		"",
		"Nov 25 10:15:22 host sshd[1]: Accepted publickey for root from 10.0.0.1 port 2 ssh2",
		"Nov 25 10:15:22 host cron[1]: Out of memory: Killed process 1 (sshd)", // not the kernel
		"Nov 25 10:15:22 host sudo[1]: Server listening on 0.0.0.0 port 22.",   // not sshd
		"[Wed Nov 25 10:15:22 2026] bash[1]: segfault at 0 ip 0 sp 0 error 4",  // not sshd
		"-- No entries --",
	} {
		if e, ok := ClassifyLine(l); ok {
			t.Errorf("ClassifyLine(%q) = %s, want nothing", l, e.Kind)
		}
	}
}

func FuzzClassifyLine(f *testing.F) {
	f.Add("Nov 25 10:15:22 host sshd[123]: drop connection #11 from [10.0.0.5]:50512 on [10.0.0.1]:22 past MaxStartups")
	f.Add("[   60.500000] Out of memory: Kill process 99 (java)")
	f.Add("2026-11-25T10:15:22.1+00:00 h kernel: oom-kill:task=")
	f.Add("2026-11-25 10:15:22,123 fail2ban.actions [1]: NOTICE [sshd] Ban 1.2.3.4")
	c := Classifier{Now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), Boot: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)}
	f.Fuzz(func(t *testing.T, line string) {
		e, ok := c.Classify(line)
		if ok && e.Kind == "" {
			t.Errorf("classified %q with an empty kind", line)
		}
	})
}
