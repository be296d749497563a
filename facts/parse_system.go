package facts

import (
	"net/netip"
	"strconv"
	"strings"
	"time"
)

func (p *parser) resources() {
	r := &p.f.Resources
	r.MemPressure, r.CPUPressure = -1, -1
	s, ok := p.sec("resources")
	p.f.Coverage[AreaResources] = p.status("resources")
	if !ok {
		return
	}
	b := blocks(s.Text())
	if f := strings.Fields(b["/proc/loadavg"]); len(f) >= 3 {
		r.Load1, _ = strconv.ParseFloat(f[0], 64)
		r.Load5, _ = strconv.ParseFloat(f[1], 64)
		r.Load15, _ = strconv.ParseFloat(f[2], 64)
		if r.Processes == 0 && len(f) >= 4 { // "running/total" threads, a fallback
			if _, tot, ok := strings.Cut(f[3], "/"); ok {
				r.Processes = atoi64(tot, 0)
			}
		}
	}
	for _, l := range lines(b["/proc/meminfo"]) {
		k, v, ok := strings.Cut(l, ":")
		if !ok {
			continue
		}
		n := atoi64(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 0)
		switch k {
		case "MemTotal":
			r.MemTotalKB = n
		case "MemAvailable":
			r.MemAvailKB = n
		case "SwapTotal":
			r.SwapTotalKB = n
		case "SwapFree":
			r.SwapFreeKB = n
		}
	}
	r.CPUPressure = psiSome60(b["/proc/pressure/cpu"])
	r.MemPressure = psiSome60(b["/proc/pressure/memory"])
	r.PidMax = atoi64(b["/proc/sys/kernel/pid_max"], 0)
	r.ThreadsMax = atoi64(b["/proc/sys/kernel/threads-max"], 0)
	if f := strings.Fields(b["/proc/sys/fs/file-nr"]); len(f) == 3 {
		r.FilesOpen = atoi64(f[0], 0)
		r.FilesMax = atoi64(f[2], 0)
	}
	if r.FilesMax == 0 {
		r.FilesMax = atoi64(b["/proc/sys/fs/file-max"], 0)
	}
	r.CPUs = int(atoi64(b["nproc"], 0))
}

// psiSome60 reads avg60 of the "some" line of a /proc/pressure file, -1 when absent.
func psiSome60(s string) float64 {
	for _, l := range lines(s) {
		if !strings.HasPrefix(l, "some ") {
			continue
		}
		for _, w := range strings.Fields(l) {
			if v, ok := strings.CutPrefix(w, "avg60="); ok {
				if f, err := strconv.ParseFloat(v, 64); err == nil {
					return f
				}
			}
		}
	}
	return -1
}

func (p *parser) disk() {
	s, _ := p.sec("df")
	inodes := map[string]int{}
	if si, ok := p.sec("df_inodes"); ok && si.Note() == "" {
		for _, f := range dfRows(si.Text()) {
			inodes[f[5]] = pct(f[4])
		}
	}
	seen := map[string]bool{}
	for _, f := range dfRows(s.Text()) {
		if seen[f[5]] {
			continue
		}
		seen[f[5]] = true
		d := Disk{Device: f[0], Mount: f[5], SizeKB: atoi64(f[1], 0), AvailKB: atoi64(f[3], 0), UsePct: pct(f[4]), InodesUsePct: -1}
		if v, ok := inodes[f[5]]; ok {
			d.InodesUsePct = v
		}
		p.f.Disks = append(p.f.Disks, d)
	}
	p.f.Coverage[AreaDisk] = p.status("df")
}

// dfRows returns the data rows of POSIX df: device, size, used, avail, use%, mount.
// df -P keeps a row on one line; mount points with spaces are rejoined.
func dfRows(s string) [][]string {
	var rows [][]string
	for _, l := range lines(s) {
		f := strings.Fields(l)
		if len(f) < 6 || f[0] == "Filesystem" || !strings.HasSuffix(f[4], "%") && f[4] != "-" {
			continue
		}
		rows = append(rows, append(f[:5:5], strings.Join(f[5:], " ")))
	}
	return rows
}

