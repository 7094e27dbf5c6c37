#!/usr/bin/env bash
# 50 clients at once, each in its own namespace, to one server in one
# epoll loop: all are authorised with distinct addresses and all can ping
# the server's tunnel address.
. "$(dirname "$0")/lib.sh" "$1"
N=${NCG_MANY:-50}

wan; ns srv
wan_attach srv eth0 10.200.0.1/16
keypair server
: >"$T/users"
for i in $(seq 1 "$N"); do
  keypair "u$i"
  printf '[u%d]\npublic_key = %s\n' "$i" "$(pub "u$i")" >>"$T/users"
done
server_conf server.conf office 10.200.0.1:4433
start srv server "$SERVER" -c "$T/server.conf"
wait_log server "event=listening"

say "$N clients"
for i in $(seq 1 "$N"); do
  ns "c$i"
  wan_attach "c$i" eth0 "10.200.1.$i/16"
  client_conf "c$i.conf" "u$i" office
  start "c$i" "c$i" "$CLIENT" -c "$T/c$i.conf"
done
for i in $(seq 1 "$N"); do wait_log "c$i" "event=configured" 30; done
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
