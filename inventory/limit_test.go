package inventory

import (
	"strings"
	"testing"
)

func TestLimit(t *testing.T) {
	hosts := []Host{
		{Name: "web-1", Address: "10.0.0.1", Groups: []string{"web", "prod"}},
		{Name: "web-2", Address: "10.0.0.2", Groups: []string{"web", "staging"}},
		{Name: "db-1", Address: "10.0.1.1", Groups: []string{"db", "prod"}},
		{Name: "v6", Address: "2001:db8::1"},
	}
	tests := []struct {
		pattern, want, err string
	}{
		{pattern: "all", want: "web-1 web-2 db-1 v6"},
		{pattern: "*", want: "web-1 web-2 db-1 v6"},
		{pattern: "web", want: "web-1 web-2"},
		{pattern: "db-1,web-2", want: "web-2 db-1"},
		{pattern: "db:web", want: "web-1 web-2 db-1"},
		{pattern: "web:&prod", want: "web-1"},
		{pattern: "prod:!db", want: "web-1"},
		{pattern: "!web", want: "db-1 v6"},
		{pattern: "10.0.0.*", want: "web-1 web-2"},
		{pattern: "web-[12]", want: "web-1 web-2"},
		{pattern: "2001:db8::1", want: "v6"},
		{pattern: "2001:db8::1,db", want: "db-1 v6"},
		{pattern: "web,", want: "web-1 web-2"},
		{pattern: "nothing", want: ""},
		{pattern: "", err: `empty pattern ""`},
		{pattern: "web,!", err: `invalid pattern "web,!": '&' or '!' without a term`},
		{pattern: "web[", err: `invalid pattern "web[": term "web[": syntax error in pattern`},
	}
	for _, tt := range tests {
		got, err := Limit(hosts, tt.pattern)
		if tt.err != "" {
			if err == nil || err.Error() != tt.err {
				t.Errorf("Limit(%q) error = %v, want %q", tt.pattern, err, tt.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("Limit(%q): %v", tt.pattern, err)
			continue
		}
		var names []string
		for _, h := range got {
			names = append(names, h.Name)
		}
		if s := strings.Join(names, " "); s != tt.want {
			t.Errorf("Limit(%q) = %q, want %q", tt.pattern, s, tt.want)
		}
	}
}
