#!/usr/bin/env bash
# End-to-end throughput benchmark (issue 9): iperf3 TCP between two network
# namespaces joined by a veth, through each tunnel, side by side in one run.
#
#   tests/bench/e2e.sh [-t SECONDS] [-c CASES] [-b BUILD_DIR] [-o FILE]
#
#   -t  iperf3 duration per measurement (default 10)
#   -r  rounds: run every case this many times, interleaved, and keep each
#       case's best round (default 1; 2 with -t 5 resists a noisy machine)
#   -c  comma-separated cases (default: bare,openvpn,proto-conn-gso,
#       proto-conn-gso-relay,ncg,ncg-relay)
#   -b  build directory holding cli/ncg-{server,client,relay} (default build)
#   -o  also write the table to FILE
#   -p  DIR: perf record -a -g during each measurement into DIR/LABEL-PN.data
#
# Cases (each with 1 and 4 parallel TCP streams):
#   bare       the veth itself: the ceiling
#   openvpn    OpenVPN 2.6, TCP, TAP, AES-256-GCM, TLS with a throwaway
#              self-signed key pair per side pinned by --peer-fingerprint
#   ncg        ncg-client -> ncg-server over TCP (skipped while cli/ lacks them)
#   ncg-relay  ncg-client -> ncg-relay -> ncg-server (third namespace)
#   proto-*    the data-path prototype tests/bench/ncg_fwd (libncgtun DATA
#              frames, fixed keys, no control plane) to measure each
#              technique: proto-naive (one read, one write per datagram),
#              proto-batch (64 TAP reads per wakeup, one write, sealed in
#              place), proto-gso (+ TAP offloads), proto-gso-relay, and
#              proto-b1-gso, proto-b64, proto-b64-wfr (one write per
#              frame), proto-gso-splice, proto-gso-frame-relay,
#              proto-batch-relay, proto-batch-frame-relay for the
#              ablation (doc/performance.md); proto-conn,
#              proto-conn-gso(-relay): the same through the ncgt_conn API
#              with a real handshake (ncg_fwd -C)
#
# CPU s/GB is the user+system CPU time of the tunnel processes
# (/proc/PID/stat utime+stime, both ends and the relay) per 10^9 payload
# bytes iperf3 delivered; "iperf3 s/GB" is the same for the two iperf3
# processes (kernel TCP work done in their context is included). Needs
# root. Only addresses inside the namespaces it creates are used; every
# namespace, process and file it creates is removed on exit.
set -euo pipefail

secs=10
rounds=1
cases=bare,openvpn,proto-conn-gso,proto-conn-gso-relay,ncg,ncg-relay
here=$(cd "$(dirname "$0")/../.." && pwd)
build=$here/build
outfile=
perfdir=
while getopts "t:r:c:b:o:p:h" opt; do
  case $opt in
    t) secs=$OPTARG ;;
    r) rounds=$OPTARG ;;
    c) cases=$OPTARG ;;
    b) build=$(cd "$OPTARG" && pwd) ;;
    o) outfile=$OPTARG ;;
    p) perfdir=$(mkdir -p "$OPTARG" && cd "$OPTARG" && pwd) ;;
    *) sed -n '2,/^set -euo/{/^set -euo/!p}' "$0"; exit 2 ;;
  esac
done

if [ "$(id -u)" != 0 ]; then
  echo "e2e.sh: needs root (namespaces, TAP, package installation)" >&2
  exit 77
fi

# --- what it needs --------------------------------------------------------
need_pkgs=()
command -v iperf3 >/dev/null || need_pkgs+=(iperf3)
command -v ip >/dev/null || need_pkgs+=(iproute2)
command -v openssl >/dev/null || need_pkgs+=(openssl)
command -v jq >/dev/null || need_pkgs+=(jq)
case ",$cases," in *,openvpn,*)
  command -v openvpn >/dev/null || need_pkgs+=(openvpn) ;;
