#!/usr/bin/env bash
# Issue 17 item 5: a next hop the relay has to look up in DNS, with a
# name server that takes 3 s to answer, must not stall the relay's other
# sessions. alice's tunnel goes through relay1 to "office" (in the
# relay's [hosts]); while alice pings the server every 0.1 s, bob's
# tunnel asks relay1 for "office-b", which only DNS knows. The relay
# waits for the answer on a resolver thread; alice's pings must keep
# coming back with no stall (max RTT well under the 3 s DNS delay) and
# bob must get through once DNS answered.
. "$(dirname "$0")/lib.sh" "$1"
command -v python3 >/dev/null || skip "needs python3"
command -v ping >/dev/null || skip "needs ping"
DELAY=3

wan; ns srv; ns srv2; ns relay; ns lap; ns lap2; ns lap3
# The resolvers of relay and lap3: `ip netns exec` puts
# /etc/netns/NAME/resolv.conf over /etc/resolv.conf.
mkdir -p "/etc/netns/$P-relay" "/etc/netns/$P-lap3" ||
  skip "cannot write /etc/netns"
trap 'rm -rf "/etc/netns/$P-relay" "/etc/netns/$P-lap3"; cleanup' EXIT
for n in relay lap3; do
  printf 'nameserver 127.0.0.1\noptions timeout:10 attempts:1\n' \
    >"/etc/netns/$P-$n/resolv.conf"
done
wan_attach srv eth0 10.200.0.1/24
wan_attach srv2 eth0 10.200.0.3/24
wan_attach relay eth0 10.200.0.2/24
wan_attach lap eth0 10.200.0.10/24
wan_attach lap2 eth0 10.200.0.11/24
wan_attach lap3 eth0 10.200.0.12/24
keypair server; keypair alice; keypair bob
keypair carol
printf '[alice]\npublic_key = %s\n[bob]\npublic_key = %s\n[carol]\npublic_key = %s\n' \
  "$(pub alice)" "$(pub bob)" "$(pub carol)" >"$T/users"
server_conf server.conf office 10.200.0.1:4433
server_conf server2.conf office-b 10.200.0.3:4433
cat >"$T/relay.conf" <<EOC
[relay]
name = relay1
listen = 10.200.0.2:4433
allow = office, office-b
[hosts]
office = 10.200.0.1:4433
EOC
client_conf alice.conf alice "relay1, office"
client_conf bob.conf bob "relay1, office-b"
# carol's client has no [hosts]: it looks relay1 up in DNS (lap3's slow
# name server says 10.200.0.2).
client_conf carol.conf carol "relay1, office"
sed -i '/^\[hosts\]/,$d' "$T/carol.conf"

start relay dns python3 "$(dirname "$0")/slow_dns.py" 127.0.0.1 10.200.0.3 $DELAY
wait_log dns "listening"
start srv server "$SERVER" -c "$T/server.conf"
start srv2 server2 "$SERVER" -c "$T/server2.conf"
start relay relay "$RELAY" -c "$T/relay.conf" -l debug
wait_log server "event=listening"
wait_log server2 "event=listening"
wait_log relay "event=listening"

say "alice through relay1 to office ([hosts]: no DNS)"
start lap alice "$CLIENT" -c "$T/alice.conf"
wait_log alice "event=configured device=ncg0"
nsx lap ping -c 2 -W 2 10.99.0.1 >/dev/null || fail "alice ping"

say "alice pings every 0.1 s while relay1 looks office-b up (${DELAY} s)"
nsx lap ping -c 70 -i 0.1 -W 5 10.99.0.1 >"$T/ping.out" 2>&1 &
PING=$!
sleep 0.5
start lap2 bob "$CLIENT" -c "$T/bob.conf"
wait_log relay "hop=office-b event=resolving" 5
wait_log bob "event=authorized" $((DELAY + 8))
wait $PING
cat "$T/ping.out" | tail -3
grep -q " 0% packet loss" "$T/ping.out" || fail "alice lost pings"
max=$(sed -n 's|.*= [0-9.]*/[0-9.]*/\([0-9.]*\)/.*|\1|p' "$T/ping.out")
echo "alice max RTT while DNS was pending: ${max} ms"
awk -v m="$max" 'BEGIN { exit !(m < 1000) }' ||
  fail "alice's tunnel stalled ${max} ms while the relay waited for DNS"
grep -q "answered type 1" "$T/dns.log" || fail "the DNS server was not asked"
wait_log bob "event=configured device=ncg0"
nsx lap2 ping -c 2 -W 2 10.99.0.1 >/dev/null || fail "bob ping through office-b"
grep -q "peer=10.200.0.2:" "$T/server2.log" || fail "office-b saw no relay"

say "carol: her client looks relay1 up in a name server that takes ${DELAY} s"
start lap3 dns3 python3 "$(dirname "$0")/slow_dns.py" 127.0.0.1 10.200.0.2 $DELAY
wait_log dns3 "listening"
start lap3 carol "$CLIENT" -c "$T/carol.conf"
wait_log carol "event=resolving hop=relay1" 5
[ "$(count_log carol 'event=connecting hop=relay1')" = 0 ] ||
  fail "carol connected before DNS answered"
wait_log carol "event=connecting hop=relay1" $((DELAY + 3))
wait_log carol "event=authorized" 10
grep -q "answered type 1" "$T/dns3.log" || fail "lap3's DNS server was not asked"
echo PASS
