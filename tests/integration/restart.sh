#!/usr/bin/env bash
# The server restarts (SIGTERM: CLOSE shutting-down to every tunnel, then
# a new process). The client reconnects by itself and gets the same tunnel
# address (the pool's state file). SIGHUP with the user removed from the
# users file disconnects that user.
. "$(dirname "$0")/lib.sh" "$1"

wan; ns srv; ns lap
wan_attach srv eth0 10.200.0.1/24
wan_attach lap eth0 10.200.0.10/24
keypair server; keypair alice; keypair carol
printf '[carol]\npublic_key = %s\n[alice]\npublic_key = %s\n' \
  "$(pub carol)" "$(pub alice)" >"$T/users"
server_conf server.conf office 10.200.0.1:4433
client_conf client.conf alice office

start srv server "$SERVER" -c "$T/server.conf"; spid=$LAST_PID
wait_log server "event=listening"
start lap client "$CLIENT" -c "$T/client.conf"
wait_log client "event=configured"
a1=$(grep -Eo "event=authorized address=[0-9.]+" "$T/server.log" | head -1)
echo "first: $a1"

say "server restart"
kill -TERM "$spid"; wait "$spid" 2>/dev/null
wait_log client "event=closed status=shutting-down by=peer" 5
start srv server2 "$SERVER" -c "$T/server.conf"
wait_log server2 "user=alice .*event=authorized" 15
a2=$(grep -Eo "event=authorized address=[0-9.]+" "$T/server2.log" | head -1)
echo "after restart: $a2"
[ -n "$a1" ] && [ "$a1" = "$a2" ] || fail "address changed: $a1 -> $a2"
wait_log client "event=configured" 5
nsx lap ping -c 2 -W 2 10.99.0.1 >/dev/null || fail "ping after restart"

say "SIGHUP without alice: she is disconnected"
printf '[carol]\npublic_key = %s\n' "$(pub carol)" >"$T/users"
kill -HUP "$LAST_PID"
wait_log server2 "user=alice event=removed" 5
wait_log server2 "event=reloaded users=1 disconnected=1" 5
wait_log server2 "user=alice .*event=closed status=end-session" 5
wait_log client "event=closed status=end-session by=peer" 5
echo PASS
