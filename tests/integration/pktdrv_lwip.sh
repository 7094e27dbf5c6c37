#!/usr/bin/env bash
# The lwIP example over the packet-driver shim with the AF_PACKET lower
# driver, on a real veth pair between two network namespaces:
#   A: lwIP (192.168.77.2) on veth pda, no kernel address;
#   B: the "real network": 192.168.77.1 plus 10.8.0.5, an address the
#      policy says is only reachable through the tunnel.
# Checks: lwIP fetches a file over TCP from B on the bypass path; B's
# ping to lwIP is answered (inbound bypass); a ping from B with the
# protected source 10.8.0.5 is dropped by the shim and counted; datagrams
# lwIP sends to protected addresses while there is no tunnel are refused
# (out_tunnel_down) and never appear on the wire in clear (tcpdump).
# Usage: pktdrv_lwip.sh PATH/TO/lwip-pktdrv. Needs root (else exit 77).
set -u
[ "$(id -u)" = 0 ] || { echo "not root: skipped"; exit 77; }
bin=$1
. "$(dirname "$0")/pktdrv_lib.sh"
tag=pd$$
na=${tag}a nb=${tag}b
tmp=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
  ip netns del "$na" 2>/dev/null
  ip netns del "$nb" 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT
fail() { echo "FAIL: $*"; echo "--- lwip stderr"; cat "$tmp/err" 2>/dev/null; exit 1; }

ip netns add "$na" && ip netns add "$nb" || fail "netns"
ip -n "$na" link add pda type veth peer name pdb netns "$nb" || fail "veth"
ip netns exec "$na" sysctl -qw net.ipv6.conf.all.disable_ipv6=1
ip netns exec "$nb" sysctl -qw net.ipv6.conf.all.disable_ipv6=1
ip -n "$na" link set lo up
ip -n "$na" link set pda up
ip -n "$nb" link set lo up
ip -n "$nb" addr add 192.168.77.1/24 dev pdb
ip -n "$nb" addr add 10.8.0.5/32 dev pdb
ip -n "$nb" link set pdb up
# veth hands TSO/GSO super-frames and unfinished checksums to AF_PACKET,
# which a real NIC never does: make the "wire" behave like one.
ip netns exec "$nb" ethtool -K pdb tso off gso off gro off >/dev/null 2>&1 ||
  fail "ethtool -K (install ethtool)"

cat >"$tmp/policy.ini" <<'INI'
[output]
default = bypass
10.8.0.0/16 = protect
[input]
default = bypass
10.8.0.0/16 = protect
INI
head -c 20000 /dev/urandom | base64 >"$tmp/data"
ip netns exec "$nb" nc -N -l 7001 <"$tmp/data" &
pids+=($!)
sleep 0.3

ip netns exec "$nb" timeout 30 tcpdump -U -nli pdb -w "$tmp/wire.pcap" \
  'dst net 10.8.0.0/16' >/dev/null 2>&1 &
pids+=($!)
sleep 0.3
ip netns exec "$na" "$bin" -i pda -a 192.168.77.2/24 -g 192.168.77.1 \
  -c "$tmp/policy.ini" -f 192.168.77.1:7001 -u 10.8.0.5:9 -u 10.8.1.1:9 \
  -l 4 >"$tmp/out" 2>"$tmp/err" &
lw=$!
pids+=($lw)
for _ in $(seq 50); do
  grep -q '^fetch' "$tmp/err" 2>/dev/null && break
  sleep 0.1
done
grep -q '^fetch 192.168.77.1:7001 bytes=' "$tmp/err" || fail "no fetch result"
cmp -s "$tmp/data" "$tmp/out" || fail "fetched data differs ($(wc -c <"$tmp/out") bytes)"
echo "ok: lwIP fetched $(wc -c <"$tmp/out") bytes over the bypass path"

ip netns exec "$nb" ping -c 2 -W 1 -i 0.2 192.168.77.2 >/dev/null ||
  fail "lwIP did not answer a ping on the bypass path"
echo "ok: inbound bypass ping answered"
if ip netns exec "$nb" ping -c 2 -W 1 -i 0.2 -I 10.8.0.5 192.168.77.2 >/dev/null; then
  fail "a ping from a protected source got through"
fi
echo "ok: ping from protected source not answered"

wait "$lw"; rc=$?
[ "$rc" = 0 ] || fail "lwip-pktdrv exit $rc"
pd_at_least "$tmp/err" in_spoofed 2; spoofed=$PD_VALUE
echo "ok: shim counted in_spoofed=$spoofed"
pd_at_least "$tmp/err" out_tunnel_down 2; down=$PD_VALUE
pd_no_capture "$tmp/wire.pcap" "datagrams to protected addresses"
echo "ok: with no tunnel, protected datagrams refused (out_tunnel_down=$down), none on the wire"
grep '^stat' "$tmp/err"
exit 0
