package firewall

import (
	"errors"
	"fmt"
	"net/netip"
	"strings"
)

// iptables is the filter table of one iptables-save (or ip6tables-save) dump.
// Only the filter table decides what sshd receives, so the other tables are
// skipped.
type iptables struct {
	v6     bool
	chains map[string]*iptChain
	// sets holds ipset contents supplied by DefineIPSet.
	sets map[string][]netip.Prefix
}

type iptChain struct {
	name   string
	policy string // "ACCEPT", "DROP" for built-in chains; "" for user chains
	rules  []*iptRule
}

// iptOpt is one option of a rule, such as "! -s 10.0.0.0/8" or
// "-m conntrack --ctstate NEW".
type iptOpt struct {
	module string // the -m module the option belongs to; "" for core options
	neg    bool
	name   string // long form: "--source", "--dport", or "-m" for the module itself
	args   []string
}

type iptRule struct {
	text       string
	matches    []iptOpt
	target     string
	targetOpts []iptOpt
	isGoto     bool
}

// shortOpts maps core short options to their long names.
var shortOpts = map[string]string{
	"-s": "--source", "--src": "--source", "-d": "--destination", "--dst": "--destination",
	"-p": "--protocol", "-i": "--in-interface", "-o": "--out-interface",
	"-f": "--fragment", "-j": "--jump", "-g": "--goto", "-m": "--match",
}

var coreOpts = map[string]bool{
	"--source": true, "--destination": true, "--protocol": true, "--in-interface": true,
	"--out-interface": true, "--fragment": true,
}

const maxReportedErrors = 20

// errorList collects per-line parse errors, keeping the first few.
type errorList struct {
	errs    []error
	dropped int
}

func (l *errorList) add(line int, format string, args ...any) {
	if len(l.errs) >= maxReportedErrors {
		l.dropped++
		return
	}
	l.errs = append(l.errs, fmt.Errorf("line %d: %s", line, fmt.Sprintf(format, args...)))
}

func (l *errorList) err() error {
	if l.dropped > 0 {
		l.errs = append(l.errs, fmt.Errorf("and %d more errors", l.dropped))
	}
	return errors.Join(l.errs...)
}

// parseIptables parses iptables-save output. It keeps every rule it could
// read and reports the lines it could not.
func parseIptables(dump string, v6 bool) (*iptables, error) {
	t := &iptables{v6: v6, chains: map[string]*iptChain{}}
	var errs errorList
	table := ""
	sawFilter := false
	for i, line := range strings.Split(dump, "\n") {
		n := i + 1
		line = strings.TrimSpace(line)
		if line == "" || line[0] == '#' {
			continue
		}
		// iptables-save -c prefixes rules with "[packets:bytes]".
		if line[0] == '[' {
			if _, rest, ok := strings.Cut(line, "]"); ok {
				line = strings.TrimSpace(rest)
			}
			if line == "" {
				continue
			}
		}
		switch {
		case line[0] == '*':
			table = line[1:]
			if table == "filter" {
				sawFilter = true
			}
			continue
		case line == "COMMIT":
			table = ""
			continue
		}
		if table != "filter" {
			if table == "" {
				errs.add(n, "outside of a table: %q", clip(line))
			}
			continue
		}
		if line[0] == ':' {
			f := strings.Fields(line[1:])
			if len(f) == 0 {
				errs.add(n, "chain declaration without a name")
				continue
			}
			c := t.chain(f[0])
			if len(f) > 1 && f[1] != "-" {
				c.policy = strings.ToUpper(f[1])
			}
			continue
		}
		toks, err := splitQuoted(line)
		if err != nil {
			errs.add(n, "%v", err)
			continue
		}
		if len(toks) < 2 {
			errs.add(n, "unrecognised line: %q", clip(line))
			continue
		}
		switch toks[0].s {
		case "-A", "--append", "-I", "--insert":
			r, err := parseIptRule(line, toks[2:])
			if err != nil {
				errs.add(n, "%v", err)
				continue
			}
			c := t.chain(toks[1].s)
			if toks[0].s == "-I" || toks[0].s == "--insert" {
				c.rules = append([]*iptRule{r}, c.rules...)
			} else {
				c.rules = append(c.rules, r)
			}
		case "-N", "--new-chain":
			t.chain(toks[1].s)
		case "-P", "--policy":
			if len(toks) > 2 {
				t.chain(toks[1].s).policy = strings.ToUpper(toks[2].s)
			}
		default:
			errs.add(n, "unrecognised line: %q", clip(line))
		}
	}
	if !sawFilter && len(errs.errs) == 0 {
		// A dump of other tables only (nat, mangle) is valid: nothing filters.
		return t, nil
	}
	return t, errs.err()
}

