package cloud

import (
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

func perm(proto string, from, to int32, mods ...func(*types.IpPermission)) types.IpPermission {
	p := types.IpPermission{IpProtocol: aws.String(proto), FromPort: aws.Int32(from), ToPort: aws.Int32(to)}
	for _, m := range mods {
		m(&p)
	}
	return p
}

func cidr4(c string) func(*types.IpPermission) {
	return func(p *types.IpPermission) { p.IpRanges = append(p.IpRanges, types.IpRange{CidrIp: aws.String(c)}) }
}

func cidr6(c string) func(*types.IpPermission) {
	return func(p *types.IpPermission) {
		p.Ipv6Ranges = append(p.Ipv6Ranges, types.Ipv6Range{CidrIpv6: aws.String(c)})
	}
}

func plist(id string) func(*types.IpPermission) {
	return func(p *types.IpPermission) {
		p.PrefixListIds = append(p.PrefixListIds, types.PrefixListId{PrefixListId: aws.String(id)})
	}
}

func gref(id string) func(*types.IpPermission) {
	return func(p *types.IpPermission) {
		p.UserIdGroupPairs = append(p.UserIdGroupPairs, types.UserIdGroupPair{GroupId: aws.String(id)})
	}
}

func sg(id string, perms ...types.IpPermission) types.SecurityGroup {
	return types.SecurityGroup{GroupId: aws.String(id), GroupName: aws.String("g" + id[3:]), VpcId: aws.String("vpc-1"), IpPermissions: perms}
}

func TestEvalSecurityGroups(t *testing.T) {
	sc := sgContext{
		region: "us-east-1",
		prefixLists: map[string]prefixList{
			"pl-office": {name: "office", cidrs: []netip.Prefix{netip.MustParsePrefix("198.51.100.0/24")}},
		},
		members: map[string][]netip.Addr{"sg-bastion": {netip.MustParseAddr("10.0.1.5")}},
	}
	tests := []struct {
		name       string
		groups     []types.SecurityGroup
		src        string
		port       int
		allowed    bool
		evidence   string // substring of some evidence line
		fix        string // substring of the first fix, when denied
		assumption string // substring of the assumption
	}{
		{"v4 cidr", []types.SecurityGroup{sg("sg-a", perm("tcp", 22, 22, cidr4("10.0.0.0/8")))}, "10.2.3.4", 22, true, "sg-a rule: tcp 22 from 10.0.0.0/8", "", ""},
		{"v4 cidr miss", []types.SecurityGroup{sg("sg-a", perm("tcp", 22, 22, cidr4("10.0.0.0/8")))}, "203.0.113.7", 22, false,
			"sg-a (ga): no inbound rule allows tcp/22 from 203.0.113.7",
			"aws ec2 authorize-security-group-ingress --group-id sg-a --protocol tcp --port 22 --cidr 203.0.113.7/32 --region us-east-1", ""},
		{"v4 source vs v6 range", []types.SecurityGroup{sg("sg-a", perm("tcp", 22, 22, cidr6("::/0")))}, "203.0.113.7", 22, false, "no inbound rule", "", ""},
		{"v6 cidr", []types.SecurityGroup{sg("sg-a", perm("tcp", 22, 22, cidr6("2001:db8::/32")))}, "2001:db8::7", 22, true, "from 2001:db8::/32", "", ""},
		{"v6 miss fix", []types.SecurityGroup{sg("sg-a")}, "2001:db8::7", 22, false, "no inbound rule", "Ipv6Ranges=[{CidrIpv6=2001:db8::7/128}]", ""},
		{"all protocols ignore ports", []types.SecurityGroup{sg("sg-a", perm("-1", -1, -1, cidr4("0.0.0.0/0")))}, "203.0.113.7", 2222, true, "all traffic from 0.0.0.0/0", "", ""},
		{"udp does not count", []types.SecurityGroup{sg("sg-a", perm("udp", 0, 65535, cidr4("0.0.0.0/0")))}, "203.0.113.7", 22, false, "no inbound rule", "", ""},
		{"port range contains", []types.SecurityGroup{sg("sg-a", perm("tcp", 20, 30, cidr4("0.0.0.0/0")))}, "203.0.113.7", 22, true, "tcp 20-30 from 0.0.0.0/0", "", ""},
		{"port range excludes", []types.SecurityGroup{sg("sg-a", perm("tcp", 23, 30, cidr4("0.0.0.0/0")))}, "203.0.113.7", 22, false, "no inbound rule", "", ""},
		{"second group admits", []types.SecurityGroup{sg("sg-a"), sg("sg-b", perm("tcp", 22, 22, cidr4("203.0.113.0/24")))}, "203.0.113.7", 22, true, "sg-b rule", "", ""},
		{"prefix list resolved", []types.SecurityGroup{sg("sg-a", perm("tcp", 22, 22, plist("pl-office")))}, "198.51.100.9", 22, true, "pl-office (office) entry 198.51.100.0/24", "", ""},
		{"prefix list unresolved", []types.SecurityGroup{sg("sg-a", perm("tcp", 22, 22, plist("pl-gone")))}, "198.51.100.9", 22, false, "no inbound rule", "", "pl-gone (in sg-a) could not be resolved"},
		{"group reference member", []types.SecurityGroup{sg("sg-a", perm("tcp", 22, 22, gref("sg-bastion")))}, "10.0.1.5", 22, true, "from sg-bastion (10.0.1.5 is a member)", "", ""},
		{"group reference non-member", []types.SecurityGroup{sg("sg-a", perm("tcp", 22, 22, gref("sg-bastion")))}, "10.0.1.6", 22, false, "no inbound rule", "", ""},
		{"mapped v4", []types.SecurityGroup{sg("sg-a", perm("tcp", 22, 22, cidr4("10.0.0.0/8")))}, "::ffff:10.2.3.4", 22, true, "10.0.0.0/8", "", ""},
		{"no groups", nil, "10.2.3.4", 22, false, "no security group is attached", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := evalSecurityGroups(tt.groups, netip.MustParseAddr(tt.src), tt.port, sc)
			if v.Allowed != tt.allowed {
				t.Fatalf("Allowed = %v, want %v; evidence %q", v.Allowed, tt.allowed, v.Evidence)
			}
			if !slices.ContainsFunc(v.Evidence, func(e string) bool { return strings.Contains(e, tt.evidence) }) {
				t.Errorf("evidence %q lacks %q", v.Evidence, tt.evidence)
			}
			if tt.allowed && len(v.Fix) != 0 {
				t.Errorf("allowed but Fix = %q", v.Fix)
			}
			if tt.fix != "" && (len(v.Fix) == 0 || !strings.Contains(v.Fix[0], tt.fix)) {
				t.Errorf("Fix = %q, want first containing %q", v.Fix, tt.fix)
			}
			if !strings.Contains(v.Assumption, tt.assumption) || (tt.assumption == "" && v.Assumption != "") {
				t.Errorf("Assumption = %q, want %q", v.Assumption, tt.assumption)
			}
		})
	}
}

