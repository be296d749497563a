package diagnose

import (
	"fmt"
	"strings"

	"github.com/resetaudit/resetaudit/facts"
	"github.com/resetaudit/resetaudit/result"
)

// modernClient is what current OpenSSH clients (and x/crypto/ssh) offer by
// default, per sshd -T keyword. An entry ending in "*" is a prefix.
var modernClient = []struct {
	key, directive string
	algs           []string
}{
	{"kexalgorithms", "KexAlgorithms", []string{
		"mlkem768x25519-sha256", "sntrup761x25519-sha512", "sntrup761x25519-sha512@openssh.com",
		"curve25519-sha256", "curve25519-sha256@libssh.org", "ecdh-sha2-nistp*",
		"diffie-hellman-group-exchange-sha256", "diffie-hellman-group16-sha512",
		"diffie-hellman-group18-sha512", "diffie-hellman-group14-sha256",
	}},
	{"ciphers", "Ciphers", []string{
		"chacha20-poly1305@openssh.com", "aes128-gcm@openssh.com", "aes256-gcm@openssh.com",
		"aes128-ctr", "aes192-ctr", "aes256-ctr",
	}},
	{"macs", "MACs", []string{
		"hmac-sha2-256-etm@openssh.com", "hmac-sha2-512-etm@openssh.com", "umac-128-etm@openssh.com",
		"umac-64-etm@openssh.com", "hmac-sha2-256", "hmac-sha2-512", "umac-128@openssh.com", "umac-64@openssh.com",
	}},
	{"hostkeyalgorithms", "HostKeyAlgorithms", []string{
		"ssh-ed25519*", "ecdsa-sha2-nistp*", "rsa-sha2-256*", "rsa-sha2-512*", "sk-ssh-ed25519*", "sk-ecdsa-sha2-nistp256*",
	}},
}

// recommended is the line to restore per directive.
var recommended = map[string]string{
	"KexAlgorithms":     "KexAlgorithms sntrup761x25519-sha512@openssh.com,curve25519-sha256,curve25519-sha256@libssh.org,ecdh-sha2-nistp256,diffie-hellman-group16-sha512,diffie-hellman-group14-sha256",
	"Ciphers":           "Ciphers chacha20-poly1305@openssh.com,aes256-gcm@openssh.com,aes128-gcm@openssh.com,aes256-ctr,aes128-ctr",
	"MACs":              "MACs hmac-sha2-256-etm@openssh.com,hmac-sha2-512-etm@openssh.com,umac-128-etm@openssh.com,hmac-sha2-256,hmac-sha2-512",
	"HostKeyAlgorithms": "HostKeyAlgorithms ssh-ed25519,ecdsa-sha2-nistp256,rsa-sha2-512,rsa-sha2-256",
}

func matchAlg(pattern, alg string) bool {
	if p, ok := strings.CutSuffix(pattern, "*"); ok {
		return strings.HasPrefix(alg, p)
	}
	return pattern == alg
}

// common returns the server's algorithms a modern client also offers.
func common(server string, client []string) []string {
	var out []string
	for _, a := range strings.Split(server, ",") {
		a = strings.TrimSpace(a)
		for _, c := range client {
			if a != "" && matchAlg(c, a) {
				out = append(out, a)
				break
			}
		}
	}
	return out
}

// aead reports whether a cipher carries its own integrity (MACs unused).
func aead(c string) bool {
	return strings.Contains(c, "gcm") || strings.HasPrefix(c, "chacha20-poly1305")
}

func (d *diag) algorithms() {
	fd := finding(result.CauseAlgorithmMismatch, result.High, result.Risk, "")
	var missing []string
	aeadOK := false
	for _, m := range modernClient {
		v := strings.Join(d.f.Sshd.Config[m.key], ",")
		if v == "" {
			continue
		}
		c := common(v, m.algs)
		if m.key == "ciphers" {
			for _, x := range c {
				aeadOK = aeadOK || aead(x)
			}
		}
		if len(c) > 0 || (m.key == "macs" && aeadOK) {
			continue
		}
		missing = append(missing, m.directive)
		fd.Evidence = append(fd.Evidence, "sshd -T: "+m.key+" "+v)
		fd.Fix = append(fd.Fix, "in /etc/ssh/sshd_config (and sshd_config.d) set: "+recommended[m.directive])
	}
	if len(missing) > 0 {
		fd.Title = "sshd offers no " + strings.Join(missing, "/") + " that current clients accept"
		fd.Fix = append(fd.Fix, d.testThen("reload"), "ssh -vv -o BatchMode=yes <host> 2>&1 | grep -e 'kex: algorithm' -e 'Unable to negotiate'   # confirm from a client")
		d.add(fd)
	}

	evs := d.events(facts.EvKexMismatch, facts.EvProtocolError)
	named := 0
	for _, s := range d.sources {
		mine := eventsFrom(evs, s.addr)
		named += len(mine)
		if len(mine) == 0 {
			continue
		}
		f := finding(result.CauseAlgorithmMismatch, result.High, result.Observed,
			fmt.Sprintf("Handshakes from %s fail: no common algorithm or protocol errors", s.label()))
		f.ClientIP = s.addr.String()
		f.Evidence = eventLines(mine)
		f.Fix = d.algorithmEventFix()
		d.add(f)
	}
	if other := len(evs) - named; other > 0 {
		// Medium however many: scanners with ancient libraries fill the
		// logs of every internet-facing host with these.
		f := finding(result.CauseAlgorithmMismatch, result.Medium, result.Observed,
			fmt.Sprintf("%s of failed negotiation or corrupted packets in the sshd log", plural(other, "line")))
		f.Evidence = eventLines(d.unnamed(evs))
		f.Fix = d.algorithmEventFix()
		d.add(f)
	}
}

func (d *diag) algorithmEventFix() []string {
	return []string{
		d.logsCommand() + ` | grep -i -e "protocol" -e "packet" -e "Unable to negotiate" -e "no matching"`,
		"'Their offer:' names what the client wanted: update that client, or enable a modern common algorithm on the server (KexAlgorithms, Ciphers, MACs, HostKeyAlgorithms in /etc/ssh/sshd_config), then " + d.testThen("reload"),
		"as a stopgap for one old client: ssh -o KexAlgorithms=+diffie-hellman-group14-sha1 -c aes256-ctr <host>",
		"'Bad packet length' / 'Corrupted MAC' with a current client point at the path (MTU, a middlebox rewriting packets): test with a smaller MTU or from another network",
	}
}
