// Package tcpwrap decides whether /etc/hosts.allow and /etc/hosts.deny let a
// client reach a daemon, following hosts_access(5): the first matching entry
// in hosts.allow grants access, then the first matching entry in hosts.deny
// denies it, and otherwise access is granted.
//
// The files come from a host and are untrusted: nothing in them is executed
// or resolved. Patterns that need information the caller does not have
// (host names without a clientName, NIS netgroups, pattern files, user
// names) are guessed and the decision is marked uncertain.
package tcpwrap

import (
	"net/netip"
	"path"
	"strconv"
	"strings"
)

// File names used in decisions.
const (
	AllowFile = "/etc/hosts.allow"
	DenyFile  = "/etc/hosts.deny"
)

// Decision is the outcome of an access check.
type Decision struct {
	Allowed bool
	// File, Line and Rule locate the entry that decided; File is "" when no
	// entry matched and access was granted by default.
	File string
	Line int
	Rule string
	// Certain is false when a pattern that cannot be evaluated here was on
	// the path; the decision is then the most likely one.
	Certain bool
}

// result is a match outcome and whether it is known or guessed.
type result struct{ match, sure bool }

// Check decides whether daemon (the process name, "sshd") accepts client.
// clientName is the client's host name as the daemon would resolve it, or ""
// when unknown.
func Check(allow, deny string, daemon string, client netip.Addr, clientName string) Decision {
	c := &checker{daemon: daemon, addr: client.Unmap(), name: strings.ToLower(strings.TrimSuffix(clientName, ".")), certain: true}
	if d, ok := c.scan(allow, AllowFile, true); ok {
		return d
	}
	if d, ok := c.scan(deny, DenyFile, false); ok {
		return d
	}
	return Decision{Allowed: true, Certain: c.certain}
}

type checker struct {
	daemon  string
	addr    netip.Addr
	name    string
	certain bool
}

// entry is one logical line of an access control file.
type entry struct {
	line                     int
	text                     string
	daemons, clients, option string
}

// scan returns the decision of the first entry of file that matches.
func (c *checker) scan(file, name string, grants bool) (Decision, bool) {
	for _, e := range entries(file) {
		d := c.list(e.daemons, c.daemonMatch)
		if !d.sure {
			c.certain = false
		}
		if !d.match {
			continue
		}
		m := c.list(e.clients, c.clientMatch)
		if !m.sure {
			c.certain = false
		}
		if !m.match {
			continue
		}
		allowed := grants
		// Options may override the file's meaning: "ALLOW" and "DENY" as the
		// last option, and "twist", which replaces the daemon.
		for _, opt := range splitOptions(e.option) {
			kw, _, _ := strings.Cut(strings.TrimSpace(opt), " ")
			switch strings.ToLower(kw) {
			case "allow":
				allowed = true
			case "deny":
				allowed = false
			case "twist":
				allowed = false
				c.certain = false
			}
		}
		return Decision{Allowed: allowed, File: name, Line: e.line, Rule: e.text, Certain: c.certain}, true
	}
	return Decision{}, false
}

// entries splits a file into logical lines: backslash-newline continues a
// line, and lines starting with '#' are comments.
func entries(file string) []entry {
	var out []entry
	var cur strings.Builder
	start := 0
	lines := strings.Split(file, "\n")
	for i, l := range lines {
		l = strings.TrimRight(l, "\r")
		if cur.Len() == 0 {
			start = i + 1
			if t := strings.TrimSpace(l); t == "" || t[0] == '#' {
				continue
			}
		}
		if strings.HasSuffix(l, "\\") {
			cur.WriteString(l[:len(l)-1])
			cur.WriteByte(' ')
			if i < len(lines)-1 {
				continue
			}
		} else {
			cur.WriteString(l)
		}
		text := strings.TrimSpace(cur.String())
		cur.Reset()
		fields := splitColons(text, 3)
		if len(fields) < 2 {
			continue // tcpd ignores malformed entries ("missing ':' separator")
		}
		e := entry{line: start, text: text, daemons: fields[0], clients: fields[1]}
		if len(fields) == 3 {
			e.option = fields[2]
		}
		out = append(out, e)
	}
	return out
}

// splitColons splits s at colons outside [brackets] (IPv6 addresses) and not
// escaped by a backslash, into at most n fields.
func splitColons(s string, n int) []string {
	var out []string
	depth, last := 0, 0
	for i := 0; i < len(s) && len(out) < n-1; i++ {
		switch s[i] {
		case '\\':
			i++
		case '[':
			depth++
		case ']':
			if depth > 0 {
				depth--
			}
		case ':':
			if depth == 0 {
				out = append(out, s[last:i])
				last = i + 1
			}
		}
	}
	return append(out, s[last:])
}

func splitOptions(s string) []string {
	if strings.TrimSpace(s) == "" {
		return nil
	}
	return splitColons(s, 1<<30)
}

