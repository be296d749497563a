// Package lab holds the integration test that sweeps real test hosts.
//
// The hosts are built on this machine by the scripts next to this file:
// lab/up makes one network namespace per injected fault, each with its own
// mount, PID and UTS namespaces, a real OpenSSH sshd, rsyslogd and, where
// the fault needs them, real iptables, nftables and fail2ban; lab/down removes
// them. hosts.tsv lists the hosts, their faults and what a client and a sweep
// should see. The test needs root and the packages that scripts/deps installs.
package lab
