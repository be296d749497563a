package inventory

import (
	"net"
	"strconv"
)

// Host is one host to audit, as the inventory names it.
type Host struct {
	Name    string // display name; defaults to Address
	Address string // IP address or DNS name to connect to
	Port    int    // 0 means 22
	User    string // "" means the --user flag or the current user
	Groups  []string
	// InstanceID is the EC2 instance id, when known.
	InstanceID string
	// Jump is the bastion chain, outermost first (ProxyJump a,b: a then b).
	Jump []Hop
	// Identities are private key files named for this host.
	Identities []string
	// Source is "file:line" where the host was defined, for messages.
	Source string
}

// Hop is one bastion of a jump chain.
type Hop struct {
	User    string
	Address string
	Port    int
}

// String is the hop as ProxyJump writes it: [user@]host:port.
func (h Hop) String() string {
	port := h.Port
	if port == 0 {
		port = DefaultPort
	}
	s := net.JoinHostPort(h.Address, strconv.Itoa(port))
	if h.User != "" {
		s = h.User + "@" + s
	}
	return s
}
