package inventory

import (
	"slices"
	"testing"
)

func TestParseINI(t *testing.T) {
	runLoadCases(t, "hosts.ini", formatINI, []loadCase{
		{name: "ungrouped and grouped", content: "h0\n[web]\nh1 ansible_host=10.0.0.1 ansible_user=root\nh2:2222\n",
			want: "h0 @h0:22 hosts.ini:1\nh1 root@10.0.0.1:22 [web] hosts.ini:3\nh2 @h2:2222 [web] hosts.ini:4"},
		{name: "ranges", content: "[web]\nweb[08:10].example.com\ndb-[a:c]\nn[1:7:3]\n",
			want: "web08.example.com @web08.example.com:22 [web] hosts.ini:2\nweb09.example.com @web09.example.com:22 [web] hosts.ini:2\nweb10.example.com @web10.example.com:22 [web] hosts.ini:2\n" +
				"db-a @db-a:22 [web] hosts.ini:3\ndb-b @db-b:22 [web] hosts.ini:3\ndb-c @db-c:22 [web] hosts.ini:3\n" +
				"n1 @n1:22 [web] hosts.ini:4\nn4 @n4:22 [web] hosts.ini:4\nn7 @n7:22 [web] hosts.ini:4"},
		{name: "precedence host > child > parent > all",
			content: "[child]\nh1\nh2 ansible_user=host\n[parent:children]\nchild\n[all:vars]\nansible_user=all\nansible_port=1\n[parent:vars]\nansible_user=parent\nansible_port=2\n[child:vars]\nansible_user=child\n",
			want:    "h1 child@h1:2 [child,parent] hosts.ini:2\nh2 host@h2:2 [child,parent] hosts.ini:3"},
		{name: "same depth: later name wins", content: "[a]\nh1\n[b]\nh1\n[a:vars]\nansible_user=a\n[b:vars]\nansible_user=b\n",
			want: "h1 b@h1:22 [a,b] hosts.ini:2"},
		{name: "quoted values and comments", content: "; comment\n# comment\nh1 ansible_user=\"root\" # the first\n[all:vars]\nansible_ssh_private_key_file = '/k/a b'\n",
			want: "h1 root@h1:22 id=/k/a b hosts.ini:3"},
		{name: "jump via -J", content: "h1 ansible_ssh_common_args='-J ops@b1:2200,b2'\n",
			want: "h1 @h1:22 jump=ops@b1:2200,@b2:22 hosts.ini:1"},
		{name: "synonyms at one level", content: "h1 ansible_ssh_host=10.0.0.9 ansible_host=10.0.0.1\n",
			want: "h1 @10.0.0.1:22 hosts.ini:1"},
		{name: "other vars ignored", content: "h1 http_port=80 maxRequestsPerChild=808\n",
			want: "h1 @h1:22 hosts.ini:1"},

		{name: "bad ansible_host", content: "[web]\nh1 ansible_host='a;reboot'\n",
			err: `hosts.ini:2: host "h1": ansible_host: invalid address "a;reboot": not an IP address or DNS name`},
		{name: "bad group var", content: "h1\n[all:vars]\nansible_port=22x\n",
			err: `hosts.ini:3: host "h1": ansible_port: invalid port "22x"`},
		{name: "bad inventory name", content: "[web]\nh$1\n",
			err: `hosts.ini:2: invalid name "h$1"`},
		{name: "host name needs ansible_host", content: "db+primary\n",
			err: `hosts.ini:1: host "db+primary": invalid address "db+primary": not an IP address or DNS name (set ansible_host)`},
		{name: "bad section kind", content: "[web:hosts]\n",
			err: `hosts.ini:1: section [web:hosts]: unknown kind "hosts" (known: vars, children)`},
		{name: "bad section name", content: "[we b]\n",
			err: `hosts.ini:1: section [we b]: invalid group "we b"`},
		{name: "vars without =", content: "[web:vars]\nansible_user\n",
			err: `hosts.ini:2: expected var=value in [web:vars], got "ansible_user"`},
		{name: "host var without =", content: "h1 root\n",
			err: `hosts.ini:1: expected var=value after the host, got "root"`},
		{name: "unterminated quote", content: "h1 ansible_user='root\n",
			err: `hosts.ini:1: unterminated quote`},
		{name: "bad range", content: "web[3:1]\n",
			err: `hosts.ini:1: invalid range in "web[3:1]"`},
		{name: "huge range", content: "web[0:99999999]\n",
			err: `hosts.ini:1: invalid range in "web[0:99999999]"`},
		{name: "cycle", content: "[a:children]\nb\n[b:children]\na\n",
			err: `hosts.ini:1: group "a" is its own ancestor`},
		{name: "bad jump", content: "h1 ansible_ssh_common_args='-o ProxyJump=-oFoo'\n",
			err: `hosts.ini:1: host "h1": ansible_ssh_common_args: jump host: invalid address "-oFoo": label starts with '-'`},
	})
}

