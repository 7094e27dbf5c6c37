#!/usr/bin/env bash
# Two clients reach the server through a relay (patent Fig. 13): alice's
# stack is configured by its own DHCP client (udhcpc) from the adapter's
# DHCP emulator (dhcp = external), bob's by ncg-client itself (builtin).
# Both ping and send over TCP to a host on the office LAN.
. "$(dirname "$0")/lib.sh" "$1"
command -v udhcpc >/dev/null || skip "needs udhcpc"

wan; ns srv; ns relay; ns lap; ns lap2
wan_attach srv eth0 10.200.0.1/24
wan_attach relay eth0 10.200.0.2/24
wan_attach lap eth0 10.200.0.10/24
wan_attach lap2 eth0 10.200.0.11/24
office_lan srv
# The server only accepts from the relay's address here, to show the path.
keypair server; keypair alice; keypair bob
printf '[alice]\npublic_key = %s\n[bob]\npublic_key = %s\n' \
  "$(pub alice)" "$(pub bob)" >"$T/users"
server_conf server.conf office 10.200.0.1:4433
relay_conf relay.conf relay1 10.200.0.2:4433
client_conf alice.conf alice "relay1, office" "[client]" "dhcp = external"
client_conf bob.conf bob "relay1, office"

start srv server "$SERVER" -c "$T/server.conf"
start relay relay "$RELAY" -c "$T/relay.conf"
wait_log server "event=listening"
wait_log relay "event=listening"

say "alice: tunnel through relay1, address by udhcpc"
start lap alice "$CLIENT" -c "$T/alice.conf"
wait_log alice "event=authorized address=10\.99\.0\."
nsx lap timeout 20 udhcpc -i ncg0 -f -q -n -t 5 -T 1 -O staticroutes -O mtu \
  -s "$(dirname "$0")/udhcpc.script" >"$T/udhcpc.log" 2>&1 ||
  fail "udhcpc got no lease: $(cat "$T/udhcpc.log")"
cat "$T/udhcpc.log"
nsx lap ip -4 -o addr show dev ncg0 | grep -q "inet 10\.99\.0\." ||
  fail "udhcpc did not configure ncg0: $(nsx lap ip addr show dev ncg0)"
nsx lap ip route show | grep -q "192.168.77.0/24 via 10.99.0.1 dev ncg0" ||
  fail "no classless route from DHCP option 121: $(nsx lap ip route)"

say "bob: through relay1, built-in configuration"
start lap2 bob "$CLIENT" -c "$T/bob.conf"
wait_log bob "event=configured device=ncg0"
wait_log relay "hop=office event=forwarding"
grep -q "peer=10.200.0.2:" "$T/server.log" || fail "server saw no relay peer"

say "ping and TCP from both"
nsx lap ping -c 2 -W 2 192.168.77.2 >/dev/null || fail "alice ping LAN"
nsx lap2 ping -c 2 -W 2 192.168.77.2 >/dev/null || fail "bob ping LAN"
tcp_check lap 192.168.77.2 5001 300000
tcp_check lap2 192.168.77.2 5002 300000
echo PASS
