package firewall

import (
	"fmt"
	"net/netip"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// firewalld is the state shown by `firewall-cmd --state` and `--list-all`
// (for one or several zones). firewalld is a front end to nftables or
// iptables; this text is evaluated only when no lower-level dump exists.
type firewalld struct {
	running bool
	zones   []*fwZone
}

type fwZone struct {
	name                string
	isDefault, active   bool
	target              string
	interfaces, sources []string
	services            []string
	ports               []fwPort
	rich                []*richRule
}

type fwPort struct {
	text   string
	ranges []portRange
	proto  string
}

type richRule struct {
	text     string
	family   string
	priority int
	// source
	hasSrc, srcNot bool
	srcPrefix      netip.Prefix
	srcUnknown     bool // ipset or MAC: cannot be decided
	// what the rule is about; nil/empty means every packet
	service  string
	port     *fwPort
	protocol string
	other    bool // icmp-block, forward-port, masquerade: never an SSH packet's rule
	action   string
	reject   string // reject type
	limited  bool
}

var zoneHeader = regexp.MustCompile(`^(\S+)(?:\s+\(([^)]*)\))?\s*$`)

func parseFirewalld(s string) (*firewalld, error) {
	f := &firewalld{}
	var errs errorList
	sawState := false
	var z *fwZone
	inRich := false
	for i, raw := range strings.Split(s, "\n") {
		n := i + 1
		line := strings.TrimSpace(raw)
		if line == "" {
			continue
		}
		indented := raw[0] == ' ' || raw[0] == '\t'
		switch {
		case line == "running":
			f.running, sawState = true, true
			continue
		case line == "not running":
			f.running, sawState = false, true
			continue
		case !indented:
			m := zoneHeader.FindStringSubmatch(line)
			if m == nil {
				errs.add(n, "unrecognised line: %q", clip(line))
				continue
			}
			z = &fwZone{name: m[1], target: "default"}
			for _, flag := range strings.Split(m[2], ",") {
				switch strings.TrimSpace(flag) {
				case "default":
					z.isDefault = true
				case "active":
					z.active = true
				}
			}
			f.zones = append(f.zones, z)
			inRich = false
			continue
		}
		if z == nil {
			errs.add(n, "setting outside of a zone: %q", clip(line))
			continue
		}
		if inRich && strings.HasPrefix(line, "rule") {
			r, err := parseRichRule(line)
			if err != nil {
				errs.add(n, "%v", err)
			}
			if r != nil {
				z.rich = append(z.rich, r)
			}
			continue
		}
		key, val, ok := strings.Cut(line, ":")
		if !ok {
			errs.add(n, "unrecognised line: %q", clip(line))
			continue
		}
		inRich = false
		fields := strings.Fields(val)
		switch key {
		case "target":
			if len(fields) > 0 {
				z.target = fields[0]
			}
		case "interfaces":
			z.interfaces = fields
		case "sources":
			z.sources = fields
		case "services":
			z.services = fields
		case "ports":
			for _, p := range fields {
				if fp, ok := parseFwPort(p); ok {
					z.ports = append(z.ports, fp)
				} else {
					errs.add(n, "bad port %q", clip(p))
				}
			}
		case "rich rules":
			inRich = true
		}
	}
	if !sawState {
		f.running = len(f.zones) > 0
	}
	if f.running && len(f.zones) == 0 {
		errs.add(0, "firewalld is running but no zone was listed")
	}
	return f, stripLineZero(errs.err())
}

// parseFwPort parses "22/tcp" or "8000-8100/tcp".
func parseFwPort(s string) (fwPort, bool) {
	ports, proto, ok := strings.Cut(s, "/")
	if !ok {
		return fwPort{}, false
	}
	rs, ok := parsePortList(ports)
	return fwPort{text: s, ranges: rs, proto: proto}, ok
}

// parseRichRule parses a rich rule such as
// rule family="ipv4" source address="10.0.0.5" port port="22" protocol="tcp" reject type="tcp-reset".
func parseRichRule(line string) (*richRule, error) {
	toks, err := splitQuoted(line)
	if err != nil {
		return nil, fmt.Errorf("rich rule: %v", err)
	}
	r := &richRule{text: clip(line)}
	elem := ""
	for _, t := range toks {
		key, val, isAttr := strings.Cut(t.s, "=")
		if !isAttr {
			switch t.s {
			case "rule":
			case "NOT":
				if elem == "source" {
					r.srcNot = true
				}
			case "accept", "reject", "drop", "mark":
				r.action = t.s
			case "icmp-block", "icmp-type", "masquerade", "forward-port":
				r.other = true
			}
			if t.s != "NOT" && t.s != "rule" {
				elem = t.s
			}
			continue
		}
		switch {
		case key == "family":
			r.family = val
		case key == "priority":
			r.priority, _ = strconv.Atoi(val)
		case elem == "source" && key == "address":
			pf, ok := parsePrefix(val)
			if !ok {
				return r, fmt.Errorf("rich rule: bad source address %q", clip(val))
			}
			r.hasSrc, r.srcPrefix = true, pf
		case elem == "source":
			r.hasSrc, r.srcUnknown = true, true
		case elem == "service" && key == "name":
			r.service = val
		case elem == "port" && key == "port":
			if rs, ok := parsePortList(val); ok {
				r.port = &fwPort{text: val, ranges: rs, proto: "tcp"}
			}
		case elem == "port" && key == "protocol":
			if r.port != nil {
				r.port.proto = val
			}
		case elem == "protocol" && key == "value":
			r.protocol = val
		case elem == "reject" && key == "type":
			r.reject = val
		case elem == "limit" && key == "value":
			r.limited = true
		}
	}
	return r, nil
}

func (r *richRule) match(p Packet) result {
	switch {
	case r.other:
		return no
	case r.family == "ipv4" && !p.Src.Is4(), r.family == "ipv6" && !p.Src.Is6():
		return no
	case r.service != "":
		port, ok := wellKnownPorts[r.service]
		if !ok {
			return guessNo
		}
		if port != p.DPort {
			return no
		}
	case r.port != nil:
		if r.port.proto != "tcp" || !portsContain(r.port.ranges, p.DPort) {
			return no
		}
	case r.protocol != "":
		if r.protocol != "tcp" && r.protocol != "6" {
			return no
		}
	}
	out := yes
	if r.hasSrc {
		if r.srcUnknown {
			out = guessNo
		} else {
			out = boolResult(r.srcPrefix.Contains(p.Src))
		}
		if r.srcNot {
			out = out.not()
		}
	}
	if out.match && r.limited {
		out.sure = false
	}
	return out
}

// decide returns r's verdict when r matches p and has an action, and
// clears *certain when the match had to be guessed.
func (r *richRule) decide(p Packet, certain *bool) (Verdict, bool) {
	if r.action == "" || r.action == "mark" {
		return Verdict{}, false
	}
	m := r.match(p)
	if !m.sure {
		*certain = false
	}
	if !m.match {
		return Verdict{}, false
	}
	v := r.verdict()
	v.Certain = *certain
	return v, true
}

func (r *richRule) verdict() Verdict {
	v := Verdict{Backend: BackendFirewalld, Rule: r.text}
	switch r.action {
	case "accept":
		v.Action = Accept
	case "drop":
		v.Action = Drop
	case "reject":
		v.Action = Reject
		v.Reset = r.reject == "tcp-reset"
	}
	return v
}

// zoneFor picks the zone that handles p, as firewalld does: by source
// first, then by interface, then the default zone.
func (f *firewalld) zoneFor(p Packet) (*fwZone, bool) {
	for _, z := range f.zones {
		for _, s := range z.sources {
			if pf, ok := parsePrefix(s); ok && pf.Contains(p.Src) {
				return z, true
			}
		}
	}
	var withIface []*fwZone
	for _, z := range f.zones {
		for _, i := range z.interfaces {
			if p.InIface != "" && i == p.InIface {
				return z, true
			}
		}
		if len(z.interfaces) > 0 {
			withIface = append(withIface, z)
		}
	}
	if len(withIface) == 1 && p.InIface == "" {
		return withIface[0], true
	}
	for _, z := range f.zones {
		if z.isDefault {
			return z, len(withIface) <= 1
		}
	}
	if len(withIface) > 0 {
		return withIface[0], false
	}
	return f.zones[0], len(f.zones) == 1
}

// inbound evaluates p the way firewalld's generated rules would: established
// traffic and loopback first, then the zone's rich rules (deny before allow,
// by priority), services and ports, then the zone's target.
func (f *firewalld) inbound(p Packet) Verdict {
	if p.Established {
		return Verdict{Action: Accept, Backend: BackendFirewalld, Rule: "established connections (firewalld built-in)", Certain: true}
	}
	if p.Src.IsLoopback() {
		return Verdict{Action: Accept, Backend: BackendFirewalld, Rule: "loopback (firewalld built-in)", Certain: true}
	}
	if len(f.zones) == 0 {
		return Verdict{Action: Unknown, Backend: BackendFirewalld, Rule: "no zone listed"}
	}
	z, certain := f.zoneFor(p)
	rich := append([]*richRule(nil), z.rich...)
	// firewalld's chains per zone: pre (priority < 0), log, deny, allow,
	// post (priority > 0).
	rank := func(r *richRule) int {
		switch {
		case r.priority < 0:
			return 0
		case r.priority > 0:
			return 4
		case r.action == "drop" || r.action == "reject":
			return 2
		case r.action == "accept":
			return 3
		}
		return 1
	}
	sort.SliceStable(rich, func(i, j int) bool {
		a, b := rank(rich[i]), rank(rich[j])
		if a != b {
			return a < b
		}
		return rich[i].priority < rich[j].priority
	})
	for _, r := range rich {
		if rank(r) == 4 {
			break
		}
		if v, ok := r.decide(p, &certain); ok {
			return v
		}
	}
	for _, s := range z.services {
		if port, ok := wellKnownPorts[s]; ok && port == p.DPort {
			return Verdict{Action: Accept, Backend: BackendFirewalld, Rule: "zone " + z.name + ": service " + s, Certain: certain}
		}
	}
	for _, fp := range z.ports {
		if fp.proto == "tcp" && portsContain(fp.ranges, p.DPort) {
			return Verdict{Action: Accept, Backend: BackendFirewalld, Rule: "zone " + z.name + ": port " + fp.text, Certain: certain}
		}
	}
	for _, r := range rich {
		if rank(r) != 4 {
			continue
		}
		if v, ok := r.decide(p, &certain); ok {
			return v
		}
	}
	v := Verdict{Backend: BackendFirewalld, Certain: certain}
	switch strings.Trim(z.target, "%") {
	case "ACCEPT":
		v.Action = Accept
	case "DROP":
		v.Action = Drop
	default: // "default" and "%%REJECT%%" reject
		v.Action = Reject
	}
	v.Rule = "zone " + z.name + ": target " + z.target + " (" + string(v.Action) + ")"
	return v
}
