package cloud

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/resetaudit/resetaudit/inventory"
)

// Discover lists the instances matching filters in every region as hosts to
// audit. Filters are EC2 filters written name=value[,value...], such as
// "tag:Role=web" or "instance-state-name=running"; without an
// instance-state-name filter only running instances are listed.
//
// A host's Address is its private IP (the auditor is expected to run inside
// the network, and security groups usually admit SSH only from there), or
// its public IP when it has no private one. Its Name is the Name tag, else
// the instance id. Its Groups are the values of its Role and Group tags plus
// "aws_<region>".
func (a *AWS) Discover(ctx context.Context, filters []string) ([]inventory.Host, error) {
	fs, err := parseFilters(filters)
	if err != nil {
		return nil, err
	}
	cnt := newCounter()
	var hosts []inventory.Host
	for _, region := range a.regions {
		instances, err := listInstances(ctx, a.clients[region], cnt, region, fs)
		if err != nil {
			return nil, err
		}
		var found []inventory.Host
		for _, in := range instances {
			if h, ok := instanceHost(in, region); ok {
				found = append(found, h)
			}
		}
		slices.SortFunc(found, func(x, y inventory.Host) int {
			return cmp.Or(cmp.Compare(x.Name, y.Name), cmp.Compare(x.InstanceID, y.InstanceID))
		})
		hosts = append(hosts, found...)
	}
	return hosts, nil
}

// parseFilters turns name=value[,value...] strings into EC2 filters.
func parseFilters(filters []string) ([]types.Filter, error) {
	var out []types.Filter
	hasState := false
	for _, f := range filters {
		name, values, ok := strings.Cut(f, "=")
		name = strings.TrimSpace(name)
		if !ok || name == "" || strings.TrimSpace(values) == "" {
			return nil, fmt.Errorf("aws: bad filter %q: want name=value, e.g. tag:Role=web", f)
		}
		var vs []string
		for v := range strings.SplitSeq(values, ",") {
			if v = strings.TrimSpace(v); v == "" {
				return nil, fmt.Errorf("aws: bad filter %q: empty value", f)
			}
			vs = append(vs, v)
		}
		if name == "instance-state-name" {
			hasState = true
		}
		out = append(out, types.Filter{Name: aws.String(name), Values: vs})
	}
	if !hasState {
		out = append(out, types.Filter{Name: aws.String("instance-state-name"), Values: []string{"running"}})
	}
	return out, nil
}

// instanceHost makes an inventory host of an instance; ok is false for an
// instance with no address to dial.
func instanceHost(in types.Instance, region string) (inventory.Host, bool) {
	addr := aws.ToString(in.PrivateIpAddress)
	if addr == "" {
		addr = aws.ToString(in.PublicIpAddress)
	}
	if addr == "" {
		return inventory.Host{}, false
	}
	id := aws.ToString(in.InstanceId)
	h := inventory.Host{Name: id, Address: addr, InstanceID: id, Source: "ec2:" + region}
	var groups []string
	for _, t := range in.Tags {
		k, v := aws.ToString(t.Key), strings.TrimSpace(aws.ToString(t.Value))
		switch {
		case k == "Name" && v != "":
			h.Name = v
		case (strings.EqualFold(k, "Role") || strings.EqualFold(k, "Group")) && v != "":
			for g := range strings.SplitSeq(v, ",") {
				if g = strings.TrimSpace(g); g != "" {
					groups = append(groups, g)
				}
			}
		}
	}
	groups = append(groups, "aws_"+region)
	slices.Sort(groups)
	h.Groups = slices.Compact(groups)
	return h, true
}
