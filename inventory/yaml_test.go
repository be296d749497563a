package inventory

import "testing"

func TestParseOwnYAML(t *testing.T) {
	runLoadCases(t, "inv.yml", formatYAML, []loadCase{
		{name: "targets", content: "hosts:\n  - root@10.0.0.1:2222\n  - web-2\n",
			want: "10.0.0.1 root@10.0.0.1:2222 inv.yml:2\nweb-2 @web-2:22 inv.yml:3"},
		{name: "empty", content: "", want: ""},
		{name: "precedence host > group > defaults",
			content: "defaults: {user: d, port: 2000}\nhosts:\n  - {address: a, user: h}\n  - {address: b}\n  - {address: c, port: 3}\ngroups:\n  g1: {hosts: [a, b, c], vars: {user: g1, port: 1000}}\n  g2: {hosts: [b], vars: {user: g2}}\n",
			want:    "a h@a:1000 [g1] inv.yml:3\nb g1@b:1000 [g1,g2] inv.yml:4\nc g1@c:3 [g1] inv.yml:5"},
		{name: "group members by name and new members",
			content: "hosts:\n  - {address: 10.0.0.1, name: web-1}\ngroups:\n  web:\n    hosts: [web-1, \"ops@10.0.0.2\"]\n",
			want:    "web-1 @10.0.0.1:22 [web] inv.yml:2\n10.0.0.2 ops@10.0.0.2:22 [web] inv.yml:5"},
		{name: "merge key in host",
			content: "defaults: &d {user: ops}\nhosts:\n  - {<<: *d, address: h1}\n",
			want:    "h1 ops@h1:22 inv.yml:3"},

		{name: "unknown host key", content: "hosts:\n  - address: h1\n    colour: red\n",
			err: `inv.yml:3: unknown key "colour" (known: address, name, user, port, groups, instance_id, jump, identity)`},
		{name: "all top keys", content: "hosts: []\ngroups: {}\ndefaults: {}\n",
			want: ""},
		{name: "unknown top key", content: "hosts: [h1]\ngropus: {}\n",
			err: `inv.yml:2: unknown key "gropus" (known: hosts, groups, defaults)`},
		{name: "shell metacharacters", content: "hosts:\n  - address: \"a;reboot\"\n",
			err: `inv.yml:2: address: invalid address "a;reboot": not an IP address or DNS name`},
		{name: "bad target", content: "hosts:\n  - ok\n  - \"$(reboot)\"\n",
			err: `inv.yml:3: invalid address "$(reboot)": not an IP address or DNS name`},
		{name: "bad port", content: "hosts:\n  - address: h1\n    port: 70000\n",
			err: `inv.yml:3: port: invalid port "70000": not in 1-65535`},
		{name: "port as list", content: "hosts:\n  - address: h1\n    port: [1]\n",
			err: `inv.yml:3: port must be a string, not a list`},
		{name: "no address", content: "hosts:\n  - name: x\n",
			err: `inv.yml:2: host has no address`},
		{name: "bad group var", content: "hosts: [h1]\ngroups:\n  g:\n    hosts: [h1]\n    vars: {user: \"-oProxyCommand=x\"}\n",
			err: `inv.yml:5: user: invalid user "-oProxyCommand=x"`},
		{name: "name in group vars", content: "groups:\n  g:\n    vars:\n      name: x\n",
			err: `inv.yml:4: name is not a group or default setting (known: user, port, jump, identity)`},
		{name: "unknown group key", content: "groups:\n  g:\n    members: [a]\n",
			err: `inv.yml:3: unknown key "members" in group (known: hosts, vars)`},
		{name: "duplicate key", content: "hosts:\n  - address: a\n    address: b\n",
			err: `inv.yml:3: key "address" given twice`},
		{name: "syntax error", content: "hosts:\n  - a\n - b\n",
			err: `inv.yml:2: invalid YAML: did not find expected key`},
		{name: "not a mapping", content: "- a\n",
			err: `inv.yml:1: inventory must be a mapping, not a list`},
		{name: "billion laughs", content: laughs,
			err: `inv.yml: YAML document too large once aliases are expanded`},
	})
}

const laughs = `a: &a ["x","x","x","x","x","x","x","x","x","x"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f,*f]
`

func TestParseAnsibleYAML(t *testing.T) {
	runLoadCases(t, "inv.yml", formatYAML, []loadCase{
		{name: "minimal", content: "all:\n  hosts:\n    web1:\n    web2:\n      ansible_host: 10.0.0.2\n",
			want: "web1 @web1:22 inv.yml:3\nweb2 @10.0.0.2:22 inv.yml:4"},
		{name: "depth precedence",
			content: "all:\n  vars: {ansible_user: a}\n  children:\n    parent:\n      vars: {ansible_user: p, ansible_port: 2000}\n      children:\n        child:\n          vars: {ansible_user: c}\n          hosts:\n            h1:\n            h2: {ansible_ssh_user: h}\n",
			want:    "h1 c@h1:2000 [child,parent] inv.yml:10\nh2 h@h2:2000 [child,parent] inv.yml:11"},
		{name: "top-level group other than all", content: "web:\n  hosts:\n    w1:\n",
			want: "w1 @w1:22 [web] inv.yml:3"},
		{name: "host in two groups", content: "a:\n  hosts: {h1: {ansible_port: 2}}\nb:\n  hosts: {h1: }\n",
			want: "h1 @h1:2 [a,b] inv.yml:2"},

		{name: "bad ansible_host", content: "all:\n  hosts:\n    h1:\n      ansible_host: \"10.0.0.1 -oProxyCommand=x\"\n",
			err: `inv.yml:4: host "h1": ansible_host: invalid address "10.0.0.1 -oProxyCommand=x": not an IP address or DNS name`},
		{name: "bad host name", content: "all:\n  hosts:\n    \"a;b\":\n",
			err: `inv.yml:3: invalid name "a;b"`},
		{name: "list connection var", content: "all:\n  vars:\n    ansible_user: [a]\n",
			err: `inv.yml:3: ansible_user must be a string, not a list`},
		{name: "unknown group key", content: "all:\n  host:\n    h1:\n",
			err: `inv.yml:2: unknown key "host" in group "all" (known: hosts, vars, children)`},
		{name: "cycle", content: "all:\n  children:\n    a:\n      children:\n        b:\n          children:\n            a:\n",
			err: `inv.yml:3: group "a" is its own ancestor`},
	})
}
