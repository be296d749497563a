package facts

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/netip"
	"strconv"
	"time"

	"github.com/resetaudit/resetaudit/templates"
)

// RemoteCommand is the command the auditor runs on each host; the payload
// from Script is written to its standard input. It runs the payload as root
// when logged in as root, through passwordless sudo when allowed, and as the
// login user otherwise. It never prompts.
const RemoteCommand = `if [ "$(id -u)" = 0 ]; then exec sh -s; elif sudo -n -l /bin/sh >/dev/null 2>&1; then exec sudo -n /bin/sh -s; else exec sh -s; fi`

// Default caps and window used when Params leaves them zero.
const (
	DefaultSince      = 24 * time.Hour
	DefaultSectionCap = 256 << 10
	DefaultTotalCap   = 4 << 20
)

// Params are the values Script passes to the payload.
type Params struct {
	Nonce string        // from NewNonce; frames every section of the output
	Since time.Duration // log window; 0 means DefaultSince
	// Client is the auditor's IP address as the host sees it, may be "".
	Client     string
	SectionCap int64 // bytes per section; 0 means DefaultSectionCap
	TotalCap   int64 // bytes for the whole output; 0 means DefaultTotalCap
}

// NewNonce returns a fresh random nonce (32 lower-case hex digits).
func NewNonce() string {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(fmt.Sprintf("facts: crypto/rand: %v", err)) // never fails on Linux
	}
	return hex.EncodeToString(b[:])
}

// validNonce reports whether s can frame a section: hex only, so that it
// needs no quoting in the script and cannot contain marker syntax.
func validNonce(s string) bool {
	if len(s) < 16 || len(s) > 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// Script returns the payload for one run: parameter assignments followed by
// templates.Collect. Only values generated or validated here reach the
// script: a hex nonce, integers and a parsed IP address. An invalid Client is
// dropped. Script panics if p.Nonce was not made by NewNonce, a programming
// error that would otherwise make every section unreadable.
func Script(p Params) []byte {
	if !validNonce(p.Nonce) {
		panic("facts: Script: invalid nonce")
	}
	since := p.Since
	if since <= 0 {
		since = DefaultSince
	}
	secCap, totalCap := p.SectionCap, p.TotalCap
	if secCap <= 0 {
		secCap = DefaultSectionCap
	}
	if totalCap <= 0 {
		totalCap = DefaultTotalCap
	}
	client := ""
	if a, err := netip.ParseAddr(p.Client); err == nil {
		client = a.Unmap().WithZone("").String()
	}
	var b bytes.Buffer
	b.WriteString("RA_NONCE=" + p.Nonce + "\n")
	b.WriteString("RA_SINCE=" + strconv.FormatInt(int64(since/time.Second), 10) + "\n")
	b.WriteString("RA_CLIENT=" + client + "\n")
	b.WriteString("RA_SECTION_CAP=" + strconv.FormatInt(secCap, 10) + "\n")
	b.WriteString("RA_TOTAL_CAP=" + strconv.FormatInt(totalCap, 10) + "\n")
	b.WriteString(templates.Collect)
	return b.Bytes()
}

// ScriptNonce returns the nonce a script made by Script carries. A simulated
// host uses it to frame its answer.
func ScriptNonce(script []byte) (string, bool) {
	for len(script) > 0 {
		line := script
		if i := bytes.IndexByte(script, '\n'); i >= 0 {
			line, script = script[:i], script[i+1:]
		} else {
			script = nil
		}
		if v, ok := bytes.CutPrefix(line, []byte("RA_NONCE=")); ok {
			if validNonce(string(v)) {
				return string(v), true
			}
			return "", false
		}
	}
	return "", false
}
