package diagnose

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"

	"github.com/resetaudit/resetaudit/facts"
	"github.com/resetaudit/resetaudit/firewall"
	"github.com/resetaudit/resetaudit/result"
)

// genericSource stands for "any other address" (TEST-NET-3, RFC 5737).
var genericSource = netip.MustParseAddr("203.0.113.1")

// firewall evaluates the host firewall for every named source and for a
// generic one.
func (d *diag) firewall() {
	if !d.covered(facts.AreaFirewall) {
		return
	}
	fw, err := firewall.Parse(d.f.Firewall)
	if fw == nil || fw.Empty() {
		return
	}
	uncertain := ""
	if err != nil {
		uncertain = "part of the rules could not be parsed"
	}
	tool := d.fixTool(fw)

	// Established traffic first: when it is dropped, every source suffers.
	noEst := func(src netip.Addr) (firewall.Verdict, bool) {
		syn := fw.Inbound(firewall.Packet{Src: src, DPort: d.port})
		est := fw.Inbound(firewall.Packet{Src: src, DPort: d.port, Established: true})
		return est, syn.Action == firewall.Accept && est.Action != firewall.Accept
	}
	if v, bad := noEst(genericSource); bad {
		d.add(d.noEstablished(v, tool, uncertain, ""))
	} else {
		for _, s := range d.sources {
			if v, bad := noEst(s.addr); bad {
				d.add(d.noEstablished(v, tool, uncertain, s.addr.String()))
			}
		}
	}

	for _, s := range d.sources {
		v := fw.Inbound(firewall.Packet{Src: s.addr, DPort: d.port})
		if v.Action == firewall.Accept {
			continue
		}
		if tcp, _ := d.connectedFrom(s.addr); tcp {
			continue // the probe's SYN from this address got through: the evaluation missed something
		}
		if strings.Contains(v.Rule, "f2b-") && d.addEvidence(result.CauseFail2banBan, s.addr.String(), verdictLine(v, uncertain)) {
			continue // fail2ban's own rule: reported as the ban
		}
		fd := finding(result.CauseFirewallReject, result.High, result.Observed,
			fmt.Sprintf("The firewall %s SSH from %s", verb(v), s.label()))
		fd.ClientIP = s.addr.String()
		fd.Evidence = []string{verdictLine(v, uncertain)}
		if !v.Certain || uncertain != "" {
			fd.Status = result.Risk
		}
		fd.Fix = d.allowFix(tool, s.addr)
		d.add(fd)
	}
	v := fw.Inbound(firewall.Packet{Src: genericSource, DPort: d.port})
	if v.Action != firewall.Accept {
		fd := finding(result.CauseFirewallReject, result.Medium, result.Risk,
			fmt.Sprintf("The firewall %s SSH from sources it does not list explicitly", verb(v)))
		fd.Evidence = []string{
			fmt.Sprintf("evaluated: TCP from %s (any other address) to port %d", genericSource, d.port),
			verdictLine(v, uncertain),
		}
		fd.Fix = append([]string{"if SSH is meant to be open to more sources:"}, d.allowFix(tool, netip.Addr{})...)
		d.add(fd)
	}
}

func (d *diag) noEstablished(v firewall.Verdict, tool fwTool, uncertain, ip string) result.Finding {
	fd := finding(result.CauseFirewallNoEstablished, result.Critical, result.Observed,
		"The firewall accepts the SSH handshake's SYN but drops the rest of the connection")
	fd.ClientIP = ip
	fd.Evidence = []string{"established packet: " + verdictLine(v, uncertain)}
	if !v.Certain || uncertain != "" {
		fd.Status = result.Risk
		fd.Severity = result.High
	}
	fd.Fix = d.establishedFix(tool)
	return fd
}

// verb describes a verdict's action.
func verb(v firewall.Verdict) string {
	switch v.Action {
	case firewall.Reject:
		if v.Reset {
			return "resets"
		}
		return "rejects"
	case firewall.Drop:
		return "drops"
	}
	return "may block"
}

// verdictLine is the evidence of a verdict: "backend: rule".
func verdictLine(v firewall.Verdict, uncertain string) string {
	b := v.Backend
	if b == "" {
		b = "firewall"
	}
	rule := v.Rule
	if rule == "" {
		rule = "(default " + string(v.Action) + ")"
	}
	line := b + ": " + rule
	switch {
	case !v.Certain && uncertain != "":
		line += " (uncertain: the rule path has matches that cannot be evaluated from the dump, and " + uncertain + ")"
	case !v.Certain:
		line += " (uncertain: the rule path has matches that cannot be evaluated from the dump, such as rate limits or ipsets)"
	case uncertain != "":
		line += " (uncertain: " + uncertain + ")"
	}
	return line
}

// fixTool picks the tool to give fixes for: a front end (firewalld, ufw)
// when one manages the rules, else the lowest backend present.
func (d *diag) fixTool(fw *firewall.Ruleset) fwTool {
	raw := d.f.Firewall
	st := strings.ToLower(raw.Firewalld)
	if strings.Contains(st, "running") && !strings.Contains(st, "not running") {
		return toolFirewalld
	}
	if strings.Contains(strings.ToLower(raw.Ufw), "status: active") {
		return toolUfw
	}
	b := fw.Backends()
	if slices.Contains(b, firewall.BackendIptables) || slices.Contains(b, firewall.BackendIp6tables) {
		return toolIptables
	}
	if slices.Contains(b, firewall.BackendNftables) {
		return toolNft
	}
	return toolIptables
}