func (t *iptables) chain(name string) *iptChain {
	c := t.chains[name]
	if c == nil {
		c = &iptChain{name: name}
		switch name {
		case "INPUT", "FORWARD", "OUTPUT":
			c.policy = "ACCEPT"
		}
		t.chains[name] = c
	}
	return c
}

// parseIptRule parses the options of one rule, after "-A CHAIN".
func parseIptRule(text string, toks []token) (*iptRule, error) {
	r := &iptRule{text: clip(text)}
	module := ""
	neg := false
	inTarget := false
	for i := 0; i < len(toks); {
		t := toks[i]
		if !t.quoted && t.s == "!" {
			neg = true
			i++
			continue
		}
		if t.quoted || !isOption(t.s) {
			return r, fmt.Errorf("unexpected %q in rule", clip(t.s))
		}
		name := t.s
		if long, ok := shortOpts[name]; ok {
			name = long
		}
		j := i + 1
		var args []string
		for j < len(toks) && (toks[j].quoted || (!isOption(toks[j].s) && toks[j].s != "!")) {
			args = append(args, toks[j].s)
			j++
		}
		// Old iptables printed negation after the option: "-s ! 10.0.0.1".
		if len(args) == 0 && j < len(toks) && toks[j].s == "!" && j+1 < len(toks) && !isOption(toks[j+1].s) {
			neg = !neg
			args = []string{toks[j+1].s}
			j += 2
		}
		i = j
		switch {
		case name == "--match":
			if len(args) == 0 {
				return r, errors.New("-m without a module")
			}
			module = args[0]
			r.matches = append(r.matches, iptOpt{module: module, name: "-m"})
		case name == "--jump" || name == "--goto":
			if len(args) == 0 {
				return r, fmt.Errorf("%s without a target", name)
			}
			r.target = args[0]
			r.isGoto = name == "--goto"
			inTarget = true
		case inTarget:
			r.targetOpts = append(r.targetOpts, iptOpt{name: name, args: args, neg: neg})
		case coreOpts[name]:
			r.matches = append(r.matches, iptOpt{name: name, args: args, neg: neg})
		default:
			r.matches = append(r.matches, iptOpt{module: module, name: name, args: args, neg: neg})
		}
		neg = false
	}
	return r, nil
}

// isOption reports whether an unquoted token is an option name.
func isOption(s string) bool {
	return len(s) >= 2 && s[0] == '-' && (s[1] == '-' || s[1] >= 'a' && s[1] <= 'z' || s[1] >= 'A' && s[1] <= 'Z')
}

func (t *iptables) empty() bool {
	for _, c := range t.chains {
		if len(c.rules) > 0 || (c.policy != "" && c.policy != "ACCEPT") {
			return false
		}
	}
	return true
}

func (t *iptables) backend() string {
	if t.v6 {
		return BackendIp6tables
	}
	return BackendIptables
}

// inbound runs p through the INPUT chain.
func (t *iptables) inbound(p Packet) Verdict {
	e := &iptEval{t: t, p: p, certain: true}
	c := t.chains["INPUT"]
	if c == nil {
		return Verdict{Action: Accept, Backend: t.backend(), Certain: true}
	}
	v, done := e.run(c, 0)
	if !done {
		v = Verdict{Action: policyAction(c.policy), Rule: "policy " + c.policy + " of chain INPUT"}
	}
	v.Backend = t.backend()
	v.Certain = e.certain
	return v
}

