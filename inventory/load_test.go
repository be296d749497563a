package inventory

import (
	"encoding/json"
	"errors"
	"flag"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// TestLoadGolden loads each inventory under testdata and compares the hosts
// and warnings with the .golden file next to it.
func TestLoadGolden(t *testing.T) {
	for _, name := range []string{"plain.txt", "hosts.yml", "ansible.ini", "ansible.yml", "ssh_config"} {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join("testdata", name)
			hosts, warnings, err := Load(path)
			if err != nil {
				t.Fatal(err)
			}
			for _, h := range hosts {
				if err := h.Validate(); err != nil {
					t.Errorf("host %s does not validate: %v", h.Name, err)
				}
			}
			got, err := json.MarshalIndent(struct {
				Hosts    []Host
				Warnings []Warning
			}{hosts, warnings}, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, '\n')
			golden := path + ".golden"
			if *update {
				if err := os.WriteFile(golden, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != string(want) {
				t.Errorf("Load(%s) differs from %s (run go test -update):\n%s", path, golden, got)
			}
		})
	}
}

func TestDetect(t *testing.T) {
	tests := []struct {
		file, content string
		want          format
	}{
		{"hosts.txt", "root@10.0.0.1 name=a\n", formatPlain},
		{"hosts", "# comment\n10.0.0.1:2222 group=web\n", formatPlain},
		{"hosts", "[2001:db8::1]:22\n", formatPlain},
		{"hosts", "host name=x\n", formatPlain},
		{"inv.yaml", "all:\n", formatYAML},
		{"hosts", "# x\nhosts:\n  - a\n", formatYAML},
		{"hosts", "---\nall:\n", formatYAML},
		{"inventory", "[web]\nweb1\n", formatINI},
		{"inventory", "web1 ansible_host=10.0.0.1\n", formatINI},
		{"hosts.ini", "web1\n", formatINI},
		{"my.conf", "x\n", formatSSHConfig},
		{"/home/u/.ssh/config", "", formatSSHConfig},
		{"aliases", "Host web\n  HostName 10.0.0.1\n", formatSSHConfig},
		{"aliases", "host=web\n", formatSSHConfig},
	}
	for _, tt := range tests {
		if got := detect(tt.file, []byte(tt.content)); got != tt.want {
			t.Errorf("detect(%q, %q) = %v, want %v", tt.file, tt.content, got, tt.want)
		}
	}
}

func TestLoadMissingFile(t *testing.T) {
	_, _, err := Load("testdata/does-not-exist")
	var e *Error
	if !errors.As(err, &e) || !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("Load(missing) = %v, want an *Error wrapping fs.ErrNotExist", err)
	}
	if want := "testdata/does-not-exist: open: no such file or directory"; err.Error() != want {
		t.Errorf("error = %q, want %q", err, want)
	}
}

func TestLoadAllMerges(t *testing.T) {
	dir := t.TempDir()
	a := filepath.Join(dir, "a.txt")
	b := filepath.Join(dir, "b.txt")
	write(t, a, "root@10.0.0.1 name=web-1 group=web\n10.0.0.2 group=db\n")
	write(t, b, "# again\nroot@10.0.0.1 name=other group=canary\n10.0.0.3 name=web-1 group=x\n10.0.0.4\n")
	hosts, warnings, err := LoadAll([]string{a, b})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, h := range hosts {
		names = append(names, h.Name+"="+strings.Join(h.Groups, "+"))
	}
	if got, want := strings.Join(names, " "), "web-1=web+canary+x 10.0.0.2=db 10.0.0.4="; got != want {
		t.Errorf("hosts = %s, want %s", got, want)
	}
	want := []Warning{
		{b, 2, `host "other" is already defined at ` + a + `:1; groups merged, other settings of the first kept`},
		{b, 3, `host "web-1" is already defined at ` + a + `:1; groups merged, other settings of the first kept`},
	}
	if len(warnings) != len(want) {
		t.Fatalf("warnings = %v, want %v", warnings, want)
	}
	for i := range want {
		if warnings[i] != want[i] {
			t.Errorf("warning %d = %v, want %v", i, warnings[i], want[i])
		}
	}
}

func write(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// loadCase is one inventory in a table of parse tests: either the hosts it
// yields, summarized by summary, or the exact error.
type loadCase struct {
	name    string
	content string
	want    string // summary of the hosts, one per line
	err     string // exact error text
}

func runLoadCases(t *testing.T, file string, f format, tests []loadCase) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := parse(file, []byte(tt.content), f)
			if tt.err != "" {
				var e *Error
				if !errors.As(err, &e) {
					t.Fatalf("error = %#v, want *Error %q", err, tt.err)
				}
				if err.Error() != tt.err {
					t.Fatalf("error = %q, want %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var lines []string
			for _, h := range b.hosts {
				if err := h.Validate(); err != nil {
					t.Errorf("host %s does not validate: %v", h.Name, err)
				}
				lines = append(lines, summary(h))
			}
			if got := strings.Join(lines, "\n"); got != tt.want {
				t.Errorf("hosts:\n%s\nwant:\n%s", got, tt.want)
			}
		})
	}
}

// summary writes a host on one line: name user@address:port [groups] jump=... id=... iid src.
func summary(h Host) string {
	var s strings.Builder
	s.WriteString(h.Name + " " + h.User + "@" + h.Address + ":" + itoa(h.Port))
	if len(h.Groups) > 0 {
		s.WriteString(" [" + strings.Join(h.Groups, ",") + "]")
	}
	for i, hop := range h.Jump {
		if i == 0 {
			s.WriteString(" jump=")
		} else {
			s.WriteString(",")
		}
		s.WriteString(hop.User + "@" + hop.Address + ":" + itoa(hop.Port))
	}
	for _, id := range h.Identities {
		s.WriteString(" id=" + id)
	}
	if h.InstanceID != "" {
		s.WriteString(" " + h.InstanceID)
	}
	s.WriteString(" " + h.Source)
	return s.String()
}

func itoa(i int) string {
	b, _ := json.Marshal(i)
	return string(b)
}