esac
if [ ${#need_pkgs[@]} -gt 0 ]; then
  echo "e2e.sh: installing ${need_pkgs[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -qq --no-install-recommends "${need_pkgs[@]}" >/dev/null ||
    { apt-get update -qq && apt-get install -y -qq --no-install-recommends \
        "${need_pkgs[@]}" >/dev/null; }
fi

# --- names, cleanup ---------------------------------------------------------
tag=nb$$                         # unique per run: other engineers run tests too
nsA=${tag}a nsB=${tag}b nsR=${tag}r
work=$(mktemp -d /tmp/ncg-e2e.XXXXXX)
pids=()                          # every process we start, killed by pid

cleanup() {
  local p
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  sleep 0.2
  for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null || true; done
  for n in "$nsA" "$nsB" "$nsR"; do ip netns del "$n" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Plain underlay: A 10.201.0.1 -- veth -- B 10.201.0.2.  With a relay:
# A 10.201.0.1 -- R 10.201.0.3 / 10.203.0.3 -- B 10.203.0.2.
# Tunnel (private LAN) addresses: 10.202.0.1 (client), 10.202.0.2 (server).
A_IP=10.201.0.1 B_IP=10.201.0.2
TA_IP=10.202.0.1 TB_IP=10.202.0.2

ns_up() { # name
  ip netns add "$1"
  ip -n "$1" link set lo up
}
veth() { # nsX ifX addrX nsY ifY addrY
  ip link add "$2" netns "$1" type veth peer name "$5" netns "$4"
  ip -n "$1" addr add "$3/24" dev "$2"; ip -n "$1" link set "$2" up
  ip -n "$4" addr add "$6/24" dev "$5"; ip -n "$4" link set "$5" up
}
topo_reset() {
  local p
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  pids=()
  for n in "$nsA" "$nsB" "$nsR"; do ip netns del "$n" 2>/dev/null || true; done
  ns_up "$nsA"; ns_up "$nsB"
  veth "$nsA" "${tag}x" "$A_IP" "$nsB" "${tag}y" "$B_IP"
}
topo_relay() {
  local p
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  pids=()
  for n in "$nsA" "$nsB" "$nsR"; do ip netns del "$n" 2>/dev/null || true; done
  ns_up "$nsA"; ns_up "$nsB"; ns_up "$nsR"
  veth "$nsA" "${tag}x" "$A_IP" "$nsR" "${tag}p" 10.201.0.3
  veth "$nsR" "${tag}q" 10.203.0.3 "$nsB" "${tag}y" 10.203.0.2
  ip netns exec "$nsR" sysctl -qw net.ipv4.ip_forward=0
}

wait_for() { # seconds command...
  local n=$(( $1 * 10 )); shift
  while [ $n -gt 0 ]; do "$@" >/dev/null 2>&1 && return 0; sleep 0.1; n=$((n-1)); done
  return 1
}
listening() { ip netns exec "$1" ss -Hltn "sport = :$2" | grep -q .; }

# utime+stime in seconds of a list of pids.
cpu_of() {
  local tck t=0 p f
  tck=$(getconf CLK_TCK)
  for p in "$@"; do
    # fields after the ")" of comm: utime is 12th, stime 13th of the rest
    f=$(sed 's/.*) //' "/proc/$p/stat" 2>/dev/null) || continue
    t=$(( t + $(echo "$f" | awk '{print $12 + $13}') ))
  done
  awk -v t="$t" -v k="$tck" 'BEGIN{printf "%.3f", t / k}'
}

# --- one measurement ----------------------------------------------------------
results=()   # "case|streams|Mbit/s|tunnel s/GB|iperf3 s/GB"

# CPU seconds (user+sys) of the children a `bash -c '...; times'` waited
# for: getrusage(RUSAGE_CHILDREN), exact even for processes that are gone.
times_sum() { # file written by `times`
  sed -n 2p "$1" | awk '{ t = 0; for (i = 1; i <= 2; i++) {
    split($i, a, /[ms]/); t += a[1] * 60 + a[2] } printf "%.3f", t }'
}

# measure LABEL SERVER_ADDR STREAMS TUNNEL_PIDS...
measure() {
  local label=$1 dst=$2 streams=$3; shift 3
  local tpids=("$@") port=5201 base="$work/iperf-$label-$streams"
  ip netns exec "$nsB" bash -c \
    "iperf3 -s -1 -B $dst -p $port >/dev/null 2>&1; times >$base.st" &
  local spid=$!; pids+=("$spid")
  wait_for 5 listening "$nsB" $port || { echo "iperf3 server did not start" >&2; return 1; }
  local c0 c1
  c0=$(cpu_of "${tpids[@]}")
  local ppid=
  if [ -n "$perfdir" ]; then
    # the tunnel's pids, so a profile is read for them only (other
    # engineers' test processes can have the same names)
    local tp
    for tp in "${tpids[@]}"; do echo "$tp $(cat "/proc/$tp/comm" 2>/dev/null)"; done \
      >"$perfdir/$label-P$streams.pids"
    perf record -q -a -g -F 499 -o "$perfdir/$label-P$streams.data" \
      -- sleep "$secs" >/dev/null 2>&1 & ppid=$!
  fi
  ip netns exec "$nsA" bash -c "iperf3 -c $dst -p $port -t $secs \
    -P $streams --json >$base.json 2>&1; rc=\$?; times >$base.ct; exit \$rc" ||
    { echo "iperf3 client failed:" >&2; head -20 "$base.json" >&2; return 1; }
  c1=$(cpu_of "${tpids[@]}")
  [ -n "$ppid" ] && wait "$ppid"
  wait "$spid" 2>/dev/null || true
  local bytes bps ic
  bytes=$(jq '.end.sum_received.bytes' "$base.json")
  bps=$(jq '.end.sum_received.bits_per_second' "$base.json")
  ic=$(awk -v a="$(times_sum "$base.st")" -v b="$(times_sum "$base.ct")" \
    'BEGIN{print a + b}')
  awk -v l="$label" -v s="$streams" -v b="$bytes" -v r="$bps" \
      -v c0="$c0" -v c1="$c1" -v ic="$ic" -v nt="${#tpids[@]}" 'BEGIN{
    gb = b / 1e9
    printf "%s|%d|%.0f|%s|%.2f\n", l, s, r / 1e6,
      nt ? sprintf("%.2f", (c1 - c0) / gb) : "-", ic / gb }'
}

