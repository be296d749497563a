package facts

import (
	"net/netip"
	"strconv"
	"strings"
	"time"
)

// Classifier turns log lines into Events. Its fields supply what a line
// lacks: syslog timestamps carry no year and no zone, and plain dmesg
// timestamps count seconds since boot.
type Classifier struct {
	Now    time.Time      // the host's clock; picks the year of syslog lines
	Boot   time.Time      // the host's boot time, for "[  12.345678]" stamps
	Loc    *time.Location // the host's zone for zone-less stamps; nil means UTC
	Source string         // copied into Event.Source
}

// ClassifyLine classifies one log line using the auditor's clock to choose
// the year of syslog timestamps. Parse uses a Classifier with the host's
// clock instead.
func ClassifyLine(line string) (Event, bool) {
	return Classifier{Now: time.Now()}.Classify(line)
}

// Classify returns the Event a line records, and false for lines of no interest.
func (c Classifier) Classify(line string) (Event, bool) {
	line = strings.TrimRight(line, "\r\n")
	h := splitHeader(line)
	kind, addr, proc, ok := classifyMessage(h.prog, h.msg)
	if !ok {
		return Event{}, false
	}
	// Reading the stamp costs more than the rest together, and most lines
	// are of no interest: it is read only for the lines kept.
	return Event{Kind: kind, Time: c.time(h), Source: c.Source, Line: line, Addr: addr, Process: proc}, true
}

// header is a log line split into its parts.
type header struct {
	prog  string // "sshd", "kernel", "systemd", "" when unknown
	msg   string
	stamp string    // the time stamp, read by Classifier.time
	form  stampForm // how to read stamp
}

// stampForm is the kind of time stamp a header carries.
type stampForm uint8

const (
	stampNone      stampForm = iota
	stampDmesg               // "Wed Nov 25 10:15:22 2026" or "12.345678" (seconds since boot)
	stampISO                 // RFC 3339 and its rsyslog variants
	stampDateClock           // "2026-11-25 10:15:22" (fail2ban)
	stampSyslog              // "Nov 25 10:15:22"
)

var months = "JanFebMarAprMayJunJulAugSepOctNovDec"

func (c Classifier) loc() *time.Location {
	if c.Loc != nil {
		return c.Loc
	}
	return time.UTC
}

// splitHeader splits a line into its stamp, program and message. The
// stamp is not read here: see Classifier.time.
func splitHeader(line string) header {
	switch {
	case strings.HasPrefix(line, "["):
		return dmesgHeader(line)
	case strings.HasPrefix(line, "-- "):
		return header{prog: "journal", msg: line}
	case len(line) >= 10 && isDigits(line[:4]) && line[4] == '-':
		return isoHeader(line)
	case len(line) >= 16 && line[3] == ' ' && strings.Index(months, line[:3])%3 == 0:
		return syslogHeader(line)
	}
	return header{msg: line}
}

// dmesgHeader handles "[Wed Nov 25 10:15:22 2026] msg" and "[  12.345678] msg".
func dmesgHeader(line string) header {
	i := strings.IndexByte(line, ']')
	if i < 0 {
		return header{msg: line}
	}
	stamp, msg := strings.TrimSpace(line[1:i]), strings.TrimPrefix(line[i+1:], " ")
	return header{prog: "kernel", msg: msg, stamp: stamp, form: stampDmesg}
}

var isoLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02T15:04:05.999999999-0700",
	"2006-01-02T15:04:05-0700",
	"2006-01-02T15:04:05Z0700",
}

