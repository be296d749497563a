package inventory

import (
	"fmt"
	"regexp"
	"strconv"

	"gopkg.in/yaml.v3"
)

// maxYAMLNodes bounds the size of a YAML document with its aliases expanded,
// against "billion laughs" documents.
const maxYAMLNodes = 1_000_000

var yamlErrLine = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// parseYAML parses resetaudit's YAML format or an Ansible YAML inventory.
// Ours has only the top-level keys hosts (a list), groups and defaults; any
// other shape is read as Ansible's.
func parseYAML(b *builder, data []byte) error {
	root, err := decodeYAML(b, data)
	if err != nil || root == nil {
		return err
	}
	if root.Kind != yaml.MappingNode {
		return b.errorf(root.Line, "inventory must be a mapping, not %s", kindName(root))
	}
	if isOwnYAML(root) {
		return parseOwnYAML(b, root)
	}
	return parseAnsibleYAML(b, root)
}

func decodeYAML(b *builder, data []byte) (root *yaml.Node, err error) {
	var doc yaml.Node
	defer func() {
		// yaml.v3 is a large parser fed untrusted input: a panic in it is an
		// invalid inventory, not a crash.
		if r := recover(); r != nil {
			root, err = nil, b.errorf(0, "invalid YAML: %v", r)
		}
	}()
	if err := yaml.Unmarshal(data, &doc); err != nil {
		if m := yamlErrLine.FindStringSubmatch(err.Error()); m != nil {
			line, _ := strconv.Atoi(m[1])
			return nil, b.errorf(line, "invalid YAML: %s", m[2])
		}
		return nil, b.errorf(0, "invalid YAML: %v", err)
	}
	if len(doc.Content) == 0 {
		return nil, nil // empty document: no hosts
	}
	if n := yamlSize(&doc, map[*yaml.Node]int{}); n > maxYAMLNodes {
		return nil, b.errorf(0, "YAML document too large once aliases are expanded")
	}
	return doc.Content[0], nil
}

// yamlSize counts the nodes of n with aliases expanded, saturating above maxYAMLNodes.
func yamlSize(n *yaml.Node, memo map[*yaml.Node]int) int {
	if v, ok := memo[n]; ok {
		return v
	}
	memo[n] = maxYAMLNodes + 1 // an alias cycle counts as too large
	size := 1
	if n.Kind == yaml.AliasNode && n.Alias != nil {
		size += yamlSize(n.Alias, memo)
	}
	for _, c := range n.Content {
		size += yamlSize(c, memo)
		if size > maxYAMLNodes {
			break
		}
	}
	size = min(size, maxYAMLNodes+1)
	memo[n] = size
	return size
}

func isOwnYAML(root *yaml.Node) bool {
	own := true
	for i := 0; i+1 < len(root.Content); i += 2 {
		switch k, v := root.Content[i].Value, deref(root.Content[i+1]); k {
		case "hosts":
			if v.Kind == yaml.SequenceNode {
				return true // Ansible's hosts are a mapping
			}
			own = own && v.Kind != yaml.MappingNode
		case "groups", "defaults":
		default:
			own = false
		}
	}
	return own
}

// deref follows aliases.
func deref(n *yaml.Node) *yaml.Node {
	for i := 0; n.Kind == yaml.AliasNode && n.Alias != nil && i < 100; i++ {
		n = n.Alias
	}
	return n
}

type yamlPair struct{ key, value *yaml.Node }

// pairs returns the entries of a mapping in order, with YAML merge keys
// ("<<: *anchor") applied; explicit keys override merged ones, and a key given
// twice is an error.
func pairs(b *builder, n *yaml.Node) ([]yamlPair, error) {
	n = deref(n)
	if isNull(n) {
		return nil, nil
	}
	if n.Kind != yaml.MappingNode {
		return nil, b.errorf(n.Line, "expected a mapping, not %s", kindName(n))
	}
	var out, merged []yamlPair
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := deref(n.Content[i]), n.Content[i+1]
		if k.Kind != yaml.ScalarNode {
			return nil, b.errorf(k.Line, "mapping key must be a scalar, not %s", kindName(k))
		}
		if k.Tag == "!!merge" {
			srcs := []*yaml.Node{deref(v)}
			if srcs[0].Kind == yaml.SequenceNode {
				srcs = srcs[0].Content
			}
			for _, src := range srcs {
				p, err := pairs(b, src)
				if err != nil {
					return nil, err
				}
				merged = append(merged, p...)
			}
			continue
		}
		if seen[k.Value] {
			return nil, b.errorf(k.Line, "key %q given twice", k.Value)
		}
		seen[k.Value] = true
		out = append(out, yamlPair{k, v})
	}
	for _, p := range merged {
		if !seen[p.key.Value] {
			seen[p.key.Value] = true
			out = append(out, p)
		}
	}
	return out, nil
}

func isNull(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && n.Tag == "!!null"
}

// scalar returns the text of a scalar node.
func scalar(b *builder, n *yaml.Node, what string) (string, error) {
	n = deref(n)
	if n.Kind != yaml.ScalarNode || isNull(n) {
		return "", b.errorf(n.Line, "%s must be a string, not %s", what, kindName(n))
	}
	return n.Value, nil
}

// scalars returns a scalar or a list of scalars as a list.
func scalars(b *builder, n *yaml.Node, what string) ([]string, error) {
	n = deref(n)
	if n.Kind != yaml.SequenceNode {
		s, err := scalar(b, n, what)
		if err != nil {
			return nil, err
		}
		return []string{s}, nil
	}
	var out []string
	for _, c := range n.Content {
		s, err := scalar(b, c, what)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, nil
}

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.AliasNode:
		return "an alias"
	}
	if isNull(n) {
		return "empty"
	}
	return fmt.Sprintf("%q", n.Value)
}
