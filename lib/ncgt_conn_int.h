/*
 * Internals of the tunnel endpoint (include/ncgtun/conn.h), shared by
 * ncgt_conn.c (object, state changes, DATA/CLOSE, timers), ncgt_initiator.c
 * (Fig. 11), ncgt_responder.c (Fig. 12) and ncgt_server.c (session table).
 */
#ifndef NCGT_CONN_INT_H
#define NCGT_CONN_INT_H

#include <ncgtun/conn.h>

#include "ncgt_cursor.h"
#include "ncgt_frame_int.h"
#include "ncgt_handshake.h"
#include "ncgt_transform.h"

/* What differs between the two roles of a conn: the initiator's steps
 * (Fig. 11, ncgt_initiator.c) and the tunnel server's (Fig. 12,
 * ncgt_responder.c). ncgt_conn.c calls through this and never asks which
 * role it is. Optional hooks may be NULL. */
typedef struct ncgt_role_ops {
  const char *name;        /* log prefix: "initiator", "server" */
  ncgt_state first_state;  /* IDLE, ACCEPT_WAIT */
  int preauth_buffers;     /* start with NCGT_PREAUTH_FRAME_MAX buffers */
  /* A whole frame other than CLOSE, and other than DATA in AUTHORIZED /
   * CONFIRM_WAIT (those two are the conn's). */
  int (*on_frame)(ncgt_conn *c, uint8_t type, const uint8_t *f, size_t len,
                  ncgt_tstamp ts);
  /* Optional: a DATA frame opened (the peer holds these keys). */
  void (*on_proven)(ncgt_conn *c, ncgt_tstamp ts);
  /* Optional: a DATA frame was sealed or opened (frame-count limits). */
  void (*after_frames)(ncgt_conn *c, ncgt_tstamp ts);
  /* Optional: the conn just went DEAD. */
  void (*after_dead)(ncgt_conn *c, ncgt_tstamp ts);
  ncgt_tstamp (*get_expiry)(const ncgt_conn *c);
  int (*expiry)(ncgt_conn *c, ncgt_tstamp ts);
} ncgt_role_ops;
extern const ncgt_role_ops ncgt_ini_ops;  /* ncgt_initiator.c */
extern const ncgt_role_ops ncgt_resp_ops; /* ncgt_responder.c */

/* Defaults for ncgt_timers fields left zero (conn.h documents them). */
#define NCGT_DEF_HANDSHAKE_TIMEOUT (10 * NCGT_SECONDS)
#define NCGT_DEF_KEEPALIVE (15 * NCGT_SECONDS)
#define NCGT_DEF_DEAD_PEER (60 * NCGT_SECONDS)
#define NCGT_DEF_REKEY_AFTER (120 * NCGT_SECONDS)
#define NCGT_DEF_REKEY_FRAMES ((uint64_t)1 << 32)
#define NCGT_DEF_RECONNECT_MIN (1 * NCGT_SECONDS)
#define NCGT_DEF_RECONNECT_MAX (60 * NCGT_SECONDS)

/* Initiator configuration, copied from ncgt_client_settings. */
typedef struct ncgt_ini {
  char origin[NCGT_NAME_MAX + 1];
  char path[NCGT_PATH_MAX][NCGT_NAME_MAX + 1];
  size_t npath;
  char dest[NCGT_NAME_MAX + 1];
  uint8_t priv[NCGT_KEY_BYTES];
  uint8_t server_pub[NCGT_KEY_BYTES];
  uint8_t psk[NCGT_KEY_BYTES];
  int has_psk;
  uint16_t transforms;
  uint32_t offer; /* NCGT_FEATURE_* offered in REQUEST */
  int auto_reconnect;
  int direct; /* REQUEST first, no RELAY (direct_request, one-name path) */
  /* Redirect target of the last CLOSE REDIRECT: the next open uses it. */
  char redirect[NCGT_CLOSE_INFO_MAX + 1];
  unsigned attempts;      /* failed attempts since last AUTHORIZED */
  uint32_t retry_after;   /* seconds, from CLOSE SERVER_FULL */
  int no_reconnect;       /* this ending must not auto-reconnect */
  uint64_t last_unix_ns;  /* TAI64N of the last REQUEST: keep it rising */
  ncgt_tstamp rekey_sent; /* rekey REQUEST sent at (rekey_pending) */
} ncgt_ini;