// isoHeader handles journalctl short-iso, RFC 3339 rsyslog stamps and
// fail2ban's "2026-11-25 10:15:22,123 fail2ban.actions [1]: ..." lines.
func isoHeader(line string) header {
	stamp, rest, found := strings.Cut(line, " ")
	if len(stamp) == 10 { // "2006-01-02 15:04:05,000 prog..."
		clock, after, _ := strings.Cut(rest, " ")
		clock, _, _ = strings.Cut(clock, ",")
		h := header{msg: after, form: stampDateClock}
		if found { // line starts with stamp+" "+clock: no need to build it
			h.stamp = line[:len(stamp)+1+len(clock)]
		} else {
			h.stamp = stamp + " " + clock
		}
		if strings.HasPrefix(after, "fail2ban") {
			h.prog = "fail2ban"
			if _, msg, ok := strings.Cut(after, ": "); ok {
				h.msg = msg
			}
		}
		return h
	}
	h := header{stamp: stamp, form: stampISO}
	h.prog, h.msg = splitTag(rest)
	return h
}

// syslogHeader handles "Nov 25 10:15:22 host prog[pid]: msg".
func syslogHeader(line string) header {
	h := header{stamp: line[:15], form: stampSyslog}
	h.prog, h.msg = splitTag(strings.TrimPrefix(line[15:], " "))
	return h
}

// time reads the stamp of h; zero when it has none or it does not parse.
func (c Classifier) time(h header) time.Time {
	switch h.form {
	case stampDmesg:
		if t, err := time.ParseInLocation("Mon Jan _2 15:04:05 2006", h.stamp, c.loc()); err == nil {
			return t
		}
		if f, err := strconv.ParseFloat(h.stamp, 64); err == nil && f >= 0 && f < 1e10 && !c.Boot.IsZero() {
			return c.Boot.Add(time.Duration(f * float64(time.Second)))
		}
	case stampISO:
		for _, l := range isoLayouts {
			if t, err := time.Parse(l, h.stamp); err == nil {
				return t
			}
		}
	case stampDateClock:
		if t, err := time.ParseInLocation("2006-01-02 15:04:05", h.stamp, c.loc()); err == nil {
			return t
		}
	case stampSyslog:
		t, ok := syslogStamp(h.stamp, c.loc())
		if !ok {
			var err error
			if t, err = time.ParseInLocation("Jan _2 15:04:05", h.stamp, c.loc()); err != nil {
				return time.Time{}
			}
		}
		now := c.Now
		if now.IsZero() {
			now = time.Now()
		}
		now = now.In(c.loc())
		t = t.AddDate(now.Year(), 0, 0)
		if t.After(now.Add(48 * time.Hour)) { // December lines read in January
			t = t.AddDate(-1, 0, 0)
		}
		return t
	}
	return time.Time{}
}

// daysIn is the length of each month in year 0, a leap year: the year
// time.Parse gives a stamp without one.
var daysIn = [12]int{31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31}

// syslogStamp reads the "Nov 25 10:15:22" and "Nov  5 10:15:22" stamps
// syslog writes, giving what time.ParseInLocation("Jan _2 15:04:05", s, loc)
// gives, at a fraction of its cost. It returns false for any other shape,
// valid or not, which the caller then hands to time.ParseInLocation.
func syslogStamp(s string, loc *time.Location) (time.Time, bool) {
	if len(s) != 15 || s[3] != ' ' || s[6] != ' ' || s[9] != ':' || s[12] != ':' {
		return time.Time{}, false
	}
	m := strings.Index(months, s[:3])
	if m < 0 || m%3 != 0 {
		return time.Time{}, false
	}
	month := m / 3
	day, ok := twoDigits(s[4:6])
	if s[4] == ' ' && isDigits(s[5:6]) {
		day, ok = int(s[5]-'0'), true
	}
	hour, okH := twoDigits(s[7:9])
	minute, okM := twoDigits(s[10:12])
	sec, okS := twoDigits(s[13:15])
	if !ok || !okH || !okM || !okS || day < 1 || day > daysIn[month] || hour > 23 || minute > 59 || sec > 59 {
		return time.Time{}, false
	}
	return time.Date(0, time.Month(month+1), day, hour, minute, sec, 0, loc), true
}

// twoDigits reads a two-digit decimal number.
func twoDigits(s string) (int, bool) {
	if len(s) != 2 || !isDigits(s) {
		return 0, false
	}
	return int(s[0]-'0')*10 + int(s[1]-'0'), true
}

