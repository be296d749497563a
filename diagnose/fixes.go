package diagnose

import (
	"fmt"
	"net/netip"
	"strings"
	"time"
)

// This file adapts fix commands to the host: init system, unit name,
// log location and firewall tool. Only values this package controls or has
// parsed (addresses, numbers) go into commands, never raw host strings.

// debianLike reports whether the host names its SSH unit "ssh".
func (d *diag) debianLike() bool {
	if d.f == nil {
		return false
	}
	os := strings.ToLower(d.f.Host.OS)
	for _, s := range []string{"debian", "ubuntu", "mint", "raspbian", "pop!_os", "kali"} {
		if strings.Contains(os, s) {
			return true
		}
	}
	return false
}

// unit is the SSH service name: ssh on Debian and Ubuntu, sshd elsewhere.
func (d *diag) unit() string {
	if d.debianLike() {
		return "ssh"
	}
	return "sshd"
}

// service returns the command that applies verb (start, restart, reload,
// status) to the SSH service with the host's init system.
func (d *diag) service(verb string) string {
	init := ""
	if d.f != nil {
		init = d.f.Host.Init
	}
	switch init {
	case "openrc":
		return "rc-service " + d.unit() + " " + verb
	case "sysv":
		return "service " + d.unit() + " " + verb
	case "busybox":
		return "/etc/init.d/" + d.unit() + " " + verb
	}
	if verb == "status" {
		return "systemctl status " + d.unit()
	}
	return "systemctl " + verb + " " + d.unit()
}

// testThen validates the configuration before applying it.
func (d *diag) testThen(verb string) string {
	return "sshd -t && " + d.service(verb)
}

// sshdConfigFix returns the steps that set sshd_config lines and apply them.
func (d *diag) sshdConfigFix(lines ...string) []string {
	out := []string{"in /etc/ssh/sshd_config (before any Match block) set: " + strings.Join(lines, "; ")}
	return append(out, d.testThen("reload"))
}

// logsCommand shows sshd's log with the host's logging.
func (d *diag) logsCommand() string {
	if d.f != nil && d.f.Host.Init != "" && d.f.Host.Init != "systemd" {
		return "grep sshd " + d.authLogFile()
	}
	return fmt.Sprintf("journalctl -u %s --since '%s'", d.unit(), d.sinceText())
}

func (d *diag) authLogFile() string {
	if d.debianLike() {
		return "/var/log/auth.log"
	}
	if d.f != nil && strings.Contains(strings.ToLower(d.f.Host.OS), "alpine") {
		return "/var/log/messages"
	}
	return "/var/log/secure"
}

func (d *diag) sinceText() string {
	s := d.in.Since
	switch {
	case s <= 0:
		return "-24h"
	case s%time.Hour == 0:
		return fmt.Sprintf("-%dh", s/time.Hour)
	case s%time.Minute == 0:
		return fmt.Sprintf("-%dmin", s/time.Minute)
	}
	return fmt.Sprintf("-%ds", int(s.Seconds()))
}

// sysctlFix sets a kernel parameter now and across reboots.
func sysctlFix(key, value string) []string {
	return []string{
		fmt.Sprintf("sysctl -w %s=%s", key, value),
		fmt.Sprintf("echo '%s = %s' > /etc/sysctl.d/90-resetaudit-%s.conf", key, value, key[strings.LastIndex(key, ".")+1:]),
	}
}

// fwTool names the firewall tool to give fixes for.
type fwTool int

const (
	toolIptables fwTool = iota
	toolNft
	toolFirewalld
	toolUfw
)

// toolOf maps a backend name of package firewall to a tool.
func toolOf(backend string) fwTool {
	b := strings.ToLower(backend)
	switch {
	case strings.Contains(b, "firewalld"):
		return toolFirewalld
	case strings.Contains(b, "ufw"):
		return toolUfw
	case strings.Contains(b, "nft") && !strings.Contains(b, "iptables"):
		return toolNft
	}
	return toolIptables
}

