package inventory

import (
	"gopkg.in/yaml.v3"
)

// parseAnsibleYAML parses an Ansible YAML inventory: top-level groups
// (usually just "all"), each a mapping with hosts (host: vars), vars and
// children (group: same structure).
func parseAnsibleYAML(b *builder, root *yaml.Node) error {
	inv := newAnsibleInventory()
	top, err := pairs(b, root)
	if err != nil {
		return err
	}
	for _, p := range top {
		if err := ansibleYAMLGroup(b, inv, p.key, p.value, 0); err != nil {
			return err
		}
	}
	return inv.resolve(b)
}

func ansibleYAMLGroup(b *builder, inv *ansibleInventory, key, n *yaml.Node, depth int) error {
	name := key.Value
	if err := checkGroup(name); err != nil {
		return b.errorf(key.Line, "%v", err)
	}
	if depth > 100 {
		return b.errorf(key.Line, "groups nested too deeply")
	}
	g := inv.group(name, key.Line)
	ps, err := pairs(b, n)
	if err != nil {
		return err
	}
	for _, p := range ps {
		switch p.key.Value {
		case "hosts":
			hosts, err := pairs(b, p.value)
			if err != nil {
				return err
			}
			for _, h := range hosts {
				vars, err := ansibleYAMLVars(b, h.value)
				if err != nil {
					return err
				}
				if err := inv.addPattern(b, name, h.key.Value, h.key.Line, vars); err != nil {
					return err
				}
			}
		case "vars":
			vars, err := ansibleYAMLVars(b, p.value)
			if err != nil {
				return err
			}
			for k, v := range vars {
				g.vars[k] = v
			}
		case "children":
			children, err := pairs(b, p.value)
			if err != nil {
				return err
			}
			for _, c := range children {
				if err := checkGroup(c.key.Value); err != nil {
					return b.errorf(c.key.Line, "%v", err)
				}
				inv.addChild(name, c.key.Value, c.key.Line)
				if err := ansibleYAMLGroup(b, inv, c.key, c.value, depth+1); err != nil {
					return err
				}
			}
		default:
			return b.errorf(p.key.Line, "unknown key %q in group %q (known: hosts, vars, children)", p.key.Value, name)
		}
	}
	return nil
}

// ansibleYAMLVars reads a vars mapping. Values that are not scalars (lists,
// mappings) are kept out: none of the variables used here can be one.
func ansibleYAMLVars(b *builder, n *yaml.Node) (map[string]ansibleVar, error) {
	ps, err := pairs(b, n)
	if err != nil {
		return nil, err
	}
	vars := map[string]ansibleVar{}
	for _, p := range ps {
		v := deref(p.value)
		switch {
		case v.Kind == yaml.ScalarNode && !isNull(v):
			vars[p.key.Value] = ansibleVar{value: v.Value, line: v.Line}
		case connectionVars[p.key.Value] != "":
			return nil, b.errorf(v.Line, "%s must be a string, not %s", p.key.Value, kindName(v))
		}
	}
	return vars, nil
}
