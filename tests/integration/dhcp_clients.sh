#!/usr/bin/env bash
# Integration test of the pseudo network adapter's ARP and DHCP server
# emulators against unmodified DHCP clients (udhcpc, dhclient, dhcpcd).
#
#   dhcp_clients.sh /path/to/tap_adapter
#
# For each client: a fresh network namespace with a TAP device driven by
# tap_adapter (client role, client data 10.77.0.2/24, server 10.77.0.1,
# routes 10.88.0.0/16 and 192.168.77.0/24 via the server, MTU 1400). The
# client runs in a private mount namespace whose /etc, /run and
# /var/lib/dhcp* are throw-away copies, so its scripts cannot touch the
# host's resolv.conf or lease files. Checks: address and netmask, MTU,
# classless routes, no DECLINE, the kernel's ARP entry for the server's
# tunnel address is the reserved MAC, and tshark decodes every frame the
# emulators sent with no malformed-packet or warning-level expert info.
# Exits 77 (skip) when not root or a tool is missing.
set -u
prog=${1:?usage: dhcp_clients.sh /path/to/tap_adapter}
here=$(cd "$(dirname "$0")" && pwd)

[ "$(id -u)" = 0 ] || { echo "SKIP: needs root"; exit 77; }
for t in ip udhcpc dhclient dhcpcd tshark ping timeout mount; do
  command -v "$t" >/dev/null 2>&1 || { echo "SKIP: $t not installed"; exit 77; }
done
[ -c /dev/net/tun ] || { echo "SKIP: no /dev/net/tun"; exit 77; }

