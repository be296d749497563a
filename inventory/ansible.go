package inventory

import (
	"cmp"
	"fmt"
	"maps"
	"path"
	"slices"
	"strconv"
	"strings"
)

// ansibleInventory is what the Ansible INI and YAML formats both describe:
// hosts with variables, in groups with variables, groups within groups.
type ansibleInventory struct {
	hosts  []*ansibleHost
	byName map[string]*ansibleHost
	groups map[string]*ansibleGroup
	defs   int // host definitions so far, ranges expanded
}

type ansibleVar struct {
	value string
	line  int
	name  string // as written, when merged under its canonical name
}

type ansibleHost struct {
	name   string
	line   int // first definition
	vars   map[string]ansibleVar
	groups []string // the groups that list the host itself
}

type ansibleGroup struct {
	name    string
	line    int
	vars    map[string]ansibleVar
	parents []string
}

func newAnsibleInventory() *ansibleInventory {
	inv := &ansibleInventory{byName: map[string]*ansibleHost{}, groups: map[string]*ansibleGroup{}}
	inv.group("all", 0)
	return inv
}

// group returns the named group, creating it.
func (inv *ansibleInventory) group(name string, line int) *ansibleGroup {
	g := inv.groups[name]
	if g == nil {
		g = &ansibleGroup{name: name, line: line, vars: map[string]ansibleVar{}}
		inv.groups[name] = g
	}
	return g
}

// addHost adds host name to group, with vars; a host listed again gains the
// group and its later vars override earlier ones, as in Ansible.
func (inv *ansibleInventory) addHost(group, name string, line int, vars map[string]ansibleVar) {
	h := inv.byName[name]
	if h == nil {
		h = &ansibleHost{name: name, line: line, vars: map[string]ansibleVar{}}
		inv.byName[name] = h
		inv.hosts = append(inv.hosts, h)
	}
	inv.group(group, line)
	if !slices.Contains(h.groups, group) {
		h.groups = append(h.groups, group)
	}
	for k, v := range vars {
		h.vars[k] = v
	}
}

// addPattern adds the hosts of an inventory host pattern, which may hold
// ranges (web[01:03]) and a port (host:2222, [2001:db8::1]:2222).
func (inv *ansibleInventory) addPattern(b *builder, group, pattern string, line int, vars map[string]ansibleVar) error {
	names, err := expandRange(pattern)
	if err != nil {
		return b.errorf(line, "%v", err)
	}
	// Aliases in YAML can repeat a ranged group many times over.
	if inv.defs += len(names); inv.defs > maxHosts {
		return b.errorf(line, "more than %d host definitions", maxHosts)
	}
	for _, name := range names {
		hostVars := vars
		// A bare IPv6 address has several colons and no port.
		if strings.Count(name, ":") == 1 || strings.HasPrefix(name, "[") {
			addr, port, err := parseHostPort(name)
			if err != nil {
				return b.errorf(line, "%v", err)
			}
			name = addr
			_, set := vars["ansible_port"]
			if _, ssh := vars["ansible_ssh_port"]; port != 0 && !set && !ssh {
				hostVars = maps.Clone(vars)
				hostVars["ansible_port"] = ansibleVar{value: strconv.Itoa(port), line: line}
			}
		}
		inv.addHost(group, name, line, hostVars)
	}
	return nil
}

func (inv *ansibleInventory) addChild(parent, child string, line int) {
	inv.group(parent, line)
	c := inv.group(child, line)
	if !slices.Contains(c.parents, parent) {
		c.parents = append(c.parents, parent)
	}
}

// resolve turns the inventory into Hosts. Variables apply with Ansible's
// precedence: all, then groups from parents to children (by depth, then
// name), then the host's own.
func (inv *ansibleInventory) resolve(b *builder) error {
	depth, err := inv.depths(b)
	if err != nil {
		return err
	}
	for _, ah := range inv.hosts {
		member := map[string]bool{"all": true}
		var walk func(string)
		walk = func(g string) {
			if member[g] {
				return
			}
			member[g] = true
			for _, p := range inv.groups[g].parents {
				walk(p)
			}
		}
		for _, g := range ah.groups {
			walk(g)
		}
		groups := make([]string, 0, len(member))
		for g := range member {
			groups = append(groups, g)
		}
		slices.SortFunc(groups, func(a, b string) int {
			return cmp.Or(cmp.Compare(depth[a], depth[b]), cmp.Compare(a, b))
		})
		vars := map[string]ansibleVar{}
		for _, g := range groups {
			mergeVars(vars, inv.groups[g].vars)
		}
		mergeVars(vars, ah.vars)
		if c, ok := vars["ansible_connection"]; ok && !sshConnection[c.value] {
			b.warnf(c.line, "hosts with %s=%s are not reached over SSH; skipped", c.name, c.value)
			continue
		}
		h, err := ansibleHostFrom(b, ah, vars)
		if err != nil {
			return err
		}
		slices.Sort(groups)
		for _, g := range groups {
			if g != "all" && g != "ungrouped" {
				h.Groups = append(h.Groups, g)
			}
		}
		if err := b.add(ah.line, h); err != nil {
			return err
		}
	}
	return nil
}

