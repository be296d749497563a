package facts

import (
	"bytes"
	"errors"
	"strconv"
	"strings"
)

// Section is one framed part of the payload's output.
type Section struct {
	Name string
	// Attrs are the key=value words of the BEGIN and END markers
	// (src, rc, cap, note).
	Attrs map[string]string
	// Data is the section's output: a sub-slice of the output given to
	// Split, so it stays valid only as long as that output is not modified.
	Data []byte
	// RC is the exit status recorded by the END marker, -1 without one.
	RC int
	// Ended is false when the END marker never came (output cut off).
	Ended bool
	// Truncated is true when the output hit its cap or was cut off.
	Truncated bool
}

// Note is the payload's reason for not running the section's command
// ("needs_root", "missing:nft", "budget", "not_loaded"...), or "".
func (s Section) Note() string { return s.Attrs["note"] }

// Text is the section's output as a string.
func (s Section) Text() string { return string(s.Data) }

// ErrNoMeta is returned when the output holds no meta section framed with
// the run's nonce: the payload did not run, or ran with another nonce.
var ErrNoMeta = errors.New("facts: payload output has no meta section")

// Split cuts the payload output into sections framed with nonce. Lines not
// framed with this nonce, including markers with another nonce, are data of
// the section they appear in or are ignored between sections. A section
// without its END marker is kept and marked truncated. When a name repeats,
// the first complete section wins. The sections' Data share out's memory.
func Split(out []byte, nonce string) (map[string]Section, error) {
	begin := []byte("<<RA:" + nonce + ":BEGIN ")
	end := []byte("<<RA:" + nonce + ":END ")
	secs := make(map[string]Section)
	add := func(s Section) {
		if old, ok := secs[s.Name]; ok && old.Ended {
			return
		}
		secs[s.Name] = s
	}
	var cur *Section
	// Data of the open section is out[from:to]: sub-slices of out, so that
	// a section costs no copy however many lines it has.
	from, to := 0, 0
	data := func() []byte {
		if from == to {
			return nil
		}
		return out[from:to:to] // capped: an append must not write into out
	}
	for pos := 0; pos < len(out); {
		next := len(out)
		if i := bytes.IndexByte(out[pos:], '\n'); i >= 0 {
			next = pos + i + 1
		}
		line := out[pos:next]
		pos = next
		bare := bytes.TrimRight(line, "\r\n")
		if rest, ok := bytes.CutPrefix(bare, begin); ok && bytes.HasSuffix(rest, []byte(">>")) {
			if cur != nil { // a new BEGIN before END: the previous one was cut off
				cur.Data, cur.Truncated = data(), true
				add(*cur)
			}
			name, attrs := markerWords(rest)
			cur = &Section{Name: name, Attrs: attrs, RC: -1}
			from, to = pos, pos
			continue
		}
		if cur != nil {
			if rest, ok := bytes.CutPrefix(bare, end); ok && bytes.HasSuffix(rest, []byte(">>")) {
				name, attrs := markerWords(rest)
				if name == cur.Name {
					for k, v := range attrs {
						cur.Attrs[k] = v
					}
					// The payload prints a newline before END.
					if to > from && out[to-1] == '\n' {
						to--
					}
					cur.Data = data()
					cur.Ended = true
					if rc, err := strconv.Atoi(attrs["rc"]); err == nil {
						cur.RC = rc
					}
					if c, err := strconv.Atoi(attrs["cap"]); err == nil && c > 0 && len(cur.Data) >= c {
						cur.Truncated = true
					}
					add(*cur)
					cur = nil
					continue
				}
			}
			to = pos // the line is data: the section now ends after it
		}
	}
	if cur != nil {
		cur.Data, cur.Truncated = data(), true
		add(*cur)
	}
	if _, ok := secs["meta"]; !ok {
		return secs, ErrNoMeta
	}
	return secs, nil
}

// markerWords splits "name k=v k=v>>" into the name and the attributes.
func markerWords(b []byte) (string, map[string]string) {
	s := strings.TrimSuffix(string(b), ">>")
	f := strings.Fields(s)
	attrs := make(map[string]string)
	if len(f) == 0 {
		return "", attrs
	}
	for _, w := range f[1:] {
		if k, v, ok := strings.Cut(w, "="); ok {
			attrs[k] = v
		}
	}
	return f[0], attrs
}
