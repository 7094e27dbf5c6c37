#!/usr/bin/env bash
# IPv6 inside the tunnel (issue 15), through a relay. alice (dhcp =
# external): the unmodified kernel stack configures itself from the
# adapter's emulated router advertisement (prefix, route information,
# MTU). bob (dhcp = builtin): ncg-client sets the IPv6 address and routes.
# Then ping6 and a TCP transfer over IPv6 to the office LAN, an IPv6 spoof
# dropped at the client's adapter, and a Packet Too Big that reaches the
# LAN host and lowers its path MTU.
. "$(dirname "$0")/lib.sh" "$1"

wan; ns srv; ns relay; ns lap; ns lap2
wan_attach srv eth0 10.200.0.1/24
wan_attach relay eth0 10.200.0.2/24
wan_attach lap eth0 10.200.0.10/24
wan_attach lap2 eth0 10.200.0.11/24
office_lan srv
ip -n "$P-srv" -6 addr add fd77::1/64 dev eth1 nodad
ip -n "$P-lan" -6 addr add fd77::2/64 dev eth0 nodad
ip -n "$P-lan" -6 route add default via fd77::1
keypair server; keypair alice; keypair bob
printf '[alice]\npublic_key = %s\naddress6 = fd00:99::a\n[bob]\npublic_key = %s\n' \
  "$(pub alice)" "$(pub bob)" >"$T/users"
server_conf server.conf office 10.200.0.1:4433 "[adapter]" \
  "address6 = fd00:99::1/64" "routes6 = fd77::/64" "dns6 = fd77::53" \
  "autonomous = yes"
relay_conf relay.conf relay1 10.200.0.2:4433
client_conf alice.conf alice "relay1, office" "[client]" "dhcp = external"
client_conf bob.conf bob "relay1, office"

start srv server "$SERVER" -c "$T/server.conf"
start relay relay "$RELAY" -c "$T/relay.conf"
wait_log server "event=listening"
wait_log relay "event=listening"
[ "$(nsx srv cat /proc/sys/net/ipv6/conf/all/forwarding)" = 1 ] ||
  fail "server did not turn on IPv6 forwarding"

say "alice: the kernel configures itself from the emulated RA"
# Let the kernel take route information options (RFC 4191) of any
# length (its default: only ::/0); the TAP inherits "default".
nsx lap sysctl -qw net.ipv6.conf.default.accept_ra_rt_info_max_plen=128
start lap alice "$CLIENT" -c "$T/alice.conf"
wait_log alice "event=authorized address=10\.99\.0\."
wait_log server "user=alice .*event=authorized .*address6=fd00:99::a "
nsx lap ip -6 addr show dev ncg0 >/dev/null
for i in $(seq 60); do
  nsx lap ip -6 addr show dev ncg0 | grep -q "inet6 fd00:99::.*dynamic" && break
  sleep 0.2
done
nsx lap ip -6 addr show dev ncg0 | grep -q "inet6 fd00:99::.*/64 .*dynamic" ||
  fail "no SLAAC address from the RA prefix: $(nsx lap ip -6 addr show dev ncg0)"
nsx lap ip -6 route show dev ncg0 | grep -Eq "^fd00:99::/64 proto (ra|kernel) .*expires" ||
  fail "no on-link prefix route from the RA: $(nsx lap ip -6 route show dev ncg0)"
nsx lap ip -6 route show dev ncg0 | grep -q "^fd77::/64 via fe80::4e:43ff:fe47:1 proto ra" ||
  fail "no RFC 4191 route: $(nsx lap ip -6 route show dev ncg0)"
[ "$(nsx lap cat /proc/sys/net/ipv6/conf/ncg0/mtu)" = 1400 ] ||
  fail "RA MTU option not applied: $(nsx lap cat /proc/sys/net/ipv6/conf/ncg0/mtu)"
# The kernel's SLAAC address is its own choice; alice's tunnel address
# is the one the server gave (fixed in the users file).
nsx lap ip -6 addr add fd00:99::a/128 dev ncg0 nodad
nsx lap ping -6 -c 2 -W 2 -I fd00:99::a fd77::2 >/dev/null || fail "alice ping6 LAN"

say "bob: built-in IPv6 configuration"
start lap2 bob "$CLIENT" -c "$T/bob.conf"
wait_log bob "event=configured6 device=ncg0 address=fd00:99::"
b6=$(grep -Eo "event=configured6 device=ncg0 address=[0-9a-f:]+" "$T/bob.log" |
     head -1 | sed 's/.*address=//')
wait_log server "user=bob .*address6=$b6 "
nsx lap2 ip -6 route show | grep -q "fd77::/64 via fd00:99::1 dev ncg0" ||
  fail "no built-in IPv6 route: $(nsx lap2 ip -6 route)"
for i in $(seq 30); do
  nsx lap2 ip -6 addr show dev ncg0 | grep -q "$b6/64 .*tentative" || break
  sleep 0.2
done
nsx lap2 ping -6 -c 2 -W 2 fd77::2 >/dev/null || fail "bob ping6 LAN"
# tcp_check over IPv6 (nc listens on IPv4 unless told)
head -c 300000 /dev/urandom >"$T/tx6"
nsx lan timeout 20 nc -6 -l -p 5006 -N </dev/null >"$T/rx6" &
lpid=$!
sleep 0.3
nsx lap2 timeout 20 nc -6 -N -w 5 fd77::2 5006 <"$T/tx6" || fail "nc6 to fd77::2"
wait $lpid
cmp -s "$T/tx6" "$T/rx6" || fail "TCP over IPv6: data differs"

say "an IPv6 spoof is dropped"
nsx lap2 ip -6 addr add fd00:99::bad/128 dev ncg0 nodad
nsx lan timeout 6 tcpdump -n -i eth0 -c 1 "ip6 src fd00:99::bad" >"$T/spoof.pcap.txt" 2>&1 &
dpid=$!
sleep 0.5
nsx lap2 ping -6 -c 2 -W 1 -I fd00:99::bad fd77::2 >/dev/null 2>&1 &&
  fail "a spoofed IPv6 source got an answer"
wait $dpid || true
grep -q "fd00:99::bad" "$T/spoof.pcap.txt" && fail "spoofed packet reached the LAN"

say "Packet Too Big reaches the sender"
nsx lan ping -6 -c 1 -W 2 -s 1452 -M do "$b6" >/dev/null 2>&1 || true
nsx lan ip -6 route get "$b6" | grep -q "mtu 1400" ||
  fail "the LAN host's path MTU did not drop: $(nsx lan ip -6 route get "$b6")"
nsx lan ping -6 -c 2 -W 2 -s 1300 -M do "$b6" >/dev/null || fail "ping6 after PTB"
echo PASS
