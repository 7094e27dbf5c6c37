#!/usr/bin/env bash
# The lwIP example end to end: an unmodified lwIP stack whose only netif is
# the packet-driver shim fetches data from a host on the office LAN through
# a real tunnel to ncg-server, while its traffic to a non-tunnelled address
# passes straight to the real network.
#
#   laptop ------------- gw (bridge + router) ------ office (ncg-server) ---- lanhost
#   pda: lwIP 10.200.1.2   10.200.1.1  10.200.2.1     10.200.2.2  192.168.77.1   192.168.77.2
#   eth0: kernel 10.200.1.3 (the tunnel's TCP transport)
#
# Checks: (1) the LAN host's file arrives intact through the tunnel and no
# frame to 192.168.77.0/24 ever appears on lwIP's wire; (2) a file from
# the gateway (not tunnelled) arrives over the bypass path; (3) a ping
# injected on lwIP's wire with the protected source 192.168.77.99 is
# dropped by the shim and counted.
# Usage: pktdrv_tunnel.sh LWIP_PKTDRV CLI_BUILD_DIR. Needs root and
# ncg-server (else exit 77). PD_OFFICE_BYTES / PD_PUBLIC_BYTES set the
# sizes of the two files (random bytes before base64; for measurements).
set -u
[ "$(id -u)" = 0 ] || { echo "not root: skipped"; exit 77; }
lwip=$1
. "$(dirname "$0")/pktdrv_lib.sh"
server=$2/ncg-server
client=$2/ncg-client
[ -x "$server" ] && [ -x "$client" ] || { echo "ncg-server/ncg-client not built: skipped"; exit 77; }
P=pdt$$
D=$(mktemp -d)
NSS=() PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
  sleep 0.2
  for n in "${NSS[@]}"; do
    for p in $(ip netns pids "$n" 2>/dev/null); do kill -KILL "$p" 2>/dev/null; done
    ip netns del "$n" 2>/dev/null
  done
  rm -rf "$D"
}
trap cleanup EXIT
fail() {
  echo "FAIL: $*"
  for f in "$D"/*.log "$D"/lwip.err; do [ -f "$f" ] && { echo "--- $f"; tail -25 "$f"; }; done
  exit 1
}
ns() { ip netns add "$P-$1" && NSS+=("$P-$1") && ip -n "$P-$1" link set lo up; }
nsx() { local n=$1; shift; ip netns exec "$P-$n" "$@"; }
veth() { # NS_A IF_A NS_B IF_B
  ip -n "$P-$1" link add "$2" type veth peer name "$4" netns "$P-$3" || fail veth
  ip -n "$P-$1" link set "$2" up; ip -n "$P-$3" link set "$4" up
}

for n in laptop gw office lanhost; do ns $n || fail "netns"; done
for n in laptop gw office lanhost; do nsx $n sysctl -qw net.ipv6.conf.all.disable_ipv6=1; done
veth laptop pda gw gwa
veth laptop eth0 gw gwb
veth gw eth1 office eth0
veth office eth1 lanhost eth0
nsx gw ip link add br0 type bridge
nsx gw ip link set gwa master br0
nsx gw ip link set gwb master br0
nsx gw ip link set br0 up
nsx gw ip addr add 10.200.1.1/24 dev br0
nsx gw ip addr add 10.200.2.1/24 dev eth1
nsx gw sysctl -qw net.ipv4.ip_forward=1
nsx laptop ip addr add 10.200.1.3/24 dev eth0
nsx laptop ip route add default via 10.200.1.1
nsx office ip addr add 10.200.2.2/24 dev eth0
nsx office ip addr add 192.168.77.1/24 dev eth1
nsx office ip route add default via 10.200.2.1
nsx office sysctl -qw net.ipv4.ip_forward=1
nsx lanhost ip addr add 192.168.77.2/24 dev eth0
nsx lanhost ip route add default via 192.168.77.1
# lwIP's wire behaves like a NIC: no TSO/GSO super-frames towards it.
for i in gwa gwb br0; do nsx gw ethtool -K $i tso off gso off gro off >/dev/null 2>&1; done

umask 077
"$server" genkey >"$D/office.key" && "$server" pubkey <"$D/office.key" >"$D/office.pub" || fail genkey
"$client" genkey >"$D/alice.key" && "$client" pubkey <"$D/alice.key" >"$D/alice.pub" || fail genkey
cat >"$D/users" <<EOF
[alice]
public_key = $(cat "$D/alice.pub")
EOF
cat >"$D/server.conf" <<EOF
[server]
name = office
private_key_file = $D/office.key
listen = 10.200.2.2:4433
users = $D/users
state_file = $D/pool.state
[adapter]
device = ncgs0
address = 10.99.0.1/24
routes = 192.168.77.0/24
mtu = 1400
EOF
cat >"$D/client.conf" <<EOF
[client]
user = alice
private_key_file = $D/alice.key
server_public_key = $(cat "$D/office.pub")
path = office
origin = laptop
[hosts]
office = 10.200.2.2:4433
EOF
cat >"$D/policy.ini" <<'EOF'
[output]
default = bypass
192.168.77.0/24 = protect
10.99.0.0/24 = protect
[input]
default = bypass
192.168.77.0/24 = protect
10.99.0.0/24 = protect
[tunnel]
mac = 02:4e:43:47:00:01
EOF
head -c "${PD_OFFICE_BYTES:-30000}" /dev/urandom | base64 >"$D/office-data"
head -c "${PD_PUBLIC_BYTES:-5000}" /dev/urandom | base64 >"$D/public-data"

nsx office "$server" -c "$D/server.conf" >"$D/server.log" 2>&1 & PIDS+=($!)
for _ in $(seq 50); do grep -q "event=listening" "$D/server.log" && break; sleep 0.1; done
grep -q "event=listening" "$D/server.log" || fail "ncg-server did not start"
nsx lanhost nc -N -l 7002 <"$D/office-data" & PIDS+=($!)
nsx gw nc -N -l 7001 <"$D/public-data" & PIDS+=($!)
nsx gw timeout 30 tcpdump -U -nli gwa -w "$D/wire.pcap" 'dst net 192.168.77.0/24' \
  >/dev/null 2>&1 & PIDS+=($!)
sleep 0.5

nsx laptop "$lwip" -i pda -a 10.200.1.2/24 -g 10.200.1.1 -c "$D/policy.ini" \
  -C "$D/client.conf" -f 192.168.77.2:7002 -f 10.200.1.1:7001 -l 4 \
  >"$D/lwip.out" 2>"$D/lwip.err" &
lw=$!
PIDS+=($lw)
for _ in $(seq 250); do
  [ "$(grep -c '^fetch' "$D/lwip.err" 2>/dev/null)" = 2 ] && break
  sleep 0.1
done
grep -q "tunnel authorized" "$D/lwip.err" || fail "tunnel not authorized"
grep '^fetch' "$D/lwip.err"
grep -q "^fetch 192.168.77.2:7002 bytes=" "$D/lwip.err" || fail "no tunnelled fetch"
cat "$D/office-data" "$D/public-data" >"$D/expected"
cmp -s "$D/expected" "$D/lwip.out" || fail "fetched data differs ($(wc -c <"$D/lwip.out") bytes)"
echo "ok: lwIP fetched $(wc -c <"$D/office-data") bytes from 192.168.77.2 through the tunnel"
echo "ok: and $(wc -c <"$D/public-data") bytes from 10.200.1.1 on the bypass path"

nsx gw ip addr add 192.168.77.99/32 dev br0
if nsx gw ping -c 2 -W 1 -i 0.2 -I 192.168.77.99 10.200.1.2 >/dev/null; then
  fail "a ping from a protected source got through"
fi
wait "$lw"; rc=$?
[ "$rc" = 0 ] || fail "lwip-pktdrv exit $rc"
grep '^stat' "$D/lwip.err"
pd_at_least "$D/lwip.err" in_spoofed 2; spoofed=$PD_VALUE
echo "ok: injected protected-source ping dropped, in_spoofed=$spoofed"
pd_at_least "$D/lwip.err" out_protected 5
pd_no_capture "$D/wire.pcap" "frames to the office LAN"
echo "ok: nothing to 192.168.77.0/24 in clear on lwIP's wire"
exit 0
