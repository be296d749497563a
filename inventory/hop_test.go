package inventory

import "testing"

func TestHopString(t *testing.T) {
	tests := []struct {
		hop  Hop
		want string
	}{
		{Hop{Address: "bastion"}, "bastion:22"},
		{Hop{User: "ops", Address: "10.0.0.1", Port: 2222}, "ops@10.0.0.1:2222"},
		{Hop{Address: "fd00::1", Port: 22}, "[fd00::1]:22"},
	}
	for _, tt := range tests {
		if got := tt.hop.String(); got != tt.want {
			t.Errorf("%+v.String() = %q, want %q", tt.hop, got, tt.want)
		}
	}
}
