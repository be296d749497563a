package firewall

import (
	"net/netip"
	"slices"
	"strconv"
	"strings"
)

// inbound runs p through every filter base chain on its path. ok is false
// when no such chain exists for p's family.
func (n *nftRuleset) inbound(p Packet) (v Verdict, ok bool) {
	chains := n.baseChains(p)
	if len(chains) == 0 {
		return Verdict{}, false
	}
	e := &nftEval{n: n, p: p, certain: true}
	// When every chain accepts, report the first accept that a rule (rather
	// than a policy) gave: it is the one that let SSH in.
	var first Verdict
	byRule := false
	for i, c := range chains {
		v, done := e.run(c, 0)
		v.Backend = BackendNftables
		if done && !byRule && v.Action == Accept {
			first, byRule = v, true
		}
		if !done {
			v = Verdict{
				Action:  policyAction(c.policy),
				Backend: BackendNftables,
				Rule:    "policy " + c.policy + " of chain " + c.key.name + " (table " + c.key.family + " " + c.key.table + ")",
			}
		}
		v.Certain = e.certain
		// An accept ends this base chain only; the next one still sees the
		// packet. Anything else is final.
		if v.Action != Accept {
			return v, true
		}
		if i == 0 && !byRule {
			first = v
		}
	}
	first.Certain = e.certain
	return first, true
}

type nftEval struct {
	n       *nftRuleset
	p       Packet
	steps   int
	certain bool
}

// flow says how evaluation continues after a rule.
type flow int

const (
	flowNext    flow = iota // next rule
	flowVerdict             // the packet's fate is decided
	flowReturn              // back to the calling chain
)

func (e *nftEval) run(c *nftChain, depth int) (Verdict, bool) {
	if depth > maxDepth {
		e.certain = false
		return Verdict{Action: Unknown, Rule: "jumps nested too deep at chain " + clip(c.key.name)}, true
	}
	for _, r := range c.rules {
		e.steps++
		if e.steps > maxSteps {
			e.certain = false
			return Verdict{Action: Unknown, Rule: "rule set too large to evaluate"}, true
		}
		v, f := e.rule(c, r, depth)
		switch f {
		case flowVerdict:
			return v, true
		case flowReturn:
			return Verdict{}, false
		}
	}
	return Verdict{}, false
}

// rule evaluates the statements of r in order.
func (e *nftEval) rule(c *nftChain, r *nftRule, depth int) (Verdict, flow) {
	sure := true
	// test records the outcome of a match-like statement and reports
	// whether evaluation goes on.
	test := func(res result) bool {
		if !res.sure {
			sure = false
		}
		if !res.match && !sure && r.decides {
			e.certain = false
		}
		return res.match
	}
	for _, st := range r.stmts {
		kind, val := stmtKind(st)
		switch kind {
		case "match":
			m, _ := val.(map[string]any)
			if !test(e.match(c, m)) {
				return Verdict{}, flowNext
			}
		case "limit", "quota", "ct count":
			if !test(rateGuess(val)) {
				return Verdict{}, flowNext
			}
		case "meter":
			m, _ := val.(map[string]any)
			_, inner := stmtKind(m["stmt"])
			if !test(rateGuess(inner)) {
				return Verdict{}, flowNext
			}
		case "vmap":
			m, _ := val.(map[string]any)
			verdict, res := e.vmapLookup(c, m)
			if !test(res) {
				return Verdict{}, flowNext
			}
			return e.verdict(c, r, verdict, sure, depth)
		case "xt":
			m, _ := val.(map[string]any)
			if t, _ := m["type"].(string); t == "target" {
				name, _ := m["name"].(string)
				return e.xtTarget(r, name, sure)
			}
			// An iptables-nft match nft cannot show: its outcome is unknown.
			test(guessYes)
		case "accept", "drop", "reject", "jump", "goto", "return", "continue", "queue":
			return e.verdict(c, r, st, sure, depth)
		case "counter", "log", "set", "mangle", "notrack", "dnat", "snat", "masquerade",
			"redirect", "tproxy", "dup", "fwd", "flow", "secmark", "ct helper", "ct timeout",
			"ct expectation", "synproxy", "comment":
			// No influence on whether the packet is accepted.
		default:
			sure = false
		}
	}
	return Verdict{}, flowNext
}

