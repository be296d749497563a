package diagnose

import (
	"fmt"
	"strings"

	"github.com/resetaudit/resetaudit/facts"
	"github.com/resetaudit/resetaudit/result"
)

// cloud turns the provider's verdicts into findings. A cloud check that was
// not made or failed adds nothing here: coverage reports it.
func (d *diag) cloud() {
	c := d.in.Cloud
	if c == nil || !c.Checked {
		return
	}
	provider := c.Provider
	if provider == "" {
		provider = "cloud"
	}
	for _, s := range c.Sources {
		who := s.Label + " " + s.Addr
		if s.Label == "" {
			who = s.Addr
		}
		if v := s.SecurityGroup; v != nil && !v.Allowed {
			fd := finding(result.CauseCloudSecurityGroup, result.High, result.Observed,
				fmt.Sprintf("The instance's security groups do not allow TCP %d from %s", d.port, who))
			d.cloudVerdict(&fd, provider, s, v, []string{
				fmt.Sprintf("aws ec2 authorize-security-group-ingress --group-id <sg-id> --protocol tcp --port %d --cidr <source>/32", d.port),
				fmt.Sprintf("aws ec2 describe-instances --instance-ids %s --query 'Reservations[].Instances[].SecurityGroups'", idArg(c.InstanceID)),
			})
			d.add(fd)
		}
		if v := s.NetworkACL; v != nil && !v.Allowed {
			fd := finding(result.CauseCloudNetworkACL, result.High, result.Observed,
				fmt.Sprintf("The subnet's network ACL blocks SSH from %s (inbound port %d or the return traffic)", who, d.port))
			d.cloudVerdict(&fd, provider, s, v, []string{
				fmt.Sprintf("aws ec2 create-network-acl-entry --network-acl-id <acl-id> --ingress --rule-number 100 --protocol tcp --port-range From=%d,To=%d --cidr-block <source>/32 --rule-action allow", d.port, d.port),
				"aws ec2 create-network-acl-entry --network-acl-id <acl-id> --egress --rule-number 100 --protocol tcp --port-range From=1024,To=65535 --cidr-block <source>/32 --rule-action allow   # the ACL is stateless: allow the replies",
			})
			d.add(fd)
		}
	}
}

func (d *diag) cloudVerdict(fd *result.Finding, provider string, s facts.CloudSource, v *facts.CloudVerdict, fallback []string) {
	fd.ClientIP = s.Addr
	for _, e := range v.Evidence {
		if !strings.HasPrefix(e, provider+":") {
			e = provider + ": " + e
		}
		fd.Evidence = append(fd.Evidence, e)
	}
	if v.Assumption != "" {
		fd.Evidence = append(fd.Evidence, provider+": assumed "+v.Assumption)
	}
	fd.Fix = v.Fix
	if len(fd.Fix) == 0 {
		fd.Fix = fallback
	}
}

// idArg returns an instance id for a command line, or a placeholder when it
// is not a plain id.
func idArg(id string) string {
	if id == "" || jailArg(id) == "<jail>" {
		return "<instance-id>"
	}
	return id
}