// list implements hosts_access list matching: the first matching pattern
// decides, and "EXCEPT" introduces a list of exceptions, which nest.
func (c *checker) list(s string, match func(string) result) result {
	toks := strings.FieldsFunc(s, func(r rune) bool { return r == ' ' || r == '\t' || r == ',' })
	return listMatch(toks, match, 0)
}

func listMatch(toks []string, match func(string) result, depth int) result {
	if depth > 32 {
		return result{false, false}
	}
	sure := true
	for i, t := range toks {
		if strings.EqualFold(t, "EXCEPT") {
			return result{false, sure}
		}
		m := match(t)
		sure = sure && m.sure
		if !m.match {
			continue
		}
		for j := i + 1; j < len(toks); j++ {
			if strings.EqualFold(toks[j], "EXCEPT") {
				ex := listMatch(toks[j+1:], match, depth+1)
				return result{!ex.match, sure && ex.sure}
			}
		}
		return result{true, sure}
	}
	return result{false, sure}
}

func (c *checker) daemonMatch(p string) result {
	if d, host, ok := strings.Cut(p, "@"); ok {
		// daemon@host also names the server address the client connected
		// to, which is not known here.
		m := c.daemonMatch(d)
		if host != "" {
			m.sure = false
		}
		return m
	}
	if strings.EqualFold(p, "ALL") {
		return result{true, true}
	}
	if strings.ContainsAny(p, "*?") {
		ok, _ := path.Match(strings.ToLower(p), strings.ToLower(c.daemon))
		return result{ok, true}
	}
	return result{strings.EqualFold(p, c.daemon), true}
}

// clientMatch matches one client pattern against the client.
func (c *checker) clientMatch(p string) result {
	if _, host, ok := strings.Cut(p, "@"); ok && !strings.HasPrefix(p, "@") {
		// user@host: the user is known only through ident, which sshd's
		// libwrap does not ask; guess the user part matches.
		m := c.clientMatch(host)
		return result{m.match, false}
	}
	switch strings.ToUpper(p) {
	case "ALL":
		return result{true, true}
	case "LOCAL":
		// A host name without a dot.
		if c.name == "" {
			return result{false, false}
		}
		return result{!strings.Contains(c.name, "."), true}
	case "KNOWN":
		if c.name == "" {
			return result{true, false}
		}
		return result{true, true}
	case "UNKNOWN":
		if c.name == "" {
			return result{false, false}
		}
		return result{false, true}
	case "PARANOID":
		return result{false, false}
	}
	switch {
	case strings.HasPrefix(p, "@"), strings.HasPrefix(p, "/"):
		// NIS netgroup or a file of patterns: not available here.
		return result{false, false}
	case strings.HasPrefix(p, "["), strings.Contains(p, "/"):
		if pf, ok := parseNet(p); ok {
			return result{c.addr.IsValid() && pf.Contains(c.addr), true}
		}
		return result{false, false}
	case strings.ContainsAny(p, "*?"):
		if ok, _ := path.Match(p, c.addr.String()); ok {
			return result{true, true}
		}
		if c.name == "" {
			return result{false, false}
		}
		ok, _ := path.Match(strings.ToLower(p), c.name)
		return result{ok, true}
	case strings.HasSuffix(p, "."):
		// An address prefix such as "10.0.".
		return result{c.addr.Is4() && strings.HasPrefix(c.addr.String(), p), true}
	case strings.HasPrefix(p, "."):
		if c.name == "" {
			return result{false, false}
		}
		return result{strings.HasSuffix(c.name, strings.ToLower(p)), true}
	}
	if a, err := netip.ParseAddr(p); err == nil {
		return result{a.Unmap() == c.addr, true}
	}
	// A host name.
	if c.name == "" {
		return result{false, false}
	}
	return result{strings.EqualFold(p, c.name), true}
}

// parseNet parses "10.0.0.0/255.0.0.0", "10.0.0.0/8" and "[2001:db8::]/32".
func parseNet(p string) (netip.Prefix, bool) {
	a, m, ok := strings.Cut(p, "/")
	if !ok {
		a = p
	}
	a = strings.TrimSuffix(strings.TrimPrefix(a, "["), "]")
	addr, err := netip.ParseAddr(a)
	if err != nil {
		return netip.Prefix{}, false
	}
	addr = addr.Unmap()
	if !ok {
		return netip.PrefixFrom(addr, addr.BitLen()), true
	}
	bits, err := strconv.Atoi(m)
	if err != nil {
		mask, err := netip.ParseAddr(m)
		if err != nil || !mask.Is4() || !addr.Is4() {
			return netip.Prefix{}, false
		}
		if bits = maskBits(mask.As4()); bits < 0 {
			return netip.Prefix{}, false
		}
	}
	pf, err := addr.Prefix(bits)
	return pf, err == nil
}

// maskBits returns the prefix length of a contiguous netmask, or -1.
func maskBits(b [4]byte) int {
	v := uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
	n := 0
	for v&0x80000000 != 0 {
		n++
		v <<= 1
	}
	if v != 0 {
		return -1
	}
	return n
}
