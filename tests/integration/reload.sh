#!/usr/bin/env bash
# SIGHUP on each program (doc/configuration.md "Reloading"):
# - ncg-server: new routes and max_sessions apply (a second user is
#   refused server-full; a reconnecting client gets the new route), a
#   changed listen address is reported by name and kept (the old port
#   still serves), a broken file is refused and nothing changes;
# - ncg-client: log_level alone applies without a new tunnel; a new path
#   and a new user/key make a new tunnel at once;
# - ncg-relay: next hop office2 removed from allow closes the session
#   forwarded there and keeps the one forwarded to office.
# Each sends RELOADING=1 (with MONOTONIC_USEC=) and then READY=1 to its
# notification socket, a refused reload included.
. "$(dirname "$0")/lib.sh" "$1"
command -v python3 >/dev/null || skip "needs python3"
LISTEN=$(cd "$(dirname "$0")" && pwd)/notify_listen.py
# listener NAME NS: notify_listen.py on $T/NAME.sock into $T/NAME.log
listener() {
  start "$2" "$1-py" python3 "$LISTEN" "$T/$1.sock" "$T/$1.log"
  wait_log "$1" "^listening" 5
}
# reloaded NAME N: the N-th RELOADING=1 and a READY=1 after it
reloaded() {
  local i
  for ((i = 0; i < 50; i++)); do
    [ "$(grep -Ec '^RELOADING=1\|MONOTONIC_USEC=[0-9]+\|STATUS=reloading ' \
      "$T/$1.log")" -ge "$2" ] &&
      tail -1 "$T/$1.log" | grep -q "^READY=1|STATUS=" && return 0
    sleep 0.1
  done
  fail "no RELOADING=1 / READY=1 pair number $2 in $1.log: $(cat "$T/$1.log")"
}

wan; ns srv; ns relay; ns lap; ns lap2
wan_attach srv eth0 10.200.0.1/24
wan_attach relay eth0 10.200.0.2/24
wan_attach lap eth0 10.200.0.10/24
wan_attach lap2 eth0 10.200.0.11/24
keypair server; keypair alice; keypair bob; keypair carol
printf '[alice]\npublic_key = %s\n[bob]\npublic_key = %s\n[carol]\npublic_key = %s\n' \
  "$(pub alice)" "$(pub bob)" "$(pub carol)" >"$T/users"
server_conf server.conf office 10.200.0.1:4433
relay_conf relay.conf relay1 10.200.0.2:4433
cat >>"$T/relay.conf" <<EOC
office2 = 10.200.0.1:4433
[relay]
allow = office2
EOC
client_conf alice.conf alice office
client_conf bob.conf bob office

listener sn srv; listener rn relay; listener an lap
start srv server env NOTIFY_SOCKET="$T/sn.sock" "$SERVER" -c "$T/server.conf"
spid=$LAST_PID
start relay relay env NOTIFY_SOCKET="$T/rn.sock" "$RELAY" -c "$T/relay.conf"
rpid=$LAST_PID
wait_log server "event=listening"
wait_log relay "event=listening"
start lap alice env NOTIFY_SOCKET="$T/an.sock" "$CLIENT" -c "$T/alice.conf"
apid=$LAST_PID
wait_log alice "event=configured"

say "server: routes and max_sessions live, listen kept"
server_conf server.conf office 10.200.0.1:4434 "[server]" "max_sessions = 1" \
  "[adapter]" "routes = 192.168.88.0/24"
kill -HUP "$spid"
wait_log server 'event=reload-kept setting="\[server\] listen"' 5
wait_log server 'event=reloaded users=3 disconnected=0 changed="[^"]*\[server\] max_sessions' 5
grep -q 'event=reloaded .*changed="[^"]*\[adapter\] routes' "$T/server.log" ||
  fail "routes not reloaded"
