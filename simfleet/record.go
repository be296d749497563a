package simfleet

import (
	"bytes"
	"fmt"
	"regexp"
	"strings"
)

// recordNonce is the nonce the recorded outputs were made with.
const recordNonce = "0123456789abcdef0123456789abcdef"

// section is one framed section of a recorded payload output.
type section struct {
	name  string
	begin string // the BEGIN marker line, without the newline
	body  string // the data, without the framing newline before END
	end   string // the END marker line
}

var (
	endRE  = regexp.MustCompile(` rc=-?[0-9]+`)
	noteRE = regexp.MustCompile(` note=[^ >]+`)
)

// recording is a payload output split into sections, in order.
type recording []section

func parseRecording(b []byte) (recording, error) {
	open := "<<RA:" + recordNonce + ":BEGIN "
	close := "<<RA:" + recordNonce + ":END "
	var rec recording
	lines := strings.SplitAfter(string(b), "\n")
	var cur *section
	var body strings.Builder
	for _, ln := range lines {
		trim := strings.TrimSuffix(ln, "\n")
		switch {
		case cur == nil && strings.HasPrefix(trim, open):
			name := strings.Fields(strings.TrimSuffix(strings.TrimPrefix(trim, open), ">>"))
			cur = &section{begin: trim}
			if len(name) > 0 {
				cur.name = name[0]
			}
			body.Reset()
		case cur != nil && strings.HasPrefix(trim, close):
			cur.body = strings.TrimSuffix(body.String(), "\n")
			cur.end = trim
			rec = append(rec, *cur)
			cur = nil
		case cur != nil:
			body.WriteString(ln)
		}
	}
	if cur != nil {
		return nil, fmt.Errorf("recording: section %s has no end", cur.name)
	}
	return rec, nil
}

// clone copies the recording so that a scenario can patch it.
func (r recording) clone() recording { return append(recording(nil), r...) }

// get returns a section's body.
func (r recording) get(name string) string { return r.find(name).body }

// set replaces a section's body and exit status. A section the payload had
// skipped (its END carries a note) becomes one that ran.
func (r recording) set(name, body string, rc int) {
	s := r.find(name)
	s.body = body
	s.end = noteRE.ReplaceAllString(s.end, "")
	s.end = endRE.ReplaceAllString(s.end, fmt.Sprintf(" rc=%d", rc))
}

// edit rewrites a section's body with f, keeping its exit status.
func (r recording) edit(name string, f func(string) string) {
	s := r.find(name)
	s.body = f(s.body)
	s.end = noteRE.ReplaceAllString(s.end, "")
}

func (r recording) find(name string) *section {
	for i := range r {
		if r[i].name == name {
			return &r[i]
		}
	}
	panic("simfleet: recording has no section " + name)
}

// skip marks a section as not run, with the payload's reason, framed as
// the payload's ra_skip frames it: an empty section whose END carries a note.
func (r recording) skip(name, note string, rc int) {
	s := r.find(name)
	s.body = ""
	s.end = fmt.Sprintf("<<RA:%s:END %s rc=%d cap=262144 note=%s>>", recordNonce, name, rc, note)
}

// bytes renders the recording framed with nonce.
func (r recording) bytes(nonce string) []byte {
	var b bytes.Buffer
	for _, s := range r {
		b.WriteString(s.begin)
		b.WriteByte('\n')
		b.WriteString(s.body)
		b.WriteByte('\n')
		b.WriteString(s.end)
		b.WriteByte('\n')
	}
	return bytes.ReplaceAll(b.Bytes(), []byte(recordNonce), []byte(nonce))
}