struct ncgt_conn {
  const ncgt_role_ops *ops;
  ncgt_state state;
  ncgt_conn_callbacks cb;
  void *user_data;
  ncgt_timers t; /* defaults filled in */
  size_t max_frame;
  ncgt_fdec *dec;
  uint8_t *sbuf; /* one sealed frame on its way out */
  uint8_t *rbuf; /* one opened datagram + padding */
  size_t sbuf_cap, rbuf_cap; /* max_frame, or less before AUTHORIZED */
  int rx_inplace; /* the bytes being received may be changed */
  char user[NCGT_NAME_MAX + 1];
  int transport; /* a transport is open (or being opened) */

  /* Keys. The key phase bit (DATA/CLOSE flags) names the generation;
   * rx_next holds the new receive key after a rekey until the peer's
   * first frame with the flipped phase (TCP keeps frames in order). */
  unsigned transform;
  uint32_t features; /* NCGT_FEATURE_* negotiated */
  int has_keys;
  ncgt_dirkey tx, rx, rx_next;
  uint8_t tx_phase, rx_phase;
  ncgt_hs hs;
  int rekey_pending;
  uint32_t key_lifetime_s;

  /* Timers (NCGT_TSTAMP_MAX = not armed). */
  ncgt_tstamp state_deadline; /* waiting states */
  ncgt_tstamp last_recv, last_send;
  ncgt_tstamp keys_at;
  ncgt_tstamp reconnect_at;

  ncgt_close_info ci;
  int has_ci;
  ncgt_conn_stats stats;
  /* For status displays (ncgt_conn_authorized_at, ncgt_conn_last_close):
   * when the current session became AUTHORIZED, and the close info of
   * the last ending, which outlives an initiator's reconnect. */
  ncgt_tstamp authorized_at;
  ncgt_close_info last_ci;
  int has_last_ci;

  ncgt_ini *ini; /* initiator only */

  /* Responder only. */
  ncgt_server *srv;
  ncgt_conn *srv_prev, *srv_next;
  uint64_t srv_uhash;   /* user name's hash, while in the live map */
  int srv_mapped;       /* in the server's live map (user -> conn) */
  int srv_pending;      /* counted against max_pending */
  uint8_t srv_src_len;  /* source address given to accept_from (0: none) */
  uint8_t srv_src[NCGT_SRC_ADDR_MAX];
  uint8_t client_pub[NCGT_KEY_BYTES];
  const ncgt_x25519_key *id_key; /* identity chosen by dest, owned by srv */
  uint8_t psk[NCGT_KEY_BYTES];
  int has_psk;
  uint8_t pending_tai[NCGT_TAI64N_LEN]; /* REQUEST's, until proven */
  int has_pending_tai;
  unsigned tgen; /* transport generation: which stream recv belongs to */
  unsigned busy;   /* public calls under way (callbacks may run) */
  int del_pending; /* ncgt_conn_del inside a callback: free on return */
  /* Origin and path of the RELAY frame (Fig. 6), for status displays:
   * the names one after the other, each NUL-terminated; NULL before. */
  char *relay_names;
  size_t relay_npath;
};

/* ncgt_conn.c */
/* Every timer at its default value (the values conn.h documents). */
void ncgt_timers_default(ncgt_timers *t);
int ncgt_conn_alloc(ncgt_conn **pc, const ncgt_role_ops *ops, size_t max_frame,
                    const ncgt_timers *t, const ncgt_conn_callbacks *cb,
                    void *user_data);