run_pair() { # label dst tunnel_pids...
  local label=$1 dst=$2; shift 2
  local s line
  for s in 1 4; do
    if line=$(measure "$label" "$dst" "$s" "$@"); then
      results+=("$line")
      echo "  $label P$s: $(echo "$line" | cut -d'|' -f3) Mbit/s" >&2
    else
      results+=("$label|$s|failed|-|-")
    fi
  done
}

# --- cases ------------------------------------------------------------------
case_bare() {
  topo_reset
  run_pair bare "$B_IP"
}

ovpn_pki() { # makes $work/{server,client}.{key,crt} and prints nothing
  local who
  for who in server client; do
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 \
      -nodes -days 1 -subj "/CN=ncg-bench-$who" \
      -keyout "$work/$who.key" -out "$work/$who.crt" >/dev/null 2>&1
  done
}
fpr() { openssl x509 -in "$1" -noout -fingerprint -sha256 | sed 's/.*=//'; }

case_openvpn() {
  topo_reset
  ovpn_pki
  local common=(--dev tap0 --dev-type tap --disable-dco
    --data-ciphers AES-256-GCM --cipher AES-256-GCM
    --auth-nocache --verb 3 --ping 10 --ping-exit 60)
  ip netns exec "$nsB" openvpn "${common[@]}" --proto tcp-server \
    --local "$B_IP" --lport 1194 --tls-server --dh none \
    --cert "$work/server.crt" --key "$work/server.key" \
    --peer-fingerprint "$(fpr "$work/client.crt")" \
    --ifconfig "$TB_IP" 255.255.255.0 \
    --writepid "$work/ovpn-s.pid" --log "$work/ovpn-s.log" --daemon
  wait_for 5 test -s "$work/ovpn-s.pid"; pids+=("$(cat "$work/ovpn-s.pid")")
  wait_for 5 listening "$nsB" 1194
  ip netns exec "$nsA" openvpn "${common[@]}" --proto tcp-client \
    --remote "$B_IP" 1194 --tls-client \
    --cert "$work/client.crt" --key "$work/client.key" \
    --peer-fingerprint "$(fpr "$work/server.crt")" \
    --ifconfig "$TA_IP" 255.255.255.0 \
    --writepid "$work/ovpn-c.pid" --log "$work/ovpn-c.log" --daemon
  wait_for 5 test -s "$work/ovpn-c.pid"; pids+=("$(cat "$work/ovpn-c.pid")")
  if ! wait_for 20 ip netns exec "$nsA" ping -c1 -W1 "$TB_IP"; then
    echo "openvpn tunnel did not come up; server log:" >&2
    tail -20 "$work/ovpn-s.log" >&2; tail -20 "$work/ovpn-c.log" >&2
    results+=("openvpn|1|failed|-|-" "openvpn|4|failed|-|-"); return
  fi
  grep -h "Data Channel: cipher" "$work"/ovpn-c.log | head -1 | sed 's/^/  /' >&2
  run_pair openvpn "$TB_IP" "$(cat "$work/ovpn-s.pid")" "$(cat "$work/ovpn-c.pid")"
}

