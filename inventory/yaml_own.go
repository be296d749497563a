package inventory

import (
	"slices"

	"gopkg.in/yaml.v3"
)

// parseOwnYAML parses resetaudit's YAML inventory:
//
//	defaults:                 # optional, for every host
//	  user: deploy
//	hosts:
//	  - root@10.0.4.17:22     # a target, or a mapping:
//	  - address: db-1.internal
//	    name: db-1
//	    user: deploy
//	    port: 2222
//	    groups: [db]          # or "db,backup"
//	    instance_id: i-0abc123def4567890
//	    jump: ops@bastion:2222  # a ProxyJump chain, or a list of hops
//	    identity: ~/.ssh/db   # or a list
//	groups:
//	  web:
//	    hosts: [web-1, 10.0.4.18]  # names or addresses; new ones are added
//	    vars: {user: root, port: 22, jump: bastion, identity: ~/.ssh/web}
//
// A host's own settings win over its groups' vars (the first of its groups
// that sets a value wins), which win over defaults.
func parseOwnYAML(b *builder, root *yaml.Node) error {
	top, err := pairs(b, root)
	if err != nil {
		return err
	}
	var (
		hosts    []Host
		lines    []int
		defaults yamlVars
		groups   = map[string]yamlVars{}
	)
	// Group members name hosts by name, or else by address.
	byName, byAddr := map[string]int{}, map[string]int{}
	index := func(i int) {
		h := hosts[i]
		if _, dup := byName[h.Name]; !dup && h.Name != "" {
			byName[h.Name] = i
		}
		if _, dup := byAddr[h.Address]; !dup {
			byAddr[h.Address] = i
		}
	}
	find := func(s string) int {
		if i, ok := byName[s]; ok {
			return i
		}
		if i, ok := byAddr[s]; ok {
			return i
		}
		return -1
	}
	// hosts first, wherever it is in the file, so that groups can refer to them.
	for _, p := range top {
		if p.key.Value != "hosts" {
			continue
		}
		list := deref(p.value)
		if isNull(list) {
			continue
		}
		if list.Kind != yaml.SequenceNode {
			return b.errorf(list.Line, "hosts must be a list, not %s", kindName(list))
		}
		for _, n := range list.Content {
			h, err := ownHost(b, n)
			if err != nil {
				return err
			}
			hosts = append(hosts, h)
			lines = append(lines, deref(n).Line)
			index(len(hosts) - 1)
		}
	}
	for _, p := range top {
		switch p.key.Value {
		case "hosts":
		case "defaults":
			if defaults, err = ownVars(b, p.value); err != nil {
				return err
			}
		case "groups":
			gs, err := pairs(b, p.value)
			if err != nil {
				return err
			}
			for _, g := range gs {
				name := g.key.Value
				if err := checkGroup(name); err != nil {
					return b.errorf(g.key.Line, "%v", err)
				}
				members, vars, err := ownGroup(b, g.value)
				if err != nil {
					return err
				}
				groups[name] = vars
				for _, m := range members {
					i := find(m.Value)
					if i < 0 {
						h, err := ownHost(b, m)
						if err != nil {
							return err
						}
						hosts = append(hosts, h)
						lines = append(lines, m.Line)
						i = len(hosts) - 1
						index(i)
					}
					hosts[i].Groups = append(hosts[i].Groups, name)
				}
			}
		default:
			return b.errorf(p.key.Line, "unknown key %q (known: hosts, groups, defaults)", p.key.Value)
		}
	}
	for i, h := range hosts {
		for _, g := range h.Groups {
			groups[g].applyTo(&h)
		}
		defaults.applyTo(&h)
		if err := b.add(lines[i], h); err != nil {
			return err
		}
	}
	return nil
}

// yamlVars are the settings that groups and defaults give their hosts.
type yamlVars struct {
	user       string
	port       int
	jump       []Hop
	identities []string
}

// applyTo fills the settings h does not have yet.
func (v yamlVars) applyTo(h *Host) {
	if h.User == "" {
		h.User = v.user
	}
	if h.Port == 0 {
		h.Port = v.port
	}
	if h.Jump == nil {
		h.Jump = slices.Clone(v.jump)
	}
	if h.Identities == nil {
		h.Identities = slices.Clone(v.identities)
	}
}