SERVER_MAC=02:4e:43:47:00:01
CLIENT_MAC=02:4e:43:47:00:02
tmp=$(mktemp -d /tmp/ncgt-dhcp.XXXXXX)
namespaces=()
adapter_pid=
cleanup() {
  [ -n "$adapter_pid" ] && kill "$adapter_pid" 2>/dev/null
  for ns in "${namespaces[@]}"; do
    # kill whatever a client left running in the namespace, then remove it
    for p in $(ip netns pids "$ns" 2>/dev/null); do kill "$p" 2>/dev/null; done
    ip netns del "$ns" 2>/dev/null
  done
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP PIPE

failures=0
fail() { echo "FAIL [$name]: $*"; failures=$((failures + 1)); }

# Runs "$@" inside namespace $ns with private /etc (overlay), /run and
# lease directories.
in_sandbox() {
  local d=$tmp/$name/ovl
  mkdir -p "$d"
  ip netns exec "$ns" unshare -m sh -c '
    set -e
    d=$1; shift
    mount -t tmpfs tmpfs "$d"
    mkdir -p "$d/up" "$d/work"
    mount -t overlay overlay -o "lowerdir=/etc,upperdir=$d/up,workdir=$d/work" /etc
    mount -t tmpfs tmpfs /run
    for v in /var/lib/dhcp /var/lib/dhcpcd; do
      [ -d "$v" ] && mount -t tmpfs tmpfs "$v"
    done
    exec "$@"' sh "$d" "$@"
}

check_config() {
  local addr link routes neigh
  addr=$(ip -n "$ns" -4 addr show dev ncgt0)
  link=$(ip -n "$ns" link show dev ncgt0)
  routes=$(ip -n "$ns" -4 route show dev ncgt0)
  echo "$addr" | grep -q "inet 10.77.0.2/24" || fail "address/netmask: $addr"
  # dhcpcd (>= 7) applies option 26 to its routes instead of the link.
  if ! echo "$link" | grep -q "mtu 1400"; then
    echo "$routes" | grep -qv "mtu 1400" && fail "mtu: link '$link', routes '$routes'"
  fi
  echo "$routes" | grep -q "^10.88.0.0/16 via 10.77.0.1" || fail "route 10.88/16: $routes"
  echo "$routes" | grep -q "^192.168.77.0/24 via 10.77.0.1" || fail "route 192.168.77/24: $routes"
  # ARP: the echo request goes to the (absent) tunnel, but resolving the
  # server's tunnel address must give the reserved MAC.
  ip netns exec "$ns" ping -c1 -W0.3 10.77.0.1 >/dev/null 2>&1
  neigh=$(ip -n "$ns" neigh show 10.77.0.1 dev ncgt0)
  echo "$neigh" | grep -qi "lladdr $SERVER_MAC" || fail "neighbour: '$neigh'"
  echo "  $(echo "$addr" | grep inet)"
  echo "  link $(echo "$link" | grep -o 'mtu [0-9]*')"
  echo "$routes" | sed 's/^/  route: /'
  echo "  neigh: $neigh"
}

# Seed 002 section 4 with the real kernel: with the link MTU back at 1500,
# a 1500-byte DF datagram gets the adapter's ICMP "fragmentation needed"
# and the kernel's route cache learns the tunnel MTU.
check_pmtu() {
  local out cache
  ip -n "$ns" link set dev ncgt0 mtu 1500
  out=$(ip netns exec "$ns" ping -M do -s 1472 -c1 -W1 10.88.0.5 2>&1)
  cache=$(ip -n "$ns" route get 10.88.0.5)
  echo "$out" | grep -q "mtu = 1400" || fail "no frag-needed seen by ping: $out"
  echo "$cache" | grep -q "mtu 1400" || fail "route cache: $cache"
  echo "  pmtu: $(echo "$out" | grep -o 'Frag needed.*'); $(echo "$cache" | grep -o 'mtu [0-9]*') cached"
}

check_capture() {
  local bad replies mac
  mac=$(echo "$SERVER_MAC" | tr A-F a-f)
  # One pass: everything the emulators sent (it all comes from the
  # reserved MAC) and the client's DHCP messages, checksums validated:
  # source MAC, expert severities, malformed mark, IP destination, ciaddr,
  # summary line.
  tshark -n -r "$tmp/$name.pcap" -o ip.check_checksum:TRUE \
    -o udp.check_checksum:TRUE -Y "eth.src == $SERVER_MAC || dhcp" \
    -T fields -E occurrence=a -E aggregator=, -e eth.src \
    -e _ws.expert.severity -e _ws.malformed -e ip.dst -e dhcp.ip.client \
    -e _ws.col.Info >"$tmp/$name/frames" 2>"$tmp/$name/tshark.err" ||
    fail "tshark: $(cat "$tmp/$name/tshark.err")"
  # ours, with a severity >= PI_WARN (0x00600000) or a malformed mark
  bad=$(awk -F'\t' -v mac="$mac" '$1 == mac { n = split($2, s, ","); w = 0
      for (i = 1; i <= n; i++) if (s[i] + 0 >= 6291456) w = 1
      if (w || $3 != "") print }' "$tmp/$name/frames")
  [ -z "$bad" ] || fail "tshark flags frames: $bad"
  replies=$(awk -F'\t' -v mac="$mac" '$1 == mac' "$tmp/$name/frames" | wc -l)
  [ "$replies" -ge 3 ] || fail "only $replies emulator replies in the capture"
  echo "  tshark: $replies frames from the emulators, none malformed or warned:"
  awk -F'\t' -v mac="$mac" '{ printf "    %s %-15s ciaddr %-9s %s\n",
      ($1 == mac ? "<-" : "->"), $4, $5, $6 }' "$tmp/$name/frames"
}

check_stats() {
  local stats=$tmp/$name.stats
  local got
  got=$(sed -n 's/^dhcp_acks=//p' "$stats")
  [ "${got:-0}" -ge "$acks" ] || fail "$got DHCPACKs, expected $acks: $(tr '\n' ' ' <"$stats")"
  grep -q '^dhcp_naks=0$' "$stats" || fail "a DHCPNAK was needed"
  grep -q '^dhcp_declines=0$' "$stats" || fail "client sent DECLINE"
  grep -q '^drop_dhcp_malformed=0$' "$stats" || fail "malformed DHCP from client"
  echo "  adapter: $(grep -E '^(dhcp_|arp_|drop_arp_probe)' "$stats" | tr '\n' ' ')"
}

# A fresh namespace $ns for run $name with tap_adapter on ncgt0 (up).
start_adapter() { # name, extra tap_adapter arguments...
  name=$1; shift
  ns=ncgt-dhcp-$$-$name
  namespaces+=("$ns")
  mkdir -p "$tmp/$name"
  echo "== $name =="
  ip netns add "$ns" || { fail "netns"; return 1; }
  ip -n "$ns" link set lo up
  ip netns exec "$ns" "$prog" ncgt0 30 "$tmp/$name.pcap" "$@" \
    >"$tmp/$name.stats" 2>"$tmp/$name.log" &
  adapter_pid=$!
  for _ in $(seq 50); do
    ip -n "$ns" link show ncgt0 2>/dev/null | grep -q UP && return 0
    sleep 0.1
  done
  fail "TAP did not come up: $(cat "$tmp/$name.log")"
  return 1
}

