package inventory

import "testing"

func TestValidate(t *testing.T) {
	tests := []struct {
		h   Host
		err string
	}{
		{Host{Name: "a", Address: "a"}, ""},
		{Host{Name: "web_1", Address: "web_1.example.com.", Port: 65535, User: "deploy.user"}, ""},
		{Host{Name: "v6", Address: "fe80::1%eth0"}, ""},
		{Host{Name: "a", Address: "fe80::1%eth0;x"}, `invalid address "fe80::1%eth0;x": bad zone`},
		{Host{Name: "a", Address: "a b"}, `invalid address "a b": not an IP address or DNS name`},
		{Host{Name: "a", Address: "a..b"}, `invalid address "a..b": empty label`},
		{Host{Name: "a", Address: "a", Port: -1}, `invalid port -1: not in 1-65535`},
		{Host{Name: "a", Address: "a", User: "a b"}, `invalid user "a b"`},
		{Host{Name: "a", Address: "a", Groups: []string{"-g"}}, `invalid group "-g"`},
		{Host{Name: "a\n", Address: "a"}, `invalid name "a\n"`},
		{Host{Name: "a", Address: "a", Jump: []Hop{{Address: "b", User: "-J"}}}, `jump host: invalid user "-J"`},
		{Host{Name: "a", Address: "a", Identities: []string{"k\x00"}}, `invalid identity file "k\x00": control character`},
		{Host{Name: "a", Address: "a", InstanceID: "i-0123456789abcdef"}, `invalid instance_id "i-0123456789abcdef": want i- and 8 or 17 hex digits`},
	}
	for _, tt := range tests {
		err := tt.h.Validate()
		if got := errString(err); got != tt.err {
			t.Errorf("Validate(%+v) = %q, want %q", tt.h, got, tt.err)
		}
	}
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

func TestErrorString(t *testing.T) {
	if got := (&Error{File: "f", Line: 3, Msg: "m"}).Error(); got != "f:3: m" {
		t.Errorf("got %q", got)
	}
	if got := (&Error{File: "f", Msg: "m"}).Error(); got != "f: m" {
		t.Errorf("got %q", got)
	}
	if got := (Warning{File: "f", Line: 1, Msg: "w"}).String(); got != "f:1: w" {
		t.Errorf("got %q", got)
	}
}
