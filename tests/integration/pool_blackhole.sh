#!/usr/bin/env bash
# Issue 18 item 4: a pool member that silently drops SYNs: office-a is
# 10.200.0.99, which the relay's namespace resolves (a permanent
# neighbour entry) to a MAC nobody on the wan has, so its SYNs vanish:
# nothing answers, nothing refuses, no ARP failure either. The member listed first is the silent one, so every
# fresh choice tries it first.
#  1. Default timeouts (relay connect_timeout 4 s, client handshake 10 s):
#     the first client is served within 2 x connect_timeout.
#  2. The silent member is now marked failed: the next client is served
#     at once.
#  3. A relay whose connect_timeout (30 s) exceeds the client's handshake
#     timeout (3 s): the client gives up first; the member must still be
#     marked failed, so the client's retry is served.
. "$(dirname "$0")/lib.sh" "$1"

wan; ns srvb; ns relay; ns lap
wan_attach srvb eth0 10.200.0.3/24
wan_attach relay eth0 10.200.0.2/24
wan_attach lap eth0 10.200.0.10/24
ip -n "$P-relay" neigh add 10.200.0.99 lladdr 02:00:00:00:de:ad dev eth0 \
  nud permanent || fail "neighbour entry"
keypair server; keypair alice
printf '[alice]\npublic_key = %s\n' "$(pub alice)" >"$T/users"
server_conf b.conf office 10.200.0.3:4433
relay_conf() { # FILE [extra [relay] lines...]
  local f=$1; shift
  { printf '[relay]\nname = relay1\nlisten = 10.200.0.2:4433\n'
    local l; for l in "$@"; do echo "$l"; done
    printf '[pools]\noffice = office-a, office-b\n'
    printf '[hosts]\noffice-a = 10.200.0.99:4433\noffice-b = 10.200.0.3:4433\n'
  } >"$T/$f"
}
relay_conf relay.conf
relay_conf relay30.conf "connect_timeout = 30"
client_conf client.conf alice "relay1, office"
client_conf client3.conf alice "relay1, office" "[timers]" "handshake = 3"

now_ms() { echo $(($(date +%s%N) / 1000000)); }
# served LOG CONF LIMIT_MS: start a client, time until it is authorised.
served() {
  local log=$1 conf=$2 limit=$3 t0 dt
  t0=$(now_ms)
  start lap "$log" "$CLIENT" -c "$T/$conf"
  wait_log "$log" "event=authorized" $(((limit + 999) / 1000 + 2))
  dt=$(($(now_ms) - t0))
  echo "$log: served after $dt ms (limit $limit ms)"
  [ "$dt" -le "$limit" ] || fail "$log: served after $dt ms, limit $limit ms"
  kill -TERM "$LAST_PID"; wait "$LAST_PID" 2>/dev/null
}

start srvb srvb "$SERVER" -c "$T/b.conf"
start relay relay "$RELAY" -c "$T/relay.conf"; relay_pid=$LAST_PID
wait_log srvb "event=listening"; wait_log relay "event=listening"

say "1. first client, silent member listed first: within 2 x 4 s"
served client1 client.conf 8000
grep -q "forward to office-a" "$T/relay.log" || fail "office-a was never tried"
say "2. silent member held off: the next client at once"
served client2 client.conf 1500

say "3. relay connect_timeout 30 s, client handshake 3 s"
kill -TERM "$relay_pid"; wait "$relay_pid" 2>/dev/null
start relay relay30 "$RELAY" -c "$T/relay30.conf"
wait_log relay30 "event=listening"
grep -q "event=config connect_timeout=30" "$T/relay30.log" ||
  fail "no warning about connect_timeout >= the clients' handshake"
served client3 client3.conf 8000
grep -q "office-a abandoned" "$T/relay30.log" ||
  fail "office-a not marked failed when the client gave up"
echo PASS
