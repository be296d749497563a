package report

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Terminal returns s made safe to print on a terminal: escape sequences
// (CSI, OSC, DCS and the like) are removed whole, every other C0 or C1
// control, DEL and Unicode format character (which includes the bidi
// overrides that can reorder what a reader sees) is dropped, line and
// paragraph breaks become spaces, and invalid UTF-8 becomes U+FFFD.
func Terminal(s string) string {
	if isPlain(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && n == 1:
			b.WriteRune(utf8.RuneError)
		case r == 0x1b:
			i += escapeLen(s[i:])
			continue
		case r == '\t' || r == '\n' || r == '\r' || r == '\u2028' || r == '\u2029':
			b.WriteByte(' ')
		case r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0):
			// C0, DEL and C1 (a lone 0x9b is an 8-bit CSI on some terminals).
		case unicode.Is(unicode.Cf, r):
			// Format characters: bidi overrides and isolates, zero-width
			// characters, BOM.
		default:
			b.WriteString(s[i : i+n])
		}
		i += n
	}
	return b.String()
}

// isPlain reports whether s is printable ASCII, the common case.
func isPlain(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f {
			return false
		}
	}
	return true
}

// escapeLen returns the length of the escape sequence at the start of s,
// which begins with ESC. An unterminated sequence runs to the end of s, so
// that nothing of it reaches the terminal.
func escapeLen(s string) int {
	if len(s) < 2 {
		return len(s)
	}
	switch s[1] {
	case '[': // CSI: parameters and intermediates, then a final byte 0x40-0x7e.
		for i := 2; i < len(s); i++ {
			if s[i] >= 0x40 && s[i] <= 0x7e {
				return i + 1
			}
			if s[i] < 0x20 || s[i] > 0x7e {
				return i
			}
		}
		return len(s)
	case ']', 'P', 'X', '^', '_': // OSC, DCS, SOS, PM, APC: until BEL or ST.
		for i := 2; i < len(s); i++ {
			if s[i] == 0x07 {
				return i + 1
			}
			if s[i] == 0x1b && i+1 < len(s) && s[i+1] == '\\' {
				return i + 2
			}
		}
		return len(s)
	}
	// A two-byte escape (ESC c, ESC 7, ...), or ESC plus intermediates
	// (ESC ( B) ending at the first final byte.
	i := 1
	for i < len(s) && s[i] >= 0x20 && s[i] <= 0x2f {
		i++
	}
	if i < len(s) && s[i] >= 0x30 && s[i] <= 0x7e {
		i++
	}
	return i
}

// truncate shortens s to at most max runes, marking the cut with an ellipsis.
func truncate(s string, max int) string {
	if max <= 0 || utf8.RuneCountInString(s) <= max {
		return s
	}
	if max == 1 {
		return "…"
	}
	n := 0
	for i := range s {
		if n == max-1 {
			return s[:i] + "…"
		}
		n++
	}
	return s
}

// cell is a host-supplied string prepared for one terminal table cell.
func cell(s string, max int) string { return truncate(Terminal(s), max) }

// Spreadsheet returns s made safe as a CSV cell opened in a spreadsheet:
// valid UTF-8 without NUL bytes, and prefixed with a single quote when it
// starts with a character that spreadsheets read as the start of a formula
// (= + - @) or that they strip before doing so (TAB, CR).
func Spreadsheet(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.ReplaceAll(s, "\x00", "")
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}
