package cloud

import (
	"net/netip"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

// iface is one network interface of an instance: the unit that security
// groups attach to and that sits in a subnet.
type iface struct {
	instanceID string
	subnet     string
	vpc        string
	groups     []string
	addrs      []netip.Addr // private IPv4 and IPv6 addresses
}

// fleetIndex maps what an inventory knows about a host (instance id,
// private or public address, DNS name) to the interface it reaches.
type fleetIndex struct {
	primary map[string]*iface // instance id → device-index-0 interface
	byAddr  map[netip.Addr]*iface
	byName  map[string]*iface // lower-cased private and public DNS names
	members map[string][]netip.Addr
}

func newFleetIndex(instances []types.Instance) *fleetIndex {
	x := &fleetIndex{
		primary: map[string]*iface{},
		byAddr:  map[netip.Addr]*iface{},
		byName:  map[string]*iface{},
		members: map[string][]netip.Addr{},
	}
	for i := range instances {
		in := &instances[i]
		if in.State != nil && in.State.Name == types.InstanceStateNameTerminated {
			continue
		}
		id := aws.ToString(in.InstanceId)
		if len(in.NetworkInterfaces) == 0 {
			// Some emulators and old instances report no interfaces:
			// the instance-level fields describe its only one.
			f := &iface{instanceID: id, subnet: aws.ToString(in.SubnetId), vpc: aws.ToString(in.VpcId)}
			for _, g := range in.SecurityGroups {
				f.groups = append(f.groups, aws.ToString(g.GroupId))
			}
			x.addAddr(f, aws.ToString(in.PrivateIpAddress), true)
			x.addAddr(f, aws.ToString(in.PublicIpAddress), false)
			x.primary[id] = f
			x.addMembers(f)
			continue
		}
		for _, n := range in.NetworkInterfaces {
			f := &iface{instanceID: id, subnet: aws.ToString(n.SubnetId), vpc: aws.ToString(n.VpcId)}
			if f.subnet == "" {
				f.subnet = aws.ToString(in.SubnetId)
			}
			if f.vpc == "" {
				f.vpc = aws.ToString(in.VpcId)
			}
			for _, g := range n.Groups {
				f.groups = append(f.groups, aws.ToString(g.GroupId))
			}
			x.addAddr(f, aws.ToString(n.PrivateIpAddress), true)
			for _, p := range n.PrivateIpAddresses {
				x.addAddr(f, aws.ToString(p.PrivateIpAddress), true)
				if p.Association != nil {
					x.addAddr(f, aws.ToString(p.Association.PublicIp), false)
				}
				x.addName(f, aws.ToString(p.PrivateDnsName))
			}
			for _, p := range n.Ipv6Addresses {
				x.addAddr(f, aws.ToString(p.Ipv6Address), true)
			}
			if n.Association != nil {
				x.addAddr(f, aws.ToString(n.Association.PublicIp), false)
				x.addName(f, aws.ToString(n.Association.PublicDnsName))
			}
			x.addName(f, aws.ToString(n.PrivateDnsName))
			if n.Attachment == nil || aws.ToInt32(n.Attachment.DeviceIndex) == 0 || x.primary[id] == nil {
				x.primary[id] = f
			}
			x.addMembers(f)
		}
		if f := x.primary[id]; f != nil {
			// The instance-level addresses belong to the primary interface.
			x.addAddr(f, aws.ToString(in.PrivateIpAddress), true)
			x.addAddr(f, aws.ToString(in.PublicIpAddress), false)
			x.addName(f, aws.ToString(in.PrivateDnsName))
			x.addName(f, aws.ToString(in.PublicDnsName))
		}
	}
	return x
}

// addAddr indexes s for f; private addresses also count as f's own, for
// group-to-group rules.
func (x *fleetIndex) addAddr(f *iface, s string, private bool) {
	a, err := netip.ParseAddr(s)
	if err != nil {
		return
	}
	a = a.Unmap()
	if _, dup := x.byAddr[a]; !dup {
		x.byAddr[a] = f
	}
	if private && !slices.Contains(f.addrs, a) {
		f.addrs = append(f.addrs, a)
	}
}

func (x *fleetIndex) addName(f *iface, s string) {
	if s == "" {
		return
	}
	s = strings.ToLower(s)
	if _, dup := x.byName[s]; !dup {
		x.byName[s] = f
	}
}

func (x *fleetIndex) addMembers(f *iface) {
	for _, g := range f.groups {
		x.members[g] = append(x.members[g], f.addrs...)
	}
}

// lookup finds the interface a host reaches: by the address it is dialled
// at when that belongs to the instance (an instance with several interfaces
// is reached through the one carrying the address), else by instance id.
func (x *fleetIndex) lookup(h HostQuery) *iface {
	var byAddr *iface
	if a, err := netip.ParseAddr(h.Address); err == nil {
		byAddr = x.byAddr[a.Unmap()]
	} else if h.Address != "" {
		byAddr = x.byName[strings.ToLower(strings.TrimSuffix(h.Address, "."))]
	}
	if h.InstanceID != "" {
		if byAddr != nil && byAddr.instanceID == h.InstanceID {
			return byAddr
		}
		return x.primary[h.InstanceID]
	}
	return byAddr
}
