#!/usr/bin/env bash
# Server handshakes per second beside `openssl speed ecdhx25519` (one
# X25519 derive), in one run, rounds interleaved so both see the same
# load (issue 17 item 3). Optionally also a baseline bench_transform
# (e.g. main's) for before/after in the same run.
#
#   tests/bench/handshake.sh [BUILD_DIR] [-b BASELINE_BENCH_TRANSFORM] [-r ROUNDS]
#
# The ratio handshakes/s / X25519/s says how many X25519 operations'
# worth of CPU one handshake costs: the responder of IKpsk2 needs four
# DHs (es, ss, ee, se) and one ephemeral key (fixed-base), so ~0.2 is
# the floor without the remembered "ss", ~0.25 with it.
set -euo pipefail
here=$(cd "$(dirname "$0")/../.." && pwd)
build=$here/build
base=
rounds=3
if [ $# -gt 0 ] && [ "${1#-}" = "$1" ]; then build=$(cd "$1" && pwd); shift; fi
while getopts "b:r:" opt; do
  case $opt in b) base=$OPTARG ;; r) rounds=$OPTARG ;; *) sed -n '2,13p' "$0"; exit 2 ;; esac
done
bin=$build/tests/bench/bench_transform
[ -x "$bin" ] || { echo "handshake.sh: $bin not built" >&2; exit 1; }
echo "handshake.sh: $(date -u +%FT%TZ), load $(cut -d' ' -f1-3 /proc/loadavg), $(openssl version)"
for ((i = 1; i <= rounds; i++)); do
  x=$(openssl speed -seconds 1 ecdhx25519 2>/dev/null | awk '/X25519/ {print $NF}')
  printf 'round %d: openssl speed ecdhx25519: %.0f /s\n' "$i" "$x"
  if [ -n "$base" ]; then
    "$base" -s 0.5 -r 1 -z 1 | awk -F'\t' -v x="$x" '$1 == "H" {
      printf "  before: %-70s %6.0f /s  ratio %.3f\n", $2, $3, $3 / x }'
  fi
  "$bin" -s 0.5 -r 1 -z 1 | awk -F'\t' -v x="$x" '$1 == "H" {
    printf "  after:  %-70s %6.0f /s  ratio %.3f\n", $2, $3, $3 / x }'
done
