#!/usr/bin/env bash
# Micro-benchmark table (issue 9): libncgtun's DATA seal/open per transform
# and datagram size beside `openssl speed -aead -evp` for the same cipher
# and size, measured in the same run, plus server handshakes per second.
# -aead makes openssl time the same per-frame sequence a DATA frame costs
# (set nonce, 13-byte AD, update, final); without it openssl times one
# endless stream, a bulk-cipher ceiling no per-frame protocol reaches.
#
#   tests/bench/micro.sh [BUILD_DIR] [-s SECONDS_PER_CELL]
#
# Both sides count CPU time (openssl speed: user time; bench_transform:
# thread CPU time), so other load on the machine mostly drops out.
# cycles/byte = CPU seconds x nominal MHz ("cpu MHz", /proc/cpuinfo) / bytes.
set -euo pipefail
here=$(cd "$(dirname "$0")/../.." && pwd)
build=$here/build
secs=0.2
if [ $# -gt 0 ] && [ "${1#-}" = "$1" ]; then build=$(cd "$1" && pwd); shift; fi
while getopts "s:" opt; do
  case $opt in s) secs=$OPTARG ;; *) sed -n '2,10p' "$0"; exit 2 ;; esac
done
bin=$build/tests/bench/bench_transform
[ -x "$bin" ] || { echo "micro.sh: $bin not built (ninja -C $build)" >&2; exit 1; }
command -v openssl >/dev/null || { echo "micro.sh: needs openssl(1)" >&2; exit 1; }

work=$(mktemp -d /tmp/ncg-micro.XXXXXX)
trap 'rm -rf "$work"' EXIT

echo "micro.sh: $(date -u +%FT%TZ), load $(cut -d' ' -f1-3 /proc/loadavg)" >&2
"$bin" -s "$secs" >"$work/ncg.tsv"
mhz=$(awk -F'\t' '$1 == "M" {print $2}' "$work/ncg.tsv")

# openssl speed, one size at a time (-bytes), encrypt and -decrypt.
ossl_secs=$(awk -v s="$secs" 'BEGIN{n = int(s * 3 + 0.999); print n < 1 ? 1 : n}')
for cipher in aes-256-gcm chacha20-poly1305; do
  for size in 64 576 1400 9000 65000; do
    for op in seal open; do
      dec=; [ $op = open ] && dec=-decrypt
      # best of two, as bench_transform takes the best of its runs
      r=$(for k in 1 2; do
            openssl speed -mr -seconds "$ossl_secs" -aead $dec -evp "$cipher" \
              -bytes "$size" 2>/dev/null | awk -F: '/^\+F:/ {print $4}'
          done | sort -g | tail -1)
      printf 'O\t%s\t%s\t%s\t%s\n' "$op" "$cipher" "$size" "$r" >>"$work/ossl.tsv"
    done
  done
done

uname_=$(uname -r); model=$(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)
echo "DATA frames: libncgtun (ncgt_data_seal / ncgt_data_decode+ncgt_data_open)"
echo "vs openssl speed -aead -evp (decrypt: -decrypt), same run; $model, $(nproc) CPUs, $mhz MHz nominal, $uname_"
echo
printf '%-18s %-12s %6s | %9s %7s | %9s %7s | %6s\n' transform op bytes \
  "ncg MB/s" "cyc/B" "ossl MB/s" "cyc/B" "ncg/os"
for tf in AES-256-GCM ChaCha20-Poly1305; do
  ocipher=aes-256-gcm; [ $tf = ChaCha20-Poly1305 ] && ocipher=chacha20-poly1305
  for size in 64 576 1400 9000 65000; do
    for op in seal seal-inplace open; do
      oop=$op; [ $op = seal-inplace ] && oop=seal
      n=$(awk -F'\t' -v o=$op -v t=$tf -v s=$size \
        'tolower($1) == "d" && $2 == o && tolower($3) == tolower(t) && $4 == s {print $5}' \
        "$work/ncg.tsv")
      o=$(awk -F'\t' -v o=$oop -v c=$ocipher -v s=$size \
        '$2 == o && $3 == c && $4 == s {print $5}' "$work/ossl.tsv")
      awk -v t=$tf -v op=$op -v s=$size -v n="${n:-0}" -v o="${o:-0}" -v m="$mhz" 'BEGIN{
        printf "%-18s %-12s %6d | %9.0f %7.2f | %9.0f %7.2f | %6.2f\n", t, op, s,
          n / 1e6, (n > 0 ? m * 1e6 / n : 0), o / 1e6, (o > 0 ? m * 1e6 / o : 0),
          (o > 0 ? n / o : 0) }'
    done
  done
done
echo
awk -F'\t' '$1 == "H" {printf "%s: %.0f /s (%.1f us each, one core)\n", $2, $3, $4}' \
  "$work/ncg.tsv"

mem=$build/tests/bench/bench_conn_mem
if [ -x "$mem" ]; then
  echo
  echo "Server memory per idle tunnel (all AUTHORIZED; mallinfo2 bytes charged to server-side calls)"
  printf '%8s %14s %12s %12s %14s\n' tunnels "server bytes" "per tunnel" "client/tun" "RSS delta kB"
  "$mem" ${MEM_COUNTS:-} | awk -F'\t' '$1 == "T" {printf "%8d %14d %12d %12d %14d\n", $2, $3, $4, $5, $6}'
else
  echo "(memory per tunnel: $mem not built: needs the conn module)"
fi
