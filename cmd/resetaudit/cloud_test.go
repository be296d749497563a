package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/resetaudit/resetaudit/cloud/cloudtest"
	"github.com/resetaudit/resetaudit/result"
	"github.com/resetaudit/resetaudit/simfleet"
)

// secretKey must never appear in any output.
const secretKey = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYSECRETKEY1"

// cloudFleet starts two healthy simulated hosts and an inventory that maps
// them to the given EC2 instance ids.
func cloudFleet(t *testing.T, ids ...string) (inv string, fleet *simfleet.Fleet) {
	t.Helper()
	fleet, err := simfleet.Start(context.Background(), simfleet.Options{Hosts: len(ids), Scenarios: simfleet.Scenarios()[:1]})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { fleet.Close() })
	var b strings.Builder
	for i, h := range fleet.Hosts {
		fmt.Fprintf(&b, "root@%s:%d name=vm-%d instance_id=%s\n", h.Address, h.Port, i, ids[i])
	}
	inv = filepath.Join(t.TempDir(), "hosts.txt")
	if err := os.WriteFile(inv, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	return inv, fleet
}

// TestSweepCloudAgainstMoto runs `sweep --cloud aws` against moto: the host
// whose security group admits only an office range is flagged for the client,
// the open one is not, and no credential leaks into any output.
func TestSweepCloudAgainstMoto(t *testing.T) {
	moto := cloudtest.Start(t)
	moto.Env(t)
	t.Setenv("AWS_SECRET_ACCESS_KEY", secretKey)
	ctx := context.Background()
	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		t.Fatal(err)
	}
	c := ec2.NewFromConfig(cfg)
	vpc, err := c.CreateVpc(ctx, &ec2.CreateVpcInput{CidrBlock: aws.String("10.0.0.0/16")})
	if err != nil {
		t.Fatal(err)
	}
	subnet, err := c.CreateSubnet(ctx, &ec2.CreateSubnetInput{VpcId: vpc.Vpc.VpcId, CidrBlock: aws.String("10.0.1.0/24")})
	if err != nil {
		t.Fatal(err)
	}
	group := func(name, cidr string) string {
		g, err := c.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{GroupName: aws.String(name), Description: aws.String(name), VpcId: vpc.Vpc.VpcId})
		if err != nil {
			t.Fatal(err)
		}
		_, err = c.AuthorizeSecurityGroupIngress(ctx, &ec2.AuthorizeSecurityGroupIngressInput{GroupId: g.GroupId,
			// The simulated hosts listen on loopback ports, not 22.
			IpPermissions: []types.IpPermission{{IpProtocol: aws.String("tcp"), FromPort: aws.Int32(1), ToPort: aws.Int32(65535),
				IpRanges: []types.IpRange{{CidrIp: aws.String(cidr)}}}}})
		if err != nil {
			t.Fatal(err)
		}
		return *g.GroupId
	}
	open, office := group("ssh-open", "0.0.0.0/0"), group("ssh-office", "198.51.100.0/24")
	run := func(sg string) string {
		out, err := c.RunInstances(ctx, &ec2.RunInstancesInput{ImageId: aws.String("ami-12c6146b"), MinCount: aws.Int32(1), MaxCount: aws.Int32(1),
			SubnetId: subnet.Subnet.SubnetId, SecurityGroupIds: []string{sg}})
		if err != nil {
			t.Fatal(err)
		}
		return *out.Instances[0].InstanceId
	}
	openID, lockedID := run(open), run(office)

	inv, fleet := cloudFleet(t, openID, lockedID)
	js := filepath.Join(t.TempDir(), "r.json")
	code, stdout, stderr := runCLI(t, "sweep", "--inventory", inv, "--known-hosts", fleet.KnownHosts, "--identity", fleet.Identity,
		"--no-agent", "--cloud", "aws", "--aws-region", "us-east-1", "--client-ip", "203.0.113.7", "--json", js, "--fail-on", "never")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	raw, _ := os.ReadFile(js)
	for name, out := range map[string]string{"stdout": stdout, "stderr": stderr, "json": string(raw)} {
		if strings.Contains(out, secretKey) || strings.Contains(out, "SECRETKEY") {
			t.Errorf("the AWS secret key appears in %s", name)
		}
	}
	rep := readReport(t, js)
	for _, h := range rep.Hosts {
		if h.Coverage["cloud"] != "ok" {
			t.Errorf("%s: cloud coverage %q", h.Name, h.Coverage["cloud"])
		}
		var sg *result.Finding
		for i, f := range h.Findings {
			if f.Cause == result.CauseCloudSecurityGroup && f.ClientIP == "203.0.113.7" {
				sg = &h.Findings[i]
			}
		}
		switch h.Name {
		case "vm-0":
			if sg != nil {
				t.Errorf("open host flagged: %+v", *sg)
			}
		case "vm-1":
			if sg == nil {
				t.Fatalf("locked host not flagged for the client; findings %+v", h.Findings)
			}
			if !strings.Contains(strings.Join(sg.Fix, "\n"), "authorize-security-group-ingress --group-id "+office) {
				t.Errorf("fix does not name the group: %q", sg.Fix)
			}
		}
	}
}

// TestSweepCloudUnavailable: when the cloud API cannot be reached the SSH
// part still completes and every host's coverage says why cloud was not
// checked.
func TestSweepCloudUnavailable(t *testing.T) {
	cloudtest.Hermetic(t, "us-east-1")
	t.Setenv("AWS_ENDPOINT_URL_EC2", "http://127.0.0.1:1")
	t.Setenv("AWS_MAX_ATTEMPTS", "1")
	inv, fleet := cloudFleet(t, "i-0123456789abcdef0", "i-0123456789abcdef1")
	js := filepath.Join(t.TempDir(), "r.json")
	code, _, stderr := runCLI(t, "sweep", "--inventory", inv, "--known-hosts", fleet.KnownHosts, "--identity", fleet.Identity,
		"--no-agent", "--cloud", "aws", "--json", js, "--quiet", "--fail-on", "never")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	rep := readReport(t, js)
	for _, h := range rep.Hosts {
		if !h.Collected {
			t.Errorf("%s: SSH part did not complete: %s", h.Name, h.Probe.Detail)
		}
		if v := h.Coverage["cloud"]; !strings.HasPrefix(v, "not checked") {
			t.Errorf("%s: cloud coverage %q, want not checked with a reason", h.Name, v)
		}
	}
}