// depths computes each group's distance from "all" along its longest path,
// and rejects cycles.
func (inv *ansibleInventory) depths(b *builder) (map[string]int, error) {
	const visiting = -1
	depth := map[string]int{"all": 0}
	var visit func(g *ansibleGroup) (int, error)
	visit = func(g *ansibleGroup) (int, error) {
		if d, ok := depth[g.name]; ok {
			if d == visiting {
				return 0, b.errorf(g.line, "group %q is its own ancestor", g.name)
			}
			return d, nil
		}
		depth[g.name] = visiting
		d := 1
		for _, p := range g.parents {
			pd, err := visit(inv.groups[p])
			if err != nil {
				return 0, err
			}
			d = max(d, pd+1)
		}
		depth[g.name] = d
		return d, nil
	}
	names := make([]string, 0, len(inv.groups))
	for name := range inv.groups {
		names = append(names, name)
	}
	slices.Sort(names) // the first cycle reported must not depend on map order
	for _, name := range names {
		if name == "all" && len(inv.groups[name].parents) > 0 {
			return nil, b.errorf(inv.groups[name].line, "group \"all\" cannot be a child")
		}
		if _, err := visit(inv.groups[name]); err != nil {
			return nil, err
		}
	}
	return depth, nil
}

// connectionVars are the variables ansibleHostFrom reads, each with the
// canonical name of its group of synonyms.
var connectionVars = map[string]string{
	"ansible_host": "ansible_host", "ansible_ssh_host": "ansible_host",
	"ansible_user": "ansible_user", "ansible_ssh_user": "ansible_user",
	"ansible_port": "ansible_port", "ansible_ssh_port": "ansible_port",
	"ansible_ssh_private_key_file": "ansible_ssh_private_key_file",
	"ansible_private_key_file":     "ansible_ssh_private_key_file",
	"ansible_ssh_common_args":      "ansible_ssh_common_args",
	"ansible_ssh_extra_args":       "ansible_ssh_extra_args",
	"instance_id":                  "instance_id", "ec2_id": "instance_id",
	"ansible_connection": "ansible_connection",
}

// sshConnection are the values of ansible_connection that mean SSH.
var sshConnection = map[string]bool{"ssh": true, "smart": true, "paramiko": true, "paramiko_ssh": true}

// mergeVars sets the variables of one level (a group or the host) over
// those of the levels below it. Synonyms count as one variable, and at one
// level the canonical name wins over its synonyms, whatever the map order.
func mergeVars(dst, level map[string]ansibleVar) {
	for _, canonicalPass := range []bool{false, true} {
		for k, v := range level {
			c, ok := connectionVars[k]
			if !ok {
				continue
			}
			if (c == k) == canonicalPass {
				v.name = k
				dst[c] = v
			}
		}
	}
}

// ansibleHostFrom reads the connection variables that matter here; the
// others are Ansible's business and are ignored.
func ansibleHostFrom(b *builder, ah *ansibleHost, vars map[string]ansibleVar) (Host, error) {
	h := Host{Name: ah.name, Address: ah.name}
	if err := checkName(ah.name); err != nil {
		return h, b.errorf(ah.line, "%v", err)
	}
	if v, ok := vars["ansible_host"]; ok {
		if err := checkAddress(v.value); err != nil {
			return h, b.errorf(v.line, "host %q: %s: %v", ah.name, v.name, err)
		}
		h.Address = v.value
	} else if err := checkAddress(h.Address); err != nil {
		return h, b.errorf(ah.line, "host %q: %v (set ansible_host)", ah.name, err)
	}
	if v, ok := vars["ansible_user"]; ok {
		if err := checkUser(v.value); err != nil {
			return h, b.errorf(v.line, "host %q: %s: %v", ah.name, v.name, err)
		}
		h.User = v.value
	}
	if v, ok := vars["ansible_port"]; ok {
		p, err := parsePort(v.value)
		if err != nil {
			return h, b.errorf(v.line, "host %q: %s: %v", ah.name, v.name, err)
		}
		h.Port = p
	}
	if v, ok := vars["ansible_ssh_private_key_file"]; ok {
		if err := checkIdentity(v.value); err != nil {
			return h, b.errorf(v.line, "host %q: %s: %v", ah.name, v.name, err)
		}
		h.Identities = []string{v.value}
	}
	if v, ok := vars["instance_id"]; ok {
		if err := checkInstanceID(v.value); err != nil {
			return h, b.errorf(v.line, "host %q: %s: %v", ah.name, v.name, err)
		}
		h.InstanceID = v.value
	}
	for _, k := range []string{"ansible_ssh_common_args", "ansible_ssh_extra_args"} {
		v, ok := vars[k]
		if !ok || h.Jump != nil {
			continue
		}
		jump, warn, err := jumpFromSSHArgs(v.value)
		if err != nil {
			return h, b.errorf(v.line, "host %q: %s: %v", ah.name, v.name, err)
		}
		if warn != "" {
			b.warnf(v.line, "%s: %s", v.name, warn)
		}
		h.Jump = jump
	}
	return h, nil
}

