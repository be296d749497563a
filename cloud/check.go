package cloud

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/resetaudit/resetaudit/facts"
)

// Source is an address whose SSH connections are evaluated.
type Source struct {
	Addr  netip.Addr
	Label string // "auditor", "client" or "bastion"
}

// HostQuery is one host to evaluate.
type HostQuery struct {
	Key        string // the caller's id for the host; keys the result
	Address    string // the address or DNS name the host is dialled at
	InstanceID string // the EC2 instance id, when the inventory knows it
	Port       int    // SSH port; 0 means 22
	Sources    []Source
}

// Check evaluates every host's security groups and network ACL for every
// source. It queries each region once for the whole fleet, stopping early
// when every host is placed. The result has an entry for every host key;
// hosts that could not be evaluated have Checked false and a Reason. The
// error is non-nil when an API call failed, in addition to those reasons.
func (a *AWS) Check(ctx context.Context, hosts []HostQuery) (map[string]*facts.Cloud, Stats, error) {
	cnt := newCounter()
	res := make(map[string]*facts.Cloud, len(hosts))
	pending := make([]HostQuery, 0, len(hosts))
	for _, h := range hosts {
		if h.Port == 0 {
			h.Port = 22
		}
		pending = append(pending, h)
	}
	var errs []error
	var answered []string
	queried := 0
	for _, region := range a.regions {
		if len(pending) == 0 {
			break
		}
		queried++
		rest, err := a.checkRegion(ctx, region, cnt, pending, res)
		if err != nil {
			errs = append(errs, err)
		} else {
			answered = append(answered, region)
		}
		pending = rest
	}
	for _, h := range pending {
		res[h.Key] = &facts.Cloud{Provider: "aws", InstanceID: h.InstanceID, Reason: unmappedReason(h, answered, errs)}
	}
	return res, cnt.stats(queried), errors.Join(errs...)
}

func unmappedReason(h HostQuery, answered []string, errs []error) string {
	var parts []string
	if len(answered) > 0 {
		where := strings.Join(answered, ", ")
		if h.InstanceID != "" {
			parts = append(parts, fmt.Sprintf("no EC2 instance %s in %s", h.InstanceID, where))
		} else {
			parts = append(parts, fmt.Sprintf("no EC2 instance has address %s in %s", h.Address, where))
		}
	}
	for _, err := range errs {
		parts = append(parts, err.Error())
	}
	return strings.Join(parts, "; ")
}

// checkRegion evaluates the hosts found in one region and returns those
// that are not there. When the region's API fails, hosts found in it are
// marked not checked, and the others stay pending for the next region.
func (a *AWS) checkRegion(ctx context.Context, region string, cnt *counter, hosts []HostQuery, res map[string]*facts.Cloud) ([]HostQuery, error) {
	c := a.clients[region]
	instances, err := listInstances(ctx, c, cnt, region, nil)
	if err != nil {
		return hosts, err
	}
	idx := newFleetIndex(instances)
	var rest []HostQuery
	found := map[string]*iface{}
	var here []HostQuery
	usedGroups := map[string]bool{}
	for _, h := range hosts {
		f := idx.lookup(h)
		if f == nil {
			rest = append(rest, h)
			continue
		}
		found[h.Key] = f
		here = append(here, h)
		for _, g := range f.groups {
			usedGroups[g] = true
		}
	}
	if len(here) == 0 {
		return rest, nil
	}
	fail := func(err error) ([]HostQuery, error) {
		for _, h := range here {
			res[h.Key] = &facts.Cloud{Provider: "aws", Region: region, InstanceID: found[h.Key].instanceID, Reason: err.Error()}
		}
		return rest, err
	}
	groups, err := listGroups(ctx, c, cnt, region)
	if err != nil {
		return fail(err)
	}
	acls, err := listACLs(ctx, c, cnt, region)
	if err != nil {
		return fail(err)
	}
	sc := sgContext{region: region, members: idx.members}
	sc.prefixLists, err = resolvePrefixLists(ctx, c, cnt, region, referencedPrefixLists(groups, usedGroups))
	if err != nil {
		// Rules naming an unresolved list are treated as not matching,
		// and the verdict says so; the rest of the evaluation stands.
		sc.prefixListNote = err.Error()
	}
	bySubnet, byVPC := aclIndex(acls)
	for _, h := range here {
		f := found[h.Key]
		cf := &facts.Cloud{Provider: "aws", Region: region, InstanceID: f.instanceID, Checked: true}
		var attached []types.SecurityGroup
		var missing []string
		for _, g := range f.groups {
			if sg, ok := groups[g]; ok {
				attached = append(attached, sg)
			} else {
				missing = append(missing, g)
			}
		}
		acl := bySubnet[f.subnet]
		if acl == nil {
			acl = byVPC[f.vpc]
		}
		for _, s := range h.Sources {
			cs := facts.CloudSource{Addr: s.Addr.String(), Label: s.Label}
			cs.SecurityGroup = evalSecurityGroups(attached, s.Addr, h.Port, sc)
			if len(missing) > 0 {
				cs.SecurityGroup.Evidence = append(cs.SecurityGroup.Evidence,
					fmt.Sprintf("attached groups not returned by DescribeSecurityGroups: %s", strings.Join(missing, ", ")))
			}
			if acl != nil {
				cs.NetworkACL = evalNetworkACL(*acl, s.Addr, h.Port, s.Label, region)
			}
			cf.Sources = append(cf.Sources, cs)
		}
		res[h.Key] = cf
	}
	return rest, nil
}

// aclIndex maps subnets to their explicitly associated ACL and VPCs to
// their default ACL, which covers every subnet without an association.
func aclIndex(acls []types.NetworkAcl) (bySubnet, byVPC map[string]*types.NetworkAcl) {
	bySubnet = map[string]*types.NetworkAcl{}
	byVPC = map[string]*types.NetworkAcl{}
	for i := range acls {
		acl := &acls[i]
		for _, as := range acl.Associations {
			if s := aws.ToString(as.SubnetId); s != "" {
				bySubnet[s] = acl
			}
		}
		if aws.ToBool(acl.IsDefault) {
			byVPC[aws.ToString(acl.VpcId)] = acl
		}
	}
	return bySubnet, byVPC
}