// nacl builds entries from "in|out number allow|deny proto from-to cidr".
func nacl(lines ...string) types.NetworkAcl {
	acl := types.NetworkAcl{NetworkAclId: aws.String("acl-1"), VpcId: aws.String("vpc-1")}
	for _, l := range lines {
		f := strings.Fields(l)
		e := types.NetworkAclEntry{Egress: aws.Bool(f[0] == "out"), RuleAction: types.RuleAction(f[2]), Protocol: aws.String(f[3])}
		n, _ := strconv.Atoi(f[1])
		e.RuleNumber = aws.Int32(int32(n))
		if f[4] != "*" {
			lo, hi, _ := strings.Cut(f[4], "-")
			a, _ := strconv.Atoi(lo)
			b, _ := strconv.Atoi(hi)
			e.PortRange = &types.PortRange{From: aws.Int32(int32(a)), To: aws.Int32(int32(b))}
		}
		if strings.Contains(f[5], ":") {
			e.Ipv6CidrBlock = aws.String(f[5])
		} else {
			e.CidrBlock = aws.String(f[5])
		}
		acl.Entries = append(acl.Entries, e)
	}
	return acl
}

// awsDefault is the pair of entries AWS appends to every ACL.
var awsDefault = []string{"in 32767 deny -1 * 0.0.0.0/0", "out 32767 deny -1 * 0.0.0.0/0"}

