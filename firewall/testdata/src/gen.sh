#!/bin/sh
# gen.sh regenerates the golden firewall dumps in ../ from the sources in
# this directory. It runs the real tools inside a throwaway network namespace
# and never touches the caller's firewall. Needs root, iptables and nftables.
set -eu
cd "$(dirname "$0")"
out=..
ns=fwgen$$
ip netns add "$ns"
trap 'ip netns del "$ns"' EXIT
run() { ip netns exec "$ns" "$@"; }
flush() {
	run nft flush ruleset
	for t in iptables-legacy ip6tables-legacy; do
		run $t -F; run $t -X; run $t -P INPUT ACCEPT; run $t -P FORWARD ACCEPT
		run $t -t nat -F; run $t -t nat -X
	done
}
strip() { grep -v '^# \(Generated\|Completed\)'; }

flush; run iptables-legacy-restore < legacy-drop-noestab.rules
run iptables-legacy-save | strip > $out/iptables-legacy-drop-noestab.txt

flush; run iptables-nft-restore < nft-drop-estab.rules
run iptables-nft-save | strip > $out/iptables-nft-drop-estab.txt
run nft -j list ruleset > $out/iptables-nft-drop-estab.json

flush; run iptables-nft-restore < f2b.rules
run iptables-nft-save | strip > $out/iptables-f2b.txt

flush; run iptables-nft-restore < ufw-chains.rules
run iptables-nft-save | strip > $out/iptables-ufw.txt

flush; run iptables-nft-restore < docker.rules
run iptables-nft-save | strip > $out/iptables-docker.txt

flush; run ip6tables-legacy-restore < ip6-drop.rules
run ip6tables-legacy-save | strip > $out/ip6tables-drop.txt

for f in nft-inet nft-noestab nft-vmap firewalld; do
	flush; run nft -f $f.nft
	run nft -j list ruleset > $out/$f.json
done
flush
