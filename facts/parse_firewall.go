package facts

import (
	"strconv"
	"strings"
)

func (p *parser) firewall() {
	fw := &p.f.Firewall
	raw := func(name string) string {
		s, ok := p.sec(name)
		if !ok || s.Note() != "" || s.RC != 0 {
			return ""
		}
		return strings.ToValidUTF8(s.Text(), "?")
	}
	fw.IptablesSave = raw("iptables_save")
	fw.Ip6tablesSave = raw("ip6tables_save")
	fw.NftJSON = raw("nft")
	fw.Ufw = raw("ufw")
	if s, ok := p.sec("firewalld"); ok && s.Note() == "" {
		fw.Firewalld = strings.ToValidUTF8(s.Text(), "?")
	}
	if s, ok := p.sec("iptables_v"); ok {
		switch t := s.Text(); {
		case strings.Contains(t, "(nf_tables)"):
			fw.IptablesMode = "nf_tables"
		case strings.Contains(t, "(legacy)"), strings.HasPrefix(t, "iptables v1.4"), strings.HasPrefix(t, "iptables v1.6"):
			fw.IptablesMode = "legacy"
		}
	}
	// A missing tool is fine when another shows the same rules: nft lists
	// iptables-nft rules, and firewalld/ufw only manage those backends.
	ipt := worst(p.status("iptables_save"), p.status("ip6tables_save"))
	nft := p.status("nft")
	var st string
	switch {
	case ipt == CoverageOK || nft == CoverageOK:
		st = CoverageOK
		if ipt != CoverageOK && !strings.HasPrefix(ipt, "error: iptables") {
			st = ipt // iptables rules exist but could not be read
		}
	default:
		st = ipt
	}
	if s, ok := p.sec("firewalld"); ok && s.Note() == "" && s.RC != 0 && s.RC != 252 {
		// 252 is firewall-cmd's NOT_RUNNING.
		st = worst(st, p.status("firewalld"))
	}
	if s, ok := p.sec("ufw"); ok && s.Note() == "" {
		st = worst(st, p.status("ufw"))
	}
	p.f.Coverage[AreaFirewall] = st
}

func (p *parser) wrappers() {
	w := &p.f.Wrappers
	read := func(name string) (string, bool) {
		s, ok := p.sec(name)
		if !ok || s.Note() != "" || !s.Ended || s.Truncated {
			return "", false
		}
		switch s.RC {
		case 0:
			return strings.ToValidUTF8(s.Text(), "?"), true
		case 2: // absent: the same as empty
			return "", true
		}
		return "", false
	}
	allow, okA := read("hosts_allow")
	deny, okD := read("hosts_deny")
	w.Allow, w.Deny, w.Read = allow, deny, okA && okD
	p.f.Coverage[AreaWrappers] = worst(p.status("hosts_allow", 2), p.status("hosts_deny", 2))
}

func (p *parser) fail2ban() {
	s, ok := p.sec("fail2ban")
	fb := &p.f.Fail2ban
	if !ok {
		p.f.Coverage[AreaFail2ban] = p.status("fail2ban")
		return
	}
	text := s.Text()
	switch note := s.Note(); {
	case strings.HasPrefix(note, "missing:"):
		p.f.Coverage[AreaFail2ban] = CoverageOK // not installed: nothing to ban
		return
	case note == "not_running":
		fb.Installed = true
		p.f.Coverage[AreaFail2ban] = CoverageOK // no server: nothing banned
		return
	case note != "":
		fb.Installed = true
		p.f.Coverage[AreaFail2ban] = p.status("fail2ban")
		return
	}
	fb.Installed = true
	if s.RC != 0 {
		if strings.Contains(text, "Is fail2ban running?") || strings.Contains(text, "fail2ban.sock") && !strings.Contains(text, "ermission denied") {
			p.f.Coverage[AreaFail2ban] = CoverageOK // installed, not running
		} else {
			p.f.Coverage[AreaFail2ban] = p.status("fail2ban")
		}
		return
	}
	fb.Running = true
	fb.Jails = parseJails(text)
	p.f.Coverage[AreaFail2ban] = p.status("fail2ban")
}

// parseJails reads the "Status for the jail: NAME" blocks of fail2ban-client.
func parseJails(text string) []Jail {
	var jails []Jail
	var cur *Jail
	for _, l := range lines(text) {
		if n, ok := strings.CutPrefix(l, "Status for the jail: "); ok {
			jails = append(jails, Jail{Name: strings.TrimSpace(n)})
			cur = &jails[len(jails)-1]
			continue
		}
		if cur == nil {
			continue
		}
		k, v, ok := strings.Cut(strings.TrimLeft(l, "|`- "), ":")
		if !ok {
			continue
		}
		v = strings.TrimSpace(v)
		n, _ := strconv.Atoi(v)
		switch strings.TrimSpace(k) {
		case "Currently failed":
			cur.CurrentlyFailed = n
		case "Total failed":
			cur.TotalFailed = n
		case "Currently banned":
			cur.CurrentlyBanned = n
		case "Total banned":
			cur.TotalBanned = n
		case "Banned IP list":
			for _, a := range strings.Fields(v) {
				if c := cleanAddr(a); c != "" {
					cur.Banned = append(cur.Banned, c)
				}
			}
		}
	}
	return jails
}