// verdict applies a verdict statement reached with every match of r true.
func (e *nftEval) verdict(c *nftChain, r *nftRule, st any, sure bool, depth int) (Verdict, flow) {
	if !sure {
		e.certain = false
	}
	kind, val := stmtKind(st)
	rule := "table " + c.key.family + " " + c.key.table + " chain " + c.key.name + ": " + r.text
	switch kind {
	case "accept":
		return Verdict{Action: Accept, Rule: rule}, flowVerdict
	case "drop":
		return Verdict{Action: Drop, Rule: rule}, flowVerdict
	case "reject":
		m, _ := val.(map[string]any)
		t, _ := m["type"].(string)
		return Verdict{Action: Reject, Rule: rule, Reset: t == "tcp reset"}, flowVerdict
	case "queue":
		e.certain = false
		return Verdict{Action: Unknown, Rule: rule}, flowVerdict
	case "return":
		return Verdict{}, flowReturn
	case "jump", "goto":
		m, _ := val.(map[string]any)
		target, _ := m["target"].(string)
		sub := e.n.chains[nftKey{c.key.family, c.key.table, target}]
		if sub == nil {
			e.certain = false
			return Verdict{}, flowNext
		}
		if v, done := e.run(sub, depth+1); done {
			return v, flowVerdict
		}
		if kind == "goto" {
			return Verdict{}, flowReturn
		}
		return Verdict{}, flowNext
	}
	// "continue", or a verdict we do not know.
	return Verdict{}, flowNext
}

// xtTarget applies an iptables target shown by nft as an opaque xt statement.
func (e *nftEval) xtTarget(r *nftRule, name string, sure bool) (Verdict, flow) {
	if !sure {
		e.certain = false
	}
	switch name {
	case "ACCEPT":
		return Verdict{Action: Accept, Rule: r.text}, flowVerdict
	case "DROP":
		return Verdict{Action: Drop, Rule: r.text}, flowVerdict
	case "REJECT":
		// The reject type is not shown.
		e.certain = false
		return Verdict{Action: Reject, Rule: r.text}, flowVerdict
	}
	if !nonTerminating[name] {
		e.certain = false
	}
	return Verdict{}, flowNext
}

// rateGuess guesses limit, quota and ct count statements: a single
// connection is under the limit, so "rate over" and "count over" do not match.
func rateGuess(v any) result {
	m, _ := v.(map[string]any)
	if inv, _ := m["inv"].(bool); inv {
		return guessNo
	}
	return guessYes
}

// vmapLookup finds the verdict that a verdict map gives the packet.
func (e *nftEval) vmapLookup(c *nftChain, m map[string]any) (any, result) {
	key := e.value(m["key"], 0)
	switch key.kind {
	case vAbsent:
		return nil, no
	case vUnknown:
		return nil, guessNo
	}
	var pairs []any
	switch d := m["data"].(type) {
	case string:
		if set := e.n.sets[nftKey{c.key.family, c.key.table, strings.TrimPrefix(d, "@")}]; set != nil {
			pairs = set.elems
		}
	case map[string]any:
		pairs, _ = d["set"].([]any)
	}
	var guess any
	unsure := false
	for _, p := range pairs {
		kv, _ := p.([]any)
		if len(kv) != 2 {
			continue
		}
		res := e.elemMatch(c, key, kv[0], 0)
		if res == yes {
			return kv[1], yes
		}
		if res.match && guess == nil {
			guess = kv[1]
		}
		unsure = unsure || !res.sure
	}
	switch {
	case guess != nil:
		return guess, guessYes
	case unsure:
		return nil, guessNo
	}
	return nil, no
}

// vkind is the kind of a packet field as seen by an nft expression.
type vkind int

const (
	vUnknown vkind = iota // cannot be known from the dump: guessed
	vAbsent               // the packet has no such field (ip saddr of an IPv6 packet)
	vAddr
	vDst // the destination: one of the host's addresses
	vInt
	vSport // the client's ephemeral source port
	vProto
	vStr
	vIface
	vFlags
	vBool
)

type nval struct {
	kind  vkind
	addr  netip.Addr
	n     int
	s     string
	flags []string
	b     bool
}

