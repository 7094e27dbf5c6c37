#!/usr/bin/env bash
# The laptop moves: its outer address changes (10.200.0.10 -> .20) in the
# middle of a long inner TCP transfer. The client notices its address is
# gone, reconnects from the new one, gets the same tunnel address, and the
# transfer completes with every byte intact.
# Then (issue 18 item 5) the network goes away altogether for 5 s, so the
# client's attempts fail and its backoff grows, and comes back with
# another address (.30); and the link goes down for 6 s (the dead-peer
# timer ends the tunnel, attempts fail) and comes back up. Each time the
# client must be back within 2 s, with the same tunnel address and the
# same inner TCP stream.
# reconnect_min = 2 s, so waiting for the backoff instead of acting on
# the address events would show: the move must take under 0.8 s.
. "$(dirname "$0")/lib.sh" "$1"

wan; ns srv; ns lap
wan_attach srv eth0 10.200.0.1/24
wan_attach lap eth0 10.200.0.10/24
office_lan srv
keypair server; keypair alice
printf '[alice]\npublic_key = %s\n' "$(pub alice)" >"$T/users"
server_conf server.conf office 10.200.0.1:4433
client_conf client.conf alice office "[timers]" "reconnect_min = 2" \
  "reconnect_max = 30"
now_ms() { echo $(($(date +%s%N) / 1000000)); }
log_ms() { date -d "${1%% *}" +%s%3N; } # a log line's timestamp
# back_within N T0 LIMIT_MS WHAT: the client's authorisation number N
# (its log) came within LIMIT_MS of T0.
back_within() {
  local n=$1 t0=$2 limit=$3 what=$4 dt i line
  for ((i = 0; i < 150; i++)); do
    line=$(grep "event=authorized" "$T/client.log" | sed -n "${n}p")
    [ -n "$line" ] && break
    sleep 0.1
  done
  [ -n "$line" ] || fail "$what: no authorisation #$n in 15 s"
  dt=$(($(log_ms "$line") - t0))
  echo "$what: back after $dt ms (limit $limit ms)"
  [ "$dt" -le "$limit" ] || fail "$what: back after $dt ms, limit $limit ms"
}

start srv server "$SERVER" -c "$T/server.conf"
wait_log server "event=listening"
start lap client "$CLIENT" -c "$T/client.conf"
wait_log client "event=configured"
wait_log server "peer=10.200.0.10:.*event=authorized"
a1=$(grep -Eo "event=authorized address=[0-9.]+" "$T/server.log" | head -1)

say "a TCP stream (about 2.4 MB) to the LAN host, across all of it"
nsx lan timeout 55 nc -l -p 5003 -N </dev/null >"$T/rx" &
lpid=$!
sleep 0.3
head -c 2400000 /dev/urandom >"$T/tx"
# Paced sender: 20 kB every 0.1 s, so the moves happen mid-stream.
( for i in $(seq 0 119); do
    dd if="$T/tx" bs=20000 skip="$i" count=1 status=none; sleep 0.1
  done ) | nsx lap timeout 55 nc -N 192.168.77.2 5003 &
spid=$!
sleep 2
say "move: 10.200.0.10 -> 10.200.0.20"
nsx lap ip addr del 10.200.0.10/24 dev eth0
nsx lap ip addr add 10.200.0.20/24 dev eth0
wait_log client "event=local-address-gone" 5
t0=$(log_ms "$(grep "event=local-address-gone" "$T/client.log" | tail -1)")
back_within 2 "$t0" 800 "move"
wait_log server "peer=10.200.0.20:.*event=authorized"
sleep 0.5
say "network gone for 5 s, then back as 10.200.0.30"
nsx lap ip addr del 10.200.0.20/24 dev eth0
sleep 5
[ "$(count_log server "peer=10.200.0.20:.*event=authorized")" = 1 ] ||
  fail "authorised while the network was gone?"
t0=$(now_ms)
nsx lap ip addr add 10.200.0.30/24 dev eth0
back_within 3 "$t0" 2000 "network back"
wait_log server "peer=10.200.0.30:.*event=authorized"
sleep 0.5
say "link down for 6 s, then up"
nsx lap ip link set eth0 down
sleep 6
t0=$(now_ms)
nsx lap ip link set eth0 up
back_within 4 "$t0" 2000 "link up"
wait $spid || fail "sender failed"
wait $lpid
cmp -s "$T/tx" "$T/rx" ||
  fail "stream damaged: $(stat -c %s "$T/rx") of $(stat -c %s "$T/tx") bytes"
for ip in 10.200.0.20 10.200.0.30; do
  a2=$(grep -E "peer=${ip//./\\.}:.*event=authorized" "$T/server.log" |
       grep -Eo "event=authorized address=[0-9.]+" | head -1)
  [ "$a1" = "$a2" ] || fail "tunnel address changed: $a1 -> $a2 ($ip)"
done
echo "stream intact ($(stat -c %s "$T/rx") bytes), $a1 kept"
echo PASS