func pct(s string) int {
	n, err := strconv.Atoi(strings.TrimSuffix(s, "%"))
	if err != nil {
		return -1
	}
	return n
}

func (p *parser) network() {
	n := &p.f.Network
	n.ConntrackCount, n.ConntrackMax = -1, -1
	n.Sysctl = map[string]string{}
	ifs := map[string]*Interface{}
	var order []string
	get := func(name string) *Interface {
		if i, ok := ifs[name]; ok {
			return i
		}
		ifs[name] = &Interface{Name: name}
		order = append(order, name)
		return ifs[name]
	}
	linkSt := "not checked: no interface list"
	if s, ok := p.sec("ip_link"); ok {
		linkSt = p.status("ip_link")
		for _, l := range lines(s.Text()) {
			// "2: eth0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 ..."
			f := strings.Fields(l)
			if len(f) < 5 || !strings.HasSuffix(f[0], ":") {
				continue
			}
			name, _, _ := strings.Cut(strings.TrimSuffix(f[1], ":"), "@")
			it := get(name)
			it.Up = strings.Contains(f[2], ",UP") || strings.Contains(f[2], "<UP")
			for i := 3; i+1 < len(f); i++ {
				if f[i] == "mtu" {
					it.MTU = int(atoi64(f[i+1], 0))
				}
			}
		}
		if sa, ok := p.sec("ip_addr"); ok {
			for _, l := range lines(sa.Text()) {
				// "4: eth0    inet 192.0.2.2/24 brd ..."
				f := strings.Fields(l)
				if len(f) < 4 || (f[2] != "inet" && f[2] != "inet6") {
					continue
				}
				if pf, err := netip.ParsePrefix(f[3]); err == nil {
					it := get(strings.TrimSuffix(f[1], ":"))
					it.Addrs = append(it.Addrs, pf)
				}
			}
		}
	} else if s, ok := p.sec("sys_net"); ok {
		linkSt = p.status("sys_net")
		for _, l := range lines(s.Text()) {
			// "eth0 mtu=1500 state=up"
			f := strings.Fields(l)
			if len(f) < 3 {
				continue
			}
			it := get(f[0])
			it.MTU = int(atoi64(strings.TrimPrefix(f[1], "mtu="), 0))
			it.Up = f[2] == "state=up" || f[2] == "state=unknown"
		}
	}
	for _, name := range order {
		n.Interfaces = append(n.Interfaces, *ifs[name])
	}
	if s, ok := p.sec("sysctl"); ok {
		for _, l := range lines(s.Text()) {
			path, v, ok := strings.Cut(l, ":")
			key, isSys := strings.CutPrefix(path, "/proc/sys/")
			if !ok || !isSys {
				continue
			}
			n.Sysctl[strings.ReplaceAll(key, "/", ".")] = strings.Join(strings.Fields(v), " ")
		}
	}
	if v, ok := n.Sysctl["net.netfilter.nf_conntrack_count"]; ok {
		n.ConntrackCount = atoi64(v, -1)
	}
	if v, ok := n.Sysctl["net.netfilter.nf_conntrack_max"]; ok {
		n.ConntrackMax = atoi64(v, -1)
	}
	if s, ok := p.sec("resolv"); ok {
		for _, l := range lines(s.Text()) {
			if v, ok := strings.CutPrefix(l, "nameserver "); ok {
				n.Nameservers = append(n.Nameservers, strings.TrimSpace(strings.ToValidUTF8(v, "?")))
			}
		}
	}
	if s, ok := p.sec("rdns"); ok && s.Note() == "" {
		kv := keyValues(s.Text())
		if q := cleanAddr(kv["query"]); q != "" {
			rc := atoi64(kv["rc"], -1)
			n.ReverseLookup = &Lookup{
				Query:    q,
				Duration: time.Duration(atoi64(kv["elapsed_ms"], 0)) * time.Millisecond,
				OK:       rc == 0,
				TimedOut: rc == 124 || rc == 137 || rc == 143,
			}
		}
	}
	p.f.Coverage[AreaNetwork] = worst(linkSt, p.status("sysctl"))
}
