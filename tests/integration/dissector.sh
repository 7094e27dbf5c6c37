#!/usr/bin/env bash
# The Wireshark dissector (contrib/wireshark/ncgtun.lua) on a capture of
# a real session: alice's client reaches the server through relay1, pings
# and sends 300 kB over TCP through the tunnel, then exits (CLOSE). tcpdump
# records the client's and the server's outer interfaces; tshark with the
# dissector must decode every frame without a malformed mark, and what it
# shows must match what the programs did and logged: the RELAY origin and
# path from the client's configuration (on both legs, the relay forwards
# it), the REQUEST destination, the RESPONSE transform the server logged,
# as many DATA datagrams each way as the client counted, and the CLOSE
# end-session (authenticated) the server logged.
. "$(dirname "$0")/lib.sh" "$1"
for tool in tcpdump tshark nc; do command -v $tool >/dev/null || skip "needs $tool"; done
LUA=$(cd "$(dirname "$0")/../.." && pwd)/contrib/wireshark/ncgtun.lua

wan; ns srv; ns relay; ns lap
wan_attach srv eth0 10.200.0.1/24
wan_attach relay eth0 10.200.0.2/24
wan_attach lap eth0 10.200.0.10/24
office_lan srv
keypair server; keypair alice
printf '[alice]\npublic_key = %s\n' "$(pub alice)" >"$T/users"
server_conf server.conf office 10.200.0.1:4433
relay_conf relay.conf relay1 10.200.0.2:4433
client_conf client.conf alice "relay1, office"

start lap tcpdump-lap tcpdump -i eth0 -U -B 16384 -s 0 -w "$T/lap.pcap" tcp port 4433
DUMP1=$LAST_PID
start srv tcpdump-srv tcpdump -i eth0 -U -B 16384 -s 0 -w "$T/srv.pcap" tcp port 4433
DUMP2=$LAST_PID
wait_log tcpdump-lap "listening on" 5
wait_log tcpdump-srv "listening on" 5
start srv server "$SERVER" -c "$T/server.conf"
start relay relay "$RELAY" -c "$T/relay.conf"
wait_log server "event=listening"
wait_log relay "event=listening"
start lap client "$CLIENT" -c "$T/client.conf"
CPID=$LAST_PID
wait_log client "event=configured device=ncg0"
nsx lap ping -c 3 -W 2 192.168.77.2 >/dev/null || fail "ping through the tunnel"
tcp_check lap 192.168.77.2 5001 300000
kill -TERM "$CPID"
wait_log server "user=alice .*event=closed status=end-session by=peer" 5
wait_log client "event=closed status=end-session by=local" 5
# tcpdump drops what is still in its buffer when signalled: let it drain
sleep 1
kill -INT "$DUMP1" "$DUMP2"; wait "$DUMP1" "$DUMP2" 2>/dev/null
for c in lap srv; do
  grep -E "^([0-9]+) packets captured" "$T/tcpdump-$c.log" >/dev/null || fail "tcpdump $c"
  cap=$(awk '/packets captured/{print $1}' "$T/tcpdump-$c.log")
  got=$(awk '/received by filter/{print $1}' "$T/tcpdump-$c.log")
  [ "$cap" = "$got" ] || fail "tcpdump $c captured $cap of $got packets"
done

# tshark starts slowly: one pass per capture writes every field we check,
# one line per packet (several frames in a packet: comma lists), and one
# more lists malformed packets.
cols=(ip.src ncgtun.type ncgtun.version ncgtun.relay.origin ncgtun.relay.path
  ncgtun.request.dest ncgtun.hs.kx_len ncgtun.response.transform
  ncgtun.data.proto ncgtun.digest_len ncgtun.length ncgtun.close.status
  ncgtun.close.flags.auth)
for c in lap srv; do
  args=(); for k in "${cols[@]}"; do args+=(-e "$k"); done
  tshark -X "lua_script:$LUA" -r "$T/$c.pcap" -Y ncgtun -T fields \
    -E separator=/t "${args[@]}" >"$T/$c.fields" 2>"$T/tshark-$c.log" ||
    fail "tshark $c"
  tshark -X "lua_script:$LUA" -r "$T/$c.pcap" \
    -Y '_ws.malformed || _ws.expert.severity == "Error"' >"$T/$c.bad" 2>&1
  grep -q "Lua: Error" "$T/tshark-$c.log" "$T/$c.bad" && fail "the dissector failed to load"
