#!/usr/bin/env bash
# The control socket and metrics (doc/status.md): server, relay and client
# in namespaces, bob's tunnel through relay1. Checks each program's
# `status` (table, --json, --prometheus through promtool) against real
# traffic, the metrics_listen HTTP responder, `disconnect USER` (the
# client reconnects), `reconnect`, bad requests (answered with an error,
# the daemon keeps running), a status command that cannot reach its
# socket, and the socket's mode 0600.
. "$(dirname "$0")/lib.sh" "$1"
command -v python3 >/dev/null || skip "needs python3"

wan; ns srv; ns relay; ns lap
wan_attach srv eth0 10.200.0.1/24
wan_attach relay eth0 10.200.0.2/24
wan_attach lap eth0 10.200.0.10/24
office_lan srv
keypair server; keypair bob
printf '[bob]\npublic_key = %s\n' "$(pub bob)" >"$T/users"
server_conf server.conf office 10.200.0.1:4433 "[server]" \
  "metrics_listen = 127.0.0.1:9464"
cat >"$T/relay.conf" <<EOC
[relay]
name = relay1
listen = 10.200.0.2:4433
allow = office
control = $T/relay.sock
metrics_listen = 127.0.0.1:9465
[hosts]
office = 10.200.0.1:4433
EOC
client_conf bob.conf bob "relay1, office"

start srv server "$SERVER" -c "$T/server.conf"
start relay relay "$RELAY" -c "$T/relay.conf"
wait_log server "event=listening"
wait_log relay "event=listening"
start lap bob "$CLIENT" -c "$T/bob.conf"
CPID=$LAST_PID
wait_log bob "event=configured device=ncg0"
SPID=$(pgrep -f "ncg-server -c $T/server.conf" | head -1)
RPID=$(pgrep -f "ncg-relay -c $T/relay.conf" | head -1)

srv_status() { "$SERVER" status -c "$T/server.conf" "$@"; }
cli_status() { "$CLIENT" status -c "$T/bob.conf" "$@"; }
rel_status() { "$RELAY" status -c "$T/relay.conf" "$@"; }
# jcheck EXPR DOC...: python3 (slow to start here: one call per check
# group) evaluates EXPR over the JSON documents d[0], d[1], ...; fails
# when it is false.
jcheck() {
  local e=$1; shift
  python3 -c "import json,sys; d=[json.loads(a) for a in sys.argv[1:]]
sys.exit(0 if ($e) else 1)" "$@"
}

# authorized_n N: within 10 s, bob's log has N authorisations.
authorized_n() {
  for ((i = 0; i < 100; i++)); do
    [ "$(count_log bob 'event=authorized address=')" -ge "$1" ] && return 0
    sleep 0.1
  done
  return 1
}

say "sockets: mode 0600, owned by root"
for s in server.conf.sock relay.sock bob.conf.sock; do
  [ "$(stat -c '%a %U %F' "$T/$s")" = "600 root socket" ] ||
    fail "$s: $(stat -c '%a %U %F' "$T/$s")"
done

say "status against real traffic"
nsx lap ping -c 3 -W 2 192.168.77.2 >/dev/null || fail "ping LAN"
out=$(srv_status) || fail "server status: $out"
echo "$out"
for re in "^tunnel: bob" "tunnel address: 10\.99\.0\." \
  "endpoint: 10\.200\.0\.2:" "path: laptop -> relay1 -> office" \
  "transform: (aes-256-gcm|chacha20-poly1305)" "handshakes: 1 ok"; do
  grep -Eq -- "$re" <<<"$out" || fail "server status lacks /$re/"
done
j1=$(srv_status --json) || fail "server status --json"
tcp_check lap 192.168.77.2 5001 200000
j2=$(srv_status --json) || fail "server status --json"
cj=$(cli_status --json) || fail "client status --json"
rj=$(rel_status --json) || fail "relay status --json"
# Server: bob's tunnel, its path, the 3 pings, then 200 kB more received.
# Client: up, 200 kB sent. Relay: laptop's session to office, 200 kB on.
jcheck '(t := d[0]["tunnels"][0])["user"] == "bob" and
t["path"] == ["relay1", "office"] and t["origin"] == "laptop" and
t["datagrams_recv"] >= 3 and
d[1]["tunnels"][0]["bytes_recv"] >= t["bytes_recv"] + 200000 and
d[2]["tunnels"][0]["state"] == "AUTHORIZED" and
t["address"].startswith("10.99.0.") and
d[2]["tunnels"][0]["address"] == t["address"] and
d[2]["tunnels"][0]["bytes_sent"] >= 200000 and
d[3]["relay_sessions"][0]["origin"] == "laptop" and
d[3]["relay_sessions"][0]["next_hop"] == "office" and
d[3]["relay_sessions"][0]["bytes_to_server"] >= 200000' \
  "$j1" "$j2" "$cj" "$rj" || fail "JSON: $j1 / $j2 / $cj / $rj"
rel_status | grep -q "^relay session: 10\.200\.0\.10:" || fail "relay table"

say "Prometheus exposition: promtool, and the HTTP responder"
srv_status --prometheus >"$T/server.prom" || fail "server --prometheus"
rel_status --prometheus >"$T/relay.prom" || fail "relay --prometheus"
cli_status --prometheus >"$T/client.prom" || fail "client --prometheus"
grep -q '^ncg_tunnels 1$' "$T/server.prom" || fail "ncg_tunnels"
grep -Eq '^ncg_tunnel_bytes_total\{user="bob",direction="rx"\} [0-9]{6,}$' \
  "$T/server.prom" || fail "bytes metric: $(cat "$T/server.prom")"
