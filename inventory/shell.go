package inventory

import (
	"errors"
	"strings"
)

// shellSplit splits s into words as a POSIX shell would, with single and
// double quotes and backslash escapes, but nothing expanded. An unquoted '#'
// at the start of a word starts a comment. This is how Ansible (shlex) reads
// INI host lines and ssh argument variables.
func shellSplit(s string) ([]string, error) {
	var (
		words []string
		word  strings.Builder
		in    bool // inside a word
		quote byte
	)
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case quote == '\'':
			if c == '\'' {
				quote = 0
			} else {
				word.WriteByte(c)
			}
		case quote == '"':
			switch {
			case c == '"':
				quote = 0
			case c == '\\' && i+1 < len(s) && strings.IndexByte(`"\$`+"`", s[i+1]) >= 0:
				i++
				word.WriteByte(s[i])
			default:
				word.WriteByte(c)
			}
		case c == ' ' || c == '\t' || c == '\r' || c == '\n':
			if in {
				words = append(words, word.String())
				word.Reset()
				in = false
			}
		case c == '#' && !in:
			return words, nil
		case c == '\'' || c == '"':
			quote, in = c, true
		case c == '\\':
			if i+1 < len(s) {
				i++
				word.WriteByte(s[i])
			}
			in = true
		default:
			word.WriteByte(c)
			in = true
		}
	}
	if quote != 0 {
		return nil, errors.New("unterminated quote")
	}
	if in {
		words = append(words, word.String())
	}
	return words, nil
}