# The data-path prototype (tests/bench/ncg_fwd.c): libncgtun DATA frames
# between a TAP and TCP, fixed keys, no control plane. $1: relay 0/1,
# $2: label, rest: ncg_fwd options (-b N, -p, -g). relay 2: splice relay,
# 3: relay writing frame by frame.
case_proto() {
  local relay=$1 label=$2; shift 2
  local rflag=-r
  case $relay in 2) rflag=-S; relay=1 ;; 3) rflag=-F; relay=1 ;; esac
  local fwd=${NCG_FWD:-$build/tests/bench/ncg_fwd}
  if [ ! -x "$fwd" ]; then
    echo "  $label: SKIPPED: $fwd not built" >&2
    results+=("$label|1|skipped|-|-" "$label|4|skipped|-|-"); return
  fi
  local tap=${tag}t srv=$B_IP:7000 tp=()
  if [ "$relay" = 1 ]; then topo_relay; srv=10.203.0.2:7000; else topo_reset; fi
  ip netns exec "$nsB" "$fwd" -s -i "$tap" -a 02:00:00:00:00:02 -l "$srv" "$@" \
    2>>"$work/fwd-b.log" & pids+=($!); tp+=($!)
  wait_for 5 listening "$nsB" 7000
  local dst=$srv
  if [ "$relay" = 1 ]; then
    ip netns exec "$nsR" "$fwd" $rflag -l 10.201.0.3:7000 -c "$srv" \
      2>>"$work/fwd-r.log" & pids+=($!); tp+=($!)
    wait_for 5 listening "$nsR" 7000
    dst=10.201.0.3:7000
  fi
  ip netns exec "$nsA" "$fwd" -i "$tap" -a 02:00:00:00:00:01 -c "$dst" "$@" \
    2>>"$work/fwd-a.log" & pids+=($!); tp+=($!)
  local n ip
  for n in "$nsA:$TA_IP" "$nsB:$TB_IP"; do
    ip=${n#*:}; n=${n%%:*}
    wait_for 5 ip -n "$n" link show "$tap"
    ip netns exec "$n" sysctl -qw "net.ipv6.conf.$tap.disable_ipv6=1" || true
    ip -n "$n" link set "$tap" arp off mtu 1500
    # GSO frames must fit one DATA frame (u16 datagram length, with the
    # 10-byte virtio header in front of the IP packet)
    ip -n "$n" link set "$tap" gso_max_size 65000 2>/dev/null || true
    ip -n "$n" addr add "$ip/24" dev "$tap"
    ip -n "$n" link set "$tap" up
  done
  if ! wait_for 10 ip netns exec "$nsA" ping -c1 -W1 "$TB_IP"; then
    echo "  $label: prototype tunnel did not come up" >&2
    cat "$work"/fwd-*.log >&2
    results+=("$label|1|failed|-|-" "$label|4|failed|-|-"); return
  fi
  run_pair "$label" "$TB_IP" "${tp[@]}"
  # the prototype prints its counters on SIGTERM: drops must be 0
  kill "${tp[@]}" 2>/dev/null || true
  wait "${tp[@]}" 2>/dev/null || true
  grep -h -E "datagrams out|datagrams sent" "$work"/fwd-[ab].log |
    sed "s/^/  $label: /" >&2
  rm -f "$work"/fwd-*.log
}

