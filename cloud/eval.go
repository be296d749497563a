package cloud

import (
	"cmp"
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/resetaudit/resetaudit/facts"
)

// portRange is an inclusive range of TCP ports.
type portRange struct{ from, to int }

func (r portRange) String() string {
	if r.from == r.to {
		return strconv.Itoa(r.from)
	}
	return fmt.Sprintf("%d-%d", r.from, r.to)
}

// Ephemeral port ranges a source uses for its side of the connection, which
// is where the return traffic goes.
var (
	linuxEphemeral = portRange{32768, 60999} // net.ipv4.ip_local_port_range default
	anyEphemeral   = portRange{1024, 65535}  // covers Windows (49152-65535), BSDs, NAT gateways
)

// ephemeralRange returns the range assumed for a source with this label and
// the sentence that states the assumption. The auditor and bastions are
// Linux machines we know; an end user's client runs an unknown OS, often
// behind NAT, so the whole non-privileged range must be open for it.
func ephemeralRange(label string) (portRange, string) {
	switch label {
	case "auditor", "bastion":
		return linuxEphemeral, fmt.Sprintf("the %s is assumed to be Linux, using ephemeral ports %s", label, linuxEphemeral)
	default:
		return anyEphemeral, fmt.Sprintf("the client's OS is unknown, so its ephemeral ports may be anywhere in %s", anyEphemeral)
	}
}

// prefixList is a managed prefix list resolved to its CIDRs.
type prefixList struct {
	name  string
	cidrs []netip.Prefix
}

// sgContext is what evaluating security groups needs beyond the groups:
// resolved prefix lists (a list absent from the map is unresolved) and the
// private addresses of each group's members, for group-to-group rules.
type sgContext struct {
	region      string
	prefixLists map[string]prefixList
	// prefixListNote explains why prefix lists could not be resolved, if so.
	prefixListNote string
	members        map[string][]netip.Addr
}

// sourceCIDR returns src as a single-address prefix, /32 or /128.
func sourceCIDR(src netip.Addr) string {
	return netip.PrefixFrom(src, src.BitLen()).String()
}

// protoTCP reports whether a security group or network ACL protocol covers
// TCP, and whether it is "all protocols" (in which case ports do not apply).
func protoTCP(p string) (tcp, all bool) {
	switch strings.ToLower(p) {
	case "-1", "all":
		return true, true
	case "tcp", "6":
		return true, false
	}
	return false, false
}

// permPorts returns the port range of a security group permission; missing
// ports mean all ports.
func permPorts(p types.IpPermission) portRange {
	r := portRange{0, 65535}
	if p.FromPort != nil && *p.FromPort >= 0 {
		r.from = int(*p.FromPort)
	}
	if p.ToPort != nil && *p.ToPort >= 0 {
		r.to = int(*p.ToPort)
	}
	return r
}

func containsAddr(cidr string, src netip.Addr) (netip.Prefix, bool) {
	p, err := netip.ParsePrefix(cidr)
	if err != nil {
		return netip.Prefix{}, false
	}
	return p, p.Contains(src)
}

func groupLabel(g types.SecurityGroup) string {
	id := aws.ToString(g.GroupId)
	if name := aws.ToString(g.GroupName); name != "" {
		return id + " (" + name + ")"
	}
	return id
}

