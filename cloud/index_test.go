package cloud

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

func TestFleetIndexLookup(t *testing.T) {
	eni := func(id, subnet, ip string, dev int32, group string) types.InstanceNetworkInterface {
		return types.InstanceNetworkInterface{
			NetworkInterfaceId: aws.String(id), SubnetId: aws.String(subnet), VpcId: aws.String("vpc-1"),
			Attachment:         &types.InstanceNetworkInterfaceAttachment{DeviceIndex: aws.Int32(dev)},
			Groups:             []types.GroupIdentifier{{GroupId: aws.String(group)}},
			PrivateIpAddress:   aws.String(ip),
			PrivateIpAddresses: []types.InstancePrivateIpAddress{{PrivateIpAddress: aws.String(ip)}},
		}
	}
	idx := newFleetIndex([]types.Instance{{
		InstanceId: aws.String("i-multi"), State: &types.InstanceState{Name: types.InstanceStateNameRunning},
		PrivateIpAddress: aws.String("10.0.1.5"), PublicIpAddress: aws.String("198.51.100.5"),
		PrivateDnsName: aws.String("ip-10-0-1-5.ec2.internal"),
		// The secondary interface is listed first: the device index decides.
		NetworkInterfaces: []types.InstanceNetworkInterface{
			eni("eni-1", "subnet-b", "10.0.2.5", 1, "sg-b"),
			eni("eni-0", "subnet-a", "10.0.1.5", 0, "sg-a"),
		},
	}, {
		InstanceId: aws.String("i-gone"), State: &types.InstanceState{Name: types.InstanceStateNameTerminated},
		PrivateIpAddress: aws.String("10.0.1.9"),
	}})
	tests := []struct {
		name       string
		q          HostQuery
		wantSubnet string // "" = not found
	}{
		{"primary address", HostQuery{Address: "10.0.1.5"}, "subnet-a"},
		{"secondary address", HostQuery{Address: "10.0.2.5"}, "subnet-b"},
		{"public address", HostQuery{Address: "198.51.100.5"}, "subnet-a"},
		{"dns name", HostQuery{Address: "IP-10-0-1-5.ec2.internal."}, "subnet-a"},
		{"instance id", HostQuery{InstanceID: "i-multi", Address: "bastion-alias"}, "subnet-a"},
		{"instance id and secondary address", HostQuery{InstanceID: "i-multi", Address: "10.0.2.5"}, "subnet-b"},
		{"instance id wins over another's address", HostQuery{InstanceID: "i-other", Address: "10.0.2.5"}, ""},
		{"terminated", HostQuery{Address: "10.0.1.9"}, ""},
		{"unknown", HostQuery{Address: "10.0.9.9"}, ""},
	}
	for _, tt := range tests {
		f := idx.lookup(tt.q)
		got := ""
		if f != nil {
			got = f.subnet
		}
		if got != tt.wantSubnet {
			t.Errorf("%s: lookup(%+v) in %q, want %q", tt.name, tt.q, got, tt.wantSubnet)
		}
	}
	if m := idx.members["sg-b"]; len(m) != 1 || m[0].String() != "10.0.2.5" {
		t.Errorf("members of sg-b = %v, want [10.0.2.5]", m)
	}
}