// value evaluates a left-hand expression against the packet.
func (e *nftEval) value(x any, depth int) nval {
	p := e.p
	m, ok := x.(map[string]any)
	if !ok || depth > 8 {
		return nval{}
	}
	kind, inner := stmtKind(m)
	args, _ := inner.(map[string]any)
	key, _ := args["key"].(string)
	switch kind {
	case "payload":
		proto, _ := args["protocol"].(string)
		field, _ := args["field"].(string)
		return payloadValue(p, proto, field)
	case "meta":
		switch key {
		case "l4proto":
			return nval{kind: vProto}
		case "nfproto":
			if p.Src.Is4() {
				return nval{kind: vStr, s: "ipv4"}
			}
			return nval{kind: vStr, s: "ipv6"}
		case "protocol":
			if p.Src.Is4() {
				return nval{kind: vStr, s: "ip"}
			}
			return nval{kind: vStr, s: "ip6"}
		case "iifname", "iif":
			return nval{kind: vIface}
		case "oifname", "oif":
			return nval{kind: vAbsent}
		case "pkttype":
			return nval{kind: vStr, s: "host"}
		}
	case "ct":
		switch key {
		case "state":
			if p.Established {
				return nval{kind: vFlags, flags: []string{"established"}}
			}
			return nval{kind: vFlags, flags: []string{"new"}}
		case "status":
			if p.Established {
				return nval{kind: vFlags, flags: []string{"seen-reply", "assured", "confirmed"}}
			}
			return nval{kind: vFlags}
		case "direction":
			return nval{kind: vStr, s: "original"}
		case "l3proto":
			return e.value(map[string]any{"meta": map[string]any{"key": "nfproto"}}, depth+1)
		case "protocol":
			return nval{kind: vProto}
		}
	case "fib":
		result, _ := args["result"].(string)
		flags, _ := args["flags"].([]any)
		switch result {
		case "oif", "oifname":
			// The client's address routes back: reverse-path checks pass.
			return nval{kind: vBool, b: true}
		case "type":
			for _, f := range flags {
				if f == "daddr" {
					return nval{kind: vStr, s: "local"}
				}
			}
			return nval{kind: vStr, s: "unicast"}
		}
	case "&":
		ops, _ := inner.([]any)
		if len(ops) != 2 {
			return nval{}
		}
		v := e.value(ops[0], depth+1)
		if v.kind != vFlags {
			return nval{}
		}
		mask := flagList(ops[1])
		var out []string
		for _, f := range v.flags {
			for _, mk := range mask {
				if f == mk {
					out = append(out, f)
				}
			}
		}
		return nval{kind: vFlags, flags: out}
	}
	return nval{}
}

func payloadValue(p Packet, proto, field string) nval {
	switch proto {
	case "ip", "ip6":
		if (proto == "ip") != p.Src.Is4() {
			return nval{kind: vAbsent}
		}
		switch field {
		case "saddr":
			return nval{kind: vAddr, addr: p.Src}
		case "daddr":
			return nval{kind: vDst}
		case "protocol", "nexthdr":
			return nval{kind: vProto}
		}
	case "tcp", "th":
		switch field {
		case "dport":
			return nval{kind: vInt, n: p.DPort}
		case "sport":
			return nval{kind: vSport}
		case "flags":
			if p.Established {
				return nval{kind: vFlags, flags: []string{"ack"}}
			}
			return nval{kind: vFlags, flags: []string{"syn"}}
		}
	case "udp", "udplite", "sctp", "dccp", "icmp", "icmpv6", "igmp", "esp", "ah", "comp":
		return nval{kind: vAbsent}
	}
	return nval{}
}

// flagList returns the flag names of a mask or flag list expression.
func flagList(x any) []string {
	switch v := x.(type) {
	case string:
		return []string{v}
	case []any:
		var out []string
		for _, f := range v {
			if s, ok := f.(string); ok {
				out = append(out, s)
			}
		}
		return out
	case map[string]any:
		if s, ok := v["set"]; ok {
			return flagList(s)
		}
		if ops, ok := v["|"].([]any); ok {
			return flagList(ops)
		}
	}
	return nil
}

// match evaluates a {"match": {"op", "left", "right"}} statement.
func (e *nftEval) match(c *nftChain, m map[string]any) result {
	op, _ := m["op"].(string)
	left := e.value(m["left"], 0)
	switch left.kind {
	case vUnknown:
		return guessYes
	case vAbsent:
		// nft adds an implicit protocol dependency: no match either way.
		return no
	}
	if left.kind == vFlags {
		return flagsMatch(left.flags, op, m["right"])
	}
	res := e.elemMatch(c, left, m["right"], 0)
	switch op {
	case "==", "in", "":
		return res
	case "!=":
		return res.not()
	case "<", ">", "<=", ">=", "lt", "gt", "le", "ge":
		return compareOrdered(left, op, m["right"])
	}
	return guessYes
}

func flagsMatch(have []string, op string, right any) result {
	want := flagList(right)
	if n, ok := right.(float64); ok && n == 0 {
		want = nil
	}
	inter := false
	for _, h := range have {
		for _, w := range want {
			if h == w {
				inter = true
			}
		}
	}
	switch op {
	case "!=":
		if len(want) == 0 {
			return boolResult(len(have) != 0)
		}
		return boolResult(!inter)
	case "==":
		if len(want) == 0 {
			return boolResult(len(have) == 0)
		}
	}
	return boolResult(inter)
}

