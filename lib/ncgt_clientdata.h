/*
 * Client data (patent Fig. 23) internals shared by the codec and the DHCP
 * server emulator: writing one DHCP option from a client config.
 */
#ifndef NCGT_CLIENTDATA_H
#define NCGT_CLIENTDATA_H

#include <ncgtun/adapter.h>

#include "ncgt_cursor.h"

/* Lease, T1 and T2 the DHCP emulator hands out: the configured values, or
 * the default lease and RFC 2131 4.4.5's 0.5 / 0.875 of it. */
uint32_t ncgt_cc_lease(const ncgt_client_config *cc);
uint32_t ncgt_cc_t1(const ncgt_client_config *cc);
uint32_t ncgt_cc_t2(const ncgt_client_config *cc);

/* Writes option `code` (one of 1, 3, 6, 15, 26, 50, 51, 54, 58, 59, 121,
 * 249) from `cc` in TLV form. Returns 1 when written, 0 when `cc` has
 * nothing for that code (no routes, no DNS, no router...), or a negative
 * status (NCGT_ERR_NOBUF: nothing was written). */
int ncgt_cc_write_opt(ncgt_wr *w, uint8_t code, const ncgt_client_config *cc);

#endif /* NCGT_CLIENTDATA_H */