run_client() { # name, client command...
  start_adapter "$1" || return
  shift
  local t0=$SECONDS
  if ! in_sandbox "$@" >"$tmp/$name/client.log" 2>&1; then
    fail "client exited non-zero"; sed 's/^/  | /' "$tmp/$name/client.log" | tail -20
  fi
  echo "  $name configured the link in $((SECONDS - t0)) s"
  check_config
  [ "$name" = udhcpc ] && check_pmtu
  kill -TERM "$adapter_pid"; wait "$adapter_pid"; adapter_pid=
  check_stats
  check_capture
  for p in $(ip netns pids "$ns" 2>/dev/null); do kill "$p" 2>/dev/null; done
}

# udhcpc: -a validates the offered address with an ARP probe (a reply
# would make it DECLINE). Once bound, SIGUSR1 makes it RENEW: a REQUEST
# with ciaddr, unicast to the server's tunnel address (RFC 2131 4.4.5).
acks=2
run_client udhcpc timeout 15 sh -c '
  udhcpc -i ncgt0 -f -n -t 5 -T 1 -a1000 -O staticroutes -O mtu -s "$1" &
  p=$!
  for i in $(seq 100); do
    ip -4 addr show dev ncgt0 | grep -q "inet 10.77.0.2/" && break
    sleep 0.1
  done
  sleep 0.3; kill -USR1 $p; sleep 1.5; kill $p; wait $p; exit 0' \
  sh "$here/udhcpc.script"
# dhclient: -1 tries once and daemonises when bound; stopped by cleanup.
acks=1
run_client dhclient timeout 15 dhclient -4 -1 -v -pf /run/dhclient.pid \
  -lf /run/dhclient.leases ncgt0
# dhcpcd: RFC 5227 ARP probing on; -1 exits once configured, -p keeps the
# configuration, -B stays in the foreground. Run twice: the second run
# finds its saved lease and asks for it again (INIT-REBOOT).
acks=2
run_client dhcpcd timeout 30 sh -c '
  dhcpcd -4 -1 -p -B -t 20 ncgt0 && dhcpcd -4 -1 -p -B -t 20 ncgt0'

# Server role: the TAP is the server's own (10.77.0.1/24). tap_adapter
# injects echo requests as if out of the tunnel given 10.77.0.2, plus a
# spoofed one from 10.77.0.3: the kernel must resolve 10.77.0.2 to the
# reserved client MAC and answer it, and never see the spoofed one.
run_server() {
  start_adapter server server || return
  ip -n "$ns" addr add 10.77.0.1/24 dev ncgt0
  local neigh=
  for _ in $(seq 40); do
    neigh=$(ip -n "$ns" neigh show 10.77.0.2 dev ncgt0)
    echo "$neigh" | grep -qi "lladdr $CLIENT_MAC" && sleep 1.2 && break
    sleep 0.1
  done
  kill -TERM "$adapter_pid"; wait "$adapter_pid"; adapter_pid=
  echo "$neigh" | grep -qi "lladdr $CLIENT_MAC" || fail "neighbour 10.77.0.2: '$neigh'"
  grep -q '^echo_replies_ok=[1-9]' "$tmp/$name.stats" || fail "no echo reply into the tunnel"
  grep -q '^echo_replies_spoofed=0$' "$tmp/$name.stats" || fail "the kernel answered a spoofed source"
  grep -q '^drop_spoofed=[1-9]' "$tmp/$name.stats" || fail "no spoofed datagram dropped"
  echo "  neigh: $neigh"
  echo "  adapter: $(grep -E '^(arp_replies|drop_spoofed|echo_)' "$tmp/$name.stats" | tr '\n' ' ')"
  SERVER_MAC=$CLIENT_MAC check_capture
}
run_server

if [ "$failures" -ne 0 ]; then
  echo "$failures check(s) failed"
  exit 1
fi
echo "all DHCP clients configured the TAP from the emulators"
exit 0
