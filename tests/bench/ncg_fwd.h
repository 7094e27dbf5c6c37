/*
 * ncg_fwd internals shared by its two data paths: ncg_fwd.c (DATA frames
 * straight from ncgt_data_seal / ncgt_data_open) and ncg_fwd_conn.c (the
 * public ncgt_conn API with a real handshake). See ncg_fwd.c.
 */
#ifndef NCG_FWD_H
#define NCG_FWD_H

#include <signal.h>
#include <stdint.h>
#include <sys/types.h>

#include <ncgtun/conn.h>
#include <ncgtun/frame.h>

#include "ncgt_transform.h"

enum {
  ETH_HLEN_ = 14,
  VNET_HLEN = 10, /* struct virtio_net_hdr */
  FRAME_OVERHEAD = NCGT_DATA_HDR_LEN + NCGT_DIGEST_LEN,
  MAX_DG = NCGT_DATAGRAM_MAX,
  SBUF_LEN = 1 << 20,
  RBUF_LEN = 1 << 18,
};

typedef struct fwd {
  int tap, sock, ep;
  int vnet, inplace, batch;
  int write_each; /* -w: one write per frame even when batching reads */
  uint8_t mac[6], peer_mac[6];
  ncgt_dirkey tx, rx;
  ncgt_fdec *dec;
  uint8_t *sbuf; /* sealed frames waiting for the socket */
  size_t soff, slen;
  uint8_t *rbuf;  /* bytes from the socket */
  uint8_t *obuf;  /* one opened datagram, room for headers before it */
  uint8_t *tbuf;  /* one TAP read when not in place */
  int tap_paused;
  unsigned long long dgs_out, dgs_in, dropped;
  /* -C: the tunnel is an ncgt_conn (handshake, keys, timers: the library) */
  ncgt_conn *conn;
  ncgt_server *srv;
} fwd;

extern volatile sig_atomic_t stop;

void fail(const char *what);
void check(int rv, const char *what);
int tcp_listen_accept(const char *addr);
int tcp_connect(const char *addr);
void ep_set(fwd *f, int fd, uint32_t events, int op);
int flush_sock(fwd *f);
void pause_tap(fwd *f, int pause);
ssize_t tap_read_dg(fwd *f, uint8_t *base, uint8_t *proto);
void tap_write_dg(fwd *f, uint8_t proto, const uint8_t *dg, size_t len);
/* -C: the same loop over ncgt_conn (client, or server with -s). */
void run_conn_endpoint(fwd *f, const char *listen_addr,
                       const char *connect_addr, unsigned transform);

#endif /* NCG_FWD_H */
