#!/usr/bin/env bash
# Load generator run (issue 17 item 6, doc/performance.md "Load
# generator"): a real ncg-server in one namespace, ncg-loadgen holding N
# tunnels in another, joined by a veth. Usage:
#   loadgen.sh BUILD_DIR [N [SECONDS [RATE]]]
# FLOOD=junk: meanwhile a third namespace floods the listener with TCP
# connections carrying random bytes (junk_flood.py, FLOOD_THREADS, 8).
# Prints ncg-loadgen's report; exits non-zero unless every tunnel came
# up, none was lost and every echo was answered. CI runs it with 20
# tunnels for 3 s (tests/meson.build: e2e_loadgen) to check the generator
# works, not timings.
. "$(dirname "$0")/../integration/lib.sh" "$1"
N=${2:-20}
SECS=${3:-3}
RATE=${4:-500}
LOADGEN=$BUILD/tests/bench/ncg-loadgen
[ -x "$LOADGEN" ] || skip "ncg-loadgen not built"

ns srv; ns lg
link srv eth0 10.200.0.1/24 lg eth0 10.200.0.2/24
LISTEN=10.200.0.1:4433
if [ "${FLOOD:-}" = junk ]; then
  ns fl
  link srv eth1 10.201.0.1/24 fl eth0 10.201.0.2/24
  LISTEN="$LISTEN, 10.201.0.1:4433"
fi
keypair server; keypair shared
say "users file: $N users (one shared key pair, told apart by name)"
awk -v n="$N" -v k="$(pub shared)" \
  'BEGIN { for (i = 1; i <= n; i++) printf "[u%d]\npublic_key = %s\n", i, k }' \
  >"$T/users"
cat >"$T/server.conf" <<EOC
[server]
name = office
private_key_file = $T/server.key
listen = $LISTEN
users = $T/users
state_file = $T/server.state
control = $T/server.sock
max_sessions = 100000
# every generated tunnel comes from one address: the per-address bound
# on pending handshakes (16 by default) would refuse most of them
max_pending = 0
max_pending_per_address = 0
[adapter]
device = ncgs0
address = 10.99.0.1/16
pool = 10.99.0.10-10.99.255.250
mtu = 1400
EOC
ulimit -n "$(ulimit -Hn)"
start srv server "$SERVER" -c "$T/server.conf" -l warn
SPID=$LAST_PID
for ((i = 0; i < 100; i++)); do
  [ -S "$T/server.sock" ] && break
  sleep 0.1
done
if [ "${FLOOD:-}" = junk ]; then
  say "junk flood: ${FLOOD_THREADS:-8} threads of connect + random bytes"
  start fl flood python3 "$(dirname "$0")/junk_flood.py" 10.201.0.1 4433 \
    "${FLOOD_THREADS:-8}"
fi
# The server's own pid (ip netns exec execs it: the same pid).
say "ncg-loadgen: $N tunnels at $RATE/s, echoes for $SECS s"
nsx lg "$LOADGEN" -s 10.200.0.1:4433 -d office -K "$(pub server)" \
  -k "$T/shared.key" -e 10.99.0.1 -n "$N" -r "$RATE" -t "$SECS" -p "$SPID" \
  >"$T/loadgen.out" 2>"$T/loadgen.log"
rc=$?
cat "$T/loadgen.out"
[ "${FLOOD:-}" = junk ] && echo "flood: $(tail -1 "$T/flood.log")"
[ $rc = 0 ] || fail "ncg-loadgen: exit $rc"
grep -q "^tunnels $N up $N lost 0 " "$T/loadgen.out" || fail "not every tunnel up"
echo PASS
