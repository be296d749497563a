// Package firewall parses the firewall dumps collected from a host
// (iptables-save, ip6tables-save, nft -j list ruleset, firewall-cmd --list-all,
// ufw status verbose) and decides what the host does with an inbound TCP
// packet from a given source: can this address reach sshd?
//
// The dumps are untrusted. Parsing never panics and keeps whatever it could
// understand; evaluation is bounded, so that hostile rule sets (jump loops,
// huge fan-out) cannot stall the caller. Matches that cannot be decided from
// the dump alone (rate limits, ipset contents, unknown interfaces, ...) are
// guessed as their most likely outcome and the verdict is marked uncertain.
package firewall

import (
	"errors"
	"fmt"
	"net/netip"
	"strings"

	"github.com/resetaudit/resetaudit/facts"
)

// Action is what a firewall does with a packet.
type Action string

// Actions.
const (
	Accept  Action = "accept"
	Drop    Action = "drop"
	Reject  Action = "reject"
	Unknown Action = "unknown"
)

// Backend names, as found in Verdict.Backend and Ruleset.Backends.
const (
	BackendIptables  = "iptables"
	BackendIp6tables = "ip6tables"
	BackendNftables  = "nftables"
	BackendFirewalld = "firewalld"
	BackendUfw       = "ufw"
)

// Packet is an inbound TCP packet towards the host.
type Packet struct {
	Src   netip.Addr
	DPort int
	// Established is false for a new connection's SYN and true for a later
	// packet of an accepted flow (conntrack state ESTABLISHED).
	Established bool
	// InIface is the interface the packet arrives on; "" when unknown.
	InIface string
}

// Verdict is what one backend, or the host as a whole, does with a packet.
type Verdict struct {
	Action  Action
	Backend string // one of the Backend constants; "" when nothing filters
	// Rule is the rule that decided, as text: an iptables-save line, an nft
	// rule rendered as nft syntax, or a policy such as "policy DROP of chain INPUT".
	Rule string
	// Reset is true for a REJECT answered with a TCP reset.
	Reset bool
	// Certain is false when a match that cannot be evaluated from the dump
	// (rate limits, recent lists, unknown ipsets or interfaces, ...) was on
	// the path: the verdict is then the most likely one.
	Certain bool
}

// Ruleset is the parsed firewall of one host.
type Ruleset struct {
	ipt4, ipt6 *iptables
	nft        *nftRuleset
	firewalld  *firewalld
	ufw        *ufw
}

// Parse parses every non-empty dump in fw. It returns what it could parse,
// together with an error describing what it could not; the Ruleset is never
// nil.
func Parse(fw facts.Firewall) (*Ruleset, error) {
	r := &Ruleset{}
	var errs []error
	if strings.TrimSpace(fw.IptablesSave) != "" {
		t, err := parseIptables(fw.IptablesSave, false)
		r.ipt4 = t
		if err != nil {
			errs = append(errs, fmt.Errorf("iptables-save: %w", err))
		}
	}
	if strings.TrimSpace(fw.Ip6tablesSave) != "" {
		t, err := parseIptables(fw.Ip6tablesSave, true)
		r.ipt6 = t
		if err != nil {
			errs = append(errs, fmt.Errorf("ip6tables-save: %w", err))
		}
	}
	if strings.TrimSpace(fw.NftJSON) != "" {
		n, err := parseNft(fw.NftJSON)
		if err != nil {
			errs = append(errs, fmt.Errorf("nft -j list ruleset: %w", err))
		}
		if n != nil {
			// With iptables-nft, iptables-save and nft list the same tables;
			// the iptables-save rendering is the readable one (nft shows
			// many of its matches as opaque "xt" expressions).
			if fw.IptablesMode != "legacy" {
				if r.ipt4 != nil {
					n.dropIptablesCompat("ip")
				}
				if r.ipt6 != nil {
					n.dropIptablesCompat("ip6")
				}
			}
			r.nft = n
		}
	}
	if strings.TrimSpace(fw.Firewalld) != "" {
		f, err := parseFirewalld(fw.Firewalld)
		r.firewalld = f
		if err != nil {
			errs = append(errs, fmt.Errorf("firewall-cmd: %w", err))
		}
	}
	if strings.TrimSpace(fw.Ufw) != "" {
		u, err := parseUfw(fw.Ufw)
		r.ufw = u
		if err != nil {
			errs = append(errs, fmt.Errorf("ufw status: %w", err))
		}
	}
	return r, errors.Join(errs...)
}

// Backends names the backends present in the dumps, in evaluation order.
func (r *Ruleset) Backends() []string {
	var b []string
	if r.ipt4 != nil {
		b = append(b, BackendIptables)
	}
	if r.ipt6 != nil {
		b = append(b, BackendIp6tables)
	}
	if r.nft != nil {
		b = append(b, BackendNftables)
	}
	if r.firewalld != nil {
		b = append(b, BackendFirewalld)
	}
	if r.ufw != nil {
		b = append(b, BackendUfw)
	}
	return b
}

// Empty reports whether nothing filters: no rules anywhere and accept
// policies everywhere.
func (r *Ruleset) Empty() bool {
	return (r.ipt4 == nil || r.ipt4.empty()) &&
		(r.ipt6 == nil || r.ipt6.empty()) &&
		(r.nft == nil || r.nft.empty()) &&
		(r.firewalld == nil || !r.firewalld.running) &&
		(r.ufw == nil || !r.ufw.active)
}

// Inbound decides what the host does with p. The packet must pass every
// backend that filters input (legacy iptables tables and nft tables hook
// input independently), so the first verdict other than Accept wins.
// firewalld and ufw are front ends that program iptables or nftables: their
// status text is evaluated only when no iptables or nft dump is present.
// When nothing filters, the verdict is Accept with an empty Rule.
func (r *Ruleset) Inbound(p Packet) Verdict {
	p.Src = p.Src.Unmap()
	var vs []Verdict
	if r.ipt4 != nil && p.Src.Is4() {
		vs = append(vs, r.ipt4.inbound(p))
	}
	if r.ipt6 != nil && p.Src.Is6() {
		vs = append(vs, r.ipt6.inbound(p))
	}
	if r.nft != nil {
		if v, ok := r.nft.inbound(p); ok {
			vs = append(vs, v)
		}
	}
	if r.ipt4 == nil && r.ipt6 == nil && r.nft == nil {
		if r.firewalld != nil && r.firewalld.running {
			vs = append(vs, r.firewalld.inbound(p))
		}
		if r.ufw != nil && r.ufw.active {
			vs = append(vs, r.ufw.inbound(p))
		}
	}
	return combine(vs)
}

// combine returns the first verdict other than Accept, or the first Accept.
// A verdict is certain only when every verdict up to it was.
func combine(vs []Verdict) Verdict {
	if len(vs) == 0 {
		return Verdict{Action: Accept, Certain: true}
	}
	certain := true
	for _, v := range vs {
		certain = certain && v.Certain
		if v.Action != Accept {
			v.Certain = certain
			return v
		}
	}
	v := vs[0]
	v.Certain = certain
	return v
}
