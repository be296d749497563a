package firewall

import (
	"encoding/json"
	"strconv"
	"strings"
)

// renderStmts renders the statements of an nft rule in nft's own syntax,
// close to what `nft list ruleset` prints, for evidence.
func renderStmts(stmts []any) string {
	parts := make([]string, 0, len(stmts))
	for _, st := range stmts {
		if s := renderStmt(st); s != "" {
			parts = append(parts, s)
		}
	}
	return strings.Join(parts, " ")
}

func renderStmt(st any) string {
	kind, val := stmtKind(st)
	m, _ := val.(map[string]any)
	switch kind {
	case "match":
		op, _ := m["op"].(string)
		left, right := renderExpr(m["left"], 0), renderExpr(m["right"], 0)
		switch op {
		case "==", "in", "":
			return left + " " + right
		}
		return left + " " + op + " " + right
	case "accept", "drop", "return", "continue", "queue", "counter", "notrack", "masquerade":
		return kind
	case "jump", "goto":
		t, _ := m["target"].(string)
		return kind + " " + t
	case "reject":
		s := "reject"
		if t, _ := m["type"].(string); t != "" {
			s += " with " + t
			if x, _ := m["expr"].(string); x != "" {
				s += " " + x
			}
		}
		return s
	case "log":
		if p, ok := m["prefix"].(string); ok {
			return "log prefix " + strconv.Quote(p)
		}
		return "log"
	case "limit":
		rate, _ := m["rate"].(float64)
		per, _ := m["per"].(string)
		over := ""
		if inv, _ := m["inv"].(bool); inv {
			over = "over "
		}
		return "limit rate " + over + strconv.Itoa(int(rate)) + "/" + per
	case "vmap":
		return renderExpr(m["key"], 0) + " vmap " + renderExpr(m["data"], 0)
	case "xt":
		t, _ := m["type"].(string)
		n, _ := m["name"].(string)
		return "xt " + t + " " + strconv.Quote(n)
	}
	b, err := json.Marshal(st)
	if err != nil {
		return kind
	}
	return string(b)
}

func renderExpr(x any, depth int) string {
	if depth > 8 {
		return "..."
	}
	switch v := x.(type) {
	case nil:
		return ""
	case string:
		return v
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	case bool:
		if v {
			return "exists"
		}
		return "missing"
	case []any:
		// A verdict map element ([key, verdict]) or a list of flags.
		if len(v) == 2 {
			if k, _ := stmtKind(v[1]); decidingStmts[k] {
				return renderExpr(v[0], depth+1) + " : " + renderStmt(v[1])
			}
		}
		parts := make([]string, len(v))
		for i, e := range v {
			parts[i] = renderExpr(e, depth+1)
		}
		return strings.Join(parts, ",")
	case map[string]any:
		kind, inner := stmtKind(v)
		m, _ := inner.(map[string]any)
		switch kind {
		case "payload":
			p, _ := m["protocol"].(string)
			f, _ := m["field"].(string)
			return p + " " + f
		case "meta":
			k, _ := m["key"].(string)
			switch k {
			case "iifname", "oifname", "iif", "oif":
				return k
			}
			return "meta " + k
		case "ct":
			k, _ := m["key"].(string)
			return "ct " + k
		case "fib":
			r, _ := m["result"].(string)
			return "fib " + renderExpr(m["flags"], depth+1) + " " + r
		case "prefix":
			a, _ := m["addr"].(string)
			l, _ := m["len"].(float64)
			return a + "/" + strconv.Itoa(int(l))
		case "range":
			ends, _ := inner.([]any)
			if len(ends) == 2 {
				return renderExpr(ends[0], depth+1) + "-" + renderExpr(ends[1], depth+1)
			}
		case "set":
			list, _ := inner.([]any)
			parts := make([]string, len(list))
			for i, e := range list {
				parts[i] = renderExpr(e, depth+1)
			}
			return "{ " + strings.Join(parts, ", ") + " }"
		case "elem":
			return renderExpr(m["val"], depth+1)
		case "&", "|", "^":
			ops, _ := inner.([]any)
			if len(ops) == 2 {
				return renderExpr(ops[0], depth+1) + " " + kind + " " + renderExpr(ops[1], depth+1)
			}
		}
	}
	b, err := json.Marshal(x)
	if err != nil {
		return "?"
	}
	return string(b)
}
