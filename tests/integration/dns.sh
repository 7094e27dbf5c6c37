#!/usr/bin/env bash
# Issue 13: pushed DNS with dhcp = builtin. The namespace has its own
# /etc/netns/NAME/resolv.conf (ip netns exec bind-mounts it on
# /etc/resolv.conf). The hook path: up_script gets every pushed value in
# its environment and writes resolv.conf; down_script restores it at
# exit. Without a script, resolvectl or resolvconf the client says at
# warn that nothing was applied. resolvectl needs a running
# systemd-resolved, which CI namespaces do not have: not tested here.
. "$(dirname "$0")/lib.sh" "$1"

wan; ns srv; ns lap
ETC=/etc/netns/$P-lap
mkdir -p "$ETC" || skip "cannot write /etc/netns"
trap 'rm -rf "$ETC"; cleanup' EXIT
echo "nameserver 192.0.2.1 # the host's own" >"$ETC/resolv.conf"
wan_attach srv eth0 10.200.0.1/24
wan_attach lap eth0 10.200.0.10/24
keypair server; keypair alice
printf '[alice]\npublic_key = %s\n' "$(pub alice)" >"$T/users"
server_conf server.conf office 10.200.0.1:4433 "[adapter]" \
  "dns = 10.99.0.53, 10.99.0.54" "domain = corp.example"
cat >"$T/up.sh" <<EOS
#!/bin/sh
env | grep -E '^(NCG_|foreign_option_|script_type)' | sort >"$T/up.env"
cp /etc/resolv.conf "$T/resolv.saved"
{ for d in \$NCG_DNS; do echo "nameserver \$d"; done
  echo "search \$NCG_DOMAIN"; } >/etc/resolv.conf
EOS
cat >"$T/down.sh" <<EOS
#!/bin/sh
echo "\$script_type \$1 \$NCG_DNS" >"$T/down.env"
cat "$T/resolv.saved" >/etc/resolv.conf
EOS
chmod +x "$T/up.sh" "$T/down.sh"
PATH_NO_TOOLS=/nonexistent
client_conf alice.conf alice office
sed -i "s|^\[adapter\]$|up_script = $T/up.sh\ndown_script = $T/down.sh\n[adapter]|" \
  "$T/alice.conf"

start srv server "$SERVER" -c "$T/server.conf"
wait_log server "event=listening"

say "up_script: every pushed value in the environment, resolv.conf written"
start lap c1 "$CLIENT" -c "$T/alice.conf"
C1=$LAST_PID
wait_log c1 "event=up script=$T/up.sh exit=0"
cat "$T/up.env"
for kv in "NCG_DNS=10.99.0.53 10.99.0.54" NCG_DNS_1=10.99.0.53 \
    NCG_DNS_2=10.99.0.54 NCG_DOMAIN=corp.example NCG_DEVICE=ncg0 \
    NCG_SERVER_ADDRESS=10.99.0.1 NCG_USER=alice NCG_MTU=1400 \
    "foreign_option_1=dhcp-option DNS 10.99.0.53" \
    "foreign_option_3=dhcp-option DOMAIN corp.example" script_type=up; do
  grep -qx "$kv" "$T/up.env" || fail "up_script env lacks $kv"
done
grep -q "^NCG_ADDRESS=10.99.0." "$T/up.env" || fail "no NCG_ADDRESS"
cat "$ETC/resolv.conf"
grep -qx "nameserver 10.99.0.53" "$ETC/resolv.conf" &&
  grep -qx "search corp.example" "$ETC/resolv.conf" ||
  fail "resolv.conf not written"

say "exit: down_script restores resolv.conf"
kill -TERM "$C1"; wait "$C1"
grep -qx "down ncg0 10.99.0.53 10.99.0.54" "$T/down.env" || fail "down_script"
grep -q "192.0.2.1" "$ETC/resolv.conf" || fail "resolv.conf not restored"

say "no script, resolvectl or resolvconf: a warning, nothing changed"
client_conf plain.conf alice office
start lap c2 env PATH=$PATH_NO_TOOLS "$CLIENT" -c "$T/plain.conf"
wait_log c2 "warn: .*event=dns dns=\"10.99.0.53 10.99.0.54\" domain=corp.example \(not applied"
grep -q "192.0.2.1" "$ETC/resolv.conf" || fail "resolv.conf changed"
echo PASS
