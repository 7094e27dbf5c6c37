#!/usr/bin/env bash
# Where one program's cycles went in a `perf record -a -g` file made by
# e2e.sh -p DIR:   tests/bench/perf-summary.sh FILE COMM
# Only the tunnel processes e2e.sh started count (FILE's .pids beside it):
# other processes of the same name on a shared machine are left out.
# Prints, as % of those processes' samples: the split by object (kernel,
# libcrypto, libc, the program) and the kernel work under each kind of
# I/O, children included (a write to TCP carries the TCP/IP transmit it
# triggers; a write to the TAP carries the receiving stack's work up to
# the socket). Kernel call chains are used because they unwind reliably;
# libcrypto's assembly does not. Samples are cpu-clock (this VM has no
# hardware counters); in a paravirt guest kernel samples pile up on
# pvm_irq_enable, so kernel time is read by call chains, not leaf symbols.
set -euo pipefail
f=$1 comm=$2
pidfile=${f%.data}.pids
keys=$(awk -v c="$comm" '$2 == c {printf "%s%s:%s", sep, $1, $2; sep = ","}' \
  "$pidfile" 2>/dev/null || true)
[ -n "$keys" ] || { echo "perf-summary: no $comm in $pidfile" >&2; exit 1; }
tot=$(perf report -i "$f" --no-children -g none --sort pid -q 2>/dev/null |
  awk -v k="$keys" 'BEGIN { n = split(k, a, ","); for (i = 1; i <= n; i++) want[a[i]] }
    ($2 in want) { t += $1 } END { print t + 0 }')
echo "== $comm (pids $keys) in $(basename "$f"): by object (${tot}% of all samples)"
perf report -i "$f" --no-children -g none --sort pid,dso -q 2>/dev/null |
  awk -v k="$keys" -v t="$tot" '
    BEGIN { n = split(k, a, ","); for (i = 1; i <= n; i++) want[a[i]] }
    ($2 in want) { p[$3] += $1 }
    END { for (d in p) printf "  %6.1f%%  %s\n", 100 * p[d] / t, d }' |
  sort -rn | head -6
echo "== $comm: kernel work by entry point (children included)"
perf report -i "$f" --children -g none --sort pid,sym -q 2>/dev/null |
  awk -v k="$keys" -v t="$tot" '
    BEGIN {
      n = split(k, a, ","); for (i = 1; i <= n; i++) want[a[i]]
      m["tcp_sendmsg"] = "TCP send (write/send to the socket)"
      m["tcp_recvmsg"] = "TCP receive (read/recv from the socket)"
      m["tun_chr_read_iter"] = "TAP read"
      m["tun_get_user"] = "TAP write (incl. receiving stack)"
      m["do_epoll_wait"] = "epoll_wait"
      m["do_sys_poll"] = "poll"
      m["splice_file_to_pipe"] = "splice socket->pipe"
      m["do_syscall_64"] = "all system calls"
    }
    ($3 in want) && ($NF in m) { s[$NF] += $1 }
    END { for (x in s) printf "  %6.1f%%  %s\n", 100 * s[x] / t, m[x] }' |
  sort -rn
