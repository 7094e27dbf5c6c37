#!/usr/bin/env bash
# ./run bench [e2e|micro] [ARGS]: the benchmark tables (issue 9).
#   e2e (default)  tests/bench/e2e.sh ARGS: iperf3 through each tunnel
#   micro          tests/bench/micro.sh BUILD ARGS: seal/open vs openssl
#                  speed, handshakes/s, memory per idle tunnel
set -euo pipefail
here=$(cd "$(dirname "$0")/../.." && pwd)
what=e2e
case ${1:-} in e2e|micro) what=$1; shift ;; esac
case $what in
  e2e) exec "$here/tests/bench/e2e.sh" -b "$here/build" "$@" ;;
  micro) exec "$here/tests/bench/micro.sh" "$here/build" "$@" ;;
esac