// jumpFromSSHArgs finds the jump hosts in ssh command-line arguments:
// -J chain, -o ProxyJump=chain, or a ProxyCommand of the form
// "ssh -W %h:%p [user@]bastion". Other arguments are ignored; a ProxyCommand
// of another form is reported in warn.
func jumpFromSSHArgs(s string) (jump []Hop, warn string, err error) {
	args, err := shellSplit(s)
	if err != nil {
		return nil, "", err
	}
	for i := 0; i < len(args); i++ {
		a, next := args[i], ""
		if i+1 < len(args) {
			next = args[i+1]
		}
		var opt string
		switch {
		case a == "-J":
			return parseJumpArg(next)
		case strings.HasPrefix(a, "-J"):
			return parseJumpArg(a[2:])
		case a == "-o":
			i++
			opt = next
		case strings.HasPrefix(a, "-o"):
			opt = a[2:]
		default:
			continue
		}
		key, val, _ := strings.Cut(strings.TrimSpace(opt), "=")
		if k, v, ok := strings.Cut(key, " "); ok && val == "" {
			key, val = k, v
		}
		switch strings.ToLower(strings.TrimSpace(key)) {
		case "proxyjump":
			return parseJumpArg(strings.TrimSpace(val))
		case "proxycommand":
			if hop, ok := hopFromProxyCommand(val); ok {
				return []Hop{hop}, "", nil
			}
			return nil, fmt.Sprintf("ProxyCommand %q is not understood; the host will be reached directly", val), nil
		}
	}
	return nil, "", nil
}

func parseJumpArg(s string) ([]Hop, string, error) {
	if strings.EqualFold(s, "none") {
		return nil, "", nil
	}
	hops, err := parseJump(s)
	return hops, "", err
}

// hopFromProxyCommand recognizes "ssh [options] -W %h:%p [user@]bastion".
func hopFromProxyCommand(cmd string) (Hop, bool) {
	args, err := shellSplit(cmd)
	if err != nil || len(args) < 2 || path.Base(args[0]) != "ssh" {
		return Hop{}, false
	}
	var hop Hop
	var target string
	forwards := false
	for i := 1; i < len(args); i++ {
		a := args[i]
		if !strings.HasPrefix(a, "-") || len(a) < 2 {
			if target != "" {
				return Hop{}, false // a remote command: not a plain forward
			}
			target = a
			continue
		}
		flag, val := a[1], a[2:]
		if !strings.ContainsRune("BbcDEeFIiJLlmOopQRSWw", rune(flag)) {
			continue // flags without an argument, such as -q
		}
		if val == "" && i+1 < len(args) {
			i++
			val = args[i]
		}
		switch flag {
		case 'W':
			forwards = val == "%h:%p" || val == "[%h]:%p"
		case 'p':
			p, err := parsePort(val)
			if err != nil {
				return Hop{}, false
			}
			hop.Port = p
		case 'l':
			hop.User = val
		case 'J', 'o', 'F':
			return Hop{}, false // nested proxies or other configs: too clever to follow
		}
	}
	if !forwards || target == "" {
		return Hop{}, false
	}
	user, addr, port, err := parseTarget(target)
	if err != nil {
		return Hop{}, false
	}
	hop.Address = addr
	hop.User = cmp.Or(user, hop.User)
	hop.Port = cmp.Or(port, hop.Port)
	if hop.User != "" && checkUser(hop.User) != nil {
		return Hop{}, false
	}
	return hop, true
}
