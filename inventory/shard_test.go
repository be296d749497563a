package inventory

import (
	"fmt"
	"slices"
	"testing"
)

func TestParseShard(t *testing.T) {
	tests := []struct {
		in   string
		i, n int
		ok   bool
	}{
		{"1/1", 1, 1, true},
		{"3/8", 3, 8, true},
		{"0/4", 0, 0, false},
		{"5/4", 0, 0, false},
		{"1/0", 0, 0, false},
		{"-1/4", 0, 0, false},
		{"1", 0, 0, false},
		{"a/b", 0, 0, false},
		{"", 0, 0, false},
	}
	for _, tt := range tests {
		i, n, err := ParseShard(tt.in)
		if (err == nil) != tt.ok || i != tt.i || n != tt.n {
			t.Errorf("ParseShard(%q) = %d, %d, %v", tt.in, i, n, err)
		}
	}
}

func TestShard(t *testing.T) {
	var hosts []Host
	for i := range 1000 {
		hosts = append(hosts, Host{Name: fmt.Sprintf("h%d", i), Address: fmt.Sprintf("10.0.%d.%d", i/256, i%256), Port: 22})
	}
	const n = 4
	shardOf := map[string]int{}
	for i := 1; i <= n; i++ {
		part := Shard(hosts, i, n)
		// Each shard holds a fair part: FNV-1a spreads these names well.
		if len(part) < 200 || len(part) > 300 {
			t.Errorf("shard %d/%d has %d of 1000 hosts", i, n, len(part))
		}
		for _, h := range part {
			if _, dup := shardOf[h.Name]; dup {
				t.Fatalf("host %s in two shards", h.Name)
			}
			shardOf[h.Name] = i
		}
	}
	if len(shardOf) != len(hosts) {
		t.Fatalf("shards hold %d hosts, want %d", len(shardOf), len(hosts))
	}

	// Reordering, dropping other hosts and the port spelled as 0 change nothing.
	other := slices.Clone(hosts[500:])
	slices.Reverse(other)
	other[0].Port = 0
	for i := 1; i <= n; i++ {
		for _, h := range Shard(other, i, n) {
			if shardOf[h.Name] != i {
				t.Errorf("host %s moved from shard %d to %d", h.Name, shardOf[h.Name], i)
			}
		}
	}

	// A fixed value guards against an accidental change of the hash, which
	// would reshuffle every deployed sharded sweep.
	if got := (Host{Name: "web-1", Address: "10.0.4.17", Port: 22}).shard(8); got != 3 {
		t.Errorf("web-1 is in shard index %d of 8, was 3", got)
	}
	if Shard(hosts, 0, 4) != nil || Shard(hosts, 5, 4) != nil || Shard(hosts, 1, 0) != nil {
		t.Error("Shard with i outside 1..n returned hosts")
	}
}
