/*
 * Shared by the packet-driver shim tests: a capture that records frames
 * or datagrams handed to it (a fake lower driver, a loopback tunnel
 * stand-in), and a "stack" with an IP and an ARP handle whose receiver
 * copies each packet into its buffer.
 */
#ifndef PKTDRV_TESTUTIL_H
#define PKTDRV_TESTUTIL_H

#include <stdint.h>
#include <string.h>

#include "pktdrv.h"

#define IP(a, b, c, d)                                                         \
  ((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (d))

typedef struct capture {
  int n;
  uint8_t last[PDRV_FRAME_MAX];
  size_t len;
  int fail; /* the next sends fail */
} capture;

static inline int cap_send(const uint8_t *f, size_t len, void *ctx) {
  capture *c = ctx;
  if (c->fail)
    return -1;
  c->n++;
  memcpy(c->last, f, len);
  c->len = len;
  return 0;
}

typedef struct stack {
  int ip, arp;
  int got_ip, got_arp;
  uint8_t buf[PDRV_FRAME_MAX];
  size_t len;
} stack;

static inline uint8_t *stack_receiver(int handle, int flag, size_t len,
                                      uint8_t *buf, size_t *cap, void *ud) {
  stack *s = ud;
  (void)cap;
  (void)buf;
  if (flag == PDRV_RCV_GET_BUFFER)
    return s->buf;
  s->len = len;
  s->got_ip += handle == s->ip;
  s->got_arp += handle == s->arp;
  return NULL;
}

/* Opens the stack's IP (08 00) and ARP (08 06) handles; 0 or an error. */
static inline int stack_open(pdrv *pd, stack *s) {
  static const uint8_t tip[2] = {0x08, 0x00}, tarp[2] = {0x08, 0x06};
  int rc = pdrv_access_type(pd, PDRV_CLASS_ETHERNET, PDRV_TYPE_ANY,
                               PDRV_NUMBER_ANY, tip, 2, stack_receiver, s,
                               &s->ip);
  if (rc)
    return rc;
  return pdrv_access_type(pd, PDRV_CLASS_ETHERNET, PDRV_TYPE_ANY,
                             PDRV_NUMBER_ANY, tarp, 2, stack_receiver, s,
                             &s->arp);
}

#endif /* PKTDRV_TESTUTIL_H */
