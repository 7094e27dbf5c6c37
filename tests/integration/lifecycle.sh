#!/usr/bin/env bash
# Issue 13: the client's lifecycle per CLOSE status, and the server's
# start-up order.
#  - replaced (same user from elsewhere): the old client removes its
#    address and routes and exits 5;
#  - end-session (user removed, SIGHUP): exits 4, routes removed;
#  - auth-failed (user not in the file): the client keeps retrying with
#    backoff, warns with a hint, and comes up by itself once the user is
#    restored (SIGHUP);
#  - a server whose port is taken fails before it creates its TAP or
#    touches net.ipv4.ip_forward.
. "$(dirname "$0")/lib.sh" "$1"

wan; ns srv; ns lap; ns lap2
wan_attach srv eth0 10.200.0.1/24
wan_attach lap eth0 10.200.0.10/24
wan_attach lap2 eth0 10.200.0.11/24
keypair server; keypair alice
users() { printf '[alice]\npublic_key = %s\n' "$(pub alice)" >"$T/users"; }
users
server_conf server.conf office 10.200.0.1:4433
client_conf alice.conf alice office
client_conf alice2.conf alice office # the same user elsewhere

say "start-up order: a port in use fails before the TAP and forwarding"
nsx srv sysctl -qw net.ipv4.ip_forward=0
ip netns exec "$P-srv" python3 -c '
import socket, time
s = socket.socket(); s.bind(("10.200.0.1", 4433)); s.listen(); time.sleep(30)' &
PIDS+=($!)
for ((i = 0; i < 50; i++)); do
  nsx srv ss -ltn | grep -q 10.200.0.1:4433 && break; sleep 0.1
done
out=$(nsx srv timeout 10 "$SERVER" -c "$T/server.conf" 2>&1); rc=$?
echo "$out"
[ $rc = 1 ] || fail "server with its port taken: exit $rc, expected 1"
echo "$out" | grep -q "event=listen addr=10.200.0.1:4433 error=" ||
  fail "no listen error"
echo "$out" | grep -q "event=adapter\|event=forwarding" &&
  fail "the TAP or forwarding was set up before the listener"
[ "$(nsx srv sysctl -n net.ipv4.ip_forward)" = 0 ] ||
  fail "ip_forward changed by a failed start"
nsx srv ip link show ncgs0 2>/dev/null && fail "TAP left behind"
kill "${PIDS[-1]}"; wait "${PIDS[-1]}" 2>/dev/null

start srv server "$SERVER" -c "$T/server.conf"
SPID=$LAST_PID
wait_log server "event=forwarding device=ncgs0"
[ "$(nsx srv sysctl -n net.ipv4.ip_forward)" = 1 ] || fail "forwarding off"

say "replaced: the first client removes its routes and exits 5"
start lap c1 "$CLIENT" -c "$T/alice.conf"
C1=$LAST_PID
wait_log c1 "event=configured"
nsx lap ip route | grep -q "192.168.77.0/24 via 10.99.0.1 dev ncg0" ||
  fail "no pushed route"
start lap2 c2 "$CLIENT" -c "$T/alice2.conf"
C2=$LAST_PID
wait_log c2 "event=configured"
wait_log c1 "event=ended status=replaced exit=5 .*two machines must not share"
wait "$C1"; rc=$?
[ $rc = 5 ] || fail "replaced client exit $rc, expected 5"
grep -q "event=unconfigured device=ncg0" "$T/c1.log" || fail "not unconfigured"
nsx lap ip route | grep -q "192.168.77.0/24" && fail "route left behind"

say "end-session (user removed, SIGHUP): exit 4"
: >"$T/users"
kill -HUP "$SPID"
wait_log c2 "event=ended status=end-session exit=4"
wait "$C2"; rc=$?
[ $rc = 4 ] || fail "ended client exit $rc, expected 4"
nsx lap2 ip route | grep -q "192.168.77.0/24" && fail "route left behind"

say "auth-failed: retries with a hint; comes up when the user is restored"
start lap c3 "$CLIENT" -c "$T/alice.conf"
C3=$LAST_PID
wait_log c3 "warn: .*event=reconnecting after_status=auth-failed \(check user name, client key, and the server's public key; or no transform in common"
wait_log c3 "after_status=auth-failed" 5
sleep 1
kill -0 "$C3" || fail "the auth-failed client exited"
users
kill -HUP "$SPID"
wait_log c3 "event=configured" 10
nsx lap ping -c1 -W2 10.99.0.1 >/dev/null || fail "no ping after restore"
kill "$C3"; wait "$C3"

say "transforms: the server's order is its preference"
kill "$SPID"; wait "$SPID"
server_conf server2.conf office 10.200.0.1:4433
sed -i 's/^\[adapter\]$/transforms = chacha20-poly1305, aes-256-gcm\n[adapter]/' \
  "$T/server2.conf"
start srv server2 "$SERVER" -c "$T/server2.conf"
SPID=$LAST_PID
wait_log server2 "event=listening"
start lap c4 "$CLIENT" -c "$T/alice.conf" # offers both
C4=$LAST_PID
wait_log c4 "event=authorized .*transform=chacha20-poly1305"
kill "$C4"; wait "$C4"
kill "$SPID"; wait "$SPID"

say "transforms: chacha-only client, aes-only server: refused, said clearly"
server_conf server3.conf office 10.200.0.1:4433
sed -i 's/^\[adapter\]$/transforms = aes-256-gcm\n[adapter]/' "$T/server3.conf"
client_conf chacha.conf alice office
sed -i 's/^\[adapter\]$/transforms = chacha20-poly1305\n[adapter]/' \
  "$T/chacha.conf"
start srv server3 "$SERVER" -c "$T/server3.conf"
wait_log server3 "event=listening"
start lap c5 "$CLIENT" -c "$T/chacha.conf"
wait_log server3 "event=closed status=auth-failed by=local error=no transform in common"
wait_log c5 "after_status=auth-failed .*no transform in common"
grep -q "event=authorized" "$T/server3.log" && fail "authorised anyway"
echo PASS
