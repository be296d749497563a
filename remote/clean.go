package remote

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Caps on text taken from a host into the report.
const (
	maxBanner = 256
	maxDetail = 512
)

// clean makes host-supplied bytes safe to print and store: invalid UTF-8 and
// control characters become spaces or are dropped, runs of space collapse, and
// the result is cut to at most max bytes on a rune boundary.
func clean(s string, max int) string {
	var b strings.Builder
	space := false
	for len(s) > 0 {
		r, size := utf8.DecodeRuneInString(s)
		s = s[size:]
		if r == utf8.RuneError && size <= 1 || unicode.IsControl(r) || unicode.IsSpace(r) ||
			unicode.In(r, unicode.Cf) {
			space = b.Len() > 0
			continue
		}
		n := utf8.RuneLen(r)
		if space {
			n++
		}
		if b.Len()+n > max {
			break
		}
		if space {
			b.WriteByte(' ')
			space = false
		}
		b.WriteRune(r)
	}
	return b.String()
}