func compareOrdered(left nval, op string, right any) result {
	n, ok := right.(float64)
	if left.kind != vInt || !ok {
		return guessYes
	}
	a, b := left.n, int(n)
	switch op {
	case "<", "lt":
		return boolResult(a < b)
	case ">", "gt":
		return boolResult(a > b)
	case "<=", "le":
		return boolResult(a <= b)
	}
	return boolResult(a >= b)
}

// elemMatch reports whether the packet value v is right, or in right when
// right is a set, prefix or range. Named sets are looked up in c's table.
func (e *nftEval) elemMatch(c *nftChain, v nval, right any, depth int) result {
	if depth > 8 {
		return guessNo
	}
	switch r := right.(type) {
	case string:
		if name, ok := strings.CutPrefix(r, "@"); ok {
			set := e.n.sets[nftKey{c.key.family, c.key.table, name}]
			if set == nil {
				return guessNo
			}
			return e.anyOf(c, v, set.elems, depth+1)
		}
		return e.scalarMatch(v, r)
	case float64:
		return e.numMatch(v, r)
	case bool:
		if v.kind == vBool {
			return boolResult(v.b == r)
		}
	case []any:
		return e.anyOf(c, v, r, depth+1)
	case map[string]any:
		kind, inner := stmtKind(r)
		switch kind {
		case "set":
			list, _ := inner.([]any)
			return e.anyOf(c, v, list, depth+1)
		case "elem":
			m, _ := inner.(map[string]any)
			return e.elemMatch(c, v, m["val"], depth+1)
		case "prefix":
			m, _ := inner.(map[string]any)
			addr, _ := m["addr"].(string)
			bits, _ := m["len"].(float64)
			pf, ok := parsePrefix(addr + "/" + strconv.Itoa(int(bits)))
			if !ok {
				return guessNo
			}
			switch v.kind {
			case vAddr:
				return boolResult(pf.Contains(v.addr))
			case vDst:
				return destinationMatch(pf)
			}
		case "range":
			ends, _ := inner.([]any)
			if len(ends) == 2 {
				return e.rangeMatch(v, ends[0], ends[1])
			}
		}
	}
	return guessNo
}

// anyOf matches v against the elements of a set: the best outcome wins.
func (e *nftEval) anyOf(c *nftChain, v nval, elems []any, depth int) result {
	best := no
	for _, el := range elems {
		r := e.elemMatch(c, v, el, depth)
		switch {
		case r == yes:
			return yes
		case r == guessYes:
			best = guessYes
		case r == guessNo && best == no:
			best = guessNo
		}
	}
	return best
}

func (e *nftEval) scalarMatch(v nval, s string) result {
	switch v.kind {
	case vAddr, vDst:
		pf, ok := parsePrefix(s)
		if !ok {
			return guessNo
		}
		if v.kind == vDst {
			return destinationMatch(pf)
		}
		return boolResult(pf.Contains(v.addr))
	case vInt:
		if n, ok := parsePort(s); ok {
			return boolResult(n == v.n)
		}
	case vSport:
		if n, ok := parsePort(s); ok {
			return sourcePortMatch([]portRange{{n, n}})
		}
	case vProto:
		return boolResult(s == "tcp" || s == "6")
	case vStr:
		return boolResult(strings.EqualFold(s, v.s))
	case vIface:
		return ifaceMatch(e.p, s)
	case vFlags:
		return boolResult(slices.Contains(v.flags, s))
	}
	return guessNo
}

func (e *nftEval) numMatch(v nval, f float64) result {
	n := int(f)
	switch v.kind {
	case vInt:
		return boolResult(n == v.n)
	case vProto:
		return boolResult(n == 6)
	case vSport:
		return sourcePortMatch([]portRange{{n, n}})
	case vIface:
		// An interface index: 1 is loopback on Linux.
		if n == 1 {
			return result{e.p.Src.IsLoopback(), false}
		}
		return guessYes
	}
	return guessNo
}

func (e *nftEval) rangeMatch(v nval, lo, hi any) result {
	switch v.kind {
	case vInt, vSport:
		a, ok1 := portValue(lo)
		b, ok2 := portValue(hi)
		if !ok1 || !ok2 {
			return guessNo
		}
		if v.kind == vSport {
			return sourcePortMatch([]portRange{{a, b}})
		}
		return boolResult(a <= v.n && v.n <= b)
	case vAddr:
		a, _ := lo.(string)
		b, _ := hi.(string)
		rg, ok := parseAddrRange(a + "-" + b)
		if !ok {
			return guessNo
		}
		return boolResult(rg.contains(v.addr))
	case vDst:
		return guessYes
	}
	return guessNo
}

func portValue(x any) (int, bool) {
	switch v := x.(type) {
	case float64:
		return int(v), true
	case string:
		return parsePort(v)
	}
	return 0, false
}