reloaded sn 1
start lap2 bob "$CLIENT" -c "$T/bob.conf"; bpid=$LAST_PID
wait_log bob "event=closed status=server-full by=peer" 10
kill -TERM "$bpid"; wait "$bpid" 2>/dev/null
nsx lap ip route show | grep -q "192.168.88.0/24" &&
  fail "a tunnel that is up got new routes (the protocol has no push)"
"$CLIENT" reconnect -c "$T/alice.conf" >/dev/null || fail "ncg-client reconnect"
for ((i = 0; i < 50; i++)); do
  nsx lap ip route show | grep -q "192.168.88.0/24 via 10.99.0.1 dev ncg0" && break
  sleep 0.1
done
nsx lap ip route show | grep -q "192.168.88.0/24 via 10.99.0.1 dev ncg0" ||
  fail "no new route after reconnecting: $(nsx lap ip route)"

say "server: a broken file changes nothing"
echo "max_sessions = lots" >>"$T/server.conf"
kill -HUP "$spid"
wait_log server 'event=reload-refused error=".*server.conf:[0-9]+: ' 5
kill -0 "$spid" || fail "server died on a broken file"
reloaded sn 2
tail -1 "$T/sn.log" | grep -q "STATUS=reload refused" || fail "refusal not in STATUS="
nsx lap ping -c 1 -W 2 10.99.0.1 >/dev/null || fail "ping after a refused reload"
server_conf server.conf office 10.200.0.1:4433
kill -HUP "$spid"
wait_log server 'event=reloaded .*changed="[^"]*max_sessions.*kept=none' 5

say "client: log_level alone, no new tunnel"
n=$(count_log alice "event=authorized")
client_conf alice.conf alice office "[client]" "log_level = debug"
kill -HUP "$apid"
wait_log alice 'event=reloaded changed="\[client\] log_level" reconnect=no' 5
sleep 1.5
[ "$(count_log alice "event=authorized")" = "$n" ] || fail "log_level reconnected"
reloaded an 1

say "client: a new path makes a new tunnel (through relay1 to office2)"
client_conf alice.conf alice "relay1, office2" "[client]" "server = office" \
  "log_level = debug"
kill -HUP "$apid"
wait_log alice 'event=reloaded changed="[^"]*\[client\] path.*reconnect=yes' 5
wait_log relay "hop=office2 event=forwarding" 10
wait_log alice "event=configured" 10
[ "$(count_log alice "event=authorized")" -gt "$n" ] || fail "no new tunnel"
nsx lap ping -c 1 -W 2 10.99.0.1 >/dev/null || fail "ping through relay1"
grep -q " debug: .*state " "$T/alice.log" || fail "log_level = debug not applied"

say "client: a new user and key make a new tunnel"
client_conf bob.conf bob "relay1, office"
start lap2 bob2 "$CLIENT" -c "$T/bob.conf"; bpid=$LAST_PID
wait_log bob2 "event=configured"
wait_log relay "hop=office event=forwarding" 5
client_conf bob.conf carol "relay1, office"
kill -HUP "$bpid"
wait_log bob2 'event=reloaded changed="\[client\] user,\[client\] private_key' 5
wait_log server "user=carol .*event=authorized" 10
wait_log server "user=bob .*event=closed status=end-session by=peer" 5
wait_log bob2 "user=carol .*event=configured" 10

say "relay: office2 no longer allowed: alice's session closed, carol's kept"
nc_carol=$(count_log server "user=carol .*event=closed")
relay_conf relay.conf relay1 10.200.0.2:4433
kill -HUP "$rpid"
wait_log relay 'hop=office2 event=closing reason=hop-not-allowed' 5
wait_log relay 'event=reloaded changed="\[relay\] allow,\[hosts\]" closed=1' 5
reloaded rn 1
wait_log server "user=alice .*event=closed" 5
sleep 1
[ "$(count_log server "user=carol .*event=closed")" = "$nc_carol" ] ||
  fail "carol's session (next hop office, still allowed) was closed"
nsx lap2 ping -c 1 -W 2 10.99.0.1 >/dev/null || fail "carol's ping after the relay reload"
wait_log alice "status=relay-refused" 10
echo PASS
