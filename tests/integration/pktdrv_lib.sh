# Shared by the packet-driver integration tests (sourced; they define
# fail()). lwip-pktdrv prints its counters as "stat name=value" lines.

# pd_stat FILE NAME: the value of counter NAME in FILE (empty if absent).
pd_stat() { sed -n "s/.*[ ]$2=\([0-9]*\).*/\1/p" "$1" | head -1; }

# pd_at_least FILE NAME MIN: fails unless counter NAME >= MIN; leaves the
# value in PD_VALUE.
pd_at_least() {
  PD_VALUE=$(pd_stat "$1" "$2")
  [ "${PD_VALUE:-0}" -ge "$3" ] || fail "$2=${PD_VALUE:-?}, expected >= $3"
}

# pd_no_capture PCAP WHAT: the capture ran and caught nothing.
pd_no_capture() {
  [ -s "$1" ] || fail "no capture of the wire (tcpdump)"
  local n
  n=$(tcpdump -nr "$1" 2>/dev/null | wc -l)
  [ "$n" = 0 ] || fail "$n $2 in clear on the wire"
}