func TestINIWarnings(t *testing.T) {
	in := "localhost ansible_connection=local\n[web]\nw1\nw2\n[web:vars]\nansible_ssh_common_args=-o ProxyCommand=\"nc %h %p\"\n"
	b, err := parse("hosts.ini", []byte(in), formatINI)
	if err != nil {
		t.Fatal(err)
	}
	if len(b.hosts) != 2 || b.hosts[0].Name != "w1" || b.hosts[0].Jump != nil {
		t.Errorf("hosts = %+v, want w1 and w2 without jump hosts", b.hosts)
	}
	want := []Warning{
		{"hosts.ini", 1, "hosts with ansible_connection=local are not reached over SSH; skipped"},
		{"hosts.ini", 6, `ansible_ssh_common_args: ProxyCommand "nc %h %p" is not understood; the host will be reached directly`},
	}
	if !slices.Equal(b.warnings, want) {
		t.Errorf("warnings = %q\nwant %q", b.warnings, want)
	}
}

func TestINIHostNotAnAddress(t *testing.T) {
	// An inventory name that is no DNS name still works with ansible_host.
	b, err := parse("hosts.ini", []byte("db+primary ansible_host=10.0.0.1\n"), formatINI)
	if err != nil {
		t.Fatal(err)
	}
	if h := b.hosts[0]; h.Name != "db+primary" || h.Address != "10.0.0.1" {
		t.Errorf("host = %+v", h)
	}
}

func TestJumpFromSSHArgs(t *testing.T) {
	tests := []struct {
		args string
		want []Hop
		warn bool
	}{
		{"", nil, false},
		{"-o StrictHostKeyChecking=no", nil, false},
		{"-J b1", []Hop{{Address: "b1"}}, false},
		{"-Jops@b1:2200", []Hop{{User: "ops", Address: "b1", Port: 2200}}, false},
		{"-o ProxyJump=b1,b2", []Hop{{Address: "b1"}, {Address: "b2"}}, false},
		{"-oProxyJump=b1", []Hop{{Address: "b1"}}, false},
		{"-o 'ProxyJump b1'", []Hop{{Address: "b1"}}, false},
		{"-o proxyjump=none", nil, false},
		{`-o ProxyCommand="ssh -W %h:%p -q ops@b1"`, []Hop{{User: "ops", Address: "b1"}}, false},
		{`-o ProxyCommand="ssh -l ops -p 2200 -W [%h]:%p b1"`, []Hop{{User: "ops", Address: "b1", Port: 2200}}, false},
		{`-o ProxyCommand="nc -X 5 -x proxy:1080 %h %p"`, nil, true},
		{`-o ProxyCommand="ssh b1 nc %h %p"`, nil, true},
	}
	for _, tt := range tests {
		got, warn, err := jumpFromSSHArgs(tt.args)
		if err != nil {
			t.Errorf("jumpFromSSHArgs(%q): %v", tt.args, err)
			continue
		}
		if !slices.Equal(got, tt.want) || (warn != "") != tt.warn {
			t.Errorf("jumpFromSSHArgs(%q) = %v, %q; want %v, warning %v", tt.args, got, warn, tt.want, tt.warn)
		}
	}
}
