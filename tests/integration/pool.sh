#!/usr/bin/env bash
# A relay stands for a pool of two servers (patent Fig. 13 step 239). The
# client's path names the pool; the relay picks a member. We kill the
# member the client is on; the client reconnects and ends on the other.
. "$(dirname "$0")/lib.sh" "$1"

wan; ns srva; ns srvb; ns relay; ns lap
wan_attach srva eth0 10.200.0.1/24
wan_attach srvb eth0 10.200.0.3/24
wan_attach relay eth0 10.200.0.2/24
wan_attach lap eth0 10.200.0.10/24
keypair server; keypair alice
printf '[alice]\npublic_key = %s\n' "$(pub alice)" >"$T/users"
# Both members are one virtual server "office": same name, same key.
# Separate state files: disjoint pools, each naming the other's as
# peer_pools, so no address can be handed out twice (issue 18 item 6).
server_conf a.conf office 10.200.0.1:4433 "[adapter]" \
  "pool = 10.99.0.10-10.99.0.129" "peer_pools = 10.99.0.130-10.99.0.250"
server_conf b.conf office 10.200.0.3:4433 "[adapter]" \
  "pool = 10.99.0.130-10.99.0.250" "peer_pools = 10.99.0.10-10.99.0.129"
# The same range on a member as on its peer: refused at start.
server_conf bad.conf office 10.200.0.3:4433 "[adapter]" \
  "peer_pools = 10.99.0.10-10.99.0.129"
if nsx srvb timeout 5 "$SERVER" -c "$T/bad.conf" >"$T/bad.out" 2>&1; then
  fail "a pool overlapping peer_pools was accepted"
fi
grep -q "overlaps peer_pools" "$T/bad.out" || fail "$(cat "$T/bad.out")"
cat >"$T/relay.conf" <<EOC
[relay]
name = relay1
listen = 10.200.0.2:4433
fail_holdoff = 30
[pools]
office = office-a, office-b
[hosts]
office-a = 10.200.0.1:4433
office-b = 10.200.0.3:4433
EOC
client_conf client.conf alice "relay1, office"

start srva srva "$SERVER" -c "$T/a.conf"; pid_a=$LAST_PID
start srvb srvb "$SERVER" -c "$T/b.conf"; pid_b=$LAST_PID
start relay relay "$RELAY" -c "$T/relay.conf"
wait_log srva "event=listening"; wait_log srvb "event=listening"
wait_log relay "event=listening"
start lap client "$CLIENT" -c "$T/client.conf"
wait_log client "event=configured"
wait_log relay "event=forwarding"
if grep -q "user=alice .*event=authorized" "$T/srva.log"; then
  first=a; victim=$pid_a; other=srvb
else
  first=b; victim=$pid_b; other=srva
fi
say "client is on server $first; killing it"
nsx lap ping -c 1 -W 2 10.99.0.1 >/dev/null || fail "ping before"
kill -KILL "$victim"
wait_log "$other" "user=alice .*event=authorized" 15
wait_log client "event=authorized.*" 15
[ "$(count_log client "event=authorized")" -ge 2 ] || fail "no second authorisation"
nsx lap ping -c 2 -W 2 10.99.0.1 >/dev/null || fail "ping after failover"
member_addr() { # the host part of the first address server $1 gave
  grep -ho "event=authorized address=10\.99\.0\.[0-9]*" "$T/srv$1.log" |
    head -1 | sed 's/.*\.//'
}
a_host=$(member_addr a); b_host=$(member_addr b)
[ -n "$a_host" ] && [ "$a_host" -le 129 ] || fail "server a gave .$a_host"
[ -n "$b_host" ] && [ "$b_host" -ge 130 ] || fail "server b gave .$b_host"
echo "client moved to server $other (10.99.0.$a_host on a, .$b_host on b)"
echo PASS