func policyAction(p string) Action {
	switch strings.ToUpper(p) {
	case "ACCEPT", "":
		return Accept
	case "DROP":
		return Drop
	case "REJECT":
		return Reject
	}
	return Unknown
}

// nonTerminating are targets after which the packet continues down the chain.
var nonTerminating = map[string]bool{
	"LOG": true, "NFLOG": true, "ULOG": true, "MARK": true, "CONNMARK": true, "CT": true,
	"TRACE": true, "AUDIT": true, "CLASSIFY": true, "DSCP": true, "TOS": true, "TCPMSS": true,
	"SET": true, "NOTRACK": true, "CHECKSUM": true, "SECMARK": true, "CONNSECMARK": true,
	"TEE": true, "IDLETIMER": true, "LED": true, "RATEEST": true, "HMARK": true, "TTL": true,
	"HL": true, "ECN": true, "TCPOPTSTRIP": true,
}

type iptEval struct {
	t       *iptables
	p       Packet
	steps   int
	certain bool
}

// run evaluates chain c. It reports whether a verdict was reached; false
// means the chain fell off its end or hit RETURN.
func (e *iptEval) run(c *iptChain, depth int) (Verdict, bool) {
	if depth > maxDepth {
		e.certain = false
		return Verdict{Action: Unknown, Rule: "jumps nested too deep at chain " + clip(c.name)}, true
	}
	for _, r := range c.rules {
		e.steps++
		if e.steps > maxSteps {
			e.certain = false
			return Verdict{Action: Unknown, Rule: "rule set too large to evaluate"}, true
		}
		res := e.match(r)
		decides := r.target != "" && !nonTerminating[r.target]
		if !res.sure && decides {
			e.certain = false
		}
		if !res.match {
			continue
		}
		switch r.target {
		case "", "LOG", "NFLOG", "ULOG":
			continue
		case "ACCEPT":
			return Verdict{Action: Accept, Rule: r.text}, true
		case "DROP":
			return Verdict{Action: Drop, Rule: r.text}, true
		case "TARPIT":
			return Verdict{Action: Drop, Rule: r.text}, true
		case "REJECT":
			reset := false
			for _, o := range r.targetOpts {
				if o.name == "--reject-with" && len(o.args) > 0 && o.args[0] == "tcp-reset" {
					reset = true
				}
			}
			return Verdict{Action: Reject, Rule: r.text, Reset: reset}, true
		case "RETURN":
			return Verdict{}, false
		case "QUEUE", "NFQUEUE":
			e.certain = false
			return Verdict{Action: Unknown, Rule: r.text}, true
		}
		if sub := e.t.chains[r.target]; sub != nil {
			if v, done := e.run(sub, depth+1); done {
				return v, true
			}
			if r.isGoto {
				return Verdict{}, false
			}
			continue
		}
		if !nonTerminating[r.target] {
			// A target we do not know: assume it lets the packet continue.
			e.certain = false
		}
	}
	return Verdict{}, false
}

// match evaluates every match of r.
func (e *iptEval) match(r *iptRule) result {
	ms := make([]result, len(r.matches))
	for i := range r.matches {
		ms[i] = e.matchOpt(&r.matches[i])
	}
	return all(ms)
}

func (e *iptEval) matchOpt(o *iptOpt) result {
	r := e.matchOptPositive(o)
	if o.neg {
		return r.not()
	}
	return r
}

func arg(o *iptOpt, i int) string {
	if i < len(o.args) {
		return o.args[i]
	}
	return ""
}

