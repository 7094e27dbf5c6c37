#!/usr/bin/env bash
# A client connects straight to the server (no relay), configures its
# TAP adapter itself (dhcp = builtin), pings the server's tunnel address
# and a host on the office LAN, and sends 1 MB over TCP to that host. A
# second client comes over IPv6. Datagrams with a source address other
# than the tunnel's are dropped by the server (anti-spoofing).
. "$(dirname "$0")/lib.sh" "$1"

wan; ns srv; ns lap
wan_attach srv eth0 10.200.0.1/24
wan_attach lap eth0 10.200.0.10/24
ip -n "$P-srv" addr add fd00:200::1/64 dev eth0 nodad
ip -n "$P-lap" addr add fd00:200::10/64 dev eth0 nodad
office_lan srv
keypair server; keypair alice; keypair bob
printf '[alice]\npublic_key = %s\n[bob]\npublic_key = %s\n' \
  "$(pub alice)" "$(pub bob)" >"$T/users"
server_conf server.conf office "0.0.0.0:4433, [::]:4433"
client_conf client.conf alice office
client_conf bob.conf bob office6 "[adapter]" "device = ncg1" "[hosts]" \
  "office6 = [fd00:200::1]:4433" "[client]" "server = office"

say "server and client"
start srv server "$SERVER" -c "$T/server.conf"
wait_log server "event=listening addr=0.0.0.0:4433"
start lap client "$CLIENT" -c "$T/client.conf"
wait_log client "event=configured device=ncg0 address=10\.99\.0\.[0-9]+/24"
wait_log server "user=alice .*event=authorized address=10\.99\.0\."
addr=$(nsx lap ip -4 -o addr show dev ncg0 | awk '{print $4}')
echo "client tunnel address: $addr"

say "ping server tunnel address and LAN host"
nsx lap ping -c 2 -W 2 10.99.0.1 >/dev/null || fail "ping 10.99.0.1"
nsx lap ping -c 2 -W 2 192.168.77.2 >/dev/null || fail "ping LAN host"
say "1 MB over TCP to the LAN host"
tcp_check lap 192.168.77.2 5001 1000000

say "bob over IPv6"
start lap bob "$CLIENT" -c "$T/bob.conf"
wait_log server "user=bob peer=\[fd00:200::10\]:[0-9]+ event=authorized" 10
wait_log bob "event=configured device=ncg1"

say "a spoofed source address is dropped by the server"
nsx lap ip addr add 10.99.0.251/32 dev ncg0
nsx lap ping -c 2 -W 1 -I 10.99.0.251 192.168.77.2 >/dev/null 2>&1 &&
  fail "spoofed ping got an answer"

say "clients exit cleanly with CLOSE end-session, then the server"
kill -TERM "$LAST_PID"
wait_log server "user=bob .*event=closed status=end-session by=peer" 5
kill -TERM "${PIDS[1]}"
wait_log server "user=alice .*event=closed status=end-session by=peer" 5
kill -TERM "${PIDS[0]}"
wait_log server "event=adapter-stats .*drop_spoofed=[1-9]" 5
echo PASS