grep -q '^ncg_handshakes_total{result="ok"} 1$' "$T/server.prom" ||
  fail "handshakes metric"
grep -q '^ncg_relay_sessions 1$' "$T/relay.prom" || fail "relay sessions"
if command -v promtool >/dev/null; then
  for f in server relay client; do
    promtool check metrics <"$T/$f.prom" || fail "promtool: $f.prom"
  done
else
  echo "promtool missing (Debian package prometheus): not checked"
  [ -n "${CI:-}" ] && fail "promtool missing in CI"
fi
http=$(nsx srv python3 -c '
import socket; s = socket.create_connection(("127.0.0.1", 9464))
s.sendall(b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n"); out = b""
while True:
    b = s.recv(4096)
    if not b: break
    out += b
print(out.decode())') || fail "metrics_listen"
grep -q "^HTTP/1.0 200 OK" <<<"$http" || fail "HTTP: $http"
grep -q '^ncg_tunnel_bytes_total{user="bob",direction="tx"}' <<<"$http" ||
  fail "HTTP body: $http"
nsx srv python3 -c '
import socket; s = socket.create_connection(("127.0.0.1", 9464))
s.sendall(b"GET /nope HTTP/1.0\r\n\r\n"); print(s.recv(100).decode())' |
  grep -q "404" || fail "HTTP /nope is not 404"

say "bad requests get an error; the daemons keep running"
# Then many clients at once, some silent: the others are still answered.
python3 - "$T" <<'EOP' || fail "bad requests"
import socket, sys
T = sys.argv[1]
def ask(sock, data):
    s = socket.socket(socket.AF_UNIX)
    s.connect(f"{T}/{sock}")
    s.sendall(data)
    s.shutdown(socket.SHUT_WR)
    out = b""
    while True:
        b = s.recv(4096)
        if not b:
            return out.decode(errors="replace")
        out += b
cases = [
    ("server.conf.sock", b"bogus\n", "error: unknown verb"),
    ("server.conf.sock", b"\x00\xff\x01garbage\n", "error: request is not"),
    ("server.conf.sock", b"a" * 5000, "error: request too long"),
    ("server.conf.sock", b"status xml\n", "error: status takes"),
    ("server.conf.sock", b"disconnect\n", "error: disconnect takes"),
    ("server.conf.sock", b"status json extra\n", "error: too many"),
    ("server.conf.sock", b"\n", "error: empty request"),
    ("server.conf.sock", b"disconnect nobody\n",
     "error: no tunnel of user nobody"),
    ("bob.conf.sock", b"disconnect bob\n", "error: ncg-client does not take"),
    ("relay.sock", b"reconnect\n", "error: ncg-relay does not take"),
]
for sock, data, want in cases:
    ans = ask(sock, data)
    print(f"  {sock} {data[:24]!r} -> {ans.strip()[:60]}")
    assert ans.startswith(want), ans
idle = [socket.socket(socket.AF_UNIX) for _ in range(10)]
for s in idle:
    s.connect(f"{T}/server.conf.sock")
for _ in range(5):
    assert ask("server.conf.sock", b"status\n").startswith(
        "ok\nncg-server: office")
EOP
for p in $SPID $RPID $CPID; do kill -0 "$p" || fail "a daemon died"; done
srv_status >/dev/null || fail "server status after bad requests"

say "a status command that cannot reach its socket says why"
err=$("$SERVER" status -s "$T/none.sock" 2>&1) && fail "status succeeded"
grep -q "cannot connect to control socket $T/none.sock: No such file" \
  <<<"$err" || fail "unreachable: $err"
echo "  $err"

say "disconnect USER: CLOSE to the client, which reconnects"
srv_status disconnect bob 2>/dev/null && fail "status took an argument"
"$SERVER" disconnect bob -c "$T/server.conf" || fail "disconnect bob"
wait_log bob "event=closed status=reset by=peer"
authorized_n 2 || fail "client did not reconnect"
cj=$(cli_status --json)
jcheck 'd[0]["tunnels"][0]["last_close"]["status"] == "reset" and
d[0]["tunnels"][0]["last_close"]["by"] == "peer" and
d[0]["tunnels"][0]["reconnects"] >= 1' "$cj" || fail "client after reset: $cj"
nsx lap ping -c 1 -W 3 192.168.77.2 >/dev/null || fail "ping after reconnect"

say "reconnect on the client"
"$CLIENT" reconnect -c "$T/bob.conf" || fail "reconnect"
authorized_n 3 || fail "client did not reconnect on request"
for ((i = 0; i < 50; i++)); do
  srv_status --prometheus | grep -q '^ncg_handshakes_total{result="ok"} 3$' &&
    break
  sleep 0.1
done
srv_status --prometheus | grep -q '^ncg_handshakes_total{result="ok"} 3$' ||
  fail "server handshakes: $(srv_status --prometheus | grep handshakes)"
srv_status --prometheus | grep -q '^ncg_close_total{status="reset"} 1$' ||
  fail "server closes: $(srv_status --prometheus | grep close_total)"
srv_status --prometheus | grep -q '^ncg_close_total{status="end-session"} 1$' ||
  fail "server closes: $(srv_status --prometheus | grep close_total)"
echo PASS
