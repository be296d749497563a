package facts

import (
	"encoding/hex"
	"net/netip"
	"strconv"
	"strings"
	"time"
)

// sshdProc is one line of the sshd_procs section.
type sshdProc struct {
	pid, ppid int
	start     int64 // clock ticks after boot
	comm, cmd string
}

func (p *parser) sshd() {
	f := p.f
	s, _ := p.sec("sshd_procs")
	var procs []sshdProc
	for _, l := range lines(s.Text()) {
		rest, ok := strings.CutPrefix(l, "sshd ")
		if !ok {
			if v, ok := strings.CutPrefix(l, "processes="); ok {
				f.Resources.Processes = atoi64(v, 0)
			}
			continue
		}
		var pr sshdProc
		head, cmd, _ := strings.Cut(rest, " cmd=")
		pr.cmd = strings.TrimSpace(cmd)
		for _, w := range strings.Fields(head) {
			k, v, _ := strings.Cut(w, "=")
			switch k {
			case "pid":
				pr.pid = int(atoi64(v, 0))
			case "ppid":
				pr.ppid = int(atoi64(v, 0))
			case "start":
				pr.start = atoi64(v, -1)
			case "comm":
				pr.comm = v
			}
		}
		if pr.pid > 0 {
			procs = append(procs, pr)
		}
	}
	pids := make(map[int]bool)
	for _, pr := range procs {
		pids[pr.pid] = true
	}
	meta, _ := p.sec("meta")
	clk := atoi64(keyValues(meta.Text())["clk_tck"], 100)
	if clk <= 0 {
		clk = 100
	}
	for _, pr := range procs {
		// The listener is the sshd whose parent is not an sshd.
		if pr.comm != "sshd" || pids[pr.ppid] {
			continue
		}
		f.Sshd.Running = true
		f.Sshd.PIDs = append(f.Sshd.PIDs, pr.pid)
		if f.Sshd.StartTime.IsZero() && pr.start >= 0 && !f.Host.BootTime.IsZero() {
			f.Sshd.StartTime = f.Host.BootTime.Add(time.Duration(pr.start) * time.Second / time.Duration(clk))
		}
	}
	v, _ := p.sec("sshd_version")
	f.Sshd.Version = sshdVersion(v.Text())
	p.service()
	p.listeners()
	p.libwrap()
	listen := "listen_ss"
	for _, n := range []string{"listen_ss", "listen_netstat", "listen_proc"} {
		if _, ok := p.secs[n]; ok {
			listen = n
			break
		}
	}
	f.Coverage[AreaSshd] = worst(p.status("sshd_procs"), p.status(listen))
}

// sshdVersion picks "OpenSSH_9.2p1" from sshd -V (or its usage message) and
// ssh -V, preferring the more precise spelling of the same release.
func sshdVersion(s string) string {
	var found []string
	for _, l := range lines(s) {
		i := strings.Index(l, "OpenSSH_")
		if i < 0 {
			continue
		}
		v := l[i:]
		if j := strings.IndexAny(v, " ,"); j >= 0 {
			v = v[:j]
		}
		found = append(found, strings.ToValidUTF8(v, "?"))
	}
	if len(found) == 0 {
		return ""
	}
	best := found[0]
	for _, v := range found[1:] {
		if strings.HasPrefix(v, best) && len(v) > len(best) {
			best = v
		}
	}
	return best
}

