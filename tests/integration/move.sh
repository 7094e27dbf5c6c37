#!/usr/bin/env bash
# The laptop moves: its outer address changes (10.200.0.10 -> .20) in the
# middle of a long inner TCP transfer. The client notices its address is
# gone, reconnects from the new one, gets the same tunnel address, and the
# transfer completes with every byte intact.
. "$(dirname "$0")/lib.sh" "$1"

wan; ns srv; ns lap
wan_attach srv eth0 10.200.0.1/24
wan_attach lap eth0 10.200.0.10/24
office_lan srv
keypair server; keypair alice
printf '[alice]\npublic_key = %s\n' "$(pub alice)" >"$T/users"
server_conf server.conf office 10.200.0.1:4433
client_conf client.conf alice office

start srv server "$SERVER" -c "$T/server.conf"
wait_log server "event=listening"
start lap client "$CLIENT" -c "$T/client.conf"
wait_log client "event=configured"
wait_log server "peer=10.200.0.10:.*event=authorized"
a1=$(grep -Eo "event=authorized address=[0-9.]+" "$T/server.log" | head -1)

say "a 6-second TCP stream (about 1.2 MB) to the LAN host"
nsx lan timeout 40 nc -l -p 5003 -N </dev/null >"$T/rx" &
lpid=$!
sleep 0.3
head -c 1200000 /dev/urandom >"$T/tx"
# Paced sender: 20 kB every 0.1 s, so the move happens mid-stream.
( for i in $(seq 0 59); do
    dd if="$T/tx" bs=20000 skip="$i" count=1 status=none; sleep 0.1
  done ) | nsx lap timeout 40 nc -N 192.168.77.2 5003 &
spid=$!
sleep 2
say "move: 10.200.0.10 -> 10.200.0.20"
nsx lap ip addr del 10.200.0.10/24 dev eth0
nsx lap ip addr add 10.200.0.20/24 dev eth0
wait_log client "event=local-address-gone" 5
wait_log server "peer=10.200.0.20:.*event=authorized" 10
wait $spid || fail "sender failed"
wait $lpid
cmp -s "$T/tx" "$T/rx" ||
  fail "stream damaged: $(stat -c %s "$T/rx") of $(stat -c %s "$T/tx") bytes"
a2=$(grep -E "peer=10.200.0.20:.*event=authorized" "$T/server.log" |
     grep -Eo "event=authorized address=[0-9.]+" | head -1)
[ "$a1" = "$a2" ] || fail "tunnel address changed: $a1 -> $a2"
echo "stream intact ($(stat -c %s "$T/rx") bytes), $a2 kept"
echo PASS
