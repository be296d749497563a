package diagnose

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/resetaudit/resetaudit/facts"
	"github.com/resetaudit/resetaudit/result"
)

const (
	sysctlConntrackEstablished = "net.netfilter.nf_conntrack_tcp_timeout_established"
	sysctlConntrackLoose       = "net.netfilter.nf_conntrack_tcp_loose"
	sysctlMTUProbing           = "net.ipv4.tcp_mtu_probing"
	// shortConntrack is the established timeout below which idle SSH
	// sessions are at risk (the kernel default is five days).
	shortConntrack = 3600
	// awsIdleTimeout is when AWS NAT gateways and NLBs forget idle flows.
	awsIdleTimeout = 350
)

// sysctlInt returns a numeric sysctl; ok is false when absent or not a number.
func (d *diag) sysctlInt(key string) (int, bool) {
	v, ok := d.f.Network.Sysctl[key]
	if !ok {
		return 0, false
	}
	n, err := strconv.Atoi(strings.TrimSpace(v))
	return n, err == nil
}

func (d *diag) network() {
	d.idleTimeout()
	d.mtu()
}

// idleTimeout reports sessions that nothing keeps alive across stateful hops.
func (d *diag) idleTimeout() {
	if d.f.Sshd.Config == nil {
		return
	}
	interval, err := strconv.Atoi(d.config("clientaliveinterval"))
	if err != nil {
		return
	}
	count, err := strconv.Atoi(d.config("clientalivecountmax"))
	if err != nil {
		count = 3
	}
	fd := finding(result.CauseIdleTimeout, result.Low, result.Risk, "No server keepalive: idle sessions die when a firewall or NAT forgets them")
	fd.Evidence = []string{fmt.Sprintf("sshd -T: clientaliveinterval %d", interval), fmt.Sprintf("sshd -T: clientalivecountmax %d", count)}

	// limit is the shortest idle timeout known on the path, 0 when none.
	limit := 0
	if t, ok := d.sysctlInt(sysctlConntrackEstablished); ok {
		if t < shortConntrack {
			limit = t
			fd.Severity = result.Medium
			fd.Title = fmt.Sprintf("conntrack forgets idle connections after %d s and sshd sends no keepalive", t)
			fd.Evidence = append(fd.Evidence, fmt.Sprintf("sysctl: %s = %d", sysctlConntrackEstablished, t))
			if loose, ok := d.sysctlInt(sysctlConntrackLoose); ok && loose == 0 {
				fd.Severity = result.High
				fd.Evidence = append(fd.Evidence, fmt.Sprintf("sysctl: %s = 0 (packets of a forgotten flow are not picked up again)", sysctlConntrackLoose))
			}
		}
	}
	if c := d.in.Cloud; c != nil && strings.EqualFold(c.Provider, "aws") {
		if limit == 0 || awsIdleTimeout < limit {
			limit = awsIdleTimeout
		}
		if fd.Severity == result.Low {
			fd.Severity = result.Medium
			fd.Title = "sshd sends no keepalive, and AWS NAT gateways and load balancers drop flows idle for 350 s"
		}
		fd.Evidence = append(fd.Evidence, "cloud: aws; NAT gateways and NLBs in front of the host drop TCP flows idle for 350 s")
	}
	if interval > 0 && (limit == 0 || interval < limit) {
		return // keepalives flow more often than any known hop forgets
	}
	if interval > 0 {
		fd.Title = fmt.Sprintf("ClientAliveInterval %d is longer than the %d s idle timeout on the path", interval, limit)
	}
	fd.Fix = d.sshdConfigFix("ClientAliveInterval 60", "ClientAliveCountMax 3")
	fd.Fix = append(fd.Fix, "on clients, in ~/.ssh/config: Host * / ServerAliveInterval 60 / ServerAliveCountMax 3")
	if limit > 0 && limit < shortConntrack && d.hasSysctl(sysctlConntrackEstablished) {
		fd.Fix = append(fd.Fix, sysctlFix(sysctlConntrackEstablished, "7200")...)
	}
	d.add(fd)
}

func (d *diag) hasSysctl(key string) bool {
	_, ok := d.f.Network.Sysctl[key]
	return ok
}

// mtu reports jumbo frames without path-MTU probing.
func (d *diag) mtu() {
	probing, ok := d.sysctlInt(sysctlMTUProbing)
	if !ok || probing != 0 {
		return
	}
	var jumbo []facts.Interface
	for _, i := range d.f.Network.Interfaces {
		if i.Up && i.MTU > 1500 && i.Name != "lo" {
			jumbo = append(jumbo, i)
		}
	}
	if len(jumbo) == 0 {
		return
	}
	fd := finding(result.CauseMTUBlackhole, result.Medium, result.Risk,
		fmt.Sprintf("MTU %d on %s without TCP MTU probing: large packets can vanish on a 1500-byte path", jumbo[0].MTU, jumbo[0].Name))
	switch d.in.Probe.Symptom {
	case result.SymptomResetDuringKex, result.SymptomCollectTimeout:
		fd.Severity, fd.Status = result.High, result.Observed
		fd.Title = "Connection stalled mid-session on a jumbo-MTU host without MTU probing (likely MTU black hole)"
		fd.Evidence = append(fd.Evidence, d.probeEvidence())
	}
	for _, i := range jumbo {
		fd.Evidence = append(fd.Evidence, fmt.Sprintf("ip link: %s mtu %d up", i.Name, i.MTU))
	}
	fd.Evidence = append(fd.Evidence, "sysctl: "+sysctlMTUProbing+" = 0")
	fd.Fix = sysctlFix(sysctlMTUProbing, "1")
	fd.Fix = append(fd.Fix,
		fmt.Sprintf("or match the path: ip link set dev %s mtu 1500   # and make it permanent in the interface config", jumbo[0].Name),
		"allow ICMP 'fragmentation needed' (type 3 code 4, ICMPv6 packet-too-big) through firewalls and security groups",
		"test from the client: ping -M do -s 1472 <host> ; tracepath <host>",
		"on routers/tunnels: iptables -t mangle -A FORWARD -p tcp --tcp-flags SYN,RST SYN -j TCPMSS --clamp-mss-to-pmtu")
	d.add(fd)
}
