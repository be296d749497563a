package inventory

import (
	"bytes"
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// maxRangeHosts bounds the hosts one pattern such as web[1:99999] expands to.
const maxRangeHosts = maxHosts

var sectionHeader = regexp.MustCompile(`^\[([^\]:]*)(?::([^\]]*))?\]$`)

// parseINI parses an Ansible INI inventory: [group] sections of host lines
// "pattern [var=value ...]", [group:vars] sections of "var=value" lines and
// [group:children] sections of group names. Hosts before any section are
// ungrouped.
func parseINI(b *builder, data []byte) error {
	inv := newAnsibleInventory()
	group, kind := "ungrouped", "hosts"
	lineNo := 0
	for raw := range bytes.Lines(data) {
		lineNo++
		line := strings.TrimSpace(string(raw))
		if line == "" || line[0] == '#' || line[0] == ';' {
			continue
		}
		if m := sectionHeader.FindStringSubmatch(line); m != nil {
			group, kind = m[1], "hosts"
			if err := checkGroup(group); err != nil {
				return b.errorf(lineNo, "section %s: %v", line, err)
			}
			if m[2] != "" {
				if m[2] != "vars" && m[2] != "children" {
					return b.errorf(lineNo, "section %s: unknown kind %q (known: vars, children)", line, m[2])
				}
				kind = m[2]
			}
			inv.group(group, lineNo)
			continue
		}
		switch kind {
		case "hosts":
			if err := iniHostLine(b, inv, group, line, lineNo); err != nil {
				return err
			}
		case "children":
			child := strings.TrimSpace(strings.SplitN(line, "#", 2)[0])
			if err := checkGroup(child); err != nil {
				return b.errorf(lineNo, "%v", err)
			}
			inv.addChild(group, child, lineNo)
		case "vars":
			key, val, ok := strings.Cut(line, "=")
			key = strings.TrimSpace(key)
			if !ok || key == "" {
				return b.errorf(lineNo, "expected var=value in [%s:vars], got %q", group, line)
			}
			v, err := iniValue(strings.TrimSpace(val))
			if err != nil {
				return b.errorf(lineNo, "%s: %v", key, err)
			}
			inv.group(group, lineNo).vars[key] = ansibleVar{value: v, line: lineNo}
		}
	}
	return inv.resolve(b)
}

func iniHostLine(b *builder, inv *ansibleInventory, group, line string, lineNo int) error {
	words, err := shellSplit(line)
	if err != nil {
		return b.errorf(lineNo, "%v", err)
	}
	if len(words) == 0 {
		return nil
	}
	vars := map[string]ansibleVar{}
	for _, w := range words[1:] {
		k, v, ok := strings.Cut(w, "=")
		if !ok || k == "" {
			return b.errorf(lineNo, "expected var=value after the host, got %q", w)
		}
		vars[k] = ansibleVar{value: v, line: lineNo}
	}
	return inv.addPattern(b, group, words[0], lineNo, vars)
}

// iniValue strips the quotes of a [group:vars] value.
func iniValue(s string) (string, error) {
	if len(s) >= 2 && (s[0] == '"' || s[0] == '\'') {
		w, err := shellSplit(s)
		if err != nil {
			return "", err
		}
		if len(w) == 1 {
			return w[0], nil
		}
	}
	return s, nil
}

var hostRange = regexp.MustCompile(`\[([0-9]+|[a-zA-Z]):([0-9]+|[a-zA-Z])(?::([0-9]+))?\]`)

// expandRange expands Ansible host ranges: web[01:03] is web01, web02,
// web03; db-[a:c] is db-a, db-b, db-c; [start:end:step] takes a stride.
func expandRange(pattern string) ([]string, error) {
	loc := hostRange.FindStringSubmatchIndex(pattern)
	if loc == nil {
		return []string{pattern}, nil
	}
	head, tail := pattern[:loc[0]], pattern[loc[1]:]
	beg, end := pattern[loc[2]:loc[3]], pattern[loc[4]:loc[5]]
	step := 1
	if loc[6] >= 0 {
		s, err := strconv.Atoi(pattern[loc[6]:loc[7]])
		if err != nil || s < 1 {
			return nil, fmt.Errorf("invalid range step in %q", pattern)
		}
		step = s
	}
	numeric := beg[0] >= '0' && beg[0] <= '9'
	if numeric != (end[0] >= '0' && end[0] <= '9') {
		return nil, fmt.Errorf("invalid range in %q: mixes letters and numbers", pattern)
	}
	var items []string
	if numeric {
		lo, err1 := strconv.Atoi(beg)
		hi, err2 := strconv.Atoi(end)
		if err1 != nil || err2 != nil || hi < lo || (hi-lo)/step >= maxRangeHosts {
			return nil, fmt.Errorf("invalid range in %q", pattern)
		}
		width := 0
		if len(beg) > 1 && beg[0] == '0' {
			width = len(beg)
		}
		for i := lo; i <= hi; i += step {
			items = append(items, fmt.Sprintf("%0*d", width, i))
		}
	} else {
		if end[0] < beg[0] {
			return nil, fmt.Errorf("invalid range in %q", pattern)
		}
		for c := int(beg[0]); c <= int(end[0]); c += step {
			items = append(items, string(rune(c)))
		}
	}
	var out []string
	for _, it := range items {
		rest, err := expandRange(tail)
		if err != nil {
			return nil, err
		}
		if len(out)+len(rest) > maxRangeHosts {
			return nil, fmt.Errorf("range %q expands to more than %d hosts", pattern, maxRangeHosts)
		}
		for _, r := range rest {
			out = append(out, head+it+r)
		}
	}
	return out, nil
}
