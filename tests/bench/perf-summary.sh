#!/usr/bin/env bash
# Where one process's cycles went in a `perf record -a -g` file made by
# e2e.sh -p DIR:  tests/bench/perf-summary.sh FILE COMM
# Prints, as % of that process's samples: the split by object (kernel,
# libcrypto, libc, the program) and the kernel work under each kind of
# I/O, children included (a write to TCP carries the TCP/IP transmit it
# triggers; a write to the TAP carries the receiving stack's work up to
# the socket). Kernel call chains are used because they unwind reliably;
# libcrypto's assembly does not. Samples are cpu-clock (this VM has no
# hardware counters); in a paravirt guest kernel samples pile up on
# pvm_irq_enable, so kernel time is read by call chains, not leaf symbols.
set -euo pipefail
f=$1 comm=$2
tot=$(perf report -i "$f" --no-children -g none --sort comm -q 2>/dev/null |
  awk -v c="$comm" '$2 == c {print $1 + 0}')
echo "== $comm in $(basename "$f"): by object (${tot}% of all samples)"
perf report -i "$f" --no-children -g none --sort comm,dso -q 2>/dev/null |
  awk -v c="$comm" -v t="$tot" '$2 == c { printf "  %6.1f%%  %s\n", 100 * $1 / t, $3 }' |
  sort -rn | head -6
echo "== $comm: kernel work by entry point (children included)"
perf report -i "$f" --children -g none --sort comm,sym -q 2>/dev/null |
  awk -v c="$comm" -v t="$tot" '
    BEGIN {
      n["tcp_sendmsg"] = "TCP send (write/send to the socket)"
      n["tcp_recvmsg"] = "TCP receive (read/recv from the socket)"
      n["tun_chr_read_iter"] = "TAP read"
      n["tun_get_user"] = "TAP write (incl. receiving stack)"
      n["do_epoll_wait"] = "epoll_wait"
      n["do_sys_poll"] = "poll"
      n["splice_file_to_pipe"] = "splice socket->pipe"
      n["do_syscall_64"] = "all system calls"
    }
    $3 == c && ($NF in n) { printf "  %6.1f%%  %s\n", 100 * $1 / t, n[$NF] }' |
  sort -rn
