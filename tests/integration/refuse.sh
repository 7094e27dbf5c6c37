#!/usr/bin/env bash
# Refusals carry the right CLOSE status, in the server's and the client's
# logs: an unknown user and a known user with the wrong key both get
# auth-failed (the wire status never says which; the server log does).
. "$(dirname "$0")/lib.sh" "$1"

wan; ns srv; ns lap
wan_attach srv eth0 10.200.0.1/24
wan_attach lap eth0 10.200.0.10/24
keypair server; keypair alice; keypair mallory; keypair eve
printf '[alice]\npublic_key = %s\n' "$(pub alice)" >"$T/users"
server_conf server.conf office 10.200.0.1:4433
# mallory claims to be alice with her own key; eve is not in the file.
client_conf mallory.conf alice office
sed -i "s|$T/alice.key|$T/mallory.key|" "$T/mallory.conf"
client_conf eve.conf eve office "[adapter]" "device = ncg1"

start srv server "$SERVER" -c "$T/server.conf"
wait_log server "event=listening"
start lap mallory "$CLIENT" -c "$T/mallory.conf"
wait_log server "user=alice .*event=refused reason=wrong-key status=auth-failed"
wait_log mallory "event=closed status=auth-failed by=peer"
start lap eve "$CLIENT" -c "$T/eve.conf" -l info
wait_log server "user=eve .*event=refused reason=unknown-user status=auth-failed"
wait_log eve "event=closed status=auth-failed by=peer"
grep -q "event=authorized" "$T/server.log" && fail "someone was authorised"

say "the relay's refusal names the refused hop; a refused connect is a warning"
printf '[relay]\nname = relay1\nlisten = 10.200.0.1:4500\nallow = office\n[hosts]\noffice = 10.200.0.1:4433\n' \
  >"$T/relay.conf"
start srv relay "$RELAY" -c "$T/relay.conf"
wait_log relay "event=listening"
client_conf detour.conf alice "relay1, elsewhere" "[adapter]" "device = ncg2"
sed -i 's|^relay1 = .*|relay1 = 10.200.0.1:4500|' "$T/detour.conf"
start lap detour "$CLIENT" -c "$T/detour.conf"
wait_log relay "warn: .*refused next hop elsewhere: not an allowed forwarding address"
wait_log detour "after_status=relay-refused \(a relay's allow list"
client_conf nobody.conf alice office "[adapter]" "device = ncg3"
sed -i 's|^office = .*|office = 10.200.0.1:4999|' "$T/nobody.conf"
start lap nobody "$CLIENT" -c "$T/nobody.conf"
wait_log nobody "warn: .*event=transport-error error=\"Connection refused\""

say "configuration mistakes: file, line, what"
printf '[client]\nuser = alice\nbogus = 1\n' >"$T/bad.conf"
out=$("$CLIENT" -c "$T/bad.conf" 2>&1); rc=$?
echo "$out"
[ $rc -ne 0 ] || fail "bad config accepted"
echo "$out" | grep -q "bad.conf:3: \[client\] bogus: unknown key" || fail "message"
printf '[alice]\npublic_key = nope\n' >"$T/users.bad"
sed "s|users = $T/users|users = $T/users.bad|" "$T/server.conf" >"$T/s2.conf"
out=$("$SERVER" -c "$T/s2.conf" 2>&1); rc=$?
echo "$out"
[ $rc -ne 0 ] && echo "$out" | grep -q "users.bad:2: \[alice\] public_key" ||
  fail "bad users file"

say "a commented-out line too long for the parser: the relay refuses it"
# Issue 18.2: libinih applied this line's tail, `allow = evil` (an open
# proxy entry), and the relay started.
{ printf '[relay]\nname = relay1\nlisten = 127.0.0.1:4999\n;'
  printf 'c%.0s' $(seq 197); printf ' allow = evil\n'; } >"$T/hostile.conf"
out=$(timeout 5 "$RELAY" -c "$T/hostile.conf" 2>&1); rc=$?
echo "$out"
[ $rc = 3 ] || fail "relay started (or hung) on the hostile file: rc $rc (want 3, configuration error)"
echo "$out" | grep -q "hostile.conf:4: line too long (at most 198 characters)" ||
  fail "message"
out=$(timeout 5 "$RELAY" -c "$T" 2>&1); rc=$?
echo "$out"
[ $rc = 3 ] && echo "$out" | grep -q "$T: is a directory" ||
  fail "a directory as -c"
echo PASS