func (p *parser) service() {
	s, ok := p.sec("sshd_service")
	if !ok || s.Note() != "" {
		return
	}
	text := s.Text()
	if p.f.Host.Init != "systemd" {
		switch {
		case strings.Contains(text, "status: started"):
			p.f.Sshd.Service = "active"
		case strings.Contains(text, "status: crashed"):
			p.f.Sshd.Service = "failed"
		case strings.Contains(text, "status: stopped"):
			p.f.Sshd.Service = "inactive"
		}
		return
	}
	var service, socket string
	for _, unit := range strings.Split(text, "\n\n") {
		kv := keyValues(unit)
		if kv["LoadState"] != "loaded" {
			continue
		}
		switch kv["Id"] {
		case "ssh.service", "sshd.service":
			if service == "" || kv["ActiveState"] == "active" {
				service = kv["ActiveState"]
				if ts := kv["ExecMainStartTimestamp"]; p.f.Sshd.StartTime.IsZero() && ts != "" {
					if t, err := time.Parse("Mon 2006-01-02 15:04:05 MST", ts); err == nil {
						p.f.Sshd.StartTime = t.UTC()
					}
				}
			}
		case "ssh.socket":
			socket = kv["ActiveState"]
		}
	}
	if service != "active" && socket == "active" {
		service = "active" // socket activation: sshd starts on the first connection
	}
	p.f.Sshd.Service = service
}

func (p *parser) listeners() {
	var ls []Listener
	if s, ok := p.sec("listen_ss"); ok {
		ls = parseSS(s.Text())
	} else if s, ok := p.sec("listen_netstat"); ok {
		ls = parseNetstat(s.Text())
	} else if s, ok := p.sec("listen_proc"); ok {
		ls = parseProcNetTCP(s.Text())
	}
	ports := map[uint16]bool{}
	for _, v := range p.configValues("port") {
		if n, err := strconv.ParseUint(strings.TrimSpace(v), 10, 16); err == nil {
			ports[uint16(n)] = true
		}
	}
	if len(ports) == 0 {
		ports[22] = true
	}
	for _, l := range ls {
		if l.Process == "sshd" {
			p.f.Sshd.Listen = append(p.f.Sshd.Listen, l.Addr)
		}
		if ports[l.Addr.Port()] {
			p.f.Sshd.PortListeners = append(p.f.Sshd.PortListeners, l)
		}
	}
	if len(p.f.Sshd.Listen) > 0 {
		p.f.Sshd.Running = true
	}
}

// configValues returns sshd -T values, parsing the section on first use.
func (p *parser) configValues(key string) []string {
	if p.f.Sshd.Config == nil {
		s, _ := p.sec("sshd_T")
		p.f.Sshd.Config = parseSshdT(s)
	}
	return p.f.Sshd.Config[key]
}

// parseHostPort reads "0.0.0.0:22", "[::]:22", "*:22", ":::22", "127.0.0.53%lo:53".
func parseHostPort(s string) (netip.AddrPort, bool) {
	i := strings.LastIndexByte(s, ':')
	if i < 0 {
		return netip.AddrPort{}, false
	}
	host, port := s[:i], s[i+1:]
	n, err := strconv.ParseUint(port, 10, 16)
	if err != nil {
		return netip.AddrPort{}, false
	}
	host = strings.Trim(host, "[]")
	if j := strings.IndexByte(host, '%'); j >= 0 {
		host = host[:j]
	}
	var a netip.Addr
	switch host {
	case "*", "":
		a = netip.IPv6Unspecified()
	case "::":
		a = netip.IPv6Unspecified()
	default:
		a, err = netip.ParseAddr(host)
		if err != nil {
			return netip.AddrPort{}, false
		}
	}
	return netip.AddrPortFrom(a, uint16(n)), true
}

// parseSS reads `ss -ltnp`.
func parseSS(s string) []Listener {
	var out []Listener
	for _, l := range lines(s) {
		f := strings.Fields(l)
		if len(f) < 5 || f[0] != "LISTEN" {
			continue
		}
		ap, ok := parseHostPort(f[3])
		if !ok {
			continue
		}
		proc := ""
		if len(f) > 5 {
			if _, r, ok := strings.Cut(strings.Join(f[5:], " "), `(("`); ok {
				proc, _, _ = strings.Cut(r, `"`)
			}
		}
		out = append(out, Listener{Addr: ap, Process: proc})
	}
	return out
}

