#!/usr/bin/env bash
# Back-pressure: the server stops reading (SIGSTOP) while the client's
# stack floods UDP into the tunnel. The TCP buffers fill, then the client's
# bounded queue; after that datagrams are dropped and counted, the
# client's memory stays bounded, and once the server runs again the
# tunnel carries traffic as before.
. "$(dirname "$0")/lib.sh" "$1"
command -v socat >/dev/null || skip "needs socat"

wan; ns srv; ns lap
wan_attach srv eth0 10.200.0.1/24
wan_attach lap eth0 10.200.0.10/24
office_lan srv
keypair server; keypair alice
printf '[alice]\npublic_key = %s\n' "$(pub alice)" >"$T/users"
server_conf server.conf office 10.200.0.1:4433
sed -i 's/^dead_peer = 4/dead_peer = 30/' "$T/server.conf"
client_conf client.conf alice office "[client]" "queue_limit = 65536"
sed -i 's/^dead_peer = 4/dead_peer = 30/' "$T/client.conf"

start srv server "$SERVER" -c "$T/server.conf"; spid=$LAST_PID
wait_log server "event=listening"
start lap client "$CLIENT" -c "$T/client.conf"; cpid=$LAST_PID
wait_log client "event=configured"
nsx lap ping -c 1 -W 2 192.168.77.2 >/dev/null || fail "ping before"
rss0=$(awk '/VmRSS/ {print $2}' /proc/$cpid/status)

say "server stopped; 4 s of UDP flood from the laptop"
kill -STOP "$spid"
nsx lap timeout 4 socat -u /dev/zero,readbytes=400000000 \
  UDP-SENDTO:192.168.77.2:9,sndbuf=1000000 2>/dev/null
rss1=$(awk '/VmRSS/ {print $2}' /proc/$cpid/status)
echo "client RSS: ${rss0} kB before, ${rss1} kB during the flood"
[ "$rss1" -lt $((rss0 + 8192)) ] || fail "client memory grew by $((rss1 - rss0)) kB"
kill -CONT "$spid"

say "the tunnel works again"
for i in 1 2 3 4 5; do
  nsx lap ping -c 1 -W 2 192.168.77.2 >/dev/null && break
done || fail "ping after the flood"
kill -TERM "$cpid"
wait_log client "event=closed status=end-session .*dropped_queue_full=[1-9]" 5
grep -Eo "dropped_queue_full=[0-9]+" "$T/client.log" | tail -1
echo PASS
