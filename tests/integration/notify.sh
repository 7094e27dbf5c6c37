#!/usr/bin/env bash
# The service manager's notification protocol (sd_notify, issue 14 item
# 3) through real NOTIFY_SOCKETs, each a datagram socket served by
# notify_listen.py:
# - the client says nothing about readiness while its server is down,
#   and READY=1 once authorised, when a ping through the tunnel works;
# - the server sends READY=1 once listening (a TCP connect at that moment
#   succeeds), STATUS= lines, and WATCHDOG=1 every half WATCHDOG_USEC;
# - the relay notifies on an abstract socket ('@name');
# - a WATCHDOG_PID naming another process turns the watchdog off; a bad
#   NOTIFY_SOCKET is logged and ignored;
# - the server runs as its unit runs it: an unprivileged user with only
#   CAP_NET_ADMIN (setpriv), and works;
# - SIGHUP gives RELOADING=1 then READY=1; a user removed by it is ended
#   with CLOSE end-session and that client exits with status 4 (the one
#   its unit does not restart on); SIGTERM gives STOPPING=1.
. "$(dirname "$0")/lib.sh" "$1"
command -v python3 >/dev/null || skip "needs python3"
LISTEN=$(cd "$(dirname "$0")" && pwd)/notify_listen.py

wan; ns srv; ns lap; ns relay
wan_attach srv eth0 10.200.0.1/24
wan_attach lap eth0 10.200.0.10/24
wan_attach relay eth0 10.200.0.2/24
keypair server; keypair alice
printf '[alice]\npublic_key = %s\n' "$(pub alice)" >"$T/users"
server_conf server.conf office 10.200.0.1:4433
client_conf client.conf alice office
relay_conf relay.conf relay1 10.200.0.2:4433

# listener NAME NS SOCKET [PROBE...]: notify_listen.py into $T/NAME.log
listener() {
  local name=$1 n=$2 sock=$3; shift 3
  start "$n" "$name-py" python3 "$LISTEN" "$sock" "$T/$name.log" "$@"
  wait_log "$name" "^listening" 5
}

say "client first: no READY=1 while the server is down"
listener cn lap "$T/cn.sock" ping -c 1 -W 2 10.99.0.1
start lap client env NOTIFY_SOCKET="$T/cn.sock" WATCHDOG_USEC=200000 \
  WATCHDOG_PID=1 "$CLIENT" -c "$T/client.conf"
CPID=$LAST_PID
wait_log client "event=connect-failed|event=transport-error" 10
sleep 1
grep -q "READY=1" "$T/cn.log" && fail "client READY=1 before authorisation"

say "server, unprivileged as its unit runs it: READY=1 once listening, STATUS=, WATCHDOG=1"
# Like ncg-server.service: another user, only CAP_NET_ADMIN (ambient).
chmod 0711 "$T"; chmod 0644 "$T/server.key" "$T/users" "$T/server.conf"
mkdir -m 0777 "$T/state"
sed -i "s|^state_file = .*|state_file = $T/state/pool|" "$T/server.conf"
# its control socket where uid 65534 may create it
sed -i "s|^control = .*|control = $T/state/server.sock|" "$T/server.conf"
listener sn srv "$T/sn.sock" nc -z -w 2 10.200.0.1 4433
chmod 0666 "$T/sn.sock"
# Debian's udev makes /dev/net/tun 0666; where it is 0600 (containers),
# a 0666 node is bound over it in a private mount namespace.
tun_open=()
if [ "$(stat -c %a /dev/net/tun)" != 666 ]; then
  mknod -m 0666 "$T/tun" c 10 200 || skip "cannot make a TUN node"
  tun_open=(unshare -m sh -c 'mount --bind "$0" /dev/net/tun && exec "$@"' "$T/tun")
fi
start srv server env NOTIFY_SOCKET="$T/sn.sock" WATCHDOG_USEC=200000 \
  "${tun_open[@]}" setpriv --reuid=65534 --regid=65534 --clear-groups \
  --inh-caps=-all,+net_admin --ambient-caps=-all,+net_admin \
  --bounding-set=-all,+net_admin "$SERVER" -c "$T/server.conf"
SPID=$LAST_PID
wait_log sn "READY=1" 5
wait_log sn "^probe=ok" 5
[ "$(ps -o uid= -p "$SPID" | tr -d ' ')" = 65534 ] || fail "server not running as uid 65534"
grep -q "READY=1|STATUS=listening on 1 addresses as office" "$T/sn.log" ||
  fail "server READY without its STATUS"
sleep 1
n=$(count_log sn "^WATCHDOG=1$")
echo "server watchdog pings in ~1 s: $n"
[ "$n" -ge 4 ] || fail "expected WATCHDOG=1 every 100 ms, got $n"

say "client: READY=1 once authorised, and the tunnel works by then"
wait_log cn "READY=1\|STATUS=authorised as alice, address 10\.99\.0\.[0-9]+/24" 15
wait_log cn "^probe=(ok|fail)" 5
grep -q "^probe=ok" "$T/cn.log" || fail "ping through the tunnel at READY=1"
wait_log sn "STATUS=1 tunnels" 5
grep -q "WATCHDOG=1" "$T/cn.log" && fail "client watchdog despite WATCHDOG_PID=1"

say "relay on an abstract socket; a bad NOTIFY_SOCKET is ignored"
listener rn relay "@ncgt$$-relay" nc -z -w 2 10.200.0.2 4433
start relay relay env NOTIFY_SOCKET="@ncgt$$-relay" "$RELAY" -c "$T/relay.conf"
wait_log rn "READY=1\|STATUS=listening on 1 addresses as relay1" 5
wait_log rn "^probe=ok" 5
start relay relay2 env NOTIFY_SOCKET=relative/path "$RELAY" -c "$T/relay.conf" \
  -l debug
wait_log relay2 "event=notify error=\"bad NOTIFY_SOCKET\"" 5
wait_log relay2 "event=listen.* error=" 5 # the port is taken: it ran on

say "SIGHUP without alice: RELOADING=1, READY=1; alice's client exits 4"
: >"$T/users"
kill -HUP "$SPID"
wait_log sn "^RELOADING=1" 5
wait_log sn "READY=1\|STATUS=[01] tunnels, 0 users" 5
wait_log client "event=ended" 10
wait "$CPID"; rc=$?
[ "$rc" = 4 ] || fail "client exit status $rc, expected 4"
grep -q "^STOPPING=1" "$T/cn.log" || fail "client sent no STOPPING=1"

say "SIGTERM: STOPPING=1"
kill -TERM "$SPID"
wait_log sn "^STOPPING=1" 5
echo PASS