ncg_bins() {
  for b in ncg-server ncg-client ncg-relay; do
    [ -x "$build/cli/$b" ] || return 1
  done
}

# The real programs (doc/configuration.md), builtin address configuration,
# tunnel MTU 1500 like the OpenVPN case. $1: relay 0/1.
ncg_confs() { # server_listen relay
  local srv_listen=$1 relay=$2 c=$build/cli/ncg-client
  (umask 077; "$c" genkey >"$work/server.key"; "$c" genkey >"$work/alice.key")
  "$c" pubkey <"$work/alice.key" >"$work/alice.pub"
  printf '[alice]\npublic_key = %s\n' "$(cat "$work/alice.pub")" >"$work/users"
  cat >"$work/server.conf" <<EOC
[server]
name = office
private_key_file = $work/server.key
listen = $srv_listen
users = $work/users
forwarding = no
log_level = warn
[adapter]
device = ${tag}s
address = $TB_IP/24
pool = 10.202.0.10-10.202.0.250
mtu = 1500
EOC
  local path=office; [ "$relay" = 1 ] && path="relay1, office"
  cat >"$work/client.conf" <<EOC
[client]
user = alice
private_key_file = $work/alice.key
server_public_key = $("$c" pubkey <"$work/server.key")
path = $path
origin = laptop
log_level = warn
[adapter]
device = ${tag}c
[hosts]
office = $srv_listen
relay1 = 10.201.0.3:4433
EOC
  cat >"$work/relay.conf" <<EOC
[relay]
name = relay1
listen = 10.201.0.3:4433
allow = office
log_level = warn
[hosts]
office = $srv_listen
EOC
}

case_ncg() { # relay: 0 or 1
  local relay=$1 label=ncg tp=() srv_listen=$B_IP:4433
  [ "$relay" = 1 ] && label=ncg-relay
  if ! ncg_bins; then
    echo "  $label: SKIPPED: $build/cli/ncg-{server,client,relay} not built yet" >&2
    results+=("$label|1|skipped|-|-" "$label|4|skipped|-|-")
    return
  fi
  if [ "$relay" = 1 ]; then topo_relay; srv_listen=10.203.0.2:4433; else topo_reset; fi
  ncg_confs "$srv_listen" "$relay"
  ip netns exec "$nsB" "$build/cli/ncg-server" -c "$work/server.conf" \
    >>"$work/ncg-server.log" 2>&1 & pids+=($!); tp+=($!)
  wait_for 5 listening "$nsB" 4433
  if [ "$relay" = 1 ]; then
    ip netns exec "$nsR" "$build/cli/ncg-relay" -c "$work/relay.conf" \
      >>"$work/ncg-relay.log" 2>&1 & pids+=($!); tp+=($!)
    wait_for 5 listening "$nsR" 4433
  fi
  ip netns exec "$nsA" "$build/cli/ncg-client" -c "$work/client.conf" \
    >>"$work/ncg-client.log" 2>&1 & pids+=($!); tp+=($!)
  if ! wait_for 20 ip netns exec "$nsA" ping -c1 -W1 "$TB_IP"; then
    echo "  $label: tunnel did not come up" >&2
    tail -5 "$work"/ncg-*.log >&2
    results+=("$label|1|failed|-|-" "$label|4|failed|-|-"); return
  fi
  run_pair "$label" "$TB_IP" "${tp[@]}"
}

