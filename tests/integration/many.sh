#!/usr/bin/env bash
# 50 clients at once, each in its own namespace, to one server in one
# epoll loop: all are authorised with distinct, stable addresses and all
# can ping the server's tunnel address. (The users share one key pair to
# keep the test quick; they are told apart by name.)
. "$(dirname "$0")/lib.sh" "$1"
N=${NCG_MANY:-50}

keypair server; keypair shared
KEYFILE=$T/shared.key
for i in $(seq 1 "$N"); do
  printf '[u%d]\npublic_key = %s\n' "$i" "$(pub shared)"
done >"$T/users"

say "namespaces: wan, srv and $N clients (ip -batch)"
NSS+=("$P-wan" "$P-srv")
for i in $(seq 1 "$N"); do NSS+=("$P-c$i"); done
{
  for n in "${NSS[@]}"; do echo "netns add $n"; done
  echo "link add eth0 netns $P-srv type veth peer name s0 netns $P-wan"
  for i in $(seq 1 "$N"); do
    echo "link add eth0 netns $P-c$i type veth peer name c$i netns $P-wan"
  done
} | ip -batch - || fail "ip -batch (root)"
{
  echo "link add br0 type bridge"; echo "link set br0 up"
  echo "link set s0 master br0 up"
  for i in $(seq 1 "$N"); do echo "link set c$i master br0 up"; done
} | ip -n "$P-wan" -batch - || fail "ip -batch (wan)"
printf 'addr add 10.200.0.1/16 dev eth0\nlink set eth0 up\nlink set lo up\n' |
  ip -n "$P-srv" -batch - || fail "ip -batch (srv)"
for i in $(seq 1 "$N"); do
  printf 'addr add 10.200.1.%d/16 dev eth0\nlink set eth0 up\nlink set lo up\n' \
    "$i" | ip -n "$P-c$i" -batch - || fail "ip -batch (c$i)"
done

server_conf server.conf office 10.200.0.1:4433
start srv server "$SERVER" -c "$T/server.conf"
wait_log server "event=listening"

say "$N clients"
for i in $(seq 1 "$N"); do
  client_conf "c$i.conf" "u$i" office
  start "c$i" "c$i" "$CLIENT" -c "$T/c$i.conf"
done
for i in $(seq 1 "$N"); do wait_log "c$i" "event=configured" 40; done
n=$(grep -c "event=authorized" "$T/server.log")
[ "$n" -ge "$N" ] || fail "only $n of $N authorised"
addrs=$(grep -Eo "event=authorized address=[0-9.]+" "$T/server.log" | sort -u | wc -l)
[ "$addrs" -eq "$N" ] || fail "$addrs distinct addresses for $N users"
say "ping from every client"
pids=()
for i in $(seq 1 "$N"); do
  nsx "c$i" ping -c 1 -W 5 10.99.0.1 >/dev/null & pids+=($!)
done
bad=0
for p in "${pids[@]}"; do wait "$p" || bad=$((bad + 1)); done
[ "$bad" -eq 0 ] || fail "$bad of $N clients could not ping"
echo PASS
