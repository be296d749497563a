package cloud

import (
	"context"
	"net/netip"
	"slices"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

// Page sizes: the largest each API accepts, so a fleet costs as few pages
// as possible.
const (
	instancesPageSize   = 1000
	groupsPageSize      = 1000
	aclsPageSize        = 100
	prefixListsPageSize = 100
)

// listInstances returns every instance in the region that matches filters,
// one DescribeInstances page at a time.
func listInstances(ctx context.Context, c *ec2.Client, cnt *counter, region string, filters []types.Filter) ([]types.Instance, error) {
	in := &ec2.DescribeInstancesInput{MaxResults: aws.Int32(instancesPageSize), Filters: filters}
	p := ec2.NewDescribeInstancesPaginator(c, in)
	var out []types.Instance
	for p.HasMorePages() {
		page, err := p.NextPage(ctx, withCounter(cnt))
		if err != nil {
			return nil, apiError(region, "DescribeInstances", err)
		}
		for _, r := range page.Reservations {
			out = append(out, r.Instances...)
		}
	}
	return out, nil
}

// listGroups returns the region's security groups by id.
func listGroups(ctx context.Context, c *ec2.Client, cnt *counter, region string) (map[string]types.SecurityGroup, error) {
	p := ec2.NewDescribeSecurityGroupsPaginator(c, &ec2.DescribeSecurityGroupsInput{MaxResults: aws.Int32(groupsPageSize)})
	out := map[string]types.SecurityGroup{}
	for p.HasMorePages() {
		page, err := p.NextPage(ctx, withCounter(cnt))
		if err != nil {
			return nil, apiError(region, "DescribeSecurityGroups", err)
		}
		for _, g := range page.SecurityGroups {
			out[aws.ToString(g.GroupId)] = g
		}
	}
	return out, nil
}

// listACLs returns the region's network ACLs.
func listACLs(ctx context.Context, c *ec2.Client, cnt *counter, region string) ([]types.NetworkAcl, error) {
	p := ec2.NewDescribeNetworkAclsPaginator(c, &ec2.DescribeNetworkAclsInput{MaxResults: aws.Int32(aclsPageSize)})
	var out []types.NetworkAcl
	for p.HasMorePages() {
		page, err := p.NextPage(ctx, withCounter(cnt))
		if err != nil {
			return nil, apiError(region, "DescribeNetworkAcls", err)
		}
		out = append(out, page.NetworkAcls...)
	}
	return out, nil
}

// resolvePrefixLists resolves the managed prefix lists named by ids: one
// DescribeManagedPrefixLists for their names, then the entries of each.
func resolvePrefixLists(ctx context.Context, c *ec2.Client, cnt *counter, region string, ids []string) (map[string]prefixList, error) {
	out := map[string]prefixList{}
	if len(ids) == 0 {
		return out, nil
	}
	names := map[string]string{}
	p := ec2.NewDescribeManagedPrefixListsPaginator(c, &ec2.DescribeManagedPrefixListsInput{PrefixListIds: ids})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx, withCounter(cnt))
		if err != nil {
			return out, apiError(region, "DescribeManagedPrefixLists", err)
		}
		for _, pl := range page.PrefixLists {
			names[aws.ToString(pl.PrefixListId)] = aws.ToString(pl.PrefixListName)
		}
	}
	for _, id := range ids {
		if _, ok := names[id]; !ok {
			continue
		}
		pl := prefixList{name: names[id]}
		ep := ec2.NewGetManagedPrefixListEntriesPaginator(c, &ec2.GetManagedPrefixListEntriesInput{PrefixListId: aws.String(id), MaxResults: aws.Int32(prefixListsPageSize)})
		for ep.HasMorePages() {
			page, err := ep.NextPage(ctx, withCounter(cnt))
			if err != nil {
				return out, apiError(region, "GetManagedPrefixListEntries", err)
			}
			for _, e := range page.Entries {
				if pfx, err := netip.ParsePrefix(aws.ToString(e.Cidr)); err == nil {
					pl.cidrs = append(pl.cidrs, pfx)
				}
			}
		}
		out[id] = pl
	}
	return out, nil
}

// referencedPrefixLists returns the prefix lists the named groups' inbound
// rules refer to, sorted.
func referencedPrefixLists(groups map[string]types.SecurityGroup, used map[string]bool) []string {
	seen := map[string]bool{}
	for id := range used {
		for _, p := range groups[id].IpPermissions {
			for _, pl := range p.PrefixListIds {
				seen[aws.ToString(pl.PrefixListId)] = true
			}
		}
	}
	ids := make([]string, 0, len(seen))
	for id := range seen {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}

func withCounter(cnt *counter) func(*ec2.Options) {
	return func(o *ec2.Options) { o.APIOptions = append(o.APIOptions, cnt.apiOption) }
}
