#!/usr/bin/env bash
# Out of file descriptors (issue 18 item 1). ncg-relay and ncg-server run
# with `ulimit -n 256` while an attacker holds 400 idle TCP connections
# to each. They must say at start that their max_sessions do not fit the
# limit, must not spin on accept(2) (CPU time from /proc/PID/stat over a
# few seconds), must log the exhaustion, and a genuine client must get
# its tunnel through both once the flood is gone.
. "$(dirname "$0")/lib.sh" "$1"
command -v python3 >/dev/null || skip "needs python3"
HOLD=$(dirname "$0")/hold_conns.py
HZ=$(getconf CLK_TCK)

wan; ns srv; ns relay; ns lap; ns att
wan_attach srv eth0 10.200.0.1/24
wan_attach relay eth0 10.200.0.2/24
wan_attach lap eth0 10.200.0.10/24
wan_attach att eth0 10.200.0.66/24
keypair server; keypair alice
printf '[alice]\npublic_key = %s\n' "$(pub alice)" >"$T/users"
server_conf server.conf office 10.200.0.1:4433
# This test is about running out of descriptors, so the pending bounds
# that would refuse one address's idle connections first (flood.sh tests
# those) are off here.
sed -i 's/^\[adapter\]$/max_pending = 0\nmax_pending_per_address = 0\n[adapter]/' \
  "$T/server.conf"
cat >"$T/relay.conf" <<EOC
[relay]
name = relay1
listen = 10.200.0.2:4433
allow = office
[hosts]
office = 10.200.0.1:4433
EOC
client_conf alice.conf alice "relay1, office"

# Soft and hard limit 256: the programs cannot raise it.
lowfd() { ulimit -n 256 && exec "$@"; }
start srv server bash -c "$(declare -f lowfd); lowfd \"\$@\"" _ \
  "$SERVER" -c "$T/server.conf"
SPID=$LAST_PID
start relay relay bash -c "$(declare -f lowfd); lowfd \"\$@\"" _ \
  "$RELAY" -c "$T/relay.conf"
RPID=$LAST_PID
wait_log server "event=listening"
wait_log relay "event=listening"

say "flood: 400 idle connections to each"
start att flood-relay python3 "$HOLD" 10.200.0.2 4433 400
FR=$LAST_PID
start att flood-server python3 "$HOLD" 10.200.0.1 4433 400
FS=$LAST_PID
wait_log flood-relay "holding 400"
wait_log flood-server "holding 400"
sleep 1
nfd() { ls "/proc/$1/fd" | wc -l; }
cpu() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
r0=$(cpu $RPID); s0=$(cpu $SPID)
sleep 3
r1=$(cpu $RPID); s1=$(cpu $SPID)
rfd=$(nfd $RPID); sfd=$(nfd $SPID)
echo "over 3 s: relay $((r1 - r0)) ticks, server $((s1 - s0)) ticks" \
  "(HZ $HZ); fds in use: relay $rfd, server $sfd"
[ "$rfd" -ge 250 ] || fail "the relay never ran out of descriptors ($rfd)"
[ "$sfd" -ge 250 ] || fail "the server never ran out of descriptors ($sfd)"
# Spinning costs about 3 s of CPU here; allow 5 % of one core (a busy CI machine gives a spinning daemon less).
[ $((r1 - r0)) -le $((HZ * 3 / 20)) ] || fail "relay spins: $((r1 - r0)) ticks"
[ $((s1 - s0)) -le $((HZ * 3 / 20)) ] || fail "server spins: $((s1 - s0)) ticks"
wait_log relay "warn: event=accept-paused .*error=\"Too many open files\""
wait_log server "warn: event=accept-paused .*error=\"Too many open files\""
n=$(count_log relay "event=accept-paused")
[ "$n" -le 2 ] || fail "accept-paused logged $n times in 4 s (rate limit)"

say "the fd limit was checked at start against max_sessions"
wait_log relay "warn: event=fd-limit nofile=256 .*max_sessions=1024"
wait_log server "warn: event=fd-limit nofile=256 .*max_sessions=0"

say "the flood ends; a genuine client gets through relay and server"
kill -TERM $FR $FS
start lap alice "$CLIENT" -c "$T/alice.conf"
wait_log alice "event=authorized address=10\.99\.0\." 20
wait_log relay "hop=office event=forwarding"
echo PASS
