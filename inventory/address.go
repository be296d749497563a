package inventory

import (
	"errors"
	"fmt"
	"strings"
)

// parseTarget parses "[user@]host[:port]". IPv6 addresses with a port are
// written in brackets: "[2001:db8::1]:2222"; without a port the brackets may
// be left out. A missing port is 0.
func parseTarget(s string) (user, addr string, port int, err error) {
	if i := strings.LastIndexByte(s, '@'); i >= 0 {
		user = s[:i]
		if err := checkUser(user); err != nil {
			return "", "", 0, err
		}
		s = s[i+1:]
	}
	addr, port, err = parseHostPort(s)
	return user, addr, port, err
}

// parseHostPort parses "host[:port]" and validates both.
func parseHostPort(s string) (addr string, port int, err error) {
	switch {
	case strings.HasPrefix(s, "["):
		end := strings.IndexByte(s, ']')
		if end < 0 {
			return "", 0, fmt.Errorf("invalid address %q: missing ']'", s)
		}
		addr = s[1:end]
		if !strings.Contains(addr, ":") {
			return "", 0, fmt.Errorf("invalid address %q: brackets are for IPv6 addresses", s)
		}
		switch rest := s[end+1:]; {
		case rest == "":
		case strings.HasPrefix(rest, ":"):
			if port, err = parsePort(rest[1:]); err != nil {
				return "", 0, err
			}
		default:
			return "", 0, fmt.Errorf("invalid address %q: unexpected text after ']'", s)
		}
	case strings.Count(s, ":") == 1:
		var p string
		addr, p, _ = strings.Cut(s, ":")
		if port, err = parsePort(p); err != nil {
			return "", 0, err
		}
	default: // a name, an IPv4 address or a bare IPv6 address
		addr = s
	}
	if err := checkAddress(addr); err != nil {
		return "", 0, err
	}
	return addr, port, nil
}

// parseJump parses a ProxyJump chain, "[user@]host[:port][,...]",
// outermost bastion first. The ssh://[user@]host[:port] form is accepted too.
func parseJump(s string) ([]Hop, error) {
	if s == "" {
		return nil, errors.New("empty jump host")
	}
	var hops []Hop
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimPrefix(strings.TrimSpace(part), "ssh://")
		if part == "" {
			return nil, fmt.Errorf("invalid jump host chain %q: empty element", s)
		}
		user, addr, port, err := parseTarget(part)
		if err != nil {
			return nil, fmt.Errorf("jump host: %w", err)
		}
		hops = append(hops, Hop{User: user, Address: addr, Port: port})
	}
	return hops, nil
}

// splitList splits a comma-separated list, dropping spaces and empty items.
func splitList(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}
