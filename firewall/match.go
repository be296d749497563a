package firewall

import (
	"net/netip"
	"strconv"
	"strings"
)

// result is the outcome of one match: whether it matched, and whether that
// is known or only the most likely outcome.
type result struct {
	match, sure bool
}

var (
	yes      = result{true, true}
	no       = result{false, true}
	guessYes = result{true, false}
	guessNo  = result{false, false}
)

func (r result) not() result { return result{!r.match, r.sure} }

func boolResult(b bool) result { return result{b, true} }

// all combines the matches of one rule: a known mismatch anywhere decides,
// and a guessed outcome counts only when nothing rules the rule out.
func all(ms []result) result {
	out := yes
	for _, m := range ms {
		switch {
		case m == no:
			return no
		case m == guessNo:
			out = guessNo
		case m == guessYes && out == yes:
			out = guessYes
		}
	}
	return out
}

// Bounds on evaluation, so that a hostile rule set cannot stall the caller.
const (
	maxDepth = 64     // nested jumps
	maxSteps = 200000 // rules visited per packet
)

// virtualIfacePrefixes name interfaces that SSH clients from elsewhere do
// not arrive on; an unknown inbound interface is guessed not to be one.
var virtualIfacePrefixes = []string{
	"docker", "br-", "veth", "virbr", "vnet", "cni", "flannel", "cali",
	"kube", "tun", "tap", "wg", "lxc", "lxd", "podman", "cilium", "weave", "vxlan",
}

// ifaceMatch matches the packet's inbound interface against pattern, where a
// trailing '+' (iptables) or '*' (nft) matches any suffix.
func ifaceMatch(p Packet, pattern string) result {
	match := func(name string) bool {
		if strings.HasSuffix(pattern, "+") || strings.HasSuffix(pattern, "*") {
			return strings.HasPrefix(name, pattern[:len(pattern)-1])
		}
		return name == pattern
	}
	if p.InIface != "" {
		return boolResult(match(p.InIface))
	}
	// Loopback traffic comes from loopback addresses and nothing else does,
	// so "lo" is decidable from the source.
	if match("lo") {
		return boolResult(p.Src.IsLoopback())
	}
	if p.Src.IsLoopback() {
		return no
	}
	for _, v := range virtualIfacePrefixes {
		if strings.HasPrefix(pattern, v) {
			return guessNo
		}
	}
	return guessYes
}

// portRange is an inclusive range of ports.
type portRange struct{ lo, hi int }

func (r portRange) contains(p int) bool { return p >= r.lo && p <= r.hi }

// wellKnownPorts maps the service names that appear in rule dumps instead of
// numbers.
var wellKnownPorts = map[string]int{
	"ssh": 22, "http": 80, "https": 443, "ftp": 21, "telnet": 23, "smtp": 25,
	"domain": 53, "dns": 53, "ntp": 123, "snmp": 161, "ldap": 389, "imap": 143,
	"pop3": 110, "mysql": 3306, "postgresql": 5432, "http-alt": 8080,
}

func parsePort(s string) (int, bool) {
	if n, err := strconv.Atoi(s); err == nil && n >= 0 && n <= 65535 {
		return n, true
	}
	n, ok := wellKnownPorts[strings.ToLower(s)]
	return n, ok
}

// parsePortList parses "22", "22,80", "8000:8100" or "8000-8100" lists.
func parsePortList(s string) ([]portRange, bool) {
	var out []portRange
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		lo, hi, isRange := strings.Cut(f, ":")
		if !isRange {
			lo, hi, isRange = strings.Cut(f, "-")
		}
		a, ok := 0, isRange && lo == ""
		if !ok {
			if a, ok = parsePort(lo); !ok {
				return nil, false
			}
		}
		b := a
		if isRange {
			b = 65535
			if hi != "" {
				if b, ok = parsePort(hi); !ok {
					return nil, false
				}
			}
		}
		out = append(out, portRange{a, b})
	}
	return out, len(out) > 0
}

func portsContain(rs []portRange, p int) bool {
	for _, r := range rs {
		if r.contains(p) {
			return true
		}
	}
	return false
}

// sourcePortMatch guesses whether a client's ephemeral source port is in rs:
// clients use ports above 1023, so a list of privileged ports cannot match.
func sourcePortMatch(rs []portRange) result {
	for _, r := range rs {
		if r.hi >= 1024 {
			return guessYes
		}
	}
	return no
}

// parsePrefix parses an address, a CIDR or an address with a dotted netmask.
func parsePrefix(s string) (netip.Prefix, bool) {
	s = strings.TrimSpace(s)
	s = strings.TrimPrefix(strings.TrimSuffix(s, "]"), "[")
	if a, b, ok := strings.Cut(s, "/"); ok {
		a = strings.TrimSuffix(strings.TrimPrefix(a, "["), "]")
		addr, err := netip.ParseAddr(a)
		if err != nil {
			return netip.Prefix{}, false
		}
		bits, err := strconv.Atoi(b)
		if err != nil {
			m, err := netip.ParseAddr(b)
			if err != nil || !m.Is4() || !addr.Is4() {
				return netip.Prefix{}, false
			}
			bits = maskBits(m)
			if bits < 0 {
				return netip.Prefix{}, false
			}
		}
		p, err := addr.Unmap().Prefix(bits)
		return p, err == nil
	}
	addr, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Prefix{}, false
	}
	addr = addr.Unmap()
	return netip.PrefixFrom(addr, addr.BitLen()), true
}

// maskBits returns the prefix length of a contiguous netmask, or -1.
func maskBits(m netip.Addr) int {
	b := m.As4()
	v := uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
	n := 0
	for v&0x80000000 != 0 {
		n++
		v <<= 1
	}
	if v != 0 {
		return -1
	}
	return n
}

// addrRange is an inclusive range of addresses.
type addrRange struct{ lo, hi netip.Addr }

func (r addrRange) contains(a netip.Addr) bool {
	return a.BitLen() == r.lo.BitLen() && r.lo.Compare(a) <= 0 && a.Compare(r.hi) <= 0
}

func parseAddrRange(s string) (addrRange, bool) {
	a, b, ok := strings.Cut(s, "-")
	if !ok {
		return addrRange{}, false
	}
	lo, err1 := netip.ParseAddr(strings.TrimSpace(a))
	hi, err2 := netip.ParseAddr(strings.TrimSpace(b))
	if err1 != nil || err2 != nil || lo.BitLen() != hi.BitLen() {
		return addrRange{}, false
	}
	return addrRange{lo.Unmap(), hi.Unmap()}, true
}

// destinationMatch guesses whether the packet's destination, which is one of
// the host's own addresses, lies in prefix.
func destinationMatch(p netip.Prefix) result {
	if p.Bits() == 0 {
		return yes
	}
	a := p.Addr()
	if a.IsMulticast() || (a.Is4() && a == netip.AddrFrom4([4]byte{255, 255, 255, 255})) {
		return no
	}
	return guessYes
}

// clip shortens text taken from a dump before it is put in a verdict.
func clip(s string) string {
	const max = 400
	if len(s) > max {
		return s[:max] + "..."
	}
	return s
}
