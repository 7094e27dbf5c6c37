/*
 * The shim's policy table (seed 002 section 3.3): which IPv4 destinations
 * go through the tunnel and which pass straight to the lower driver, and
 * which sources must have come through the tunnel, with separate output
 * and input defaults. Read from an INI file (doc/pktdrv.md):
 *
 *   [output]            ; frames the stack sends, by destination address
 *   default = bypass    ; bypass | protect | drop
 *   10.8.0.0/16 = protect
 *   [input]             ; frames for the stack, by source address
 *   default = bypass
 *   10.8.0.0/16 = protect
 *   [tunnel]
 *   mac = 02:4e:43:47:00:01  ; the tunnel side's (reserved) MAC
 *   dhcp = lower        ; who answers the stack's DHCP: lower | tunnel
 *   address = 10.8.100.2 ; tunnel address to use as protected source
 *                        ; (optional; normally learnt from client data)
 *
 * Lookup is longest prefix; among equal prefixes the first listed wins.
 */
#ifndef PDRV_POLICY_H
#define PDRV_POLICY_H

#include <stddef.h>
#include <stdint.h>

#include "pktdrv.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum pdrv_action {
  PDRV_BYPASS = 0,  /* straight to / from the lower driver */
  PDRV_PROTECT = 1, /* through the tunnel only */
  PDRV_DROP = 2,
} pdrv_action;

typedef enum pdrv_dir {
  PDRV_OUT = 0, /* stack -> network, matched on destination */
  PDRV_IN = 1,  /* network -> stack, matched on source */
} pdrv_dir;

enum { PDRV_POLICY_MAX = 64 }; /* rules per direction */

typedef struct pdrv_rule {
  uint32_t net;  /* host order, masked */
  uint32_t mask; /* host order */
  uint8_t plen;
  uint8_t action;
} pdrv_rule;

typedef struct pdrv_config {
  pdrv_rule rules[2][PDRV_POLICY_MAX];
  size_t nrules[2];
  uint8_t defaults[2];                    /* pdrv_action per direction */
  uint8_t tunnel_mac[PDRV_ADDR_LEN];   /* src MAC of tunnel frames */
  int dhcp_tunnel;                        /* 1: DHCP answered by adapter */
  uint32_t tunnel_addr;                   /* host order; 0: none/learnt */
} pdrv_config;

/* Defaults: bypass both ways, no rules, tunnel MAC = the adapter's
 * reserved server MAC (NCGT_SERVER_MAC_DEFAULT, 02:4e:43:47:00:01). */
void pdrv_config_init(pdrv_config *cfg);

/* Adds "A.B.C.D/N" (or a bare address, /32) with `action` to `dir`.
 * Returns 0, or -1 for a malformed prefix or a full table. */
int pdrv_policy_add(pdrv_config *cfg, pdrv_dir dir,
                       const char *prefix, pdrv_action action);

/* The action for `addr` (host order) in `dir`. */
pdrv_action pdrv_policy_lookup(const pdrv_config *cfg,
                                     pdrv_dir dir, uint32_t addr);

/* Parses "bypass" / "protect" / "drop"; -1 otherwise. */
int pdrv_action_parse(const char *s);
const char *pdrv_action_name(int action);

/* Reads the INI text / file into `cfg` (which it initialises first).
 * Returns 0, or -1 with a message "line N: ..." in err. */
int pdrv_config_parse(pdrv_config *cfg, const char *text, char *err,
                         size_t errlen);
int pdrv_config_load(pdrv_config *cfg, const char *path, char *err,
                        size_t errlen);

#ifdef __cplusplus
}
#endif

#endif /* PDRV_POLICY_H */
