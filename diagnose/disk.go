package diagnose

import (
	"fmt"

	"github.com/resetaudit/resetaudit/facts"
	"github.com/resetaudit/resetaudit/result"
)

// sshdMounts are the filesystems sshd and PAM write to during a login.
var sshdMounts = map[string]bool{"/": true, "/var": true, "/var/log": true, "/tmp": true, "/run": true}

func (d *diag) disks() {
	fd := finding(result.CauseDiskFull, "", result.Observed, "")
	raise := func(sev result.Severity, title string) {
		if sev.Rank() > fd.Severity.Rank() {
			fd.Severity, fd.Title = sev, title
		}
	}
	var full []string
	for _, k := range d.f.Disks {
		if !sshdMounts[k.Mount] {
			continue
		}
		switch {
		case k.UsePct >= 100 || (k.AvailKB == 0 && k.SizeKB > 0):
			raise(result.High, k.Mount+" is full")
			fd.Evidence = append(fd.Evidence, fmt.Sprintf("df: %s %d%% used (%d kB free)", k.Mount, k.UsePct, k.AvailKB))
		case k.UsePct >= 95:
			raise(result.Medium, k.Mount+" is nearly full")
			fd.Evidence = append(fd.Evidence, fmt.Sprintf("df: %s %d%% used (%d kB free)", k.Mount, k.UsePct, k.AvailKB))
		}
		switch {
		case k.InodesUsePct >= 100:
			raise(result.High, k.Mount+" has no free inodes")
			fd.Evidence = append(fd.Evidence, fmt.Sprintf("df -i: %s %d%% inodes used", k.Mount, k.InodesUsePct))
		case k.InodesUsePct >= 95:
			raise(result.Medium, k.Mount+" is nearly out of inodes")
			fd.Evidence = append(fd.Evidence, fmt.Sprintf("df -i: %s %d%% inodes used", k.Mount, k.InodesUsePct))
		}
		if k.UsePct >= 95 || k.InodesUsePct >= 95 {
			full = append(full, k.Mount)
		}
	}
	if evs := d.events(facts.EvNoSpace); len(evs) > 0 {
		raise(result.High, "Writes failed with 'No space left on device'")
		fd.Evidence = append(fd.Evidence, eventLines(evs)...)
	}
	if fd.Severity == "" {
		return
	}
	where := "/var/log"
	if len(full) > 0 {
		where = full[0]
	}
	fd.Fix = []string{fmt.Sprintf("du -xh %s 2>/dev/null | sort -h | tail -20   # what fills it", where)}
	if d.f.Host.Init == "systemd" || d.f.Host.Init == "" {
		fd.Fix = append(fd.Fix, "journalctl --vacuum-size=200M")
	}
	fd.Fix = append(fd.Fix,
		"logrotate -f /etc/logrotate.conf",
		"find /tmp /var/tmp -xdev -type f -mtime +7 -delete   # after checking the list",
		d.packageCacheClean(),
		"df -i   # if inodes are exhausted, find directories with many small files")
	d.add(fd)
}
