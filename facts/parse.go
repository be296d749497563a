package facts

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Parse turns the payload's output into Facts. Only sections framed with
// nonce are read. Every area gets a Coverage entry, CoverageOK only when its
// commands ran to completion. The error is ErrNoMeta when the output has no
// meta section; anything else the host sent is recorded, never fatal.
func Parse(out []byte, nonce string) (*Facts, error) {
	secs, err := Split(out, nonce)
	if err != nil {
		return nil, err
	}
	p := &parser{secs: make(map[string]*section, len(secs)), f: &Facts{Coverage: make(map[string]string)}}
	for name, s := range secs {
		p.secs[name] = &section{Section: s}
	}
	p.meta()
	p.sshd()
	p.sshdConfig()
	p.logs()
	p.firewall()
	p.wrappers()
	p.fail2ban()
	p.resources()
	p.disk()
	p.network()
	p.f.Coverage[AreaCloud] = "not checked: cloud lookup not requested"
	for name, s := range secs {
		if s.Truncated {
			p.f.Truncated = append(p.f.Truncated, name)
		}
	}
	slices.Sort(p.f.Truncated)
	return p.f, nil
}

type parser struct {
	secs map[string]*section
	f    *Facts
	root bool
	loc  *time.Location
}

// section is a Section whose Data is converted to a string at most once:
// several parsers read the same section, and the logs parser reads Data
// directly without converting it at all.
type section struct {
	Section
	text      string
	converted bool
}

// Text is the section's output as a string.
func (s *section) Text() string {
	if !s.converted {
		s.text, s.converted = string(s.Data), true
	}
	return s.text
}

// sec returns the named section and whether it exists; a missing section
// reads as empty.
func (p *parser) sec(name string) (*section, bool) {
	if s, ok := p.secs[name]; ok {
		return s, true
	}
	return &section{}, false
}

// status is the coverage of one section: CoverageOK or why it is not.
// okRCs lists exit statuses other than 0 that still mean "checked".
func (p *parser) status(name string, okRCs ...int) string {
	s, ok := p.secs[name]
	if !ok {
		return "not checked: no " + name + " output (payload cut off)"
	}
	switch note := s.Note(); {
	case note == "needs_root":
		return "not checked: needs root (sudo -n refused)"
	case strings.HasPrefix(note, "missing:"):
		return "error: " + strings.TrimPrefix(note, "missing:") + ": command not found"
	case note == "budget":
		return "not checked: payload time budget exhausted"
	case note == "not_loaded":
		return CoverageOK
	case note == "no_log_file":
		return "not checked: no sshd log (no journal, /var/log/auth.log, secure or messages)"
	case note != "":
		return "not checked: " + note
	}
	if !s.Ended {
		return "error: " + name + " output cut off"
	}
	if s.Truncated {
		return "partial: " + name + " output truncated"
	}
	if s.RC == 0 {
		return CoverageOK
	}
	for _, rc := range okRCs {
		if s.RC == rc {
			return CoverageOK
		}
	}
	if s.RC == 124 || s.RC == 137 || s.RC == 143 {
		return "error: " + name + " timed out"
	}
	return fmt.Sprintf("error: %s exited %d: %s", name, s.RC, firstLine(s.Text()))
}

// worst combines section statuses: the first that is not OK wins.
func worst(st ...string) string {
	for _, s := range st {
		if s != CoverageOK {
			return s
		}
	}
	return CoverageOK
}

func firstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexAny(s, "\r\n"); i >= 0 {
		s = s[:i]
	}
	if len(s) > 200 {
		s = s[:200]
	}
	return strings.ToValidUTF8(s, "?")
}

// lines splits s into lines without the trailing empty one.
func lines(s string) []string {
	s = strings.TrimRight(s, "\n")
	if s == "" {
		return nil
	}
	ls := strings.Split(s, "\n")
	for i, l := range ls {
		ls[i] = strings.TrimSuffix(l, "\r")
	}
	return ls
}

// keyValues reads "key=value" lines; the first occurrence of a key wins.
func keyValues(s string) map[string]string {
	m := make(map[string]string)
	for _, l := range lines(s) {
		if k, v, ok := strings.Cut(l, "="); ok {
			if _, dup := m[k]; !dup {
				m[k] = v
			}
		}
	}
	return m
}

// blocks splits output made of "== name" headers into name -> body.
func blocks(s string) map[string]string {
	m := make(map[string]string)
	name := ""
	var b strings.Builder
	flush := func() {
		if name != "" {
			if _, dup := m[name]; !dup {
				m[name] = b.String()
			}
		}
		b.Reset()
	}
	for _, l := range lines(s) {
		if n, ok := strings.CutPrefix(l, "== "); ok {
			flush()
			name = n
			continue
		}
		b.WriteString(l)
		b.WriteByte('\n')
	}
	flush()
	return m
}

func atoi64(s string, def int64) int64 {
	v, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	if err != nil {
		return def
	}
	return v
}

func (p *parser) meta() {
	s, _ := p.sec("meta")
	kv := keyValues(s.Text())
	f := p.f
	uid := kv["uid"]
	switch {
	case uid == "0" && kv["sudo_user"] != "":
		f.Privilege = "sudo"
	case uid == "0":
		f.Privilege = "root"
	default:
		f.Privilege = "user"
	}
	p.root = uid == "0"
	p.loc = time.UTC
	if tz := kv["tz"]; len(tz) == 5 && (tz[0] == '+' || tz[0] == '-') && isDigits(tz[1:]) {
		off := (int(atoi64(tz[1:3], 0))*60 + int(atoi64(tz[3:5], 0))) * 60
		if tz[0] == '-' {
			off = -off
		}
		if off != 0 {
			p.loc = time.FixedZone(tz, off)
		}
	}
	f.Host.Hostname = kv["hostname"]
	f.Host.OS = strings.Trim(kv["os"], `"'`)
	f.Host.Kernel = kv["kernel"]
	f.Host.Init = kv["init"]
	if n := atoi64(kv["now"], 0); n > 0 {
		f.Host.Now = time.Unix(n, 0).UTC()
	}
	if n := atoi64(kv["btime"], 0); n > 0 {
		f.Host.BootTime = time.Unix(n, 0).UTC()
	}
	if n := atoi64(kv["since"], 0); n > 0 {
		f.Since = time.Unix(n, 0).UTC()
	}
	if c := strings.Fields(kv["ssh_connection"]); len(c) > 0 {
		f.Host.ClientAddr = cleanAddr(c[0])
	}
	if f.Host.ClientAddr == "" {
		f.Host.ClientAddr = cleanAddr(kv["client"])
	}
}
