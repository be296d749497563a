package inventory

import (
	"fmt"
	"hash/fnv"
	"strconv"
	"strings"
)

// ParseShard parses "I/N", the I-th (from 1) of N shards.
func ParseShard(s string) (i, n int, err error) {
	is, ns, ok := strings.Cut(s, "/")
	if ok {
		i, err = strconv.Atoi(is)
		if err == nil {
			n, err = strconv.Atoi(ns)
		}
	}
	if !ok || err != nil || n < 1 || i < 1 || i > n {
		return 0, 0, fmt.Errorf("invalid shard %q: want I/N with 1 <= I <= N", s)
	}
	return i, n, nil
}

// Shard returns the hosts of shard i (from 1) of n, in their original order.
// A host's shard depends only on its name, address and port (an FNV-1a
// hash of them), so shards stay
// the same when the inventory is reordered or other hosts come and go. Shard
// returns nil when i is not in 1..n.
func Shard(hosts []Host, i, n int) []Host {
	if n < 1 || i < 1 || i > n {
		return nil
	}
	var out []Host
	for _, h := range hosts {
		if h.shard(n) == i-1 {
			out = append(out, h)
		}
	}
	return out
}

func (h Host) shard(n int) int {
	port := h.Port
	if port == 0 {
		port = DefaultPort
	}
	f := fnv.New64a()
	// NUL separates the fields: no field can contain it.
	fmt.Fprintf(f, "%s\x00%s\x00%d", h.Name, h.Address, port)
	return int(mix(f.Sum64()) % uint64(n))
}

// mix is MurmurHash3's 64-bit finalizer. FNV-1a's low bits depend only on
// the low bits of the input bytes, so names that differ in a digit or two
// would pile up in a few shards of a small n without it.
func mix(x uint64) uint64 {
	x ^= x >> 33
	x *= 0xff51afd7ed558ccd
	x ^= x >> 33
	x *= 0xc4ceb9fe1a85ec53
	x ^= x >> 33
	return x
}
