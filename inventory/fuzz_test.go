package inventory

import (
	"os"
	"path/filepath"
	"testing"
)

// fuzzParse parses data in format f and checks that whatever comes out is
// either an *Error or hosts that all pass validation.
func fuzzParse(t *testing.T, f format, data []byte) {
	b, err := parse("fuzz", data, f)
	if err != nil {
		if _, ok := err.(*Error); !ok {
			t.Fatalf("error %#v is not an *Error", err)
		}
		return
	}
	for _, h := range b.hosts {
		if err := h.Validate(); err != nil {
			t.Fatalf("host %+v does not validate: %v", h, err)
		}
		if h.Port == 0 || h.Name == "" || h.Source == "" {
			t.Fatalf("host %+v is not normalized", h)
		}
	}
}

func addSeeds(f *testing.F, files ...string) {
	for _, name := range files {
		data, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
}

func FuzzLoadPlain(f *testing.F) {
	addSeeds(f, "plain.txt")
	f.Add([]byte("a;reboot\n[::1]:22 jump=a,b@c:1 group=x,y\n"))
	f.Fuzz(func(t *testing.T, data []byte) { fuzzParse(t, formatPlain, data) })
}

func FuzzLoadINI(f *testing.F) {
	addSeeds(f, "ansible.ini")
	f.Add([]byte("[a:children]\nb\n[b]\nh[1:3]:22 ansible_ssh_common_args='-J x'\n"))
	f.Fuzz(func(t *testing.T, data []byte) { fuzzParse(t, formatINI, data) })
}

func FuzzLoadYAML(f *testing.F) {
	addSeeds(f, "hosts.yml", "ansible.yml")
	f.Add([]byte(laughs))
	f.Add([]byte("defaults: &d {user: ops}\nhosts:\n  - {<<: *d, address: h1}\n"))
	f.Fuzz(func(t *testing.T, data []byte) { fuzzParse(t, formatYAML, data) })
}
