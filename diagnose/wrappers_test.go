package diagnose

import (
	"testing"
	"time"

	"github.com/resetaudit/resetaudit/facts"
	"github.com/resetaudit/resetaudit/result"
)

func TestWrappersRules(t *testing.T) {
	refused := ev(facts.EvWrappersRefused, time.Hour, "auth.log",
		"Nov 25 11:00:03 web-1 sshd[8812]: refused connect from 198.51.100.23 (198.51.100.23)", "198.51.100.23")
	runCases(t, []ruleCase{
		{
			name: "client denied and refused in the log",
			setup: func(in *Input) {
				in.Facts.Wrappers.Deny = "sshd: 198.51.100.23\n"
				in.Facts.Events = []facts.Event{refused}
			},
			want: []want{{result.CauseTCPWrappers, client.String(), result.High, result.Observed,
				[]string{"hosts.deny:1: sshd: 198.51.100.23", "refused connect from 198.51.100.23", "echo 'sshd: 198.51.100.23' >> /etc/hosts.allow"}}},
		},
		{
			name:  "client denied, nothing seen yet",
			setup: func(in *Input) { in.Facts.Wrappers.Deny = "sshd: 198.51.100.0/255.255.255.0\n" },
			want:  []want{{result.CauseTCPWrappers, client.String(), result.High, result.Risk, []string{"hosts.deny:1"}}},
		},
		{
			name: "deny all with a narrow allow",
			setup: func(in *Input) {
				in.Facts.Wrappers.Allow = "sshd: 192.0.2.0/24 198.51.100.23\n"
				in.Facts.Wrappers.Deny = "ALL: ALL\n"
			},
			want:   []want{{result.CauseTCPWrappers, "", result.Medium, result.Risk, []string{"every source not listed", "'sshd: ALL' in hosts.allow"}}},
			absent: nil,
		},
		{
			name: "sshd without libwrap ignores the files",
			setup: func(in *Input) {
				no := false
				in.Facts.Sshd.Libwrap = &no
				in.Facts.Wrappers.Deny = "ALL: ALL\n"
			},
			absent: []string{result.CauseTCPWrappers},
		},
		{
			name: "libwrap unknown, refusals logged",
			setup: func(in *Input) {
				in.Facts.Sshd.Libwrap = nil
				in.Facts.Wrappers.Deny = "sshd: 198.51.100.23\n"
				in.Facts.Events = []facts.Event{refused}
			},
			want: []want{{result.CauseTCPWrappers, client.String(), result.High, result.Observed,
				[]string{"uncertain: whether this sshd is linked with libwrap is unknown"}}},
		},
		{
			name: "libwrap unknown: uncertain risk",
			setup: func(in *Input) {
				in.Facts.Sshd.Libwrap = nil
				in.Facts.Wrappers.Deny = "sshd: 198.51.100.23\n"
			},
			want: []want{{result.CauseTCPWrappers, client.String(), result.High, result.Risk, []string{"(uncertain: "}}},
		},
		{
			name: "auditor denied, probe reset before the banner (collected via a bastion)",
			setup: func(in *Input) {
				in.Facts.Wrappers.Deny = "sshd: 192.0.2.10\n"
				in.Probe = result.Probe{Symptom: result.SymptomResetBeforeBanner, SourceAddress: "192.0.2.10:40000", DurationMS: 5003}
			},
			want: []want{{result.CauseTCPWrappers, auditor.String(), result.High, result.Observed, []string{"probe: reset_before_banner", "hosts.deny:1"}}},
		},
		{
			name: "banner received from the auditor: the evaluation is ignored",
			setup: func(in *Input) {
				in.Facts.Wrappers.Deny = "sshd: 192.0.2.10\n"
			},
			absent: []string{result.CauseTCPWrappers},
		},
		{
			name: "files not read",
			setup: func(in *Input) {
				in.Facts.Wrappers = facts.Wrappers{Deny: "ALL: ALL\n"}
			},
			absent: []string{result.CauseTCPWrappers},
		},
	})
}
