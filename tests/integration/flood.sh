#!/usr/bin/env bash
# Floods do not stop real users (issue 17 item 4): while one address
# floods the listener with junk, idle connections and well-formed
# REQUESTs from a key the server does not know, max_pending and
# max_pending_per_address keep room for a real client, which connects;
# refusals are logged at most once a second.
. "$(dirname "$0")/lib.sh" "$1"
command -v python3 >/dev/null || skip "needs python3"
FLOOD="$(dirname "$0")/flood.py"

wan; ns srv; ns lap; ns bad
wan_attach srv eth0 10.200.0.1/24
wan_attach lap eth0 10.200.0.10/24
wan_attach bad eth0 10.200.0.66/24
keypair server; keypair alice; keypair eve
printf '[alice]\npublic_key = %s\n' "$(pub alice)" >"$T/users"
server_conf server.conf office 10.200.0.1:4433
sed -i 's/^\[adapter\]$/max_pending = 8\nmax_pending_per_address = 4\n[adapter]/' \
  "$T/server.conf"

say "capture a real (unknown-key) REQUEST"
start bad capture python3 "$FLOOD" capture 4433 "$T/req.bin"
sleep 0.3
client_conf eve.conf eve office "[adapter]" "device = ncg1"
sed -i 's/^office = 10.200.0.1:4433/office = 10.200.0.66:4433/' "$T/eve.conf"
start bad eve "$CLIENT" -c "$T/eve.conf"
wait_log capture "captured [1-9]" 15
kill "$LAST_PID" 2>/dev/null

start srv server "$SERVER" -c "$T/server.conf"
wait_log server "event=listening"
say "flood from 10.200.0.66 for 6 s, 64 connections at once"
start bad flood python3 "$FLOOD" flood 10.200.0.1 4433 6 "$T/req.bin" 64
sleep 1
client_conf alice.conf alice office
start lap alice "$CLIENT" -c "$T/alice.conf"
wait_log alice "event=authorized" 10
wait_log server "refused connections: max_pending" 5
wait_log flood "connections [0-9]+" 15
cat "$T/flood.log"
made=$(awk '/^connections/ {print $2}' "$T/flood.log")
[ "$made" -gt 64 ] || fail "the flood made only $made connections"
n=$(count_log server "refused connections: max_pending")
# 6 s of refusals, at most one line a second (+1 for the edges)
[ "$n" -ge 1 ] && [ "$n" -le 8 ] || fail "$n refusal log lines in 6 s"
grep -q "user=alice.*event=closed" "$T/server.log" && fail "alice lost her tunnel"
say "alice still up after the flood"
nsx lap ping -c 1 -W 2 10.99.0.1 >/dev/null || fail "no ping through the tunnel"
echo PASS