void ncgt_conn_set_state(ncgt_conn *c, ncgt_state to, ncgt_tstamp ts);
/* Sends CLOSE `status` (authenticated once keys exist); errors ignored. */
void ncgt_conn_send_close(ncgt_conn *c, uint16_t status, uint32_t retry_after,
                          const char *info, ncgt_tstamp ts);
/* Forgets keys and handshake state (wiped). */
void ncgt_conn_drop_keys(ncgt_conn *c);
/* A fresh stream decoder for a new transport. */
NCGT_WUR int ncgt_conn_reset_decoder(ncgt_conn *c);
/* Buffers and decoder to max_frame (the decoder must hold no bytes: call
 * right after a frame was yielded). */
NCGT_WUR int ncgt_conn_grow(ncgt_conn *c);
void ncgt_conn_log(const ncgt_conn *c, ncgt_log_level lvl, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;
NCGT_WUR int ncgt_conn_send_frame(ncgt_conn *c, size_t len, ncgt_tstamp ts);
/* The same for a frame anywhere (sealed in the host's buffer). */
NCGT_WUR int ncgt_conn_send_bytes(ncgt_conn *c, const uint8_t *frame,
                                  size_t len, ncgt_tstamp ts);
/* Ends the tunnel here: CLOSE `status` (authenticated once keys exist) if
 * `send_close` and a transport is up, then Dying -> Dead. Returns `err`. */
int ncgt_conn_fail(ncgt_conn *c, uint16_t status, int err, int send_close,
                   ncgt_tstamp ts);
/* Same, with retry_after / info (SERVER_FULL, REDIRECT). */
int ncgt_conn_fail_ex(ncgt_conn *c, uint16_t status, int err, int send_close,
                      uint32_t retry_after, const char *info, ncgt_tstamp ts);
/* Dying -> Dead with the close info already set (else a network error) */
void ncgt_conn_die(ncgt_conn *c, ncgt_tstamp ts);
/* The transport went away or refused bytes (Network Error, Fig. 11 215):
 * nothing can be sent; Dying -> Dead with status TRANSPORT. Returns err. */
int ncgt_conn_net_error(ncgt_conn *c, int err, ncgt_tstamp ts);
NCGT_WUR int ncgt_conn_install_keys(ncgt_conn *c, unsigned transform,
                                    uint32_t lifetime_s, int rekey,
                                    ncgt_tstamp ts);
NCGT_WUR int ncgt_conn_send_keepalive(ncgt_conn *c, ncgt_tstamp ts);
int ncgt_conn_is_over(const ncgt_conn *c);
ncgt_tstamp ncgt_conn_key_lifetime(const ncgt_conn *c);
/* Maps a decode status onto a CLOSE status (VERSION or PROTOCOL). */
static inline uint16_t ncgt_conn_decode_status(int err) {
  return ncgt_frame_err_close_status(err);
}

/* Around every call that may run callbacks (ncgt_server.c too): the
 * conn is freed by ncgt_conn_leave if deleted meanwhile; returns rv. */
void ncgt_conn_enter(ncgt_conn *c);
int ncgt_conn_leave(ncgt_conn *c, int rv);

/* Keeps the RELAY frame's origin and path (decoded, so the names are
 * bounded and NUL-terminated) for ncgt_conn_origin / _path_hop. */
NCGT_WUR int ncgt_conn_set_relay_names(ncgt_conn *c,
                                       const ncgt_frame_relay *fr);


/* ncgt_initiator.c: the public calls only an initiator takes. */
int ncgt_ini_start(ncgt_conn *c, ncgt_tstamp ts);
int ncgt_ini_transport_connected(ncgt_conn *c, ncgt_tstamp ts);
int ncgt_ini_network_changed(ncgt_conn *c, ncgt_tstamp ts);

/* ncgt_server.c: what the responder needs from its server. */
typedef struct ncgt_srv_cfg {
  uint16_t transforms;
  uint16_t order[8]; /* preference (ncgt_server_set_transform_order) */
  size_t norder;
  uint32_t retry_after;
  size_t max_sessions;
  uint32_t features; /* NCGT_FEATURE_* accepted */
} ncgt_srv_cfg;
const ncgt_x25519_key *ncgt_server_identity(const ncgt_server *s,
                                            const char *dest);
const ncgt_srv_cfg *ncgt_server_cfg(const ncgt_server *s);
/* NCGT_ERR_REPLAY unless `tai` is newer than the last accepted of user */
NCGT_WUR int ncgt_server_check_replay(const ncgt_server *s, const char *user,
                                      const uint8_t pub[NCGT_KEY_BYTES],
                                      const uint8_t tai[NCGT_TAI64N_LEN]);
NCGT_WUR int ncgt_server_note_accepted(ncgt_server *s, const char *user,
                                       const uint8_t pub[NCGT_KEY_BYTES],
                                       const uint8_t tai[NCGT_TAI64N_LEN]);
NCGT_WUR int ncgt_server_authorize(ncgt_server *s, ncgt_conn *c,
                                   const char *dest, const char *user,
                                   const uint8_t pub[NCGT_KEY_BYTES], ncgt_authz *out);
/* Counts authorised sessions, not counting `user`'s own (it is replaced). */
size_t ncgt_server_busy(const ncgt_server *s, const char *user);
/* `c` is authorised and confirmed (the initiator proved the keys): every
 * other authorised conn of that user is closed with REPLACED. */
void ncgt_server_session_up(ncgt_server *s, ncgt_conn *c, ncgt_tstamp ts);
void ncgt_server_unlink(ncgt_server *s, ncgt_conn *c);
/* A REQUEST stage (Connect Wait) ended: AUTHORIZED, or closed with the
 * status in c->ci. Counted for ncgt_server_get_stats. */
void ncgt_server_note_handshake(ncgt_server *s, const ncgt_conn *c,
                                ncgt_state to);
/* The "ss" cache (ncgt_server.c srv_ss): lookup is an ncgt_ss_cache
 * callback with an ncgt_srv_ss_arg; remember after the host accepted. */
typedef struct ncgt_srv_ss_arg {
  const ncgt_server *srv;
  const ncgt_x25519_key *id;
} ncgt_srv_ss_arg;
int ncgt_server_ss_lookup(void *arg, const uint8_t rs[NCGT_KEY_BYTES],
                          uint8_t out[NCGT_KEY_BYTES]);
void ncgt_server_ss_remember(ncgt_server *s, const ncgt_x25519_key *id,
                             const uint8_t pub[NCGT_KEY_BYTES],
                             const uint8_t ss[NCGT_KEY_BYTES]);
/* Every state change of a server conn: handshake counts, live sessions
 * (user -> conn), and the pending (unauthenticated) counts. */
void ncgt_server_note_state(ncgt_server *s, ncgt_conn *c, ncgt_state from,
                            ncgt_state to);

/* ncgt_conn_feat.c: feature negotiation (doc/protocol.md "GSO datagrams"). */
uint16_t ncgt_feat_to_kx(uint32_t features);
uint32_t ncgt_feat_from_kx(uint16_t kx_flags);
/* A DATA protocol this conn may send or receive: 0, or
 * NCGT_ERR_NOT_NEGOTIATED / NCGT_ERR_BAD_VALUE (descriptor). */
NCGT_WUR int ncgt_feat_check_dg(const ncgt_conn *c, uint8_t proto,
                                const uint8_t *dg, size_t len);
/* The same, and for NCGT_DATA_PROTO_GSO the descriptor decoded into *g
 * and the IP packet's offset in dg (else 0): decoded once, handed on. */
NCGT_WUR int ncgt_feat_decode_dg(const ncgt_conn *c, uint8_t proto,
                                 const uint8_t *dg, size_t len, ncgt_gso *g,
                                 size_t *pkt_off);

#endif /* NCGT_CONN_INT_H */
