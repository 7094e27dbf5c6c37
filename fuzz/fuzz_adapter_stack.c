/*
 * libFuzzer target: the pseudo network adapter fed Ethernet frames from
 * the local stack: the ARP and DHCP server emulators (patent Fig. 17 steps
 * 326, 332; Fig. 23), oversize datagrams (ICMP / fragments), and now and
 * then a datagram from the tunnel. Input format and checks:
 * fuzz_adapter.h.
 */
#include "fuzz_adapter.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  return fa_run(data, size, 1, 0);
}
