package cloud

import (
	"context"
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/resetaudit/resetaudit/cloud/cloudtest"
)

// motoFleet is what newMotoFleet built.
type motoFleet struct {
	vpc                                          string
	subnetDefault, subnetDeny, subnetEgress      string
	sgOpen, sgInternal, sgFromBastion, sgBastion string
	aclDeny, aclEgress                           string
	bastionIP                                    string
	hosts                                        map[string]types.Instance // by Name tag
	multiENI                                     bool
	secondaryIP                                  string // of the multi-ENI instance's second interface
}

const clientIP = "203.0.113.7"

// setupClient is the test's own client for building the fleet.
func setupClient(t *testing.T) *ec2.Client {
	t.Helper()
	cfg, err := config.LoadDefaultConfig(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return ec2.NewFromConfig(cfg)
}

// must(f(...))(t) fails the test when f failed and returns f's value.
func must[T any](v T, err error) func(*testing.T) T {
	return func(t *testing.T) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

func newMotoFleet(t *testing.T, c *ec2.Client, filler int) *motoFleet {
	t.Helper()
	ctx := context.Background()
	f := &motoFleet{hosts: map[string]types.Instance{}}
	f.vpc = *must(c.CreateVpc(ctx, &ec2.CreateVpcInput{CidrBlock: aws.String("10.0.0.0/16")}))(t).Vpc.VpcId
	subnet := func(cidr string) string {
		return *must(c.CreateSubnet(ctx, &ec2.CreateSubnetInput{VpcId: &f.vpc, CidrBlock: aws.String(cidr)}))(t).Subnet.SubnetId
	}
	f.subnetDefault, f.subnetDeny, f.subnetEgress = subnet("10.0.1.0/24"), subnet("10.0.2.0/24"), subnet("10.0.3.0/24")

	group := func(name string) string {
		return *must(c.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{VpcId: &f.vpc, GroupName: aws.String(name), Description: aws.String(name)}))(t).GroupId
	}
	f.sgOpen, f.sgInternal, f.sgFromBastion, f.sgBastion = group("open"), group("internal"), group("from-bastion"), group("bastion")
	ingress := func(id string, p types.IpPermission) {
		p.IpProtocol, p.FromPort, p.ToPort = aws.String("tcp"), aws.Int32(22), aws.Int32(22)
		must(c.AuthorizeSecurityGroupIngress(ctx, &ec2.AuthorizeSecurityGroupIngressInput{GroupId: &id, IpPermissions: []types.IpPermission{p}}))(t)
	}
	ingress(f.sgOpen, types.IpPermission{IpRanges: []types.IpRange{{CidrIp: aws.String("0.0.0.0/0")}}})
	ingress(f.sgInternal, types.IpPermission{IpRanges: []types.IpRange{{CidrIp: aws.String("10.0.0.0/8")}}})
	ingress(f.sgFromBastion, types.IpPermission{UserIdGroupPairs: []types.UserIdGroupPair{{GroupId: &f.sgBastion}}})
	ingress(f.sgBastion, types.IpPermission{IpRanges: []types.IpRange{{CidrIp: aws.String("0.0.0.0/0")}}})

	acl := func(subnet string, entries ...types.NetworkAclEntry) string {
		id := *must(c.CreateNetworkAcl(ctx, &ec2.CreateNetworkAclInput{VpcId: &f.vpc}))(t).NetworkAcl.NetworkAclId
		for _, e := range entries {
			must(c.CreateNetworkAclEntry(ctx, &ec2.CreateNetworkAclEntryInput{
				NetworkAclId: &id, RuleNumber: e.RuleNumber, Protocol: e.Protocol, RuleAction: e.RuleAction,
				Egress: e.Egress, CidrBlock: e.CidrBlock, PortRange: e.PortRange,
			}))(t)
		}
		// Move the subnet from the VPC's default ACL to this one.
		acls := must(c.DescribeNetworkAcls(ctx, &ec2.DescribeNetworkAclsInput{Filters: []types.Filter{{Name: aws.String("association.subnet-id"), Values: []string{subnet}}}}))(t)
		for _, a := range acls.NetworkAcls {
			for _, as := range a.Associations {
				if aws.ToString(as.SubnetId) == subnet {
					must(c.ReplaceNetworkAclAssociation(ctx, &ec2.ReplaceNetworkAclAssociationInput{AssociationId: as.NetworkAclAssociationId, NetworkAclId: &id}))(t)
				}
			}
		}
		return id
	}
	entry := func(n int32, egress bool, action types.RuleAction, proto, cidr string, ports *types.PortRange) types.NetworkAclEntry {
		return types.NetworkAclEntry{RuleNumber: aws.Int32(n), Egress: aws.Bool(egress), RuleAction: action, Protocol: aws.String(proto), CidrBlock: aws.String(cidr), PortRange: ports}
	}
	ssh := &types.PortRange{From: aws.Int32(22), To: aws.Int32(22)}
	f.aclDeny = acl(f.subnetDeny,
		entry(90, false, types.RuleActionDeny, "6", clientIP+"/32", ssh),
		entry(100, false, types.RuleActionAllow, "-1", "0.0.0.0/0", nil),
		entry(100, true, types.RuleActionAllow, "-1", "0.0.0.0/0", nil))
	f.aclEgress = acl(f.subnetEgress,
		entry(100, false, types.RuleActionAllow, "-1", "0.0.0.0/0", nil),
		entry(100, true, types.RuleActionAllow, "6", "0.0.0.0/0", &types.PortRange{From: aws.Int32(1024), To: aws.Int32(32767)}))

	run := func(name, subnet string, groups ...string) types.Instance {
		out := must(c.RunInstances(ctx, &ec2.RunInstancesInput{
			ImageId: aws.String("ami-12c6146b"), MinCount: aws.Int32(1), MaxCount: aws.Int32(1),
			SubnetId: &subnet, SecurityGroupIds: groups,
			TagSpecifications: []types.TagSpecification{{ResourceType: types.ResourceTypeInstance, Tags: []types.Tag{
				{Key: aws.String("Name"), Value: aws.String(name)},
				{Key: aws.String("Role"), Value: aws.String(strings.SplitN(name, "-", 2)[0])},
			}}},
		}))(t)
		in := out.Instances[0]
		f.hosts[name] = in
		return in
	}
	f.bastionIP = aws.ToString(run("bastion", f.subnetDefault, f.sgBastion).PrivateIpAddress)
	run("open-a", f.subnetDefault, f.sgOpen)
	run("internal-a", f.subnetDefault, f.sgInternal)
	run("group-a", f.subnetDefault, f.sgFromBastion)
	run("open-deny", f.subnetDeny, f.sgOpen)
	run("open-egress", f.subnetEgress, f.sgOpen)

	// A group admitting a managed prefix list only.
	pl := must(c.CreateManagedPrefixList(ctx, &ec2.CreateManagedPrefixListInput{
		PrefixListName: aws.String("office"), AddressFamily: aws.String("IPv4"), MaxEntries: aws.Int32(5),
		Entries: []types.AddPrefixListEntry{{Cidr: aws.String("198.51.100.0/24")}},
	}))(t)
	sgOffice := group("office")
	ingress(sgOffice, types.IpPermission{PrefixListIds: []types.PrefixListId{{PrefixListId: pl.PrefixList.PrefixListId}}})
	run("office-a", f.subnetDefault, sgOffice)
	for i := range filler {
		run("filler-"+string(rune('a'+i/26))+string(rune('a'+i%26)), f.subnetDefault, f.sgInternal)
	}

	// A second interface, in the denying subnet with the open group, on
	// the internal-a instance.
	multi := f.hosts["internal-a"]
	// moto picks an interface's address at random unless told: name one
	// far from the instances' (allocated from the bottom of the subnet).
	eni, err := c.CreateNetworkInterface(ctx, &ec2.CreateNetworkInterfaceInput{SubnetId: &f.subnetDeny, Groups: []string{f.sgOpen}, PrivateIpAddress: aws.String("10.0.2.200")})
	if err == nil {
		_, err = c.AttachNetworkInterface(ctx, &ec2.AttachNetworkInterfaceInput{NetworkInterfaceId: eni.NetworkInterface.NetworkInterfaceId, InstanceId: multi.InstanceId, DeviceIndex: aws.Int32(1)})
	}
	if err != nil {
		t.Fatalf("moto: no second interface: %v", err)
	}
	f.secondaryIP = aws.ToString(eni.NetworkInterface.PrivateIpAddress)
	return f
}

// TestMoto runs Check and Discover against moto, with one fleet built once
// because building it costs most of the test's time.
func TestMoto(t *testing.T) {
	m := cloudtest.Start(t)
	m.Env(t)
	m.Reset(t)
	f := newMotoFleet(t, setupClient(t), 34)
	t.Run("Check", func(t *testing.T) { testMotoCheck(t, f) })
	t.Run("Discover", func(t *testing.T) { testMotoDiscover(t, f) })
}

func testMotoCheck(t *testing.T, f *motoFleet) {
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	a, err := NewAWS(ctx, AWSOptions{})
	if err != nil {
		t.Fatal(err)
	}
	sources := []Source{
		{Addr: netip.MustParseAddr(f.bastionIP), Label: "auditor"},
		{Addr: netip.MustParseAddr(clientIP), Label: "client"},
	}
	var hosts []HostQuery
	for name, in := range f.hosts {
		hosts = append(hosts, HostQuery{Key: name, Address: aws.ToString(in.PrivateIpAddress), Sources: sources})
	}
	// The same instances found by id, by public address and through the
	// second interface; and an address no instance has.
	hosts = append(hosts,
		HostQuery{Key: "open-deny-by-id", InstanceID: aws.ToString(f.hosts["open-deny"].InstanceId), Sources: sources},
		HostQuery{Key: "unknown", Address: "10.0.9.9", Sources: sources},
	)
	hosts = append(hosts, HostQuery{Key: "internal-a-eth1", Address: f.secondaryIP, InstanceID: aws.ToString(f.hosts["internal-a"].InstanceId), Sources: sources})
	// The office group admits a prefix list only.
	for i, h := range hosts {
		if h.Key == "office-a" {
			hosts[i].Sources = []Source{{Addr: netip.MustParseAddr("198.51.100.9"), Label: "client"}, sources[1]}
		}
	}

	got, stats, err := a.Check(ctx, hosts)
	if err != nil {
		t.Fatalf("Check: %v", err)
	}
	if len(got) != len(hosts) {
		t.Fatalf("got %d results for %d hosts", len(got), len(hosts))
	}
	// want: key → "SG NACL" for auditor then client, "+" allowed, "-" blocked.
	want := map[string]string{
		"bastion":         "++ ++",
		"open-a":          "++ ++",
		"office-a":        "++ -+",
		"internal-a":      "++ -+",
		"group-a":         "++ -+",
		"open-deny":       "++ +-",
		"open-deny-by-id": "++ +-",
		"open-egress":     "+- +-",
		"internal-a-eth1": "++ +-",
	}
	for _, h := range hosts {
		c := got[h.Key]
		if c == nil {
			t.Errorf("%s: no result", h.Key)
			continue
		}
		w, ok := want[h.Key]
		if !ok {
			if strings.HasPrefix(h.Key, "filler-") {
				w = want["internal-a"]
			} else if h.Key == "unknown" {
				if c.Checked || c.Reason != "no EC2 instance has address 10.0.9.9 in us-east-1" {
					t.Errorf("unknown: Checked %v, Reason %q", c.Checked, c.Reason)
				}
				continue
			}
		}
		if !c.Checked {
			t.Errorf("%s: not checked: %s", h.Key, c.Reason)
			continue
		}
		var verdict []string
		for _, s := range c.Sources {
			verdict = append(verdict, sign(s.SecurityGroup != nil && s.SecurityGroup.Allowed)+sign(s.NetworkACL != nil && s.NetworkACL.Allowed))
		}
		if g := strings.Join(verdict, " "); g != w {
			t.Errorf("%s: verdict %q, want %q\n%+v", h.Key, g, w, c.Sources)
		}
	}

	// The reasons name the right rules.
	deny := got["open-deny"].Sources[1].NetworkACL
	if !slices.ContainsFunc(deny.Evidence, func(e string) bool {
		return strings.Contains(e, f.aclDeny+" inbound rule 90 denies tcp/22 from "+clientIP)
	}) {
		t.Errorf("open-deny evidence %q", deny.Evidence)
	}
	if len(deny.Fix) == 0 || !strings.Contains(deny.Fix[0], "--network-acl-id "+f.aclDeny+" --ingress --rule-number 89 ") {
		t.Errorf("open-deny fix %q", deny.Fix)
	}
	egress := got["open-egress"].Sources[0].NetworkACL
	if !strings.Contains(egress.Assumption, "allows tcp 1024-32767 only") {
		t.Errorf("open-egress assumption %q", egress.Assumption)
	}
	internal := got["internal-a"].Sources[1].SecurityGroup
	if len(internal.Fix) == 0 || !strings.Contains(internal.Fix[0], "--group-id "+f.sgInternal+" --protocol tcp --port 22 --cidr "+clientIP+"/32") {
		t.Errorf("internal-a fix %q", internal.Fix)
	}

	// One call per API (per page) for the whole fleet.
	wantCalls := map[string]int{"DescribeInstances": 1, "DescribeSecurityGroups": 1, "DescribeNetworkAcls": 1,
		"DescribeManagedPrefixLists": 1, "GetManagedPrefixListEntries": 1}
	if !mapsEqual(stats.Calls, wantCalls) || stats.Regions != 1 {
		t.Errorf("stats %+v, want calls %v in 1 region", stats, wantCalls)
	}
}

func sign(ok bool) string {
	if ok {
		return "+"
	}
	return "-"
}

func mapsEqual(a, b map[string]int) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

func testMotoDiscover(t *testing.T, f *motoFleet) {
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	a, err := NewAWS(ctx, AWSOptions{})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		filters []string
		want    []string // Name tags, in order
	}{
		{[]string{"tag:Role=open"}, []string{"open-a", "open-deny", "open-egress"}},
		{[]string{"tag:Role=bastion,group"}, []string{"bastion", "group-a"}},
		{[]string{"tag:Role=open", "tag:Name=open-deny"}, []string{"open-deny"}},
		{[]string{"tag:Role=nothing"}, nil},
	}
	for _, tt := range tests {
		hosts, err := a.Discover(ctx, tt.filters)
		if err != nil {
			t.Fatalf("Discover(%q): %v", tt.filters, err)
		}
		var names []string
		for _, h := range hosts {
			names = append(names, h.Name)
			in := f.hosts[h.Name]
			role := strings.SplitN(h.Name, "-", 2)[0]
			if h.Address != aws.ToString(in.PrivateIpAddress) || h.InstanceID != aws.ToString(in.InstanceId) ||
				h.Source != "ec2:us-east-1" || !slices.Equal(h.Groups, slices.Sorted(slices.Values([]string{role, "aws_us-east-1"}))) {
				t.Errorf("Discover(%q): host %+v, want address %s, instance %s, groups [%s aws_us-east-1]",
					tt.filters, h, aws.ToString(in.PrivateIpAddress), aws.ToString(in.InstanceId), role)
			}
		}
		if !slices.Equal(names, tt.want) {
			t.Errorf("Discover(%q) = %q, want %q", tt.filters, names, tt.want)
		}
	}
	for _, bad := range []string{"tag:Role", "=web", "tag:Role=", "tag:Role=a,,b"} {
		if _, err := a.Discover(ctx, []string{bad}); err == nil || !strings.Contains(err.Error(), "bad filter") {
			t.Errorf("Discover(%q) error = %v, want a bad filter error", bad, err)
		}
	}
}