// splitTag splits "host [facility.level] prog[pid]: msg" into prog and msg.
func splitTag(rest string) (string, string) {
	_, rest, ok := strings.Cut(rest, " ") // host
	if !ok {
		return "", rest
	}
	for range 2 {
		tag, msg, ok := strings.Cut(rest, " ")
		if !ok {
			return "", rest
		}
		if strings.HasSuffix(tag, ":") {
			return progName(strings.TrimSuffix(tag, ":")), msg
		}
		if !strings.Contains(tag, ".") { // not a BusyBox "authpriv.info"
			return "", rest
		}
		rest = msg
	}
	return "", rest
}

func progName(tag string) string {
	if i := strings.IndexByte(tag, '['); i >= 0 {
		tag = tag[:i]
	}
	return tag
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// isSshd reports whether prog is an sshd process; "" (bare `sshd -E`
// output) counts, since such lines come from sshd's own log file.
func isSshd(prog string) bool {
	switch prog {
	case "sshd", "sshd-session", "sshd-auth", "":
		return true
	}
	return false
}

func isKernel(prog string) bool { return prog == "kernel" || prog == "" }

func isSystemd(prog string) bool {
	return prog == "systemd" || prog == "init" || strings.HasPrefix(prog, "systemd-")
}

// sshUnit reports whether a systemd message is about the SSH service.
func sshUnit(msg string) bool {
	for _, p := range []string{"ssh.service:", "sshd.service:", "ssh.socket:", "sshd.socket:"} {
		if strings.HasPrefix(msg, p) {
			return true
		}
	}
	return false
}

// classifyMessage decides what a message means. Patterns are anchored at
// the start of sshd messages wherever the real message allows, because the
// rest of a line carries attacker-chosen text (user names, version strings).
func classifyMessage(prog, msg string) (kind EventKind, addr, proc string, ok bool) {
	if prog == "journal" {
		if strings.HasPrefix(msg, "-- Boot ") || strings.HasPrefix(msg, "-- Reboot --") {
			return EvBoot, "", "", true
		}
		return "", "", "", false
	}
	if isSshd(prog) {
		if k, a, ok := classifySshd(msg); ok {
			return k, a, "", true
		}
	}
	if isKernel(prog) {
		if k, p, ok := classifyKernel(msg); ok {
			return k, "", p, true
		}
	}
	if isSystemd(prog) {
		if k, ok := classifySystemd(msg); ok {
			p := ""
			if k == EvSshdCrash {
				p = "sshd"
			}
			return k, "", p, true
		}
	}
	// Resource errors are worth knowing from sshd and from the kernel alike.
	if isSshd(prog) || isKernel(prog) || isSystemd(prog) {
		switch {
		case strings.Contains(msg, "fork: Cannot allocate memory"), strings.Contains(msg, "fork: Resource temporarily unavailable"),
			strings.Contains(msg, "fork failed"), strings.Contains(msg, "cannot fork"):
			return EvForkFailure, "", prog, true
		case strings.Contains(msg, "Too many open files"):
			return EvTooManyFiles, "", prog, true
		case strings.Contains(msg, "No space left on device"):
			return EvNoSpace, "", prog, true
		}
	}
	return "", "", "", false
}

func classifySshd(msg string) (EventKind, string, bool) {
	m := msg
	for _, p := range []string{"error: ", "fatal: ", "Fatal: "} {
		m = strings.TrimPrefix(m, p)
	}
	has := func(p string) bool { return strings.HasPrefix(m, p) }
	switch {
	case has("beginning MaxStartups throttling"):
		return EvMaxStartupsThrottle, "", true
	case has("drop connection #"):
		a := bracketAddr(m)
		if i := strings.Index(m, " penalty: "); i >= 0 || strings.HasSuffix(strings.TrimSuffix(m, " [preauth]"), "penalty") {
			return EvPenalty, a, true
		}
		return EvMaxStartupsDrop, a, true
	case has("srclimit_penalise: "), has("penalty: "):
		return EvPenalty, firstAddr(m), true
	case has("refused connect from "):
		return EvWrappersRefused, wrappersAddr(m), true
	case has("Did not receive identification string from "), has("banner exchange: Connection from "),
		has("kex_exchange_identification: client sent invalid protocol identifier"),
		has("Bad protocol version identification"):
		return EvNoIdentification, addrBeforePort(m), true
	case has("Read from socket failed: Connection reset by peer"), has("kex_exchange_identification: read: Connection reset by peer"),
		has("Connection reset by "), has("recv failed: Connection reset by peer"):
		return EvConnReset, addrBeforePort(m), true
	case has("Bad packet length"), has("Corrupted MAC on input"), has("Packet corrupt"),
		has("ssh_dispatch_run_fatal: "), has("padding error"), has("Disconnected from") && strings.Contains(m, "Packet corrupt"):
		if strings.Contains(m, "no matching") {
			return EvKexMismatch, addrBeforePort(m), true
		}
		return EvProtocolError, addrBeforePort(m), true
	case has("Unable to negotiate with "):
		return EvKexMismatch, firstAddr(strings.TrimPrefix(m, "Unable to negotiate with ")), true
	case has("no hostkey alg"), has("no matching "), has("kex_choose_conf"):
		return EvKexMismatch, addrBeforePort(m), true
	case has("Timeout before authentication for "):
		return EvLoginGraceTimeout, firstAddr(strings.TrimPrefix(m, "Timeout before authentication for ")), true
	case has("Failed password for "), has("Failed publickey for "), has("Failed keyboard-interactive"),
		has("Failed none for "), has("Invalid user "), has("Disconnecting invalid user "),
		has("Connection closed by invalid user "), has("Connection closed by authenticating user "),
		has("maximum authentication attempts exceeded"), has("Disconnecting authenticating user "),
		has("pam_unix(sshd:auth): authentication failure"), has("User ") && strings.Contains(m, " not allowed because "):
		return EvAuthFailure, authAddr(m), true
	case has("Server listening on "):
		return EvSshdStart, "", true
	case has("Received signal 15; terminating"), has("Received signal 1; terminating"), has("Received SIGHUP; restarting"):
		return EvSshdStop, "", true
	case strings.Contains(m, "Cannot allocate memory") && !strings.Contains(m, " user "):
		return EvForkFailure, "", true
	}
	return "", "", false
}

func classifyKernel(msg string) (EventKind, string, bool) {
	switch {
	case strings.Contains(msg, "Out of memory: Kill"), strings.HasPrefix(msg, "Memory cgroup out of memory: Kill"):
		return EvOOMKill, parenName(msg), true
	case strings.HasPrefix(msg, "oom-kill:"):
		p := ""
		if i := strings.Index(msg, ",task="); i >= 0 {
			p, _, _ = strings.Cut(msg[i+len(",task="):], ",")
		}
		return EvOOMKill, p, true
	case strings.Contains(msg, "nf_conntrack: table full, dropping packet"):
		return EvConntrackFull, "", true
	case strings.HasPrefix(msg, "Linux version "):
		return EvBoot, "", true
	case strings.Contains(msg, ": segfault at ") || strings.Contains(msg, "general protection fault") && strings.Contains(msg, "sshd"):
		name := msg
		if i := strings.IndexAny(name, "[:"); i >= 0 {
			name = name[:i]
		}
		if isSshd(name) && name != "" {
			return EvSshdCrash, name, true
		}
	}
	return "", "", false
}

func classifySystemd(msg string) (EventKind, bool) {
	switch {
	case strings.HasPrefix(msg, "Reached target Shutdown"), strings.HasPrefix(msg, "Reached target System Shutdown"),
		strings.HasPrefix(msg, "Reached target System Reboot"), strings.HasPrefix(msg, "Reached target System Power Off"),
		strings.HasPrefix(msg, "Syncing filesystems and block devices"), strings.HasPrefix(msg, "Sending SIGTERM to remaining processes"):
		return EvShutdown, true
	case !sshUnit(msg):
		switch {
		case strings.HasPrefix(msg, "Started OpenBSD Secure Shell server"), strings.HasPrefix(msg, "Started OpenSSH server daemon"),
			strings.HasPrefix(msg, "Started OpenSSH Daemon"), strings.HasPrefix(msg, "Started ssh.service"), strings.HasPrefix(msg, "Started sshd.service"):
			return EvSshdStart, true
		case strings.HasPrefix(msg, "Stopped OpenBSD Secure Shell server"), strings.HasPrefix(msg, "Stopped OpenSSH server daemon"),
			strings.HasPrefix(msg, "Stopped OpenSSH Daemon"), strings.HasPrefix(msg, "Stopping OpenBSD Secure Shell server"),
			strings.HasPrefix(msg, "Stopping OpenSSH server daemon"):
			return EvSshdStop, true
		}
		return "", false
	}
	_, m, _ := strings.Cut(msg, ": ")
	switch {
	case strings.HasPrefix(m, "Main process exited, code=killed"), strings.HasPrefix(m, "Main process exited, code=dumped"),
		strings.HasPrefix(m, "Failed with result"), strings.HasPrefix(m, "Main process exited, code=exited, status=255"),
		strings.HasPrefix(m, "Start request repeated too quickly"):
		return EvSshdCrash, true
	case strings.HasPrefix(m, "Deactivated successfully"), strings.HasPrefix(m, "Succeeded."):
		return EvSshdStop, true
	}
	return "", false
}

// bracketAddr returns the address of "from [ADDR]:PORT".
func bracketAddr(m string) string {
	_, r, ok := strings.Cut(m, " from [")
	if !ok {
		return ""
	}
	a, _, _ := strings.Cut(r, "]")
	return cleanAddr(a)
}

// wrappersAddr handles "refused connect from NAME (ADDR)" and "from ADDR".
func wrappersAddr(m string) string {
	r := strings.TrimPrefix(m, "refused connect from ")
	if i := strings.LastIndex(r, "("); i >= 0 {
		if a := cleanAddr(strings.TrimSuffix(strings.TrimSpace(r[i+1:]), ")")); a != "" {
			return a
		}
	}
	return firstAddr(r)
}

// authAddr takes the last " from ADDR": the user name before it is chosen by the client.
func authAddr(m string) string {
	i := strings.LastIndex(m, " from ")
	if i < 0 {
		return addrBeforePort(m)
	}
	return firstAddr(m[i+len(" from "):])
}

// addrBeforePort returns ADDR of the last "ADDR port N" in m.
func addrBeforePort(m string) string {
	i := strings.LastIndex(m, " port ")
	if i < 0 {
		return ""
	}
	last := ""
	for w := range strings.FieldsSeq(m[:i]) {
		last = w
	}
	return cleanAddr(last)
}

// firstAddr returns the first word of m that is an IP address or prefix.
func firstAddr(m string) string {
	for w := range strings.FieldsSeq(m) {
		if a := cleanAddr(w); a != "" {
			return a
		}
	}
	return ""
}

// cleanAddr returns w as an address ("1.2.3.4", "2001:db8::1", "1.2.3.0/24"),
// or "" when it is not one.
func cleanAddr(w string) string {
	w = strings.Trim(w, "[](),;:.")
	if w == "" {
		return ""
	}
	if p, err := netip.ParsePrefix(w); err == nil {
		return p.String()
	}
	if i := strings.LastIndex(w, "]:"); i >= 0 {
		w = w[:i]
	}
	if a, err := netip.ParseAddr(w); err == nil {
		return a.Unmap().String()
	}
	if ap, err := netip.ParseAddrPort(w); err == nil {
		return ap.Addr().Unmap().String()
	}
	return ""
}

// parenName returns NAME of "Killed process N (NAME)".
func parenName(m string) string {
	_, r, ok := strings.Cut(m, " process ")
	if !ok {
		return ""
	}
	_, r, ok = strings.Cut(r, "(")
	if !ok {
		return ""
	}
	n, _, _ := strings.Cut(r, ")")
	return n
}