# --- main -------------------------------------------------------------------
echo "e2e.sh: $(date -u +%FT%TZ), ${secs}s per measurement, load $(cut -d' ' -f1-3 /proc/loadavg)" >&2
IFS=, read -r -a want <<<"$cases"
for ((round = 1; round <= rounds; round++)); do
[ "$rounds" -gt 1 ] && echo "round $round of $rounds" >&2
for c in "${want[@]}"; do
  case $c in
    bare) case_bare ;;
    openvpn) case_openvpn ;;
    ncg) case_ncg 0 ;;
    ncg-relay) case_ncg 1 ;;
    proto-naive) case_proto 0 proto-naive -b 1 ;;
    proto-batch) case_proto 0 proto-batch -b 64 -p ;;
    proto-gso) case_proto 0 proto-gso -b 64 -p -g ;;
    proto-gso-relay) case_proto 1 proto-gso-rl -b 64 -p -g ;;
    proto-gso-splice) case_proto 2 proto-gso-sp -b 64 -p -g ;;
    proto-gso-frame-relay) case_proto 3 proto-gso-fr -b 64 -p -g ;;
    proto-batch-relay) case_proto 1 proto-bat-rl -b 64 -p ;;
    proto-batch-frame-relay) case_proto 3 proto-bat-fr -b 64 -p ;;
    proto-b64-wfr) case_proto 0 proto-b64-wfr -b 64 -p -w ;;
    proto-conn) case_proto 0 proto-conn -C -b 64 ;;
    proto-conn-gso) case_proto 0 proto-conn-gso -C -b 64 -g ;;
    proto-conn-gso-relay) case_proto 1 proto-cgso-rl -C -b 64 -g ;;
    proto-b64) case_proto 0 proto-b64 -b 64 ;;
    proto-b1-gso) case_proto 0 proto-b1-gso -b 1 -g ;;
    *) echo "unknown case $c" >&2; exit 2 ;;
  esac
done
done

# The best round of each (case, streams), in first-seen order.
best_results() {
  printf '%s\n' "${results[@]}" | awk -F'|' '
    { k = $1 "|" $2
      if (!(k in best)) { order[++n] = k; best[k] = $0; next }
      split(best[k], b, "|")
      if ($3 ~ /^[0-9]/ && (b[3] !~ /^[0-9]/ || $3 + 0 > b[3] + 0)) best[k] = $0 }
    END { for (i = 1; i <= n; i++) print best[order[i]] }'
}

table() {
  local rows r ref
  mapfile -t rows < <(best_results)
  printf '%-13s %7s %9s %10s %12s %12s\n' case streams Mbit/s "x OpenVPN" \
    "tunnel s/GB" "iperf3 s/GB"
  for r in "${rows[@]}"; do
    IFS='|' read -r l s m t i <<<"$r"
    ref=$(printf '%s\n' "${rows[@]}" | awk -F'|' -v s="$s" \
      '$1 == "openvpn" && $2 == s && $3 ~ /^[0-9]/ {print $3}')
    local x=-
    if [ -n "$ref" ] && [[ $m =~ ^[0-9] ]]; then
      x=$(awk -v a="$m" -v b="$ref" 'BEGIN{printf "%.2f", a / b}')
    fi
    printf '%-13s %7s %9s %10s %12s %12s\n' "$l" "$s" "$m" "$x" "$t" "$i"
  done
}
echo
table
[ -n "$outfile" ] && table >"$outfile"
echo "(load after: $(cut -d' ' -f1-3 /proc/loadavg); $(nproc) CPUs, $(uname -r))"
