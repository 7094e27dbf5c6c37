#!/usr/bin/env bash
# A client connects straight to the server (no relay), configures its
# TAP adapter itself (dhcp = builtin), pings the server's tunnel address
# and a host on the office LAN, and sends 1 MB over TCP to that host.
. "$(dirname "$0")/lib.sh" "$1"

wan; ns srv; ns lap
wan_attach srv eth0 10.200.0.1/24
wan_attach lap eth0 10.200.0.10/24
office_lan srv
keypair server; keypair alice
printf '[alice]\npublic_key = %s\n' "$(pub alice)" >"$T/users"
server_conf server.conf office "0.0.0.0:4433, [::]:4433"
client_conf client.conf alice office

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

say "client exits cleanly with CLOSE end-session"
kill -TERM "$LAST_PID"
wait_log server "user=alice .*event=closed status=end-session by=peer" 5
echo PASS