// matchOptPositive evaluates one option, ignoring its negation.
func (e *iptEval) matchOptPositive(o *iptOpt) result {
	p := e.p
	switch o.name {
	case "-m":
		switch o.module {
		case "rpfilter":
			// The source of an SSH client routes back the way it came.
			return yes
		case "tcp", "multiport", "conntrack", "state", "comment", "set", "recent", "limit",
			"hashlimit", "connlimit", "addrtype", "mark", "connmark", "pkttype", "iprange",
			"string", "icmp", "icmp6", "udp", "tcpmss", "length", "ttl", "hl":
			return yes
		}
		return guessYes
	case "--source":
		return e.addrMatch(arg(o, 0))
	case "--destination":
		any := no
		for _, s := range strings.Split(arg(o, 0), ",") {
			pf, ok := parsePrefix(s)
			if !ok {
				return guessYes
			}
			if d := destinationMatch(pf); d.match {
				any = d
			}
		}
		return any
	case "--protocol":
		switch strings.ToLower(arg(o, 0)) {
		case "tcp", "6", "all", "0":
			return yes
		}
		return no
	case "--in-interface":
		return ifaceMatch(p, arg(o, 0))
	case "--out-interface", "--fragment":
		return no
	case "--dport", "--destination-port", "--dports", "--destination-ports":
		rs, ok := parsePortList(arg(o, 0))
		if !ok {
			return guessYes
		}
		return boolResult(portsContain(rs, p.DPort))
	case "--sport", "--source-port", "--sports", "--source-ports":
		rs, ok := parsePortList(arg(o, 0))
		if !ok {
			return guessYes
		}
		return sourcePortMatch(rs)
	case "--ports":
		rs, ok := parsePortList(arg(o, 0))
		if !ok {
			return guessYes
		}
		if portsContain(rs, p.DPort) {
			return yes
		}
		return sourcePortMatch(rs)
	case "--syn":
		return boolResult(!p.Established)
	case "--tcp-flags":
		return tcpFlagsMatch(p, arg(o, 0), arg(o, 1))
	case "--ctstate", "--state":
		return stateMatch(p, arg(o, 0))
	case "--ctproto":
		return boolResult(strings.EqualFold(arg(o, 0), "tcp") || arg(o, 0) == "6")
	case "--match-set":
		return e.setMatch(arg(o, 0), arg(o, 1))
	case "--src-range":
		rg, ok := parseAddrRange(arg(o, 0))
		if !ok {
			return guessYes
		}
		return boolResult(rg.contains(p.Src))
	case "--dst-type":
		return addrTypeMatch(arg(o, 0), "LOCAL", "UNICAST")
	case "--src-type":
		if p.Src.IsLoopback() {
			return addrTypeMatch(arg(o, 0), "LOCAL", "UNICAST")
		}
		return addrTypeMatch(arg(o, 0), "UNICAST")
	case "--pkt-type":
		return boolResult(strings.EqualFold(arg(o, 0), "unicast") || strings.EqualFold(arg(o, 0), "host"))
	case "--icmp-type", "--icmpv6-type":
		return no
	case "--comment", "--limit-burst", "--name", "--seconds", "--hitcount", "--rsource",
		"--rdest", "--mask", "--reap", "--rttl", "--hashlimit-name", "--hashlimit-mode",
		"--hashlimit-burst", "--hashlimit-htable-expire", "--hashlimit-srcmask",
		"--hashlimit-dstmask", "--hashlimit-htable-size", "--hashlimit-htable-max",
		"--hashlimit-htable-gcinterval", "--connlimit-mask", "--connlimit-saddr",
		"--connlimit-daddr", "--algo", "--from", "--to", "--icase", "--limit-iface-in",
		"--limit-iface-out", "--return-nomatch", "--exist", "--invert":
		if o.name == "--invert" && o.module == "rpfilter" {
			return no
		}
		return yes
	case "--set":
		if o.module == "recent" {
			return yes // --set adds the source and always matches
		}
	case "--rcheck", "--update", "--remove":
		// A single audit connection is not on a rate-limit list.
		return guessNo
	case "--limit", "--hashlimit-upto", "--hashlimit", "--connlimit-upto":
		return guessYes
	case "--hashlimit-above", "--connlimit-above", "--string", "--hex-string":
		return guessNo
	case "--mark":
		if v, _, _ := strings.Cut(arg(o, 0), "/"); v == "0" || v == "0x0" {
			return guessYes
		}
		return guessNo
	}
	return guessYes
}