// evalSecurityGroups decides whether any of the groups attached to an
// interface admits TCP to port from src. Security groups are allow-only and
// their rules are unioned, so one matching rule anywhere is enough.
func evalSecurityGroups(groups []types.SecurityGroup, src netip.Addr, port int, sc sgContext) *facts.CloudVerdict {
	src = src.Unmap()
	v := &facts.CloudVerdict{}
	var notes []string
	for _, g := range groups {
		for _, p := range g.IpPermissions {
			tcp, all := protoTCP(aws.ToString(p.IpProtocol))
			if !tcp {
				continue
			}
			what := "all traffic"
			if !all {
				pr := permPorts(p)
				if port < pr.from || port > pr.to {
					continue
				}
				what = "tcp " + pr.String()
			}
			rule := fmt.Sprintf("%s rule: %s from ", aws.ToString(g.GroupId), what)
			for _, r := range p.IpRanges {
				if pfx, ok := containsAddr(aws.ToString(r.CidrIp), src); ok {
					v.Evidence = append(v.Evidence, rule+pfx.String())
				}
			}
			for _, r := range p.Ipv6Ranges {
				if pfx, ok := containsAddr(aws.ToString(r.CidrIpv6), src); ok {
					v.Evidence = append(v.Evidence, rule+pfx.String())
				}
			}
			for _, r := range p.PrefixListIds {
				id := aws.ToString(r.PrefixListId)
				pl, ok := sc.prefixLists[id]
				if !ok {
					notes = append(notes, fmt.Sprintf("prefix list %s (in %s) could not be resolved and was treated as not matching", id, aws.ToString(g.GroupId)))
					continue
				}
				for _, c := range pl.cidrs {
					if c.Contains(src) {
						v.Evidence = append(v.Evidence, fmt.Sprintf("%s%s (%s) entry %s", rule, id, pl.name, c))
						break
					}
				}
			}
			for _, r := range p.UserIdGroupPairs {
				id := aws.ToString(r.GroupId)
				if slices.Contains(sc.members[id], src) {
					v.Evidence = append(v.Evidence, fmt.Sprintf("%s%s (%s is a member)", rule, id, src))
				}
			}
		}
	}
	if len(notes) > 0 {
		if sc.prefixListNote != "" {
			notes = append(notes, sc.prefixListNote)
		}
		v.Assumption = strings.Join(notes, "; ")
	}
	if len(v.Evidence) > 0 {
		v.Allowed = true
		return v
	}
	for _, g := range groups {
		v.Evidence = append(v.Evidence, fmt.Sprintf("%s: no inbound rule allows tcp/%d from %s", groupLabel(g), port, src))
	}
	if len(groups) == 0 {
		v.Evidence = append(v.Evidence, "no security group is attached")
		return v
	}
	id := aws.ToString(groups[0].GroupId)
	if src.Is4() {
		v.Fix = append(v.Fix, fmt.Sprintf("aws ec2 authorize-security-group-ingress --group-id %s --protocol tcp --port %d --cidr %s --region %s",
			id, port, sourceCIDR(src), sc.region))
	} else {
		v.Fix = append(v.Fix, fmt.Sprintf("aws ec2 authorize-security-group-ingress --group-id %s --ip-permissions 'IpProtocol=tcp,FromPort=%d,ToPort=%d,Ipv6Ranges=[{CidrIpv6=%s}]' --region %s",
			id, port, port, sourceCIDR(src), sc.region))
	}
	if vpc := aws.ToString(groups[0].VpcId); vpc != "" {
		v.Fix = append(v.Fix, flowLogHint(vpc, sc.region))
	}
	return v
}

// flowLogHint is the command that shows whether the VPC records flow logs,
// whose REJECT records confirm a block by a group or an ACL.
func flowLogHint(vpc, region string) string {
	return fmt.Sprintf("aws ec2 describe-flow-logs --filter Name=resource-id,Values=%s --region %s  # then look for REJECT records from the source", vpc, region)
}

// aclEntry is a network ACL entry reduced to what evaluation needs.
type aclEntry struct {
	number int
	allow  bool
	all    bool // all protocols: ports do not apply
	ports  portRange
	cidr   netip.Prefix
}

func (e aclEntry) name() string {
	if e.number == 32767 {
		return "rule *"
	}
	return "rule " + strconv.Itoa(e.number)
}

func (e aclEntry) action() string {
	if e.allow {
		return "allows"
	}
	return "denies"
}

// segment is part of a port range and the entry that decided it (nil for
// the implicit deny).
type segment struct {
	ports portRange
	rule  *aclEntry
}

// egressWalk evaluates outbound entries for TCP to dst's ports rng: each
// entry, in order, decides the part of the still-undecided range it covers.
// Both results are sorted by port.
func egressWalk(entries []aclEntry, dst netip.Addr, rng portRange) (allowed, denied []segment) {
	undecided := []portRange{rng}
	for i := range entries {
		e := &entries[i]
		if len(undecided) == 0 {
			break
		}
		if !e.cidr.Contains(dst) {
			continue
		}
		var rest []portRange
		for _, r := range undecided {
			lo, hi := max(r.from, e.ports.from), min(r.to, e.ports.to)
			if lo > hi {
				rest = append(rest, r)
				continue
			}
			seg := segment{portRange{lo, hi}, e}
			if e.allow {
				allowed = append(allowed, seg)
			} else {
				denied = append(denied, seg)
			}
			if r.from < lo {
				rest = append(rest, portRange{r.from, lo - 1})
			}
			if hi < r.to {
				rest = append(rest, portRange{hi + 1, r.to})
			}
		}
		undecided = rest
	}
	for _, r := range undecided {
		denied = append(denied, segment{ports: r})
	}
	byPort := func(a, b segment) int { return cmp.Compare(a.ports.from, b.ports.from) }
	slices.SortFunc(allowed, byPort)
	slices.SortFunc(denied, byPort)
	return allowed, denied
}

// aclEntries returns the TCP-relevant entries of one direction, in the order
// AWS evaluates them (ascending rule number).
func aclEntries(acl types.NetworkAcl, egress bool) (tcp []aclEntry, used map[int]bool) {
	used = map[int]bool{}
	for _, e := range acl.Entries {
		if aws.ToBool(e.Egress) != egress {
			continue
		}
		n := int(aws.ToInt32(e.RuleNumber))
		used[n] = true
		isTCP, all := protoTCP(aws.ToString(e.Protocol))
		if !isTCP {
			continue
		}
		cidr := aws.ToString(e.CidrBlock)
		if cidr == "" {
			cidr = aws.ToString(e.Ipv6CidrBlock)
		}
		p, err := netip.ParsePrefix(cidr)
		if err != nil {
			continue
		}
		ports := portRange{0, 65535}
		if !all && e.PortRange != nil {
			ports = portRange{int(aws.ToInt32(e.PortRange.From)), int(aws.ToInt32(e.PortRange.To))}
		}
		tcp = append(tcp, aclEntry{number: n, allow: e.RuleAction == types.RuleActionAllow, all: all, ports: ports, cidr: p})
	}
	slices.SortFunc(tcp, func(a, b aclEntry) int { return cmp.Compare(a.number, b.number) })
	return tcp, used
}

