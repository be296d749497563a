package diagnose

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/resetaudit/resetaudit/facts"
	"github.com/resetaudit/resetaudit/result"
)

// sshd runs the rules about the daemon itself.
func (d *diag) sshd() {
	d.notRunning()
	d.configInvalid()
	d.restarts()
	d.maxStartups()
	d.penalties()
	d.slowDNS()
	d.algorithms()
}

// config returns the first value of an sshd -T keyword, "" when absent.
func (d *diag) config(key string) string {
	if v := d.f.Sshd.Config[key]; len(v) > 0 {
		return v[0]
	}
	return ""
}

// listening reports whether anything listens on the SSH port, and whether
// that is known at all.
func (d *diag) listening() (yes, known bool) {
	s := d.f.Sshd
	for _, l := range s.PortListeners {
		if int(l.Addr.Port()) == d.port {
			return true, true
		}
	}
	for _, l := range s.Listen {
		if int(l.Port()) == d.port {
			return true, true
		}
	}
	return false, len(s.PortListeners) > 0 || len(s.Listen) > 0 || d.covered(facts.AreaSshd)
}

func (d *diag) notRunning() {
	s := d.f.Sshd
	if !d.covered(facts.AreaSshd) {
		return
	}
	listening, known := d.listening()
	// The probe reached sshd on this port: whatever the process table says,
	// something answers SSH there (socket activation, another namespace).
	reached := d.in.Probe.Reachable() && d.in.Jump == ""
	fd := finding(result.CauseSshdNotRunning, result.Critical, result.Observed, "")
	fd.Evidence = []string{fmt.Sprintf("ss: nothing listens on TCP port %d", d.port)}
	switch {
	case reached:
		if s.Service == "failed" {
			fd.Severity = result.High
			fd.Title = "The SSH service is marked failed"
			fd.Evidence = []string{"service: " + d.unit() + " is failed"}
		} else {
			return
		}
	case known && !listening && !s.Running:
		fd.Title = "sshd is not running"
		fd.Evidence = append(fd.Evidence, "ps: no sshd process")
	case known && !listening:
		fd.Title = fmt.Sprintf("sshd does not listen on port %d", d.port)
		for _, l := range s.Listen {
			fd.Evidence = append(fd.Evidence, "ss: sshd listens on "+l.String())
		}
	default:
		return
	}
	if s.Service != "" && s.Service != "active" && !reached {
		fd.Evidence = append(fd.Evidence, "service: "+d.unit()+" is "+s.Service)
	}
	fd.Fix = []string{
		d.service("status"),
		d.logsCommand() + "   # why it stopped",
		"sshd -t   # a broken config keeps it from starting",
		d.service("start"),
	}
	if d.f.Host.Init == "systemd" || d.f.Host.Init == "" {
		fd.Fix = append(fd.Fix, "systemctl enable "+d.unit())
	}
	fd.Fix = append(fd.Fix, fmt.Sprintf("ss -ltnp 'sport = :%d'   # check the listener", d.port))
	d.add(fd)
}

func (d *diag) configInvalid() {
	t := d.f.Sshd.ConfigTest
	if t == nil || t.OK {
		return
	}
	fd := finding(result.CauseSshdConfigInvalid, result.High, result.Risk, "sshd -t fails: the next restart or reboot takes SSH down")
	if listening, known := d.listening(); known && !listening && !d.f.Sshd.Running {
		fd.Status = result.Observed
		fd.Title = "sshd -t fails, and sshd is not running"
		fd.Severity = result.Critical
	}
	for _, l := range strings.Split(t.Output, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			fd.Evidence = append(fd.Evidence, "sshd -t: "+l)
		}
	}
	if len(fd.Evidence) == 0 {
		fd.Evidence = []string{"sshd -t: exited with an error"}
	}
	fd.Fix = []string{
		"edit /etc/ssh/sshd_config (and /etc/ssh/sshd_config.d/*.conf) at the line named above",
		"sshd -t   # repeat until it prints nothing",
		d.service("reload"),
	}
	d.add(fd)
}