// addrMatch matches the source against a comma separated list of prefixes.
func (e *iptEval) addrMatch(list string) result {
	for _, s := range strings.Split(list, ",") {
		pf, ok := parsePrefix(s)
		if !ok {
			return guessNo
		}
		if pf.Contains(e.p.Src) {
			return yes
		}
	}
	return no
}

func (e *iptEval) setMatch(name, flags string) result {
	members, ok := e.t.sets[name]
	if !ok {
		// Sets named in rules are mostly block lists; an arbitrary source is
		// most likely not in one.
		return guessNo
	}
	if f, _, _ := strings.Cut(flags, ","); f != "src" {
		return guessNo
	}
	for _, m := range members {
		if m.Contains(e.p.Src) {
			return yes
		}
	}
	return no
}

// stateMatch matches the packet's conntrack state against a list such as
// "RELATED,ESTABLISHED".
func stateMatch(p Packet, list string) result {
	want := "NEW"
	if p.Established {
		want = "ESTABLISHED"
	}
	for _, s := range strings.Split(list, ",") {
		if strings.EqualFold(strings.TrimSpace(s), want) {
			return yes
		}
	}
	return no
}

func addrTypeMatch(list string, types ...string) result {
	for _, s := range strings.Split(list, ",") {
		for _, t := range types {
			if strings.EqualFold(s, t) {
				return yes
			}
		}
	}
	return no
}

// tcpFlags returns the flags of the packet: a SYN for a new connection, an
// ACK (possibly with PSH) afterwards.
func tcpFlagsMatch(p Packet, mask, comp string) result {
	parse := func(s string) map[string]bool {
		m := map[string]bool{}
		for _, f := range strings.Split(strings.ToUpper(s), ",") {
			switch f {
			case "ALL":
				for _, a := range []string{"FIN", "SYN", "RST", "PSH", "ACK", "URG"} {
					m[a] = true
				}
			case "NONE", "":
			default:
				m[f] = true
			}
		}
		return m
	}
	mk, cp := parse(mask), parse(comp)
	set := map[string]bool{"SYN": !p.Established, "ACK": p.Established}
	for f := range mk {
		if set[f] != cp[f] {
			return no
		}
	}
	for f := range cp {
		if !mk[f] {
			return no
		}
	}
	if p.Established && mk["PSH"] {
		return guessYes
	}
	return yes
}

// token is one word of an iptables-save line.
type token struct {
	s      string
	quoted bool
}

// splitQuoted splits a line into words, honouring the double quotes and
// backslash escapes iptables-save uses around comments and log prefixes.
func splitQuoted(s string) ([]token, error) {
	var toks []token
	var cur strings.Builder
	inWord, quoted, inQuote := false, false, false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case inQuote && c == '\\' && i+1 < len(s):
			i++
			cur.WriteByte(s[i])
		case c == '"':
			inQuote = !inQuote
			inWord, quoted = true, true
		case !inQuote && (c == ' ' || c == '\t'):
			if inWord {
				toks = append(toks, token{cur.String(), quoted})
				cur.Reset()
				inWord, quoted = false, false
			}
		default:
			cur.WriteByte(c)
			inWord = true
		}
	}
	if inQuote {
		return toks, errors.New("unterminated quote")
	}
	if inWord {
		toks = append(toks, token{cur.String(), quoted})
	}
	return toks, nil
}

// DefineIPSet tells the evaluator the members of an ipset, so that
// "-m set --match-set name src" can be decided instead of guessed (for
// example, fail2ban's banned addresses for its f2b-* sets).
func (r *Ruleset) DefineIPSet(name string, members []netip.Prefix) {
	for _, t := range []*iptables{r.ipt4, r.ipt6} {
		if t == nil {
			continue
		}
		if t.sets == nil {
			t.sets = map[string][]netip.Prefix{}
		}
		t.sets[name] = append([]netip.Prefix(nil), members...)
	}
}