// freeRuleNumber returns the highest unused rule number below limit, so a
// new allow entry is evaluated before the entry that denies.
func freeRuleNumber(used map[int]bool, limit int) (int, bool) {
	for n := min(limit, 32767) - 1; n >= 1; n-- {
		if !used[n] {
			return n, true
		}
	}
	return 0, false
}

// evalNetworkACL decides whether a subnet's network ACL lets a connection
// from src to port in, and lets the replies from port out to src's
// ephemeral ports. Network ACLs are stateless and first-match-wins, so both
// directions are evaluated, each in rule-number order.
func evalNetworkACL(acl types.NetworkAcl, src netip.Addr, port int, label, region string) *facts.CloudVerdict {
	src = src.Unmap()
	id := aws.ToString(acl.NetworkAclId)
	v := &facts.CloudVerdict{}
	cidrFlag := "--cidr-block " + sourceCIDR(src)
	if src.Is6() {
		cidrFlag = "--ipv6-cidr-block " + sourceCIDR(src)
	}

	// Inbound: the first entry matching (tcp, port, src) decides.
	in, inUsed := aclEntries(acl, false)
	inAllowed, inDeny := false, 32767
	matched := false
	for _, e := range in {
		if !e.cidr.Contains(src) || (!e.all && (port < e.ports.from || port > e.ports.to)) {
			continue
		}
		matched = true
		inAllowed = e.allow
		inDeny = e.number
		v.Evidence = append(v.Evidence, fmt.Sprintf("%s inbound %s %s tcp/%d from %s (%s)", id, e.name(), e.action(), port, src, e.cidr))
		break
	}
	if !matched {
		v.Evidence = append(v.Evidence, fmt.Sprintf("%s inbound: no rule matches tcp/%d from %s (implicit deny, rule *)", id, port, src))
	}
	if !inAllowed {
		if n, ok := freeRuleNumber(inUsed, inDeny); ok {
			v.Fix = append(v.Fix, fmt.Sprintf("aws ec2 create-network-acl-entry --network-acl-id %s --ingress --rule-number %d --protocol tcp --port-range From=%d,To=%d %s --rule-action allow --region %s",
				id, n, port, port, cidrFlag, region))
		}
	}

	// Outbound: the replies go from port to src's ephemeral ports.
	eph, assumption := ephemeralRange(label)
	out, outUsed := aclEntries(acl, true)
	allowed, denied := egressWalk(out, src, eph)
	firstDeny := 32767
	for _, d := range denied {
		if d.rule != nil {
			firstDeny = min(firstDeny, d.rule.number)
		}
	}
	// Evidence in evaluation order: by rule, the implicit deny last.
	decided := slices.Concat(allowed, denied)
	order := func(s segment) int {
		if s.rule == nil {
			return 1 << 16
		}
		return s.rule.number
	}
	slices.SortStableFunc(decided, func(a, b segment) int {
		return cmp.Or(cmp.Compare(order(a), order(b)), cmp.Compare(a.ports.from, b.ports.from))
	})
	for _, d := range decided {
		if d.rule == nil {
			v.Evidence = append(v.Evidence, fmt.Sprintf("%s outbound: no rule matches tcp %s to %s (implicit deny, rule *)", id, d.ports, src))
			continue
		}
		v.Evidence = append(v.Evidence, fmt.Sprintf("%s outbound %s %s tcp %s to %s (%s)", id, d.rule.name(), d.rule.action(), d.ports, src, d.rule.cidr))
	}
	outAllowed := len(denied) == 0
	v.Assumption = assumption
	if !outAllowed {
		// Say what the ACL does let out, over the whole unprivileged range,
		// so that a range chosen for another OS is recognisable.
		if some, _ := egressWalk(out, src, anyEphemeral); len(some) > 0 {
			parts := make([]string, len(some))
			for i, a := range some {
				parts[i] = a.ports.String()
			}
			v.Assumption = fmt.Sprintf("%s outbound allows tcp %s only to %s; %s", id, strings.Join(parts, ","), src, assumption)
		}
	}
	if !outAllowed {
		if n, ok := freeRuleNumber(outUsed, firstDeny); ok {
			v.Fix = append(v.Fix, fmt.Sprintf("aws ec2 create-network-acl-entry --network-acl-id %s --egress --rule-number %d --protocol tcp --port-range From=%d,To=%d %s --rule-action allow --region %s",
				id, n, eph.from, eph.to, cidrFlag, region))
		}
	}
	v.Allowed = inAllowed && outAllowed
	if !v.Allowed && aws.ToString(acl.VpcId) != "" {
		v.Fix = append(v.Fix, flowLogHint(aws.ToString(acl.VpcId), region))
	}
	return v
}
