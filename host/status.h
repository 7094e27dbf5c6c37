/*
 * What the `status` command shows (doc/status.md): every tunnel and relay
 * session of a program, from the library's getters, rendered as a
 * `wg show`-like table, as JSON, or as Prometheus text exposition. The
 * program fills an ncg_status with pointers valid during the render.
 */
#ifndef NCG_STATUS_H
#define NCG_STATUS_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <ncgtun/conn.h>

#include "ctlreq.h"
#include "tunnel.h"

/* A growable output buffer; `oom` sticks once an allocation failed. */
typedef struct ncg_buf {
  char *p;
  size_t n, cap;
  int oom;
} ncg_buf;

void ncg_buf_printf(ncg_buf *b, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
void ncg_buf_put(ncg_buf *b, const void *p, size_t n);
void ncg_buf_free(ncg_buf *b);

typedef struct ncg_st_tunnel {
  const ncg_tunnel *t;
  uint32_t addr; /* tunnel address, host order; 0 if none */
} ncg_st_tunnel;

typedef struct ncg_st_rsess {
  const ncgt_rsess *rs;
  const char *peer; /* the in side's address */
} ncg_st_rsess;

typedef struct ncg_status {
  const char *program; /* "ncg-server" */
  const char *name;    /* node name, or the client's user */
  ncgt_tstamp now, started;
  const ncg_st_tunnel *tunnels;
  size_t ntunnels;
  const ncg_st_rsess *sessions;
  size_t nsessions;
  int is_relay;
  const ncgt_server_stats *srv; /* server only */
  uint64_t closes[NCGT_STATS_CLOSE_SLOTS]; /* tunnels/sessions ended */
  uint64_t relay_refused;   /* relay: connections turned away */
  uint64_t relay_bytes_done[2]; /* relay: bytes of ended sessions by side */
  uint64_t drops_no_tunnel; /* server: datagrams for no tunnel */
} ncg_status;

void ncg_status_render(ncg_buf *out, const ncg_status *st, ncg_ctl_format f);

/* Counts an ending in closes[] (status clamped into the last slot). */
void ncg_status_count_close(uint64_t closes[NCGT_STATS_CLOSE_SLOTS],
                            unsigned status);

#endif /* NCG_STATUS_H */