func (d *diag) restarts() {
	crashes := d.events(facts.EvSshdCrash)
	starts := onePerPID(d.events(facts.EvSshdStart))
	stops := d.events(facts.EvSshdStop)
	if len(crashes) == 0 && len(starts)+len(stops) < 2 {
		return
	}
	fd := finding(result.CauseSshdRestarts, result.Medium, result.Observed,
		fmt.Sprintf("sshd restarted within the log window (%s, %s)", plural(len(starts), "start"), plural(len(stops), "stop")))
	if len(crashes) > 0 {
		fd.Severity = result.High
		fd.Title = fmt.Sprintf("sshd crashed within the log window (%s)", plural(len(crashes), "crash"))
		fd.Evidence = eventLines(crashes)
	}
	fd.Evidence = append(fd.Evidence, eventLines(append(stops, starts...))...)
	fd.Fix = []string{
		d.service("status"),
		d.logsCommand(),
		"dmesg -T | grep -i -e segfault -e sshd   # crashes and kills",
		"sshd -t   # a config error makes restarts fail",
		"update openssh-server to the distribution's current release",
	}
	d.add(fd)
}

// maxStartups parses "start:rate:full" or "start".
func maxStartups(v string) (start, rate, full int, ok bool) {
	parts := strings.Split(v, ":")
	if len(parts) != 1 && len(parts) != 3 {
		return 0, 0, 0, false
	}
	n := make([]int, len(parts))
	for i, p := range parts {
		x, err := strconv.Atoi(p)
		if err != nil || x < 0 {
			return 0, 0, 0, false
		}
		n[i] = x
	}
	if len(n) == 1 {
		return n[0], 100, n[0], true
	}
	return n[0], n[1], n[2], true
}

func (d *diag) maxStartups() {
	v := d.config("maxstartups")
	start, _, full, parsed := maxStartups(v)
	low := parsed && start < 10
	drops := d.events(facts.EvMaxStartupsDrop)
	throttles := d.events(facts.EvMaxStartupsThrottle)
	if !low && len(drops) == 0 && len(throttles) == 0 {
		return
	}
	fd := finding(result.CauseMaxStartups, result.Medium, result.Risk,
		fmt.Sprintf("MaxStartups %s is low: bursts of connections are dropped", v))
	if v != "" {
		fd.Evidence = append(fd.Evidence, "sshd -T: maxstartups "+v)
	}
	switch {
	case len(drops) > 0:
		fd.Severity, fd.Status = result.High, result.Observed
		fd.Title = fmt.Sprintf("sshd dropped %s past MaxStartups", plural(len(drops), "connection"))
	case len(throttles) > 0:
		fd.Severity, fd.Status = result.High, result.Observed
		fd.Title = "sshd throttled new connections (MaxStartups reached)"
	}
	fd.Evidence = append(fd.Evidence, eventLines(append(drops, throttles...))...)
	want := "10:30:100"
	if !low && parsed {
		// Drops under an adequate setting: raise it and find the burst.
		want = fmt.Sprintf("%d:30:%d", max(start*3, 30), max(full*2, 200))
	}
	fd.Fix = d.sshdConfigFix("MaxStartups " + want)
	fd.Fix = append(fd.Fix,
		"grep -E '^(MaxStartups|MaxSessions|LoginGraceTime)' /etc/ssh/sshd_config",
		d.logsCommand()+" | grep -e MaxStartups -e 'Connection from'   # who opens the burst: scanners, monitoring, parallel automation",
		"reuse connections on the clients (ControlMaster auto, ControlPersist 60) and ban scanners with fail2ban")
	d.add(fd)
}

var pidRE = regexp.MustCompile(`\[([0-9]+)\]:`)

// onePerPID keeps the first event of each process: one sshd logs "Server
// listening" once per address family, which is one start, not two.
func onePerPID(evs []facts.Event) []facts.Event {
	seen := map[string]bool{}
	var out []facts.Event
	for _, e := range evs {
		m := pidRE.FindStringSubmatch(e.Line)
		if m != nil {
			if seen[m[1]] {
				continue
			}
			seen[m[1]] = true
		}
		out = append(out, e)
	}
	return out
}
