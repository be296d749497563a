package firewall

import (
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// nftRuleset is the parsed output of `nft -j list ruleset`.
type nftRuleset struct {
	chains map[nftKey]*nftChain
	sets   map[nftKey]*nftSet // named sets and maps
	seq    int
}

// nftKey names a chain or set: family, table and name.
type nftKey struct{ family, table, name string }

type nftChain struct {
	key               nftKey
	base              bool
	typ, hook, policy string
	prio              int
	rules             []*nftRule
	seq               int // document order, to order chains of equal priority
}

type nftRule struct {
	stmts []any // decoded statements of "expr"
	text  string
	// decides is true when the rule has a verdict, so that an uncertain
	// match in it can change the outcome.
	decides bool
}

type nftSet struct {
	elems []any // set elements, or [key, data] pairs for maps
}

// nftChainJSON, nftRuleJSON and nftSetJSON are elements of the "nftables" array.
type nftChainJSON struct {
	Family, Table, Name string
	Type, Hook, Policy  string
	Prio                json.RawMessage
}

type nftRuleJSON struct {
	Family, Table, Chain string
	Expr                 []any
}

type nftSetJSON struct {
	Family, Table, Name string
	Elem                []any
}

// parseNft parses nft's JSON output. The input is decoded element by element
// so that a truncated dump still yields the tables before the cut.
func parseNft(s string) (*nftRuleset, error) {
	n := &nftRuleset{chains: map[nftKey]*nftChain{}, sets: map[nftKey]*nftSet{}}
	dec := json.NewDecoder(strings.NewReader(s))
	if err := seekNftArray(dec); err != nil {
		return nil, err
	}
	var errs errorList
	for i := 0; dec.More(); i++ {
		var obj map[string]json.RawMessage
		if err := dec.Decode(&obj); err != nil {
			errs.add(0, "element %d: %v", i, err)
			break
		}
		for kind, raw := range obj {
			if err := n.add(kind, raw); err != nil {
				errs.add(0, "element %d (%s): %v", i, kind, err)
			}
		}
	}
	return n, stripLineZero(errs.err())
}

// stripLineZero rewrites errorList's "line 0: " prefix, meaningless for JSON.
func stripLineZero(err error) error {
	if err == nil {
		return nil
	}
	return errors.New(strings.ReplaceAll(err.Error(), "line 0: ", ""))
}

// seekNftArray advances dec to just inside the "nftables" array.
func seekNftArray(dec *json.Decoder) error {
	tok, err := dec.Token()
	if err != nil {
		return fmt.Errorf("not JSON: %w", err)
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return errors.New("not a JSON object")
	}
	for dec.More() {
		key, err := dec.Token()
		if err != nil {
			return err
		}
		if key == "nftables" {
			tok, err := dec.Token()
			if err != nil {
				return err
			}
			if d, ok := tok.(json.Delim); !ok || d != '[' {
				return errors.New(`"nftables" is not an array`)
			}
			return nil
		}
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			return err
		}
	}
	return errors.New(`no "nftables" array`)
}

func (n *nftRuleset) add(kind string, raw json.RawMessage) error {
	switch kind {
	case "chain":
		var c nftChainJSON
		if err := json.Unmarshal(raw, &c); err != nil {
			return err
		}
		ch := n.chain(nftKey{c.Family, c.Table, c.Name})
		if c.Hook != "" {
			ch.base = true
			ch.typ, ch.hook, ch.policy = c.Type, c.Hook, c.Policy
			if ch.policy == "" {
				ch.policy = "accept"
			}
			ch.prio = parseNftPrio(c.Prio)
		}
	case "rule":
		var r nftRuleJSON
		if err := json.Unmarshal(raw, &r); err != nil {
			return err
		}
		rule := &nftRule{stmts: r.Expr, text: clip(renderStmts(r.Expr))}
		for _, st := range r.Expr {
			if k, _ := stmtKind(st); decidingStmts[k] {
				rule.decides = true
			}
		}
		ch := n.chain(nftKey{r.Family, r.Table, r.Chain})
		ch.rules = append(ch.rules, rule)
	case "set", "map", "element":
		var st nftSetJSON
		if err := json.Unmarshal(raw, &st); err != nil {
			return err
		}
		k := nftKey{st.Family, st.Table, st.Name}
		set := n.sets[k]
		if set == nil {
			set = &nftSet{}
			n.sets[k] = set
		}
		set.elems = append(set.elems, st.Elem...)
	}
	return nil
}

