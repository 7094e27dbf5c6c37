#!/usr/bin/env bash
# The tunnel MTU the server pushes (its `mtu`, DHCP option 26 in the
# client data) governs the client side, in both dhcp modes (issue 18
# item 3): the TAP's MTU, and the adapter's ICMP "fragmentation needed".
# One server restarted at mtu 1300, 1400 and 1500; two clients that
# reconnect by themselves: alice with dhcp = builtin, bob with dhcp =
# external (udhcpc configures the address once; the MTU must be set by
# ncg-client each time). Per round and client:
#  - the TAP's MTU is the pushed one (bob's before udhcpc ever ran);
#  - a DF ping of exactly mtu bytes crosses the tunnel to the LAN host;
#  - with the TAP's MTU raised by 100, a DF ping of mtu + 1 bytes gets
#    the adapter's frag-needed with next-hop MTU = mtu.
# Fresh LAN addresses each round, so no cached path MTU is reused.
. "$(dirname "$0")/lib.sh" "$1"
here=$(cd "$(dirname "$0")" && pwd)
command -v udhcpc >/dev/null || skip "needs udhcpc"
command -v ping >/dev/null || skip "needs ping"

wan; ns srv; ns lap1; ns lap2
wan_attach srv eth0 10.200.0.1/24
wan_attach lap1 eth0 10.200.0.10/24
wan_attach lap2 eth0 10.200.0.11/24
office_lan srv
for i in 1 2 3; do
  ip -n "$P-lan" addr add "192.168.77.1$i/24" dev eth0
  ip -n "$P-lan" addr add "192.168.77.2$i/24" dev eth0
done
keypair server; keypair alice; keypair bob
printf '[alice]\npublic_key = %s\n[bob]\npublic_key = %s\n' \
  "$(pub alice)" "$(pub bob)" >"$T/users"
server_conf server.conf office 10.200.0.1:4433
client_conf alice.conf alice office
client_conf bob.conf bob office "[client]" "dhcp = external"

# tap_mtu NS USER MTU: waits up to 2 s for the TAP to be at MTU.
tap_mtu() {
  local link i
  for ((i = 0; i < 20; i++)); do
    link=$(nsx "$1" ip link show dev ncg0)
    echo "$link" | grep -q " mtu $3 " && return 0
    sleep 0.1
  done
  fail "$2: TAP is not at mtu $3: $link"
}

# check NS USER MTU ROUND
check() {
  local n=$1 user=$2 m=$3 r=$4 out
  tap_mtu "$n" "$user" "$m"
  nsx "$n" ping -M do -s $((m - 28)) -c 1 -W 2 "192.168.77.1$r" >/dev/null ||
    fail "$user: DF ping of $m bytes did not cross"
  nsx "$n" ip link set dev ncg0 mtu $((m + 100))
  out=$(nsx "$n" ping -M do -s $((m - 27)) -c 1 -W 1 "192.168.77.2$r" 2>&1)
  nsx "$n" ip link set dev ncg0 mtu "$m"
  echo "$out" | grep -q "Frag needed.*mtu = $m)" ||
    fail "$user: no frag-needed with mtu $m for $((m + 1)) bytes: $out"
  echo "$user: TAP mtu $m, $m bytes cross, $((m + 1)): frag-needed mtu = $m"
}

r=0
for m in 1300 1400 1500; do
  r=$((r + 1))
  say "server mtu = $m"
  sed "s/^mtu = .*/mtu = $m/" "$T/server.conf" >"$T/server$m.conf"
  start srv server$m "$SERVER" -c "$T/server$m.conf"; spid=$LAST_PID
  wait_log server$m "event=listening"
  if [ $r = 1 ]; then
    start lap1 alice "$CLIENT" -c "$T/alice.conf"
    start lap2 bob "$CLIENT" -c "$T/bob.conf"
  fi
  wait_log alice "event=configured device=ncg0 .*mtu=$m " 15
  wait_log server$m "user=bob .*event=authorized" 15
  if [ $r = 1 ]; then
    tap_mtu lap2 bob "$m" # before DHCP
    nsx lap2 timeout 15 udhcpc -i ncg0 -f -q -n -t 5 -T 1 -O staticroutes \
      -O mtu -s "$here/udhcpc.script" >>"$T/udhcpc.log" 2>&1 ||
      fail "udhcpc got no lease"
  fi
  check lap1 alice "$m" "$r"
  check lap2 bob "$m" "$r"
  kill -TERM "$spid"; wait "$spid" 2>/dev/null
  wait_log alice "event=closed status=shutting-down" 5
done
echo PASS
