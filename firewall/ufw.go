package firewall

import (
	"net/netip"
	"regexp"
	"strings"
)

// ufw is the state shown by `ufw status verbose`. ufw is a front end to
// iptables; this text is evaluated only when no iptables or nft dump exists.
type ufw struct {
	active bool
	// incoming is the default incoming policy ("deny", "reject", "allow"),
	// "" when the output did not show it (plain `ufw status`).
	incoming string
	rules    []ufwRule
}

type ufwRule struct {
	text     string
	action   string // ALLOW, DENY, REJECT, LIMIT
	dir      string // IN, OUT, FWD
	to, from ufwEnd
}

// ufwEnd is the "To" or "From" column of a rule.
type ufwEnd struct {
	anyAddr bool
	prefix  netip.Prefix
	ports   []portRange // nil: every port
	proto   string      // "tcp", "udp" or "" for both
	app     string      // application profile, when ports came from one
	appOK   bool        // the profile's ports are known
	v6      bool
	iface   string
}

var (
	ufwRuleLine = regexp.MustCompile(`^(.*?)\s+(ALLOW|DENY|REJECT|LIMIT)(?:\s+(IN|OUT|FWD))?\s+(.*?)\s*$`)
	ufwDefault  = regexp.MustCompile(`(\w+) \(incoming\)`)
)

// ufwApps are the ports of the application profiles that concern SSH.
var ufwApps = map[string][]portRange{
	"OpenSSH": {{22, 22}}, "SSH": {{22, 22}},
	"Nginx Full": {{80, 80}, {443, 443}}, "Nginx HTTP": {{80, 80}}, "Nginx HTTPS": {{443, 443}},
	"Apache": {{80, 80}}, "Apache Full": {{80, 80}, {443, 443}}, "Apache Secure": {{443, 443}},
}

func parseUfw(s string) (*ufw, error) {
	u := &ufw{}
	var errs errorList
	sawStatus, inTable := false, false
	for i, raw := range strings.Split(s, "\n") {
		n := i + 1
		line := strings.TrimSpace(raw)
		switch {
		case line == "":
			continue
		case strings.HasPrefix(line, "Status:"):
			sawStatus = true
			u.active = strings.TrimSpace(strings.TrimPrefix(line, "Status:")) == "active"
			continue
		case strings.HasPrefix(line, "Default:"):
			if m := ufwDefault.FindStringSubmatch(line); m != nil {
				u.incoming = m[1]
			}
			continue
		case strings.HasPrefix(line, "--"):
			inTable = true
			continue
		case !inTable:
			continue // Logging:, New profiles:, the column titles
		}
		m := ufwRuleLine.FindStringSubmatch(line)
		if m == nil {
			errs.add(n, "unrecognised rule: %q", clip(line))
			continue
		}
		from, _, _ := strings.Cut(m[4], " #") // a rule's comment
		r := ufwRule{text: clip(line), action: m[2], dir: m[3], to: parseUfwEnd(m[1]), from: parseUfwEnd(from)}
		if r.dir == "" {
			r.dir = "IN"
		}
		u.rules = append(u.rules, r)
	}
	if !sawStatus {
		u.active = len(u.rules) > 0
	}
	return u, errs.err()
}

// parseUfwEnd parses "Anywhere", "22/tcp", "10.0.0.0/8 22/tcp",
// "Anywhere (v6)", "OpenSSH", "Anywhere on eth0" and the like.
func parseUfwEnd(s string) ufwEnd {
	var e ufwEnd
	if strings.Contains(s, "(v6)") {
		e.v6 = true
		s = strings.ReplaceAll(s, "(v6)", "")
	}
	if rest, iface, ok := strings.Cut(s, " on "); ok {
		s, e.iface = rest, strings.TrimSpace(iface)
	}
	s = strings.TrimSpace(s)
	first, rest, _ := strings.Cut(s, " ")
	switch pf, ok := parsePrefix(first); {
	case first == "Anywhere":
		e.anyAddr = true
		s = strings.TrimSpace(rest)
	case ok:
		e.prefix = pf
		s = strings.TrimSpace(rest)
	default:
		e.anyAddr = true
	}
	if s == "" {
		return e
	}
	ports, proto, _ := strings.Cut(s, "/")
	if rs, ok := parsePortList(ports); ok {
		e.ports, e.proto = rs, proto
		return e
	}
	e.app = s
	e.ports, e.appOK = ufwApps[s]
	e.proto = "tcp"
	return e
}

// appliesTo reports whether r applies to IPv6 (true) or IPv4 (false) sources:
// ufw lists the IPv6 twin of each rule separately, marked (v6).
func (r *ufwRule) appliesTo(src netip.Addr) bool {
	switch {
	case r.to.v6 || r.from.v6:
		return src.Is6()
	case !r.from.anyAddr:
		return r.from.prefix.Addr().Is4() == src.Is4()
	case !r.to.anyAddr:
		return r.to.prefix.Addr().Is4() == src.Is4()
	}
	return src.Is4()
}

func (r *ufwRule) match(p Packet) result {
	if r.dir != "IN" || !r.appliesTo(p.Src) {
		return no
	}
	if r.to.proto != "" && r.to.proto != "tcp" {
		return no
	}
	var ms []result
	and := func(m result) { ms = append(ms, m) }
	if r.to.app != "" && !r.to.appOK {
		and(guessNo)
	} else if r.to.ports != nil {
		and(boolResult(portsContain(r.to.ports, p.DPort)))
	}
	if !r.from.anyAddr {
		and(boolResult(r.from.prefix.Contains(p.Src)))
	}
	if !r.to.anyAddr {
		and(destinationMatch(r.to.prefix))
	}
	if r.from.ports != nil {
		and(sourcePortMatch(r.from.ports))
	}
	if r.to.iface != "" {
		and(ifaceMatch(p, r.to.iface))
	}
	return all(ms)
}

// inbound evaluates p as ufw's chains would: loopback and established
// traffic are accepted first (ufw's before rules), then user rules in order,
// then the default incoming policy.
func (u *ufw) inbound(p Packet) Verdict {
	v := Verdict{Backend: BackendUfw, Certain: true}
	if p.Established || p.Src.IsLoopback() {
		v.Action, v.Rule = Accept, "established and loopback traffic (ufw before rules)"
		return v
	}
	for _, r := range u.rules {
		m := r.match(p)
		if !m.sure {
			v.Certain = false
		}
		if !m.match {
			continue
		}
		v.Rule = r.text
		switch r.action {
		case "ALLOW":
			v.Action = Accept
		case "LIMIT":
			// Accepted unless the source opened 6 connections in 30 s.
			v.Action, v.Certain = Accept, false
		case "DENY":
			v.Action = Drop
		case "REJECT":
			v.Action = Reject
		}
		return v
	}
	v.Rule = "default " + u.incoming + " (incoming)"
	switch u.incoming {
	case "allow":
		v.Action = Accept
	case "reject":
		v.Action = Reject
	case "deny":
		v.Action = Drop
	default:
		v.Action, v.Certain, v.Rule = Drop, false, "default incoming policy not shown (ufw's default is deny)"
	}
	return v
}