func ownVars(b *builder, n *yaml.Node) (yamlVars, error) {
	var v yamlVars
	ps, err := pairs(b, n)
	if err != nil {
		return v, err
	}
	for _, p := range ps {
		var h Host
		known, err := ownSetting(b, p, &h)
		if err != nil {
			return v, err
		}
		if !known {
			return v, b.errorf(p.key.Line, "unknown key %q (known: user, port, jump, identity)", p.key.Value)
		}
		if h.Name != "" || h.Address != "" || h.InstanceID != "" || h.Groups != nil {
			return v, b.errorf(p.key.Line, "%s is not a group or default setting (known: user, port, jump, identity)", p.key.Value)
		}
		if h.User != "" {
			v.user = h.User
		}
		if h.Port != 0 {
			v.port = h.Port
		}
		v.jump = append(v.jump, h.Jump...)
		v.identities = append(v.identities, h.Identities...)
	}
	return v, nil
}

func ownGroup(b *builder, n *yaml.Node) (members []*yaml.Node, vars yamlVars, err error) {
	ps, err := pairs(b, n)
	if err != nil {
		return nil, vars, err
	}
	for _, p := range ps {
		switch p.key.Value {
		case "hosts":
			list := deref(p.value)
			switch {
			case isNull(list):
			case list.Kind == yaml.SequenceNode:
				for _, m := range list.Content {
					if _, err := scalar(b, m, "group member"); err != nil {
						return nil, vars, err
					}
					members = append(members, deref(m))
				}
			default:
				return nil, vars, b.errorf(list.Line, "group hosts must be a list, not %s", kindName(list))
			}
		case "vars":
			if vars, err = ownVars(b, p.value); err != nil {
				return nil, vars, err
			}
		default:
			return nil, vars, b.errorf(p.key.Line, "unknown key %q in group (known: hosts, vars)", p.key.Value)
		}
	}
	return members, vars, nil
}

// ownHost parses one entry of the hosts list: a target string or a mapping.
func ownHost(b *builder, n *yaml.Node) (Host, error) {
	var h Host
	n = deref(n)
	if n.Kind == yaml.ScalarNode && !isNull(n) {
		var err error
		if h.User, h.Address, h.Port, err = parseTarget(n.Value); err != nil {
			return h, b.errorf(n.Line, "%v", err)
		}
		return h, nil
	}
	ps, err := pairs(b, n)
	if err != nil {
		return h, err
	}
	for _, p := range ps {
		known, err := ownSetting(b, p, &h)
		if err != nil {
			return h, err
		}
		if !known {
			return h, b.errorf(p.key.Line, "unknown key %q (known: address, name, user, port, groups, instance_id, jump, identity)", p.key.Value)
		}
	}
	if h.Address == "" {
		return h, b.errorf(n.Line, "host has no address")
	}
	return h, nil
}

// ownSetting sets the field of h that p names, validated, and reports
// whether the key is known.
func ownSetting(b *builder, p yamlPair, h *Host) (bool, error) {
	line := deref(p.value).Line
	var err error
	switch p.key.Value {
	case "address":
		var s string
		if s, err = scalar(b, p.value, "address"); err == nil {
			err = checkAddress(s)
			h.Address = s
		}
	case "name":
		var s string
		if s, err = scalar(b, p.value, "name"); err == nil {
			err = checkName(s)
			h.Name = s
		}
	case "user":
		var s string
		if s, err = scalar(b, p.value, "user"); err == nil {
			err = checkUser(s)
			h.User = s
		}
	case "port":
		var s string
		if s, err = scalar(b, p.value, "port"); err == nil {
			h.Port, err = parsePort(s)
		}
	case "instance_id":
		var s string
		if s, err = scalar(b, p.value, "instance_id"); err == nil {
			err = checkInstanceID(s)
			h.InstanceID = s
		}
	case "groups":
		var list []string
		if list, err = scalars(b, p.value, "groups"); err == nil {
			for _, s := range list {
				for _, g := range splitList(s) {
					if err = checkGroup(g); err != nil {
						break
					}
					h.Groups = append(h.Groups, g)
				}
			}
		}
	case "jump":
		var list []string
		if list, err = scalars(b, p.value, "jump"); err == nil {
			for _, s := range list {
				var hops []Hop
				if hops, err = parseJump(s); err != nil {
					break
				}
				h.Jump = append(h.Jump, hops...)
			}
		}
	case "identity":
		var list []string
		if list, err = scalars(b, p.value, "identity"); err == nil {
			for _, s := range list {
				if err = checkIdentity(s); err != nil {
					break
				}
				h.Identities = append(h.Identities, s)
			}
		}
	default:
		return false, nil
	}
	if err != nil {
		if e, ok := err.(*Error); ok {
			return true, e
		}
		return true, b.errorf(line, "%s: %v", p.key.Value, err)
	}
	return true, nil
}
