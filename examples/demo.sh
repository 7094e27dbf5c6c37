#!/usr/bin/env bash
# libncgtun demo: a real tunnel through a relay, in network namespaces.
#
#   laptop ---- relay1 ---- office (tunnel server) ---- lanhost
#   10.200.1.2  10.200.1.1  10.200.2.2   192.168.77.1   192.168.77.2
#               10.200.2.1
#
# The laptop runs ncg-client with dhcp = external: its TAP pseudo adapter
# answers DHCP, and the laptop's own DHCP client (udhcpc) takes the tunnel
# address and the route to the office LAN from it. Then a ping and a TCP
# transfer go from the laptop to lanhost through the relay and the server.
#
# Usage: examples/demo.sh BUILD_DIR   (as root; ./run demo calls it)
# Everything it creates (namespaces ncgdemo<pid>-*, processes, the temp
# directory) is removed at the end, pass or fail. Exit 0 only on success.
set -uo pipefail
BUILD=$(cd "${1:?usage: $0 BUILD_DIR}" && pwd)
CLIENT=$BUILD/cli/ncg-client SERVER=$BUILD/cli/ncg-server RELAY=$BUILD/cli/ncg-relay
P=ncgdemo$$
D=$(mktemp -d /tmp/ncg-demo.XXXXXX)
PIDS=() NSS=()

step() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }
info() { printf '    %s\n' "$*"; }
die() {
  printf '\n\033[1;31mDEMO FAILED: %s\033[0m\n' "$*"
  for f in "$D"/*.log; do [ -f "$f" ] && { echo "--- $(basename "$f")"; tail -15 "$f"; }; done
  exit 1
}
cleanup() {
  local pid ns
  for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null; done
  sleep 0.3
  for ns in "${NSS[@]}"; do
    for pid in $(ip netns pids "$ns" 2>/dev/null); do kill -KILL "$pid"; done
    ip netns del "$ns" 2>/dev/null
  done
  rm -rf "$D"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

[ "$(id -u)" = 0 ] || die "run as root (network namespaces, TAP devices)"
for b in "$CLIENT" "$SERVER" "$RELAY"; do [ -x "$b" ] || die "$b not built"; done
command -v udhcpc >/dev/null || die "udhcpc is missing (apt-get install udhcpc)"

ns() { ip netns add "$P-$1" && NSS+=("$P-$1") && ip -n "$P-$1" link set lo up; }
nsx() { local n=$1; shift; ip netns exec "$P-$n" "$@"; }
# bg NS LOG CMD...: a daemon in a namespace; $! is the program itself.
bg() { local n=$1 log=$2; shift 2; ip netns exec "$P-$n" "$@" >"$D/$log.log" 2>&1 & PIDS+=($!); }
link() { # A IFA CIDRA B IFB CIDRB
  ip link add "$2" netns "$P-$1" type veth peer name "$5" netns "$P-$4" || die "veth"
  ip -n "$P-$1" addr add "$3" dev "$2"; ip -n "$P-$1" link set "$2" up
  ip -n "$P-$4" addr add "$6" dev "$5"; ip -n "$P-$4" link set "$5" up
}
wait_log() { # LOG REGEX SECONDS
  for ((i = 0; i < $3 * 10; i++)); do
    grep -Eq -- "$2" "$D/$1.log" 2>/dev/null && return 0; sleep 0.1
  done
  die "timed out waiting for '$2' in $1.log"
}
show() { # LOG REGEX: print the matching log lines, shortened
  grep -E -- "$2" "$D/$1.log" | sed -E 's/^[^ ]+ //' | sed 's/^/    /'
}

step "Network: laptop -- relay1 -- office -- lanhost (namespaces $P-*)"
for n in laptop relay office lanhost; do ns $n || die "ip netns add"; done
link laptop eth0 10.200.1.2/24 relay eth0 10.200.1.1/24
link relay eth1 10.200.2.1/24 office eth0 10.200.2.2/24
link office eth1 192.168.77.1/24 lanhost eth0 192.168.77.2/24
ip -n "$P-lanhost" route add default via 192.168.77.1
info "the laptop can reach the relay only; the office LAN is private"
nsx laptop ping -c 1 -W 1 192.168.77.2 >/dev/null 2>&1 &&
  die "the laptop already reaches the LAN?"
info "laptop -> 192.168.77.2: unreachable (as it should be)"

step "Keys (genkey / pubkey, base64 X25519)"
umask 077
"$SERVER" genkey >"$D/office.key" && "$SERVER" pubkey <"$D/office.key" >"$D/office.pub" || die genkey
"$CLIENT" genkey >"$D/alice.key" && "$CLIENT" pubkey <"$D/alice.key" >"$D/alice.pub" || die genkey
info "office public key: $(cat "$D/office.pub")"
info "alice  public key: $(cat "$D/alice.pub")"

step "Configuration (written to $D)"
cat >"$D/users" <<EOF2
[alice]
public_key = $(cat "$D/alice.pub")
EOF2
cat >"$D/server.conf" <<EOF2
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
EOF2
cat >"$D/relay.conf" <<EOF2
[relay]
name = relay1
listen = 10.200.1.1:4433
allow = office
[hosts]
office = 10.200.2.2:4433
EOF2
cat >"$D/client.conf" <<EOF2
[client]
user = alice
private_key_file = $D/alice.key
server_public_key = $(cat "$D/office.pub")
path = relay1, office
origin = laptop
dhcp = external
[adapter]
device = ncg0
[hosts]
relay1 = 10.200.1.1:4433
EOF2
cat >"$D/udhcpc.script" <<'EOF2'
#!/bin/sh
# Configures only the interface (never /etc/resolv.conf).
case "$1" in
  deconfig) ip link set "$interface" up; ip -4 addr flush dev "$interface" ;;
  bound|renew)
    [ -n "$mtu" ] && ip link set dev "$interface" mtu "$mtu"
    ip -4 addr flush dev "$interface"
    ip -4 addr add "$ip/$mask" dev "$interface"
    set -- $staticroutes
    while [ $# -ge 2 ]; do ip -4 route replace "$1" via "$2" dev "$interface"; shift 2; done ;;
esac
EOF2
chmod +x "$D/udhcpc.script"
info "server: identity 'office', tunnel subnet 10.99.0.0/24, pushes a route to 192.168.77.0/24"
info "relay1: forwards to 'office' only"
info "client: user alice, path relay1 -> office, dhcp = external"

step "Start the office tunnel server and the relay"
bg office server "$SERVER" -c "$D/server.conf"
bg relay relay "$RELAY" -c "$D/relay.conf"
wait_log server "event=listening" 5
wait_log relay "event=listening" 5
show server "event=(adapter|listening)"
show relay "event=listening"

step "Start the client on the laptop: TAP adapter ncg0, tunnel through relay1"
bg laptop client "$CLIENT" -c "$D/client.conf"
wait_log client "event=authorized" 10
show client "event=(adapter|connecting|authorized)"
show relay "event=forwarding"
show server "event=authorized"

step "The laptop's own DHCP client (udhcpc) asks the pseudo adapter"
nsx laptop timeout 20 udhcpc -i ncg0 -f -q -n -t 5 -T 1 -O staticroutes -O mtu \
  -s "$D/udhcpc.script" >"$D/udhcpc.log" 2>&1 || die "udhcpc got no lease"
sed 's/^/    udhcpc: /' "$D/udhcpc.log"
info "ncg0: $(nsx laptop ip -4 -o addr show dev ncg0 | awk '{print $4}'), mtu $(nsx laptop cat /sys/class/net/ncg0/mtu)"
nsx laptop ip route | grep ncg0 | sed 's/^/    route: /'

step "Ping the host on the office LAN through the tunnel"
nsx laptop ping -c 3 -W 2 192.168.77.2 | sed 's/^/    /' || die "ping failed"

step "TCP transfer: 2 MB from the laptop to lanhost, checked by SHA-256"
head -c 2000000 /dev/urandom >"$D/tx"
nsx lanhost timeout 30 nc -l -p 5001 -N </dev/null >"$D/rx" & lpid=$!
sleep 0.3
start=$(date +%s.%N)
nsx laptop timeout 30 nc -N -w 5 192.168.77.2 5001 <"$D/tx" || die "TCP transfer failed"
wait $lpid
secs=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.2f", b - a }')
tx=$(sha256sum <"$D/tx" | cut -c1-16) rx=$(sha256sum <"$D/rx" | cut -c1-16)
info "sent     $(stat -c %s "$D/tx") bytes, sha256 $tx..."
info "received $(stat -c %s "$D/rx") bytes, sha256 $rx... (${secs}s)"
[ "$tx" = "$rx" ] || die "checksums differ"

step "Close the tunnel (SIGTERM: CLOSE end-session)"
kill -TERM "${PIDS[2]}"
wait_log server "event=closed status=end-session" 5
show server "event=closed"

printf '\n\033[1;32mDEMO PASSED\033[0m: laptop -> relay1 -> office -> lanhost, address by DHCP, ping and TCP OK\n'
exit 0
