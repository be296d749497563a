package facts

// keywords holds strings at least one of which is in every line that
// classifyMessage accepts: each of its patterns contains one of them. A
// line without any is of no interest, and the logs parser skips it before
// converting it to a string and splitting it into stamp, program and
// message. TestKeywordsCoverPatterns reads events.go to keep this list
// complete; keep it in step with the patterns there.
var keywords = [...]string{
	// sshd
	"MaxStartups", " #", "penal", "refused connect", "identification", "banner exchange",
	"Connection reset by", "Bad packet length", "Corrupted MAC", "Packet corrupt",
	"_dispatch_run_fatal", "padding error", "Unable to negotiate", "hostkey alg", "matching",
	"_choose_conf", "Timeout before authentication", "Failed ", "Invalid user ", "invalid user ",
	"authenticating user ", "maximum authentication", "authentication failure", "User ",
	"Server listening on ", "; terminating", "SIGHUP", "Cannot allocate memory",
	// kernel
	"memory: Kill", "-kill:", "_conntrack: table full", "Linux version ", "gfault at ",
	"general protection fault",
	// systemd
	"Reached target S", "Syncing filesystems", "SIGTERM", "Started Open", "Stopp", "h.s", "d.s",
	// journal
	"-- Boot ", "-- Reboot --",
	// resources
	"Resource temporarily", "k failed", "cannot fork", "Too many open files", "No space left on device",
}

// keywordsByFirst[c] lists the keywords that start with byte c.
var keywordsByFirst = func() (t [256][]string) {
	for _, k := range keywords {
		t[k[0]] = append(t[k[0]], k)
	}
	return t
}()

// mayClassify reports whether line holds one of the keywords: false means
// Classify would reject it. It reads the line once, checking a keyword
// only where one can start, and needs no valid UTF-8 (keywords are ASCII,
// and repairing invalid bytes leaves ASCII bytes where they are).
func mayClassify(line []byte) bool {
	// Every keyword has two bytes or more: comparing the second byte
	// first, inline, spares most calls to compare the rest.
	for i := 0; i+1 < len(line); i++ {
		for _, k := range keywordsByFirst[line[i]] {
			if k[1] == line[i+1] && len(line)-i >= len(k) && string(line[i:i+len(k)]) == k {
				return true
			}
		}
	}
	return false
}