func (n *nftRuleset) chain(k nftKey) *nftChain {
	c := n.chains[k]
	if c == nil {
		n.seq++
		c = &nftChain{key: k, seq: n.seq}
		n.chains[k] = c
	}
	return c
}

// decidingStmts are statements that end or redirect evaluation.
var decidingStmts = map[string]bool{
	"accept": true, "drop": true, "reject": true, "jump": true, "goto": true,
	"return": true, "queue": true, "vmap": true, "xt": true,
}

// stmtKind returns the single key of a statement object and its value.
func stmtKind(st any) (string, any) {
	m, ok := st.(map[string]any)
	if !ok || len(m) != 1 {
		return "", nil
	}
	for k, v := range m {
		return k, v
	}
	return "", nil
}

// standard chain priorities, by the names nft accepts in place of numbers.
var nftPrioNames = map[string]int{
	"raw": -300, "mangle": -150, "dstnat": -100, "filter": 0, "security": 50, "srcnat": 100,
}

func parseNftPrio(raw json.RawMessage) int {
	var n int
	if json.Unmarshal(raw, &n) == nil {
		return n
	}
	var s string
	if json.Unmarshal(raw, &s) != nil {
		return 0
	}
	f := strings.Fields(s)
	if len(f) == 0 {
		return 0
	}
	base, ok := nftPrioNames[f[0]]
	if !ok {
		base, _ = strconv.Atoi(f[0])
	}
	if len(f) == 3 {
		d, _ := strconv.Atoi(f[2])
		switch f[1] {
		case "+":
			base += d
		case "-":
			base -= d
		}
	}
	return base
}

// iptablesTables are the tables iptables-nft creates.
var iptablesTables = map[string]bool{"filter": true, "nat": true, "mangle": true, "raw": true, "security": true}

// dropIptablesCompat removes the tables of family that iptables-nft made:
// they are listed, more readably, in iptables-save.
func (n *nftRuleset) dropIptablesCompat(family string) {
	compat := map[string]bool{}
	for k := range n.chains {
		if k.family == family && iptablesTables[k.table] && isBuiltinChainName(k.name) {
			compat[k.table] = true
		}
	}
	for k := range n.chains {
		if k.family == family && compat[k.table] {
			delete(n.chains, k)
		}
	}
}

func isBuiltinChainName(s string) bool {
	switch s {
	case "INPUT", "FORWARD", "OUTPUT", "PREROUTING", "POSTROUTING":
		return true
	}
	return false
}

func (n *nftRuleset) empty() bool {
	for _, c := range n.chains {
		if len(c.rules) > 0 || (c.base && c.policy != "accept") {
			return false
		}
	}
	return true
}

// hookOrder orders the hooks an inbound packet traverses.
var hookOrder = map[string]int{"prerouting": 1, "input": 2}

// baseChains returns the filter chains an inbound packet of p's family
// traverses, in order.
func (n *nftRuleset) baseChains(p Packet) []*nftChain {
	var out []*nftChain
	for _, c := range n.chains {
		if !c.base || c.typ != "filter" || hookOrder[c.hook] == 0 {
			continue
		}
		switch c.key.family {
		case "inet":
		case "ip":
			if !p.Src.Is4() {
				continue
			}
		case "ip6":
			if !p.Src.Is6() {
				continue
			}
		default:
			continue
		}
		out = append(out, c)
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if hookOrder[a.hook] != hookOrder[b.hook] {
			return hookOrder[a.hook] < hookOrder[b.hook]
		}
		if a.prio != b.prio {
			return a.prio < b.prio
		}
		return a.seq < b.seq
	})
	return out
}
