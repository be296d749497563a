package report

import (
	"net"
	"sort"
	"strconv"

	"github.com/resetaudit/resetaudit/result"
)

// hostPort is a host's address, with the port when it is not 22.
func hostPort(h result.Host) string {
	if h.Port == 0 || h.Port == 22 {
		return h.Address
	}
	return net.JoinHostPort(h.Address, strconv.Itoa(h.Port))
}

// hostKey identifies a host across reports: the same name at the same
// address and port.
type hostKey struct {
	name, address string
	port          int
}

func keyOf(h *result.Host) hostKey { return hostKey{h.Name, h.Address, h.Port} }

// gaps returns the coverage areas that were not checked cleanly, sorted.
func gaps(h result.Host) []string {
	var out []string
	for area, st := range h.Coverage {
		if st != "ok" {
			out = append(out, area)
		}
	}
	sort.Strings(out)
	return out
}

// newlyUnreachable counts the hosts that Diff marked newly unreachable.
func newlyUnreachable(r *result.Report) int {
	n := 0
	for _, h := range r.Hosts {
		if h.Change == ChangeNewlyUnreachable {
			n++
		}
	}
	return n
}
