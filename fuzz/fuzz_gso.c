/*
 * libFuzzer target: the GSO entry points (doc/adapter.md "Offloads",
 * doc/protocol.md "GSO datagrams"): ncgt_adapter_from_stack_gso with any
 * descriptor over any frame, ncgt_adapter_from_tunnel_gso with any
 * NCGT_DATA_PROTO_GSO datagram, and the descriptor codec
 * (ncgt_gso_decode / ncgt_gso_encode) on the same bytes. The adapter
 * harness's record format and checks (fuzz_adapter.h), plus the checks
 * of the super-segments that reach to_tunnel and to_stack_gso.
 */
#include "fuzz_adapter.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  return fa_run(data, size, 1, 1);
}
