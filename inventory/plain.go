package inventory

import (
	"bytes"
	"strings"
)

// parsePlain parses the plain format of CONTRACT.md:
//
//	[user@]host[:port] [key=value ...]
//
// with the keys name, group (repeatable, comma-separated), instance_id,
// jump (a ProxyJump chain) and identity (repeatable). '#' starts a comment.
func parsePlain(b *builder, data []byte) error {
	lineNo := 0
	for line := range bytes.Lines(data) {
		lineNo++
		fields := strings.Fields(string(line))
		for i, f := range fields {
			if strings.HasPrefix(f, "#") {
				fields = fields[:i]
				break
			}
		}
		if len(fields) == 0 {
			continue
		}
		if strings.Contains(fields[0], "=") {
			return b.errorf(lineNo, "line must start with [user@]host[:port], not %q", fields[0])
		}
		var h Host
		var err error
		if h.User, h.Address, h.Port, err = parseTarget(fields[0]); err != nil {
			return b.errorf(lineNo, "%v", err)
		}
		seen := map[string]bool{}
		for _, f := range fields[1:] {
			key, val, ok := strings.Cut(f, "=")
			if !ok {
				return b.errorf(lineNo, "expected key=value, got %q", f)
			}
			if val == "" {
				return b.errorf(lineNo, "empty value for %s=", key)
			}
			if seen[key] && key != "group" && key != "identity" {
				return b.errorf(lineNo, "%s= given twice", key)
			}
			seen[key] = true
			switch key {
			case "name":
				err = checkName(val)
				h.Name = val
			case "group":
				for _, g := range splitList(val) {
					if err = checkGroup(g); err != nil {
						break
					}
					h.Groups = append(h.Groups, g)
				}
			case "instance_id":
				err = checkInstanceID(val)
				h.InstanceID = val
			case "jump":
				h.Jump, err = parseJump(val)
			case "identity":
				err = checkIdentity(val)
				h.Identities = append(h.Identities, val)
			default:
				return b.errorf(lineNo, "unknown key %q (known: name, group, instance_id, jump, identity)", key)
			}
			if err != nil {
				return b.errorf(lineNo, "%v", err)
			}
		}
		if err := b.add(lineNo, h); err != nil {
			return err
		}
	}
	return nil
}