func TestEvalNetworkACL(t *testing.T) {
	allowAllOut := "out 100 allow -1 * 0.0.0.0/0"
	tests := []struct {
		name       string
		entries    []string
		src, label string
		allowed    bool
		evidence   []string // substrings each found in some evidence line
		fix        []string // substrings each found in some fix
		assumption string
	}{
		{"allow all", []string{"in 100 allow -1 * 0.0.0.0/0", allowAllOut}, "203.0.113.7", "client", true,
			[]string{"acl-1 inbound rule 100 allows tcp/22 from 203.0.113.7", "acl-1 outbound rule 100 allows tcp 1024-65535"}, nil, "1024-65535"},
		{"deny before allow, rules unordered", []string{"in 100 allow 6 22-22 0.0.0.0/0", "in 90 deny 6 22-22 203.0.113.7/32", allowAllOut}, "203.0.113.7", "client", false,
			[]string{"acl-1 inbound rule 90 denies tcp/22 from 203.0.113.7 (203.0.113.7/32)"},
			[]string{"aws ec2 create-network-acl-entry --network-acl-id acl-1 --ingress --rule-number 89 --protocol tcp --port-range From=22,To=22 --cidr-block 203.0.113.7/32 --rule-action allow --region us-east-1", "describe-flow-logs --filter Name=resource-id,Values=vpc-1"}, ""},
		{"first match wins: allow before deny", []string{"in 80 allow 6 22-22 203.0.113.0/24", "in 90 deny -1 * 0.0.0.0/0", allowAllOut}, "203.0.113.7", "client", true,
			[]string{"inbound rule 80 allows"}, nil, ""},
		{"deny other source only", []string{"in 90 deny 6 22-22 203.0.113.7/32", "in 100 allow 6 22-22 0.0.0.0/0", allowAllOut}, "10.0.0.5", "auditor", true,
			[]string{"inbound rule 100 allows"}, nil, "32768-60999"},
		{"port outside range", []string{"in 100 allow 6 80-443 0.0.0.0/0", allowAllOut}, "10.0.0.5", "auditor", false,
			[]string{"acl-1 inbound: no rule matches tcp/22 from 10.0.0.5 (implicit deny, rule *)"}, []string{"--ingress --rule-number 32766"}, ""},
		{"aws default deny entry", append([]string{"in 100 allow 6 443-443 0.0.0.0/0", allowAllOut}, awsDefault...), "10.0.0.5", "auditor", false,
			[]string{"acl-1 inbound rule * denies tcp/22 from 10.0.0.5"}, []string{"--ingress --rule-number 32766"}, ""},
		{"udp ignored", []string{"in 100 allow 17 0-65535 0.0.0.0/0", allowAllOut}, "10.0.0.5", "auditor", false, []string{"implicit deny"}, nil, ""},
		{"egress partial for linux", []string{"in 100 allow -1 * 0.0.0.0/0", "out 100 allow 6 1024-32767 0.0.0.0/0"}, "10.0.0.5", "auditor", false,
			[]string{"acl-1 outbound: no rule matches tcp 32768-60999 to 10.0.0.5 (implicit deny, rule *)"},
			[]string{"--egress --rule-number 32766 --protocol tcp --port-range From=32768,To=60999 --cidr-block 10.0.0.5/32"},
			"acl-1 outbound allows tcp 1024-32767 only to 10.0.0.5; the auditor is assumed to be Linux, using ephemeral ports 32768-60999"},
		{"egress partial for client", []string{"in 100 allow -1 * 0.0.0.0/0", "out 100 allow 6 1024-32767 0.0.0.0/0"}, "203.0.113.7", "client", false,
			[]string{"outbound rule 100 allows tcp 1024-32767"}, []string{"From=1024,To=65535"}, "acl-1 outbound allows tcp 1024-32767 only"},
		{"egress linux range covered", []string{"in 100 allow -1 * 0.0.0.0/0", "out 100 allow 6 32768-65535 0.0.0.0/0"}, "10.0.0.5", "bastion", true,
			[]string{"outbound rule 100 allows tcp 32768-60999"}, nil, "bastion is assumed to be Linux"},
		{"egress deny first", []string{"in 100 allow -1 * 0.0.0.0/0", "out 50 deny 6 40000-41000 0.0.0.0/0", allowAllOut}, "10.0.0.5", "auditor", false,
			[]string{"outbound rule 50 denies tcp 40000-41000", "outbound rule 100 allows tcp 32768-39999", "outbound rule 100 allows tcp 41001-60999"},
			[]string{"--egress --rule-number 49"}, "allows tcp 1024-39999,41001-65535 only"},
		{"v6 source", []string{"in 100 allow 6 22-22 ::/0", "out 100 allow -1 * ::/0"}, "2001:db8::7", "client", true, []string{"(::/0)"}, nil, ""},
		{"v6 source, v4 rules only", []string{"in 100 allow -1 * 0.0.0.0/0", allowAllOut}, "2001:db8::7", "client", false,
			[]string{"implicit deny"}, []string{"--ipv6-cidr-block 2001:db8::7/128"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := evalNetworkACL(nacl(tt.entries...), netip.MustParseAddr(tt.src), 22, tt.label, "us-east-1")
			if v.Allowed != tt.allowed {
				t.Fatalf("Allowed = %v, want %v; evidence %q", v.Allowed, tt.allowed, v.Evidence)
			}
			for _, want := range tt.evidence {
				if !slices.ContainsFunc(v.Evidence, func(e string) bool { return strings.Contains(e, want) }) {
					t.Errorf("evidence %q lacks %q", v.Evidence, want)
				}
			}
			for _, want := range tt.fix {
				if !slices.ContainsFunc(v.Fix, func(e string) bool { return strings.Contains(e, want) }) {
					t.Errorf("fix %q lacks %q", v.Fix, want)
				}
			}
			if tt.allowed != (len(v.Fix) == 0) {
				t.Errorf("Allowed %v with Fix %q", tt.allowed, v.Fix)
			}
			if !strings.Contains(v.Assumption, tt.assumption) {
				t.Errorf("Assumption = %q, want %q", v.Assumption, tt.assumption)
			}
		})
	}
}

func TestFreeRuleNumber(t *testing.T) {
	tests := []struct {
		used  []int
		limit int
		want  int
		ok    bool
	}{
		{nil, 90, 89, true},
		{[]int{89, 88}, 90, 87, true},
		{[]int{1}, 2, 0, false},
		{nil, 32767, 32766, true},
	}
	for _, tt := range tests {
		used := map[int]bool{}
		for _, n := range tt.used {
			used[n] = true
		}
		got, ok := freeRuleNumber(used, tt.limit)
		if got != tt.want || ok != tt.ok {
			t.Errorf("freeRuleNumber(%v, %d) = %d, %v; want %d, %v", tt.used, tt.limit, got, ok, tt.want, tt.ok)
		}
	}
}
