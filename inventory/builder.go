package inventory

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// maxHosts bounds the hosts of one file, ten times the largest fleet
// resetaudit is designed for, so that a small file cannot exhaust memory.
const maxHosts = 100_000

// builder collects the hosts of one file with the line each was defined on.
type builder struct {
	file     string
	hosts    []Host
	lines    []int
	warnings []Warning
	warned   map[Warning]bool
}

func (b *builder) errorf(line int, format string, args ...any) *Error {
	return errorf(b.file, line, format, args...)
}

// warnf records a warning once, however many hosts a group setting affects.
func (b *builder) warnf(line int, format string, args ...any) {
	w := Warning{File: b.file, Line: line, Msg: fmt.Sprintf(format, args...)}
	if b.warned[w] {
		return
	}
	if b.warned == nil {
		b.warned = map[Warning]bool{}
	}
	b.warned[w] = true
	b.warnings = append(b.warnings, w)
}

// add normalizes h (default name and ports, unique groups), validates it and
// records it as defined at line.
func (b *builder) add(line int, h Host) error {
	if len(b.hosts) >= maxHosts {
		return b.errorf(line, "more than %d hosts", maxHosts)
	}
	normalize(&h)
	if err := h.Validate(); err != nil {
		return b.errorf(line, "host %q: %v", h.Name, err)
	}
	h.Source = fmt.Sprintf("%s:%d", b.file, line)
	b.hosts = append(b.hosts, h)
	b.lines = append(b.lines, line)
	return nil
}

func normalize(h *Host) {
	if h.Name == "" {
		h.Name = h.Address
	}
	if h.Port == 0 {
		h.Port = DefaultPort
	}
	for i := range h.Jump {
		if h.Jump[i].Port == 0 {
			h.Jump[i].Port = DefaultPort
		}
	}
	h.Groups = uniq(h.Groups)
	for i, id := range h.Identities {
		h.Identities[i] = expandHome(id)
	}
	h.Identities = uniq(h.Identities)
}

// expandHome expands a leading "~/" to the home directory, as ssh and
// Ansible do for key files; without a known home the path is left as is.
func expandHome(p string) string {
	if !strings.HasPrefix(p, "~/") {
		return p
	}
	home, err := os.UserHomeDir()
	if err != nil || home == "" {
		return p
	}
	return filepath.Join(home, p[2:])
}

// uniq drops repeated strings, keeping the first of each in order.
func uniq(s []string) []string {
	if len(s) == 0 {
		return nil
	}
	seen := make(map[string]bool, len(s))
	out := make([]string, 0, len(s))
	for _, v := range s {
		if !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	return out
}
