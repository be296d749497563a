package inventory

import (
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
)

// DefaultPort is the port of a Host or Hop that names none.
const DefaultPort = 22

// Validate reports whether every field of h is safe to use: the address is
// an IP address or a DNS name, user, name and groups are plain words, and no
// value begins with '-', so none can be mistaken for an ssh option.
// Port 0 stands for DefaultPort.
func (h Host) Validate() error {
	if err := checkAddress(h.Address); err != nil {
		return err
	}
	if h.Port != 0 { // 0 is the default port
		if err := checkPort(h.Port); err != nil {
			return err
		}
	}
	if h.User != "" {
		if err := checkUser(h.User); err != nil {
			return err
		}
	}
	if err := checkName(h.Name); err != nil {
		return err
	}
	for _, g := range h.Groups {
		if err := checkGroup(g); err != nil {
			return err
		}
	}
	if h.InstanceID != "" {
		if err := checkInstanceID(h.InstanceID); err != nil {
			return err
		}
	}
	for _, hop := range h.Jump {
		if err := hop.validate(); err != nil {
			return fmt.Errorf("jump host: %w", err)
		}
	}
	for _, id := range h.Identities {
		if err := checkIdentity(id); err != nil {
			return err
		}
	}
	return nil
}

func (h Hop) validate() error {
	if err := checkAddress(h.Address); err != nil {
		return err
	}
	if h.User != "" {
		if err := checkUser(h.User); err != nil {
			return err
		}
	}
	if h.Port != 0 {
		return checkPort(h.Port)
	}
	return nil
}

// checkAddress accepts an IP address (IPv6 with an optional plain zone) or a
// DNS name of letters, digits, '-', '_' and '.'.
func checkAddress(s string) error {
	if s == "" {
		return errors.New("empty address")
	}
	if ip, err := netip.ParseAddr(s); err == nil {
		if z := ip.Zone(); z != "" && !isWord(z, "._-") {
			return fmt.Errorf("invalid address %q: bad zone", s)
		}
		return nil
	}
	if len(s) > 253 {
		return fmt.Errorf("invalid address %q: longer than 253 characters", s)
	}
	for _, label := range strings.Split(strings.TrimSuffix(s, "."), ".") {
		switch {
		case label == "":
			return fmt.Errorf("invalid address %q: empty label", s)
		case len(label) > 63:
			return fmt.Errorf("invalid address %q: label longer than 63 characters", s)
		case label[0] == '-':
			return fmt.Errorf("invalid address %q: label starts with '-'", s)
		case !isWord(label, "-_"):
			return fmt.Errorf("invalid address %q: not an IP address or DNS name", s)
		}
	}
	return nil
}

func checkPort(p int) error {
	if p < 1 || p > 65535 {
		return fmt.Errorf("invalid port %d: not in 1-65535", p)
	}
	return nil
}

// parsePort parses decimal digits only: no sign, no spaces, no hex.
func parsePort(s string) (int, error) {
	if s == "" || len(s) > 5 || strings.Trim(s, "0123456789") != "" {
		return 0, fmt.Errorf("invalid port %q", s)
	}
	p, _ := strconv.Atoi(s)
	if err := checkPort(p); err != nil {
		return 0, fmt.Errorf("invalid port %q: not in 1-65535", s)
	}
	return p, nil
}

func checkUser(s string) error {
	if s == "" || len(s) > 64 || s[0] == '-' || !isWord(s, "._-") {
		return fmt.Errorf("invalid user %q", s)
	}
	return nil
}

// checkName accepts the characters of host names, IP addresses and Ansible
// inventory names; it excludes ',', '&', '!' and the wildcards of Limit
// patterns.
func checkName(s string) error {
	if s == "" || len(s) > 255 || s[0] == '-' || !isWord(s, "._-@+:%") {
		return fmt.Errorf("invalid name %q", s)
	}
	return nil
}

func checkGroup(s string) error {
	if s == "" || len(s) > 255 || s[0] == '-' || !isWord(s, "._-") {
		return fmt.Errorf("invalid group %q", s)
	}
	return nil
}

// checkInstanceID accepts EC2 instance ids: "i-" and 8 or 17 hex digits.
func checkInstanceID(s string) error {
	hex := strings.TrimPrefix(s, "i-")
	if hex == s || (len(hex) != 8 && len(hex) != 17) || strings.Trim(hex, "0123456789abcdef") != "" {
		return fmt.Errorf("invalid instance_id %q: want i- and 8 or 17 hex digits", s)
	}
	return nil
}

// checkIdentity accepts any file name that cannot be read as an option or
// break a line: the file is opened by Go, never passed to a shell.
func checkIdentity(s string) error {
	if s == "" || s[0] == '-' || len(s) > 4096 {
		return fmt.Errorf("invalid identity file %q", s)
	}
	for _, r := range s {
		if r < 0x20 || r == 0x7f {
			return fmt.Errorf("invalid identity file %q: control character", s)
		}
	}
	return nil
}

// isWord reports whether s consists of ASCII letters, digits and the bytes of extra.
func isWord(s, extra string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte(extra, c) >= 0 {
			continue
		}
		return false
	}
	return true
}
