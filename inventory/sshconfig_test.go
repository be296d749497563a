package inventory

import (
	"bufio"
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

func TestParseSSHConfig(t *testing.T) {
	t.Setenv("HOME", "/home/tester")
	runLoadCases(t, "config", formatSSHConfig, []loadCase{
		{name: "wildcards are defaults, not hosts", content: "Host *\n  User admin\n  Port 2200\nHost a b\n  HostName 10.0.0.1\nHost !c *.x ?y\n",
			want: "a admin@10.0.0.1:2200 config:4\nb admin@10.0.0.1:2200 config:4"},
		{name: "first value wins", content: "Host a\n  User first\nHost *\n  User second\n",
			want: "a first@a:22 config:1"},
		{name: "equals syntax", content: "Host=a\n  HostName=10.0.0.2\n",
			want: "a @10.0.0.2:22 config:1"},
		{name: "jump through aliases", content: "Host a\n  ProxyJump b\nHost b\n  HostName 10.0.0.2\n  User ops\n  ProxyJump c\nHost c\n  Port 2222\n",
			want: "a @a:22 jump=@c:2222,ops@10.0.0.2:22 config:1\nb ops@10.0.0.2:22 jump=@c:2222 config:3\nc @c:2222 config:7"},
		{name: "identity expansion", content: "Host a\n  User u\n  IdentityFile ~/.ssh/id_%h_%r\n  IdentityFile %d/k\n  IdentityFile none\n",
			want: "a u@a:22 id=/home/tester/.ssh/id_a_u id=/home/tester/k config:1"},
		{name: "match blocks apply", content: "Host a\nMatch all\n  User m\n",
			want: "a m@a:22 config:1"},

		{name: "bad HostName", content: "\nHost a\n  HostName a;reboot\n",
			err: `config:2: host "a": HostName: invalid address "a;reboot": not an IP address or DNS name`},
		{name: "bad user", content: "Host a\n  User -oProxyCommand=x\n",
			err: `config:1: host "a": User: invalid user "-oProxyCommand=x"`},
		{name: "bad port", content: "Host a\n  Port 0\n",
			err: `config:1: host "a": Port: invalid port "0": not in 1-65535`},
		{name: "jump loop", content: "Host a\n  ProxyJump b\nHost b\n  ProxyJump a\n",
			err: `config:1: host "a": ProxyJump: jump chain longer than 8 hops, or a loop`},
		{name: "bad alias", content: "Host a$b\n",
			err: `config:1: Host alias: invalid name "a$b"`},
	})
}

// TestSSHConfigMatchesOpenSSH compares what the loader resolves with what
// ssh -G says for the same aliases.
func TestSSHConfigMatchesOpenSSH(t *testing.T) {
	ssh, err := exec.LookPath("ssh")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("ssh is needed for this test under CI")
		}
		t.Skip("ssh not installed")
	}
	path := filepath.Join("testdata", "ssh_config")
	hosts, _, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range hosts {
		out, err := exec.Command(ssh, "-G", "-F", path, h.Name).Output()
		if err != nil {
			t.Fatalf("ssh -G %s: %v", h.Name, err)
		}
		got := map[string]string{}
		sc := bufio.NewScanner(bytes.NewReader(out))
		for sc.Scan() {
			k, v, _ := strings.Cut(sc.Text(), " ")
			got[k] = v
		}
		want := map[string]string{"hostname": h.Address, "user": h.User, "port": strconv.Itoa(h.Port)}
		for k, v := range want {
			if got[k] != v {
				t.Errorf("%s: ssh -G says %s %q, loader %q", h.Name, k, got[k], v)
			}
		}
	}
}
