# Shared helpers for the end-to-end tests in network namespaces.
# Source it with the build directory as $1:
#   . "$(dirname "$0")/lib.sh" "$1"
# Every test: skips (77) when not root or when a tool is missing, creates
# only namespaces named ncgt<pid>-*, and removes them and every process it
# started on exit, pass or fail.
set -u

BUILD=${1:?usage: $0 BUILD_DIR}
BUILD=$(cd "$BUILD" && pwd)
CLIENT=$BUILD/cli/ncg-client
SERVER=$BUILD/cli/ncg-server
RELAY=$BUILD/cli/ncg-relay
P=ncgt$$
T=$(mktemp -d /tmp/ncg-it.XXXXXX)
PIDS=()
NSS=()

skip() { echo "SKIP: $*"; exit 77; }
fail() {
  echo "FAIL: $*"
  for f in "$T"/*.log; do
    [ -f "$f" ] || continue
    echo "----- $(basename "$f") (last 30 lines)"
    tail -30 "$f"
  done
  exit 1
}
say() { echo "== $*"; }

[ "$(id -u)" = 0 ] || skip "needs root (network namespaces, TAP devices)"
for tool in ip timeout sha256sum; do
  command -v "$tool" >/dev/null || skip "needs $tool"
done
[ -x "$CLIENT" ] && [ -x "$SERVER" ] && [ -x "$RELAY" ] ||
  skip "programs not built in $BUILD/cli"
[ -c /dev/net/tun ] || skip "needs /dev/net/tun"

cleanup() {
  local pid ns
  for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null; done
  # up to 3 s for clean exits (CLOSE frames), then no mercy
  for ((i = 0; i < 30; i++)); do
    local alive=0
    for pid in "${PIDS[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
    [ $alive = 0 ] && break
    sleep 0.1
  done
  for pid in "${PIDS[@]}"; do
    kill -KILL "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
  done
  # Under ASan/UBSan a program's report lands in its log: that fails the
  # test even when everything else passed.
  if grep -lE "ERROR: (Address|Leak)Sanitizer|runtime error:" "$T"/*.log \
      2>/dev/null; then
    grep -hE -A12 "ERROR: (Address|Leak)Sanitizer|runtime error:" "$T"/*.log |
      head -60
    SANITIZER_FAILED=1
  fi
  for ns in "${NSS[@]}"; do
    # anything still running inside (nc, udhcpc, ...)
    for pid in $(ip netns pids "$ns" 2>/dev/null); do kill -KILL "$pid"; done
    echo "netns del $ns"
  done | ip -force -batch - 2>/dev/null
  [ -n "${KEEP_TMP:-}" ] || rm -rf "$T"
  if [ -n "${SANITIZER_FAILED:-}" ]; then echo "FAIL: sanitizer report"; exit 1; fi
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# ns NAME: a namespace with loopback up.
ns() {
  ip netns add "$P-$1" || fail "ip netns add $P-$1"
  NSS+=("$P-$1")
  ip -n "$P-$1" link set lo up
}
# in NAME CMD...: run a command in a namespace.
nsx() { local n=$1; shift; ip netns exec "$P-$n" "$@"; }

# wan: a namespace with a bridge every node's outer interface joins.
wan() { ns wan; ip -n "$P-wan" link add br0 type bridge; ip -n "$P-wan" link set br0 up; }
# wan_attach NAME IFNAME CIDR: a veth from NAME to the wan bridge.
wan_attach() {
  local n=$1 ifn=$2 cidr=$3 peer="w${#NSS[@]}x$RANDOM"
  ip link add "$ifn" netns "$P-$n" type veth peer name "$peer" netns "$P-wan" ||
    fail "veth $n/$ifn"
  ip -n "$P-wan" link set "$peer" master br0 up
  ip -n "$P-$n" addr add "$cidr" dev "$ifn"
  ip -n "$P-$n" link set "$ifn" up
}
# link A IFA CIDRA B IFB CIDRB: a veth between two namespaces.
link() {
  ip link add "$2" netns "$P-$1" type veth peer name "$5" netns "$P-$4" ||
    fail "veth $1-$4"
  ip -n "$P-$1" addr add "$3" dev "$2"; ip -n "$P-$1" link set "$2" up
  ip -n "$P-$4" addr add "$6" dev "$5"; ip -n "$P-$4" link set "$5" up
}

# start NAME LOG CMD...: a program in a namespace, in the background.
start() {
  local n=$1 log=$2; shift 2
  ip netns exec "$P-$n" "$@" >>"$T/$log.log" 2>&1 &
  PIDS+=($!)
  LAST_PID=$!
}
# wait_log LOG REGEX [SECONDS]: until the log has a matching line.
wait_log() {
  local log=$T/$1.log re=$2 secs=${3:-10} i
  for ((i = 0; i < secs * 10; i++)); do
    grep -Eq -- "$re" "$log" 2>/dev/null && return 0
    sleep 0.1
  done
  fail "timeout ($secs s) waiting for /$re/ in $1.log"
}
count_log() { grep -Ec -- "$2" "$T/$1.log" 2>/dev/null || true; }

# keypair NAME: $T/NAME.key and $T/NAME.pub
keypair() {
  (umask 077; "$CLIENT" genkey >"$T/$1.key") || fail "genkey"
  "$CLIENT" pubkey <"$T/$1.key" >"$T/$1.pub" || fail "pubkey"
}
pub() { cat "$T/$1.pub"; }

# server_conf FILE NAME LISTEN [extra lines...]: a server configuration
# with tunnel subnet 10.99.0.1/24, the LAN 192.168.77.0/24 pushed as a
# route, the users file $T/users and quick timers.
server_conf() {
  local f=$1 name=$2 listen=$3; shift 3
  cat >"$T/$f" <<EOC
[server]
name = $name
private_key_file = $T/server.key
listen = $listen
users = $T/users
state_file = $T/$f.state
control = $T/$f.sock
[adapter]
device = ncgs0
address = 10.99.0.1/24
pool = 10.99.0.10-10.99.0.250
mtu = 1400
routes = 192.168.77.0/24
[timers]
keepalive = 1
dead_peer = 4
EOC
  local l; for l in "$@"; do echo "$l" >>"$T/$f"; done
}
# client_conf FILE USER PATH [extra lines...]; the key is $T/USER.key,
# or $KEYFILE when set.
client_conf() {
  local f=$1 user=$2 path=$3; shift 3
  [ -n "${SERVER_PUB:-}" ] || SERVER_PUB=$(pub server)
  cat >"$T/$f" <<EOC
[client]
user = $user
private_key_file = ${KEYFILE:-$T/$user.key}
server_public_key = $SERVER_PUB
path = $path
origin = laptop
control = $T/$f.sock
[adapter]
device = ncg0
[timers]
keepalive = 1
dead_peer = 4
reconnect_min = 0.2
reconnect_max = 2
[hosts]
office = 10.200.0.1:4433
office-b = 10.200.0.3:4433
relay1 = 10.200.0.2:4433
EOC
  local l; for l in "$@"; do echo "$l" >>"$T/$f"; done
}

# relay_conf FILE NAME LISTEN: a relay that may forward to office
# (10.200.0.1:4433) only.
relay_conf() {
  cat >"$T/$1" <<EOC
[relay]
name = $2
listen = $3
allow = office
[hosts]
office = 10.200.0.1:4433
EOC
}

# office NAME: a server namespace on the wan (10.200.0.1 or given) with a
# LAN host namespace "lan" (192.168.77.2) behind it.
office_lan() {
  ns lan
  link "$1" eth1 192.168.77.1/24 lan eth0 192.168.77.2/24
  ip -n "$P-lan" route add default via 192.168.77.1
}

# tcp_check FROM_NS HOST PORT BYTES: sends BYTES random bytes over TCP to
# a listener in namespace "lan" and compares checksums.
tcp_check() {
  local from=$1 host=$2 port=$3 bytes=$4
  head -c "$bytes" /dev/urandom >"$T/tx.$port"
  nsx lan timeout 20 nc -l -p "$port" -N </dev/null >"$T/rx.$port" &
  local lpid=$!
  sleep 0.3
  nsx "$from" timeout 20 nc -N -w 5 "$host" "$port" <"$T/tx.$port" ||
    fail "nc to $host:$port"
  wait $lpid
  [ "$(sha256sum <"$T/tx.$port")" = "$(sha256sum <"$T/rx.$port")" ] ||
    fail "TCP transfer to $host:$port: checksums differ"
}
