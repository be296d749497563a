package inventory

import (
	"fmt"
	"net/netip"
	"path"
	"slices"
	"strings"
)

// Limit returns the hosts that pattern selects, in their original order.
//
// The pattern is Ansible's: terms separated by ',' (or ':' when there is no
// ','); a plain term adds the hosts it matches, "&term" keeps only hosts that
// also match it, "!term" removes the hosts it matches. A term is a shell glob
// (path.Match) tested against each host's name, address and groups; "all" and
// "*" match every host. A pattern of exclusions only starts from all hosts.
func Limit(hosts []Host, pattern string) ([]Host, error) {
	terms, err := splitPattern(pattern)
	if err != nil {
		return nil, err
	}
	var union, inter, excl []string
	for _, t := range terms {
		switch {
		case strings.HasPrefix(t, "&"):
			inter = append(inter, t[1:])
		case strings.HasPrefix(t, "!"):
			excl = append(excl, t[1:])
		default:
			union = append(union, t)
		}
	}
	for _, list := range [][]string{union, inter, excl} {
		for _, t := range list {
			if t == "" {
				return nil, fmt.Errorf("invalid pattern %q: '&' or '!' without a term", pattern)
			}
			if _, err := path.Match(t, ""); err != nil {
				return nil, fmt.Errorf("invalid pattern %q: term %q: %w", pattern, t, err)
			}
		}
	}
	if len(union) == 0 {
		union = []string{"all"}
	}
	var out []Host
	for _, h := range hosts {
		if slices.ContainsFunc(union, h.matches) &&
			!slices.ContainsFunc(inter, func(t string) bool { return !h.matches(t) }) &&
			!slices.ContainsFunc(excl, h.matches) {
			out = append(out, h)
		}
	}
	return out, nil
}

func splitPattern(pattern string) ([]string, error) {
	sep := ","
	if !strings.Contains(pattern, ",") {
		sep = ":"
		// A lone IPv6 address is a term, not a list.
		if _, err := netip.ParseAddr(strings.TrimLeft(pattern, "&!")); err == nil {
			sep = ","
		}
	}
	var terms []string
	for _, t := range strings.Split(pattern, sep) {
		if t = strings.TrimSpace(t); t != "" {
			terms = append(terms, t)
		}
	}
	if len(terms) == 0 {
		return nil, fmt.Errorf("empty pattern %q", pattern)
	}
	return terms, nil
}

// matches reports whether the glob term matches h's name, address or a group.
// Patterns are checked for syntax before, so Match errors cannot occur here.
func (h Host) matches(term string) bool {
	if term == "all" || term == "*" {
		return true
	}
	match := func(s string) bool {
		ok, _ := path.Match(term, s)
		return ok
	}
	return match(h.Name) || match(h.Address) || slices.ContainsFunc(h.Groups, match)
}