// parseNetstat reads `netstat -ltnp` (net-tools and BusyBox).
func parseNetstat(s string) []Listener {
	var out []Listener
	for _, l := range lines(s) {
		f := strings.Fields(l)
		if len(f) < 6 || !strings.HasPrefix(f[0], "tcp") || f[5] != "LISTEN" {
			continue
		}
		ap, ok := parseHostPort(f[3])
		if !ok {
			continue
		}
		proc := ""
		if len(f) > 6 {
			if _, r, ok := strings.Cut(f[6], "/"); ok {
				proc = strings.TrimSuffix(r, ":")
			}
		}
		out = append(out, Listener{Addr: ap, Process: proc})
	}
	return out
}

// parseProcNetTCP reads /proc/net/tcp and tcp6: addresses are hex, in
// 32-bit words of host (little-endian) byte order.
func parseProcNetTCP(s string) []Listener {
	var out []Listener
	for _, l := range lines(s) {
		f := strings.Fields(l)
		if len(f) < 4 || f[3] != "0A" {
			continue
		}
		h, port, ok := strings.Cut(f[1], ":")
		if !ok {
			continue
		}
		n, err := strconv.ParseUint(port, 16, 16)
		if err != nil {
			continue
		}
		raw, err := hex.DecodeString(h)
		if err != nil || (len(raw) != 4 && len(raw) != 16) {
			continue
		}
		for i := 0; i+4 <= len(raw); i += 4 {
			raw[i], raw[i+1], raw[i+2], raw[i+3] = raw[i+3], raw[i+2], raw[i+1], raw[i]
		}
		a, _ := netip.AddrFromSlice(raw)
		out = append(out, Listener{Addr: netip.AddrPortFrom(a, uint16(n))})
	}
	return out
}

func (p *parser) libwrap() {
	s, ok := p.sec("sshd_ldd")
	if !ok || s.Note() != "" || !s.Ended {
		return
	}
	text := s.Text()
	v := strings.Contains(text, "libwrap.so")
	if !v && s.RC != 0 && !strings.Contains(text, "not a dynamic executable") {
		return // ldd failed: unknown
	}
	p.f.Sshd.Libwrap = &v
}

// parseSshdT reads `sshd -T`: lower-case keyword, a space, the value. Lines
// of any other shape (errors, warnings) are skipped. Nil when it did not run.
func parseSshdT(s *section) map[string][]string {
	if s.Note() != "" || s.RC != 0 {
		return nil
	}
	text := s.Text()
	if i := strings.LastIndex(text, "== retry with -C\n"); i >= 0 {
		text = text[i+len("== retry with -C\n"):]
	}
	m := make(map[string][]string)
	for _, l := range lines(text) {
		k, v, ok := strings.Cut(l, " ")
		if !ok || k == "" || k != strings.ToLower(k) || !isKeyword(k) {
			continue
		}
		m[k] = append(m[k], strings.ToValidUTF8(v, "?"))
	}
	if len(m) == 0 {
		return nil
	}
	return m
}

func isKeyword(k string) bool {
	for i := 0; i < len(k); i++ {
		c := k[i]
		if (c < 'a' || c > 'z') && (c < '0' || c > '9') {
			return false
		}
	}
	return true
}

func (p *parser) sshdConfig() {
	f := p.f
	p.configValues("port")
	if s, ok := p.sec("sshd_t"); ok && s.Note() == "" && s.Ended {
		f.Sshd.ConfigTest = &ConfigTest{OK: s.RC == 0, Output: strings.ToValidUTF8(s.Text(), "?")}
	}
	st := p.status("sshd_T")
	if st == CoverageOK && f.Sshd.Config == nil {
		st = "error: sshd -T printed no configuration"
	}
	// sshd -t failing is a finding, not a gap in coverage.
	tst := p.status("sshd_t")
	if f.Sshd.ConfigTest != nil {
		tst = CoverageOK
	}
	f.Coverage[AreaConfig] = worst(st, tst)
}
