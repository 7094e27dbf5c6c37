#!/usr/bin/env bash
# TAP offloads (doc/protocol.md "GSO datagrams", doc/configuration.md
# `offload`): with the default configuration both ends negotiate GSO, the
# client's kernel hands TCP super-segments over (TSO on the TAP), they
# cross the tunnel whole and the server's kernel segments them; 10 MB each
# way arrive intact. Then a client with `offload = no`: the tunnel is
# negotiated without GSO, the server turns its TAP's offloads off while
# that tunnel is up, and 10 MB each way still arrive intact.
. "$(dirname "$0")/lib.sh" "$1"

wan; ns srv; ns lap
wan_attach srv eth0 10.200.0.1/24
wan_attach lap eth0 10.200.0.10/24
office_lan srv
keypair server; keypair alice
printf '[alice]\npublic_key = %s\n' "$(pub alice)" >"$T/users"
server_conf server.conf office "0.0.0.0:4433"
client_conf client.conf alice office
client_conf plain.conf alice office "[adapter]" "offload = no"

# tcp_back PORT BYTES: BYTES from the LAN host to the client's tunnel
# address (the server's TAP sends towards the client).
tcp_back() {
  local port=$1 bytes=$2 addr
  addr=$(nsx lap ip -4 -o addr show dev ncg0 | awk '{print $4}' | cut -d/ -f1)
  head -c "$bytes" /dev/urandom >"$T/btx.$port"
  nsx lap timeout 20 nc -l -p "$port" -N </dev/null >"$T/brx.$port" &
  local lpid=$!
  sleep 0.3
  nsx lan timeout 20 nc -N -w 5 "$addr" "$port" <"$T/btx.$port" ||
    fail "nc to $addr:$port"
  wait $lpid
  [ "$(sha256sum <"$T/btx.$port")" = "$(sha256sum <"$T/brx.$port")" ] ||
    fail "TCP transfer to $addr:$port: checksums differ"
}


say "offloads on (default): GSO negotiated"
start srv server "$SERVER" -c "$T/server.conf"
wait_log server "event=listening addr=0.0.0.0:4433"
start lap client "$CLIENT" -c "$T/client.conf"
wait_log client "event=configured device=ncg0 address=10\.99\.0\.[0-9]+/24"
wait_log client "event=authorized .*gso=on"
wait_log server "user=alice .*event=authorized .*gso=on"
say "10 MB each way"
tcp_check lap 192.168.77.2 5001 10000000
tcp_back 5002 10000000
kill -TERM "$LAST_PID"
wait_log server "user=alice .*event=closed status=end-session by=peer" 5
wait_log client "event=adapter-stats .*gso_to_tunnel=[1-9][0-9]* gso_to_stack=[1-9]" 5
grep -o 'event=adapter-stats.*' "$T/client.log"

say "client with offload = no: no GSO on that tunnel, transfers intact"
start lap plain "$CLIENT" -c "$T/plain.conf"
wait_log plain "event=authorized .*gso=off"
wait_log server "user=alice .*event=authorized .*gso=off" 5
tcp_check lap 192.168.77.2 5003 10000000
tcp_back 5004 10000000
kill -TERM "$LAST_PID"
wait_log server "user=alice .*event=closed status=end-session by=peer" 5
wait_log plain "event=adapter-stats .*gso_to_tunnel=0 gso_to_stack=0" 5
kill -TERM "${PIDS[0]}"
wait_log server "event=adapter-stats .*gso_to_tunnel=[1-9][0-9]* gso_to_stack=[1-9]" 5
grep -o 'event=adapter-stats.*' "$T/server.log"
echo PASS