done
# field CAPTURE TYPE FIELD [SRC]: FIELD of every packet holding a frame
# of TYPE (sent by SRC when given), one value a line.
field() {
  local n=1 k; for k in "${cols[@]}"; do [ "$k" = "$3" ] && break; n=$((n + 1)); done
  awk -F'\t' -v t="$2" -v col="$n" -v src="${4:-}" '
    (src == "" || $1 == src) && ("," $2 ",") ~ ("," t ",") {
      m = split($col, v, ","); for (i = 1; i <= m; i++) if (v[i] != "") print v[i] }' \
    "$T/$1.fields"
}

say "every frame decodes"
n=$(wc -l <"$T/lap.fields"); m=$(wc -l <"$T/srv.fields")
echo "packets with ncgtun frames: client leg $n, server leg $m"
[ "$n" -gt 20 ] && [ "$m" -gt 20 ] || fail "too few ncgtun packets"
for c in lap srv; do
  bad=$(grep -c NCGTUN "$T/$c.bad")
  [ "$bad" = 0 ] || { head "$T/$c.bad"; fail "$bad malformed packets in $c.pcap"; }
done

# GSO super-segments make DATA frames far larger than a TCP segment: the
# dissector must have reassembled them.
big=$(field lap 4 ncgtun.length | sort -n | tail -1)
echo "largest frame: $big bytes"
[ "$big" -gt 3000 ] || fail "no DATA frame spanning TCP segments"

say "RELAY: origin and path from client.conf, on both legs"
for c in lap srv; do
  [ "$(field $c 1 ncgtun.relay.origin)" = laptop ] ||
    fail "$c RELAY origin"
  [ "$(field $c 1 ncgtun.relay.path | paste -sd,)" = relay1,office ] ||
    fail "$c RELAY path: $(field $c 1 ncgtun.relay.path)"
  [ "$(field $c "[0-9]" ncgtun.version | sort -u)" = 1 ] || fail "$c version"
done

say "REQUEST and RESPONSE"
[ "$(field lap 2 ncgtun.request.dest)" = office ] || fail "REQUEST dest"
kx=$(field lap 2 ncgtun.hs.kx_len)
[ -n "$kx" ] && [ "$kx" -gt 32 ] || fail "REQUEST kx length $kx"
logged=$(sed -n 's/.*user=alice .*event=authorized .*transform=\([^ ]*\).*/\1/p' "$T/server.log" | head -1)
case $logged in aes-256-gcm) want=1 ;; chacha20-poly1305) want=2 ;; *) fail "server logged transform '$logged'" ;; esac
got=$(field lap 3 ncgtun.response.transform | head -1)
echo "server logged transform=$logged, RESPONSE says $got"
[ "$got" = "$want" ] || fail "RESPONSE transform $got, server logged $logged"

say "DATA: as many datagrams as the client counted"
sent=$(sed -n 's/.*event=closed .*datagrams_sent=\([0-9]*\).*/\1/p' "$T/client.log" | tail -1)
recv=$(sed -n 's/.*event=closed .*datagrams_recv=\([0-9]*\).*/\1/p' "$T/client.log" | tail -1)
up=$(field lap 4 ncgtun.data.proto 10.200.0.10 | grep -vc '^0x00$')
down=$(field lap 4 ncgtun.data.proto 10.200.0.2 | grep -vc '^0x00$')
echo "client logged sent=$sent recv=$recv; capture: up=$up down=$down"
[ "$up" = "$sent" ] && [ "$down" = "$recv" ] || fail "DATA datagram counts"
[ "$(field lap 4 ncgtun.digest_len | sort -u)" = 16 ] || fail "DATA digest length"

say "CLOSE end-session, authenticated, from the client"
[ "$(field lap 5 ncgtun.close.status 10.200.0.10)" = 0 ] ||
  fail "CLOSE status"
[ "$(field lap 5 ncgtun.close.flags.auth 10.200.0.10)" = 1 ] ||
  fail "CLOSE AUTH flag: $(field lap 5 ncgtun.close.flags.auth 10.200.0.10)"
echo PASS