// iptablesCmd is iptables or ip6tables for the address family of a.
func iptablesCmd(a netip.Addr) string {
	if a.Is6() {
		return "ip6tables"
	}
	return "iptables"
}

// persistIptables saves iptables rules the host's way.
func (d *diag) persistIptables() string {
	if d.debianLike() {
		return "netfilter-persistent save   # package iptables-persistent"
	}
	return "service iptables save   # or iptables-save > /etc/sysconfig/iptables"
}

// allowFix returns commands that accept SSH from src (all sources when src
// is invalid) with tool.
func (d *diag) allowFix(tool fwTool, src netip.Addr) []string {
	p := d.port
	switch tool {
	case toolFirewalld:
		if src.IsValid() {
			fam := "ipv4"
			if src.Is6() {
				fam = "ipv6"
			}
			return []string{
				fmt.Sprintf(`firewall-cmd --permanent --add-rich-rule='rule family="%s" source address="%s" port port="%d" protocol="tcp" accept'`, fam, src, p),
				"firewall-cmd --reload",
			}
		}
		if p == 22 {
			return []string{"firewall-cmd --permanent --add-service=ssh", "firewall-cmd --reload", "firewall-cmd --list-all   # check the active zone"}
		}
		return []string{fmt.Sprintf("firewall-cmd --permanent --add-port=%d/tcp", p), "firewall-cmd --reload", "firewall-cmd --list-all   # check the active zone"}
	case toolUfw:
		if src.IsValid() {
			return []string{fmt.Sprintf("ufw insert 1 allow from %s to any port %d proto tcp", src, p)}
		}
		return []string{fmt.Sprintf("ufw allow %d/tcp", p)}
	case toolNft:
		fam := "ip"
		if src.Is6() {
			fam = "ip6"
		}
		if src.IsValid() {
			return []string{fmt.Sprintf("nft insert rule inet filter input %s saddr %s tcp dport %d accept   # adjust table/chain: nft -a list ruleset", fam, src, p)}
		}
		return []string{fmt.Sprintf("nft insert rule inet filter input tcp dport %d accept   # adjust table/chain: nft -a list ruleset", p)}
	}
	ipt := "iptables"
	srcArg := ""
	if src.IsValid() {
		ipt = iptablesCmd(src)
		srcArg = " -s " + src.String()
	}
	return []string{
		fmt.Sprintf("%s -L INPUT -n -v --line-numbers   # find the rule that drops or rejects", ipt),
		fmt.Sprintf("%s -I INPUT -p tcp%s --dport %d -j ACCEPT", ipt, srcArg, p),
		d.persistIptables(),
	}
}

// establishedFix returns commands that accept established and related
// traffic with tool.
func (d *diag) establishedFix(tool fwTool) []string {
	switch tool {
	case toolFirewalld:
		return []string{"firewall-cmd --reload   # firewalld accepts established traffic itself; look for direct rules: firewall-cmd --direct --get-all-rules"}
	case toolUfw:
		return []string{"grep -n ESTABLISHED /etc/ufw/before.rules   # ufw's stock rules accept it; restore them", "ufw reload"}
	case toolNft:
		return []string{"nft insert rule inet filter input ct state established,related accept   # adjust table/chain: nft -a list ruleset"}
	}
	return []string{
		"iptables -I INPUT 1 -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT",
		"ip6tables -I INPUT 1 -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT",
		d.persistIptables(),
	}
}

// packageCacheClean empties the package manager's cache.
func (d *diag) packageCacheClean() string {
	os := ""
	if d.f != nil {
		os = strings.ToLower(d.f.Host.OS)
	}
	switch {
	case d.debianLike():
		return "apt-get clean ; apt-get autoremove --purge   # old kernels"
	case strings.Contains(os, "alpine"):
		return "apk cache clean"
	case strings.Contains(os, "suse"):
		return "zypper clean --all"
	}
	return "dnf clean all ; dnf remove --oldinstallonly   # old kernels"
}
