package diagnose

import (
	"fmt"
	"strings"

	"github.com/resetaudit/resetaudit/facts"
	"github.com/resetaudit/resetaudit/result"
)

// resources reports memory, CPU, process and file-descriptor pressure. All
// signs go into one finding, at the severity of the worst.
func (d *diag) resources() {
	fd := finding(result.CauseResourceExhaustion, "", result.Observed, "")
	raise := func(sev result.Severity, title string) {
		if sev.Rank() > fd.Severity.Rank() {
			fd.Severity, fd.Title = sev, title
		}
	}
	for _, e := range d.events(facts.EvOOMKill) {
		if isSshd(e.Process) || (e.Process == "" && strings.Contains(e.Line, "(sshd)")) {
			raise(result.Critical, "The OOM killer killed sshd")
		} else {
			raise(result.High, "The OOM killer ran within the log window")
		}
		fd.Evidence = append(fd.Evidence, eventLines([]facts.Event{e})...)
	}
	if evs := d.events(facts.EvForkFailure); len(evs) > 0 {
		raise(result.High, "Processes could not fork (memory or process limit)")
		fd.Evidence = append(fd.Evidence, eventLines(evs)...)
	}
	if evs := d.events(facts.EvTooManyFiles); len(evs) > 0 {
		raise(result.High, "Too many open files")
		fd.Evidence = append(fd.Evidence, eventLines(evs)...)
	}
	if evs := d.events(facts.EvConntrackFull); len(evs) > 0 {
		raise(result.High, "The conntrack table overflowed: new connections were dropped")
		fd.Evidence = append(fd.Evidence, eventLines(evs)...)
	}

	r := d.f.Resources
	if d.covered(facts.AreaResources) {
		if r.MemTotalKB > 0 && r.MemAvailKB*20 < r.MemTotalKB && r.SwapTotalKB == 0 {
			raise(result.Medium, "Memory is nearly exhausted and there is no swap")
			fd.Evidence = append(fd.Evidence, fmt.Sprintf("meminfo: MemAvailable %d kB of %d kB (%.1f%%), no swap",
				r.MemAvailKB, r.MemTotalKB, 100*float64(r.MemAvailKB)/float64(r.MemTotalKB)))
		}
		if r.MemPressure > 20 {
			raise(result.Medium, "Processes stall waiting for memory")
			fd.Evidence = append(fd.Evidence, fmt.Sprintf("psi: memory some avg60=%.2f", r.MemPressure))
		}
		if r.PidMax > 0 && r.Processes*10 >= r.PidMax*9 {
			raise(result.High, "The process table is nearly full")
			fd.Evidence = append(fd.Evidence, fmt.Sprintf("proc: %d processes, pid_max %d", r.Processes, r.PidMax))
		}
		if r.ThreadsMax > 0 && r.Processes*10 >= r.ThreadsMax*9 {
			raise(result.High, "The thread limit is nearly reached")
			fd.Evidence = append(fd.Evidence, fmt.Sprintf("proc: %d tasks, threads-max %d", r.Processes, r.ThreadsMax))
		}
		if r.FilesMax > 0 && r.FilesOpen*10 >= r.FilesMax*9 {
			raise(result.High, "The system-wide file handle limit is nearly reached")
			fd.Evidence = append(fd.Evidence, fmt.Sprintf("file-nr: %d open, file-max %d", r.FilesOpen, r.FilesMax))
		}
		if r.CPUs > 0 && r.Load1 > 4*float64(r.CPUs) {
			raise(result.Low, "The load is very high")
			fd.Evidence = append(fd.Evidence, fmt.Sprintf("loadavg: %.2f %.2f %.2f on %d CPUs", r.Load1, r.Load5, r.Load15, r.CPUs))
		}
	}
	if n := d.f.Network.ConntrackMax; n > 0 && d.f.Network.ConntrackCount*10 >= n*9 {
		raise(result.Medium, "The conntrack table is nearly full")
		fd.Evidence = append(fd.Evidence, fmt.Sprintf("conntrack: %d of %d entries", d.f.Network.ConntrackCount, n))
	}
	if fd.Severity == "" {
		return
	}
	fd.Fix = []string{
		"dmesg -T | grep -i -e 'out of memory' -e oom -e 'table full'   # OOM kills and drops",
		d.logsCommand() + "   # errors of sshd itself",
		"top -o %MEM ; ps aux --sort=-rss | head   # find the process that hogs memory or CPU",
		"free -m ; cat /proc/pressure/memory",
		"add RAM or swap, or cap the culprit (systemd MemoryMax=, ulimit)",
		"limit concurrent logins in /etc/ssh/sshd_config: MaxStartups 10:30:100 and MaxSessions 10, then " + d.testThen("restart"),
	}
	if d.f.Host.Init == "systemd" || d.f.Host.Init == "" {
		fd.Fix = append(fd.Fix, "protect sshd from the OOM killer: systemctl edit "+d.unit()+", add [Service] OOMScoreAdjust=-1000")
	}
	if strings.Contains(fd.Title, "file") {
		fd.Fix = append(fd.Fix, sysctlFix("fs.file-max", fmt.Sprint(max(r.FilesMax*2, 1048576)))...)
	}
	if strings.Contains(fd.Title, "process table") {
		fd.Fix = append(fd.Fix, sysctlFix("kernel.pid_max", "4194304")...)
	}
	if strings.Contains(fd.Title, "conntrack") {
		fd.Fix = append(fd.Fix, sysctlFix("net.netfilter.nf_conntrack_max", fmt.Sprint(max(d.f.Network.ConntrackMax*2, 262144)))...)
	}
	d.add(fd)
}

// isSshd reports whether a process name is sshd (or one of its helpers).
func isSshd(p string) bool {
	return p == "sshd" || strings.HasPrefix(p, "sshd-") || strings.HasPrefix(p, "sshd:")
}
