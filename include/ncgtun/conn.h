/*
 * Tunnel endpoints and relays: the patent's state machines (EP 0 838 930
 * Fig. 11 initiator, Fig. 12 tunnel server, Fig. 13 tunnel relay) as
 * sans-I/O objects a host program drives.
 *
 * The host owns the TCP connections. It feeds received bytes in
 * (ncgt_conn_recv), tells the object about transport events
 * (ncgt_conn_transport_connected / _transport_error), passes the current
 * monotonic time on every call, and wakes the object at
 * ncgt_conn_get_expiry() by calling ncgt_conn_handle_expiry(). The object
 * calls back to send bytes, open or close the transport, deliver
 * datagrams, report state changes and log. Bytes handed to a callback are
 * valid only during that callback: the host copies what it keeps.
 *
 * Callbacks must not call back into the same object, except
 * ncgt_conn_state() and the getters.
 */
#ifndef NCGTUN_CONN_H
#define NCGTUN_CONN_H

#include <ncgtun/frame.h>
#include <ncgtun/keys.h>
#include <ncgtun/ncgtun.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct ncgt_conn ncgt_conn;     /* one tunnel endpoint, either role */
typedef struct ncgt_server ncgt_server; /* identities + session table */
typedef struct ncgt_relay ncgt_relay;   /* relay node: policy + pools */
typedef struct ncgt_rsess ncgt_rsess;   /* one tunnel passing a relay */

/* States, named after the patent's figures. */
typedef enum ncgt_state {
  /* Fig. 11, initiator */
  NCGT_ST_IDLE = 0,        /* 194 */
  NCGT_ST_TCP_OPEN,        /* 195 */
  NCGT_ST_SEND_RELAY,      /* 197 */
  NCGT_ST_CONNECT,         /* 199 */
  NCGT_ST_RESPONSE_WAIT,   /* 201 */
  NCGT_ST_AUTHORIZED,      /* 203 (initiator), 225 (server) */
  NCGT_ST_RECONNECT,       /* 212 */
  NCGT_ST_CLOSE,           /* 206 (initiator), 228 (server) */
  NCGT_ST_DYING,           /* 208, 230, 244 */
  NCGT_ST_DEAD,            /* 210, 232, 246 */
  /* Fig. 12, tunnel server */
  NCGT_ST_ACCEPT_WAIT,     /* 217, 235 */
  NCGT_ST_RECEIVE_RELAY,   /* 219, 237 */
  NCGT_ST_CONNECT_WAIT,    /* 221 */
  /* Fig. 13, tunnel relay */
  NCGT_ST_FORWARD_CONNECT, /* 240 */
  NCGT_ST_FORWARD,         /* 242 */
  /* Fig. 12 between 224 (RESPONSE sent) and 225: the server waits for
   * the initiator's first frame under the new keys, which proves it
   * completed the handshake (PSK included); the handshake timeout runs.
   * The server's `authorized` callback comes on leaving it. */
  NCGT_ST_CONFIRM_WAIT,
  NCGT_ST_COUNT_
} ncgt_state;

NCGT_EXTERN const char *ncgt_state_name(ncgt_state st); /* "AUTHORIZED" */

/* Why a tunnel ended: what a host logs and acts on. */
typedef struct ncgt_close_info {
  uint16_t status;       /* ncgt_close_status */
  int remote;            /* 1: peer sent CLOSE; 0: decided here */
  int authenticated;     /* the CLOSE carried a valid digest */
  uint32_t retry_after;  /* seconds, SERVER_FULL */
  char info[NCGT_CLOSE_INFO_MAX + 1]; /* REDIRECT target "host:port" */
  int error;             /* local cause as ncgt_status, 0 if none */
} ncgt_close_info;

/* Traffic counters of one endpoint. */
typedef struct ncgt_conn_stats {
  uint64_t frames_sent, frames_recv;
  uint64_t bytes_sent, bytes_recv;         /* transport bytes */
  uint64_t datagrams_sent, datagrams_recv;
  uint64_t keepalives_sent, keepalives_recv;
  uint64_t rekeys;                          /* completed in-band rekeys */
  uint64_t reconnects;
} ncgt_conn_stats;

#define NCGT_CONN_CALLBACKS_V1 1u
#define NCGT_CONN_CALLBACKS_V2 2u /* adds recv_dgram */
#define NCGT_CONN_CALLBACKS_VERSION NCGT_CONN_CALLBACKS_V2 /* newest */
/* Callback failures (doc/api.md "Callback failures"): a callback that
 * returns non-zero ends the tunnel, never loses data silently. send and
 * open_transport failing are a transport failure (no CLOSE can be sent:
 * DEAD with status TRANSPORT, error NCGT_ERR_CALLBACK_FAILURE, then a
 * reconnect when auto_reconnect); recv_datagram / recv_dgram and rand
 * failing end it with CLOSE SHUTTING_DOWN sent to the peer (error
 * CALLBACK_FAILURE). The call that ran the callback returns NCGT_ERR_CALLBACK_FAILURE (fatal),
 * except where a transport failure is the normal course (open_transport:
 * the call returns 0, see there).
 *
 * Deleting: inside any of its own callbacks the host may call
 * ncgt_conn_del() on that conn (not on another one): the library makes no
 * further callback for it and frees it when the call that ran the
 * callback returns. */
typedef struct ncgt_conn_callbacks {
  uint32_t version; /* NCGT_CONN_CALLBACKS_VERSION */
  /* Required. Write bytes to the transport; the host takes them all
   * (sends or queues). Non-zero: the transport failed (DEAD, TRANSPORT,
   * no CLOSE). */
  int (*send)(ncgt_conn *c, const uint8_t *data, size_t len, void *user_data);
  /* Required for the initiator. Open a transport to `next_hop` (a node
   * name from the path, or a redirect target "host:port"), then, from the
   * host's loop, call ncgt_conn_transport_connected() or
   * ncgt_conn_transport_error(). Return non-zero when no transport can be
   * opened (name unknown, connect(2) refused at once): a transport
   * failure like a later one (DEAD, closed() with TRANSPORT and error
   * NCGT_ERR_CALLBACK_FAILURE, a reconnect after backoff when
   * auto_reconnect); close_transport is not called for it, and the call
   * that asked (ncgt_conn_start, _handle_expiry) returns 0. Never call
   * back into the conn from here. */
  int (*open_transport)(ncgt_conn *c, const char *next_hop, void *user_data);
  /* Required. Close the transport (the object is Dying). */
  void (*close_transport)(ncgt_conn *c, void *user_data);
  /* Required unless recv_dgram (V2) is set, which replaces it. A
   * datagram came out of the tunnel (read-only). Non-zero: the host
   * could not take it; rather than drop it silently and go on, the
   * tunnel ends: CLOSE SHUTTING_DOWN (authenticated) to the peer, DEAD,
   * ncgt_conn_recv returns NCGT_ERR_CALLBACK_FAILURE, and the rest of the
   * bytes passed to that call are discarded with the tunnel. A host that
   * prefers to drop a datagram returns 0 and counts it. */
  int (*recv_datagram)(ncgt_conn *c, uint8_t proto, const uint8_t *dg,
                       size_t len, void *user_data);
  /* Required. Cryptographically secure random bytes. Non-zero during a
   * handshake or rekey: CLOSE SHUTTING_DOWN, DEAD. (For the reconnect
   * jitter a failure only means no jitter.) */
  int (*rand)(uint8_t *buf, size_t len, void *user_data);
  /* Required for the initiator: wall-clock time, ns since the Unix
   * epoch, for the handshake's anti-replay timestamp (TAI64N). */
  uint64_t (*wallclock)(void *user_data);
  /* Optional. Every state change, after it happened. */
  void (*state_changed)(ncgt_conn *c, ncgt_state from, ncgt_state to,
                        void *user_data);
  /* Optional. The tunnel is authorised (initiator: with the client data
   * from RESPONSE, Fig. 23; server: client_data is NULL). Also called
   * after each completed rekey with `rekey` = 1. */
  void (*authorized)(ncgt_conn *c, const uint8_t *client_data, size_t len,
                     int rekey, void *user_data);
  /* Optional. The tunnel ended (before the transport is closed). The
   * usual place to ncgt_conn_del() a server conn. */
  void (*closed)(ncgt_conn *c, const ncgt_close_info *ci, void *user_data);
  /* Optional. */
  ncgt_log_cb log;
  /* V2, optional: when set it is called instead of recv_datagram (the
   * zero-copy receive path, doc/api.md). The datagram lies where it was
   * opened and may be changed there: in the bytes given to
   * ncgt_conn_recv_inplace (or in the decoder's buffer for a frame that
   * arrived split), with d->headroom = NCGT_DATAGRAM_RX_HEADROOM writable
   * bytes before d->dg (the frame's header and digest, room for an
   * Ethernet header); from ncgt_conn_recv it lies in the conn's own
   * buffer with d->headroom 0. A GSO datagram's descriptor is already
   * decoded and checked in d->gso, d->pkt is the IP packet. Valid only
   * during the call. Non-zero: as recv_datagram (the tunnel ends). */
  int (*recv_dgram)(ncgt_conn *c, const ncgt_datagram *d, void *user_data);
} ncgt_conn_callbacks;

/* Timers and limits shared by both roles; zero means "default". */
typedef struct ncgt_timers {
  ncgt_tstamp handshake_timeout;  /* any waiting state (default 10 s) */
  ncgt_tstamp keepalive_interval; /* send keepalive when idle (15 s) */
  ncgt_tstamp dead_peer_timeout;  /* nothing received for this long (60 s) */
  ncgt_tstamp rekey_after;        /* initiator rekeys after (120 s) */
  uint64_t rekey_after_frames;    /* ... or this many frames (2^32) */
  ncgt_tstamp reconnect_min;      /* Dead -> Idle first delay (1 s) */
  ncgt_tstamp reconnect_max;      /* backoff cap (60 s), with jitter */
} ncgt_timers;

/* Settings structs: fill with *_settings_default(), then change fields.
 * Each is copied by the size its `version` declares (doc/api.md). */
#define NCGT_CLIENT_SETTINGS_V1 1u
#define NCGT_CLIENT_SETTINGS_V2 2u /* adds `features` */
#define NCGT_CLIENT_SETTINGS_V3 3u /* adds `direct_request` */
#define NCGT_CLIENT_SETTINGS_VERSION NCGT_CLIENT_SETTINGS_V3 /* newest */
typedef struct ncgt_client_settings {
  uint32_t version;            /* NCGT_CLIENT_SETTINGS_VERSION */
  const char *origin;          /* this node's name (RELAY field 106) */
  const char *const *path;     /* relays in order, then the server name */
  size_t npath;                /* 1..NCGT_PATH_MAX */
  const char *dest;            /* server identity (REQUEST 128); NULL =
                                  path[npath-1] */
  const char *user;            /* user name (REQUEST 126) */
  uint8_t private_key[NCGT_KEY_BYTES];     /* user's static X25519 key */
  uint8_t server_public_key[NCGT_KEY_BYTES];
  uint8_t psk[NCGT_KEY_BYTES];             /* used when has_psk */
  int has_psk;
  uint16_t transforms;         /* offered; 0 = NCGT_TRANSFORMS_ALL */
  size_t max_frame;            /* 0 = NCGT_FRAME_MAX_DEFAULT */
  int auto_reconnect;          /* Dead -> Idle -> TCP Open by itself */
  ncgt_timers timers;
  /* V2. NCGT_FEATURE_* offered in REQUEST (V1: none). */
  uint32_t features;
  /* V3. With a path of the server alone (npath 1), send REQUEST as the
   * first frame, without RELAY (doc/protocol.md "Direct connections").
   * Servers before 0.x refuse that: default 0, RELAY always sent. */
  int direct_request;
} ncgt_client_settings;

/* Fills *s with the newest version and every default: no path, user or
 * keys (the caller sets those), all transforms, default frame size and
 * timers, no reconnect, no features. */
NCGT_EXTERN void ncgt_client_settings_default(ncgt_client_settings *s);

/* Creates an initiator in IDLE. Copies everything it needs from `s`. */
NCGT_EXTERN NCGT_WUR int ncgt_conn_client_new(ncgt_conn **pc,
                                              const ncgt_client_settings *s,
                                              const ncgt_conn_callbacks *cb,
                                              void *user_data);
/* Frees; wipes keys. NULL is fine. Does not call callbacks. Allowed
 * inside the conn's own callbacks (see ncgt_conn_callbacks). */
NCGT_EXTERN void ncgt_conn_del(ncgt_conn *c);

/* Initiator: the user asked for the tunnel (Idle -> TCP Open, calls
 * open_transport). Also accepted in Dead: cancels a pending automatic
 * reconnect and goes Dead -> Idle -> TCP Open at once. */
NCGT_EXTERN NCGT_WUR int ncgt_conn_start(ncgt_conn *c, ncgt_tstamp ts);
/* Initiator: the host's network changed (an address or route appeared, a
 * link came up). In Dead with an automatic reconnect pending, resets the
 * backoff and goes Dead -> Idle -> TCP Open at once; returns 1 then.
 * Otherwise (no reconnect pending: the user or an authenticated peer ended
 * it; a SERVER_FULL retry_after is running; any other state) does nothing
 * and returns 0. Negative on error. */
NCGT_EXTERN NCGT_WUR int ncgt_conn_network_changed(ncgt_conn *c,
                                                   ncgt_tstamp ts);
/* The transport is up (initiator: TCP Open -> Send Relay -> Connect ->
 * Response Wait, sending RELAY and REQUEST). */
NCGT_EXTERN NCGT_WUR int ncgt_conn_transport_connected(ncgt_conn *c,
                                                       ncgt_tstamp ts);
/* The transport failed or the peer closed it (Network Error -> Dying ->
 * Dead). */
NCGT_EXTERN int ncgt_conn_transport_error(ncgt_conn *c, ncgt_tstamp ts);
/* Bytes received from the transport, split anywhere. Returns 0 or a
 * negative status; on a protocol or integrity failure the object has
 * already sent CLOSE and moved to Dying/Dead. */
NCGT_EXTERN int ncgt_conn_recv(ncgt_conn *c, const uint8_t *data, size_t len,
                               ncgt_tstamp ts);
/* Bytes received from the transport, split anywhere, in a buffer the
 * host lets the conn modify. Whole frames are opened in place and their
 * datagrams handed to recv_dgram (or recv_datagram) where they lie, with
 * the frame's header and digest (NCGT_DATAGRAM_RX_HEADROOM bytes) in front
 * to reuse; a frame split across calls is reassembled in the decoder's
 * buffer and opened there. The bytes are changed (plaintext over
 * ciphertext). Otherwise as ncgt_conn_recv. */
NCGT_EXTERN int ncgt_conn_recv_inplace(ncgt_conn *c, uint8_t *data,
                                       size_t len, ncgt_tstamp ts);
/* Seals one datagram in place and sends it (AUTHORIZED only): the DATA
 * header and digest are written into the NCGT_DATAGRAM_TX_HEADROOM bytes
 * before d->dg and the datagram is encrypted where it is; the send
 * callback then gets the frame at d->dg - NCGT_DATAGRAM_TX_HEADROOM (a
 * host whose transport queue holds that buffer need not copy it).
 * d->headroom below NCGT_DATAGRAM_TX_HEADROOM: NCGT_ERR_NOBUF and nothing
 * is sent. A GSO datagram with d->gso set is taken as already checked
 * (the adapter encoded it); without, the descriptor is decoded as
 * ncgt_conn_send_datagram does. The datagram's bytes are ciphertext
 * afterwards. */
NCGT_EXTERN NCGT_WUR int ncgt_conn_send_dgram(ncgt_conn *c,
                                             const ncgt_datagram *d,
                                             ncgt_tstamp ts);
/* Seal and send one datagram (AUTHORIZED only). proto: NCGT_DATA_PROTO_*;
 * NCGT_DATA_PROTO_GSO (descriptor + packet, checked with ncgt_gso_decode)
 * only when negotiated, else NCGT_ERR_NOT_NEGOTIATED. */
NCGT_EXTERN NCGT_WUR int ncgt_conn_send_datagram(ncgt_conn *c, uint8_t proto,
                                                 const uint8_t *dg,
                                                 size_t len, ncgt_tstamp ts);
/* The user's End Session (Fig. 11 204 / Fig. 12 226): CLOSE with status
 * (END_SESSION, SHUTTING_DOWN, ...), then Dying. An initiator does not
 * reconnect by itself after this (in Dead: cancels a pending reconnect).
 * TRANSPORT (local only) ends without sending a CLOSE. */
NCGT_EXTERN int ncgt_conn_close(ncgt_conn *c, uint16_t status, ncgt_tstamp ts);
/* Next time the object needs ncgt_conn_handle_expiry; NCGT_TSTAMP_MAX if
 * none. */
NCGT_EXTERN ncgt_tstamp ncgt_conn_get_expiry(const ncgt_conn *c);
NCGT_EXTERN int ncgt_conn_handle_expiry(ncgt_conn *c, ncgt_tstamp ts);

NCGT_EXTERN ncgt_state ncgt_conn_state(const ncgt_conn *c);
/* Authenticated user name (server side) or configured user; "" if none */
NCGT_EXTERN const char *ncgt_conn_user(const ncgt_conn *c);
/* The transform in use, 0 before AUTHORIZED. */
NCGT_EXTERN unsigned ncgt_conn_transform(const ncgt_conn *c);
/* NCGT_FEATURE_* both ends agreed in the handshake; 0 before AUTHORIZED.
 * Valid from the `authorized` callback on; a rekey keeps them. Only with
 * NCGT_FEATURE_GSO may ncgt_conn_send_datagram take NCGT_DATA_PROTO_GSO
 * and recv_datagram see it. */
NCGT_EXTERN uint32_t ncgt_conn_features(const ncgt_conn *c);
/* Copies min(size, sizeof(ncgt_conn_stats)) bytes of the counters, so a
 * caller built against an older, shorter struct keeps working (counters
 * are only ever appended). The macro passes the caller's own size; the
 * two-argument function is kept for binaries built before it. */
NCGT_EXTERN void ncgt_conn_get_stats_sized(const ncgt_conn *c,
                                           ncgt_conn_stats *st, size_t size);
NCGT_EXTERN void ncgt_conn_get_stats(const ncgt_conn *c, ncgt_conn_stats *st);
#define ncgt_conn_get_stats(c, st)                                             \
  ncgt_conn_get_stats_sized((c), (st), sizeof(*(st)))
/* The close info of a conn in DYING/DEAD, else NULL. */
NCGT_EXTERN const ncgt_close_info *ncgt_conn_close_info(const ncgt_conn *c);
NCGT_EXTERN void *ncgt_conn_get_user_data(const ncgt_conn *c);

/* For status displays (the programs' `status` command). Times are the
 * host's own timestamps (the `ts` it passed in). */
/* When the current session became AUTHORIZED ("connected since");
 * NCGT_TSTAMP_MAX unless AUTHORIZED. A rekey does not change it. */
NCGT_EXTERN ncgt_tstamp ncgt_conn_authorized_at(const ncgt_conn *c);
/* When the keys in use were agreed: the handshake or the last in-band
 * rekey; NCGT_TSTAMP_MAX unless AUTHORIZED. */
NCGT_EXTERN ncgt_tstamp ncgt_conn_keys_at(const ncgt_conn *c);
/* Why the last session ended, kept across an initiator's reconnects
 * (ncgt_conn_close_info is only for a conn in DYING/DEAD); NULL if none
 * ended yet. Valid until the next call into the conn. */
NCGT_EXTERN const ncgt_close_info *ncgt_conn_last_close(const ncgt_conn *c);
/* The origin node name of the tunnel: the initiator's own, or (server)
 * the one its RELAY frame (Fig. 6 field 106) named; "" before RELAY.
 * Names from the wire are unauthenticated bytes: escape before display. */
NCGT_EXTERN const char *ncgt_conn_origin(const ncgt_conn *c);
/* The i-th name of the tunnel's path (Fig. 6 fields 108, 110...), or
 * NULL past its end. Same caveat as ncgt_conn_origin. */
NCGT_EXTERN const char *ncgt_conn_path_hop(const ncgt_conn *c, size_t i);

/* ---------------------------------------------------------------------
 * Tunnel server (Fig. 12): server identities selected by the REQUEST's
 * destination name, authorisation by the host, and the session table
 * (one live tunnel per user: a second one replaces the first).
 * --------------------------------------------------------------------- */

/* Host's answer to an authorisation request. */
typedef struct ncgt_authz {
  int accept;                 /* 0: refuse with `close_status` */
  uint16_t close_status;      /* default AUTH_FAILED; SERVER_FULL,
                                 REDIRECT are useful too */
  uint32_t retry_after;       /* SERVER_FULL */
  char redirect[NCGT_CLOSE_INFO_MAX + 1]; /* REDIRECT "host:port" */
  uint8_t psk[NCGT_KEY_BYTES];            /* the user's pre-shared key if has_psk */
  int has_psk;
  uint8_t client_data[512];   /* DHCP options for the client (Fig. 23) */
  size_t client_data_len;
  uint32_t key_lifetime;      /* seconds; 0 = default */
} ncgt_authz;

#define NCGT_SERVER_CALLBACKS_V1 1u
#define NCGT_SERVER_CALLBACKS_V2 2u /* adds `rand` */
#define NCGT_SERVER_CALLBACKS_VERSION NCGT_SERVER_CALLBACKS_V2 /* newest */
typedef struct ncgt_server_callbacks {
  uint32_t version; /* NCGT_SERVER_CALLBACKS_V1 */
  /* Required. Fig. 12 step 223: may `user` holding static key `pub`
   * connect to identity `dest`? Fill *out. Non-zero is a refusal: the
   * conn ends with CLOSE AUTH_FAILED (error NCGT_ERR_CALLBACK_FAILURE)
   * and the server stays usable. `c` may be deleted here as in its own
   * callbacks. Called with the REQUEST's
   * claims decrypted but before the initiator has proven the PSK; the
   * handshake still fails if the key or PSK do not match. */
  int (*authorize)(ncgt_server *srv, ncgt_conn *c, const char *dest,
                   const char *user, const uint8_t pub[NCGT_KEY_BYTES], ncgt_authz *out,
                   void *user_data);
  /* Optional. */
  ncgt_log_cb log;
  /* V2, optional: random bytes, called once by ncgt_server_new for the
   * key of the server's hash tables (so no peer can choose user names
   * that collide). Non-zero fails ncgt_server_new. */
  int (*rand)(uint8_t *buf, size_t len, void *user_data);
} ncgt_server_callbacks;

#define NCGT_SERVER_SETTINGS_V1 1u
#define NCGT_SERVER_SETTINGS_V2 2u /* adds `features` */
#define NCGT_SERVER_SETTINGS_V3 3u /* adds max_pending* */
#define NCGT_SERVER_SETTINGS_VERSION NCGT_SERVER_SETTINGS_V3 /* newest */
typedef struct ncgt_server_settings {
  uint32_t version;     /* NCGT_SERVER_SETTINGS_VERSION */
  /* Acceptable transforms; 0 = all. Of those the REQUEST offers, the
   * server picks the lowest bit: AES-256-GCM before ChaCha20-Poly1305
   * (doc/protocol.md "Transform choice"). */
  uint16_t transforms;
  size_t max_frame;     /* 0 = default */
  size_t max_sessions;  /* beyond: CLOSE SERVER_FULL; 0 = unlimited */
  uint32_t retry_after; /* seconds suggested when full (default 30) */
  ncgt_timers timers;
  /* V2. NCGT_FEATURE_* accepted when a REQUEST offers them (V1: none). */
  uint32_t features;
  /* V3. Unauthenticated connections (accepted, not yet AUTHORIZED) held
   * at once: server-wide, and per source address given to
   * ncgt_server_accept_from. Beyond, accept fails with NCGT_ERR_FULL
   * (the host closes the socket) and the refusal is counted and logged at
   * most once a second. 0 = unlimited (V1/V2: unlimited). */
  size_t max_pending;
  size_t max_pending_per_addr;
} ncgt_server_settings;

/* Longest source address ncgt_server_accept_from keeps (an IPv6 address
 * and port). */
#define NCGT_SRC_ADDR_MAX 18

/* Fills *s with the newest version and every default (all transforms,
 * no session limit, retry_after 30 s, default frame size and timers). */
NCGT_EXTERN void ncgt_server_settings_default(ncgt_server_settings *s);

NCGT_EXTERN NCGT_WUR int ncgt_server_new(ncgt_server **ps,
                                         const ncgt_server_settings *s,
                                         const ncgt_server_callbacks *cb,
                                         void *user_data);
/* Conns must be gone. Not from inside a callback. */
NCGT_EXTERN void ncgt_server_del(ncgt_server *s);
/* A server identity: its node name (matched against REQUEST's dest; "*"
 * matches any) and static private key. Several make virtual servers. */
NCGT_EXTERN NCGT_WUR int ncgt_server_add_identity(ncgt_server *s,
                                                  const char *name,
                                                  const uint8_t priv[NCGT_KEY_BYTES]);
/* The server's preference among its acceptable transforms: `order[0]`
 * first, then `order[1]`... (each one NCGT_TRANSFORM_* bit, all within
 * the settings' `transforms`; n <= 8). Of what a REQUEST offers, the
 * first in this order is chosen; transforms not listed come after, in
 * bit order. Without a call: bit order (AES-256-GCM first). */
NCGT_EXTERN NCGT_WUR int ncgt_server_set_transform_order(ncgt_server *s,
                                                         const uint16_t *order,
                                                         size_t n);
/* A TCP connection was accepted: a new server-side conn in Receive Relay
 * (Accept Wait 217 is the host's listen()). */
NCGT_EXTERN NCGT_WUR int ncgt_server_accept(ncgt_server *s, ncgt_conn **pc,
                                            const ncgt_conn_callbacks *cb,
                                            void *user_data, ncgt_tstamp ts);
/* ncgt_server_accept for a connection from `addr` (opaque bytes, e.g.
 * the peer's IP address without the port, <= NCGT_SRC_ADDR_MAX; NULL/0:
 * unknown), counted against max_pending_per_addr. NCGT_ERR_FULL beyond
 * max_pending or max_pending_per_addr: no conn is made. */
NCGT_EXTERN NCGT_WUR int ncgt_server_accept_from(
    ncgt_server *s, ncgt_conn **pc, const ncgt_conn_callbacks *cb,
    void *user_data, const uint8_t *addr, size_t addrlen, ncgt_tstamp ts);
/* Unauthenticated conns now held (what max_pending bounds). */
NCGT_EXTERN size_t ncgt_server_pending_count(const ncgt_server *s);
/* Accepts refused by max_pending / max_pending_per_addr so far. */
NCGT_EXTERN uint64_t ncgt_server_refused_count(const ncgt_server *s);
/* The live authorised conn of `user`, or NULL. */
NCGT_EXTERN ncgt_conn *ncgt_server_find_user(ncgt_server *s, const char *user);
/* CLOSE with `status` to every conn of `user` (e.g. removed on reload). */
NCGT_EXTERN int ncgt_server_close_user(ncgt_server *s, const char *user,
                                       uint16_t status, ncgt_tstamp ts);
/* CLOSE SHUTTING_DOWN to every conn. */
NCGT_EXTERN int ncgt_server_shutdown(ncgt_server *s, ncgt_tstamp ts);
NCGT_EXTERN size_t ncgt_server_session_count(const ncgt_server *s);
/* Reconfiguring a live server (a reload): applies max_sessions (0: no
 * limit) and timers of *st, and transforms and retry_after unless 0 (0
 * keeps the current value), to handshakes from now on (tunnels already
 * up keep the timers they started with). max_frame and features are
 * fixed at ncgt_server_new and ignored here. 0, or
 * NCGT_ERR_INVALID_ARGUMENT (nothing changed). */
NCGT_EXTERN NCGT_WUR int ncgt_server_update(ncgt_server *s,
                                            const ncgt_server_settings *st);

/* Close statuses are counted in slots 0..NCGT_STATS_CLOSE_SLOTS-2 by
 * value; the last slot counts every larger (unknown) status. */
#define NCGT_STATS_CLOSE_SLOTS 32
/* Counters of a server since ncgt_server_new. A handshake is one REQUEST
 * stage (Connect Wait, Fig. 12 221-224): it ends AUTHORIZED, or closed
 * with a status (auth-failed, server-full, handshake-timeout, ...). */
typedef struct ncgt_server_stats {
  uint64_t handshakes_ok;
  uint64_t handshakes_failed[NCGT_STATS_CLOSE_SLOTS]; /* by close status */
} ncgt_server_stats;
NCGT_EXTERN void ncgt_server_get_stats(const ncgt_server *s,
                                       ncgt_server_stats *st);

/* ---------------------------------------------------------------------
 * Tunnel relay (Fig. 13). Reads RELAY, finds its own name in the path,
 * chooses the forwarding address (the next name; or, for a configured
 * pool, the live member with the fewest active tunnels, skipping members
 * that failed recently), connects, forwards RELAY, then forwards frames
 * both ways without being able to read them. Never an open proxy: a next
 * hop must be allowed by configuration.
 * --------------------------------------------------------------------- */

typedef enum ncgt_side {
  NCGT_SIDE_IN = 0,  /* towards the initiator (accepted connection) */
  NCGT_SIDE_OUT = 1, /* towards the server (connection we opened) */
} ncgt_side;

#define NCGT_RELAY_CALLBACKS_V1 1u
#define NCGT_RELAY_CALLBACKS_VERSION NCGT_RELAY_CALLBACKS_V1 /* newest */
/* Callback failures: connect returning non-zero is
 * ncgt_rsess_connect_failed() at once (another pool member, or CLOSE
 * UNREACHABLE in); send returning non-zero ends the session with status
 * TRANSPORT and the call returns NCGT_ERR_CALLBACK_FAILURE. A session
 * must not be deleted from inside its callbacks: delete it once
 * ncgt_rsess_state() is DEAD after the call returns. */
typedef struct ncgt_relay_callbacks {
  uint32_t version; /* NCGT_RELAY_CALLBACKS_V1 */
  /* Required. Open the out-side transport to `next_hop`, then, from the
   * host's loop, call ncgt_rsess_connected() or
   * ncgt_rsess_connect_failed(); or return non-zero at once. */
  int (*connect)(ncgt_rsess *rs, const char *next_hop, void *sess_user_data);
  /* Required. Write bytes to one side. */
  int (*send)(ncgt_rsess *rs, ncgt_side side, const uint8_t *data, size_t len,
              void *sess_user_data);
  /* Required. Close one side's transport. */
  void (*close)(ncgt_rsess *rs, ncgt_side side, void *sess_user_data);
  /* Optional. */
  void (*state_changed)(ncgt_rsess *rs, ncgt_state from, ncgt_state to,
                        void *sess_user_data);
  ncgt_log_cb log; /* optional; gets the relay's user_data */
} ncgt_relay_callbacks;

#define NCGT_RELAY_SETTINGS_V1 1u
#define NCGT_RELAY_SETTINGS_V2 2u /* adds `idle_timeout` */
#define NCGT_RELAY_SETTINGS_VERSION NCGT_RELAY_SETTINGS_V2 /* newest */
typedef struct ncgt_relay_settings {
  uint32_t version;        /* NCGT_RELAY_SETTINGS_VERSION */
  const char *name;        /* this relay's node name in paths */
  size_t max_frame;        /* 0 = default */
  ncgt_tstamp relay_timeout;   /* wait for RELAY (default 10 s) */
  /* Forward Connect (default 4 s: keep it well below the initiators'
   * handshake timeout, 10 s by default, so a silent pool member is given
   * up and the next one tried while the client still waits). */
  ncgt_tstamp connect_timeout;
  /* Skip a failed pool member (30 s). A member fails when its connect is
   * refused or times out, or when the session ends (the client gave up)
   * after its connect was pending min(connect_timeout / 2, 2 s). */
  ncgt_tstamp fail_holdoff;
  /* V2. Forward with no frame either way for this long ends the session, so
   * a silently dead hop does not hold it forever (180 s; endpoints send
   * keepalives every 15 s by default). */
  ncgt_tstamp idle_timeout;
} ncgt_relay_settings;

/* Fills *s with the newest version and every default (name NULL: the
 * caller sets it). */
NCGT_EXTERN void ncgt_relay_settings_default(ncgt_relay_settings *s);

NCGT_EXTERN NCGT_WUR int ncgt_relay_new(ncgt_relay **pr,
                                        const ncgt_relay_settings *s,
                                        const ncgt_relay_callbacks *cb,
                                        void *user_data);
NCGT_EXTERN void ncgt_relay_del(ncgt_relay *r); /* sessions must be gone */
/* Allows `next_hop` as a forwarding address. */
NCGT_EXTERN NCGT_WUR int ncgt_relay_allow(ncgt_relay *r, const char *next_hop);
/* Makes `pool` a name that stands for several servers; adds `member`
 * (an allowed forwarding address). */
NCGT_EXTERN NCGT_WUR int ncgt_relay_add_pool_member(ncgt_relay *r,
                                                    const char *pool,
                                                    const char *member);
/* Reconfiguring a live relay (a reload): forgets every allowed
 * forwarding address and every pool's members, so the new configuration
 * can be given again with ncgt_relay_allow() and
 * ncgt_relay_add_pool_member(). Sessions keep running; an address given
 * again keeps its load and failure mark. Sessions that have not chosen
 * their next hop yet choose it from the new configuration. */
NCGT_EXTERN void ncgt_relay_clear_allowed(ncgt_relay *r);
/* 1 when the session has no forwarding address yet or its address is
 * still allowed (after a reload); 0 when a reload took it away (the
 * host decides what to do: ncg-relay closes such sessions). */
NCGT_EXTERN int ncgt_rsess_hop_allowed(const ncgt_rsess *rs);
/* Applies relay_timeout, connect_timeout, fail_holdoff and idle_timeout
 * of *s (0: the default) to every deadline set from now on. `name` must
 * be NULL or unchanged; max_frame is ignored (fixed at ncgt_relay_new).
 * 0 or NCGT_ERR_INVALID_ARGUMENT. */
NCGT_EXTERN NCGT_WUR int ncgt_relay_update(ncgt_relay *r,
                                           const ncgt_relay_settings *s);
/* Active tunnels through a forwarding address (pool member or plain). */
NCGT_EXTERN size_t ncgt_relay_member_load(const ncgt_relay *r,
                                          const char *member);

/* An in-side TCP connection was accepted: a session in Receive Relay. */
NCGT_EXTERN NCGT_WUR int ncgt_relay_accept(ncgt_relay *r, ncgt_rsess **prs,
                                           void *sess_user_data,
                                           ncgt_tstamp ts);
NCGT_EXTERN int ncgt_rsess_recv(ncgt_rsess *rs, ncgt_side side,
                                const uint8_t *data, size_t len,
                                ncgt_tstamp ts);
NCGT_EXTERN int ncgt_rsess_connected(ncgt_rsess *rs, ncgt_tstamp ts);
/* Forward connect failed: marks the member failed and tries another pool
 * member, or sends CLOSE UNREACHABLE in and dies. */
NCGT_EXTERN int ncgt_rsess_connect_failed(ncgt_rsess *rs, ncgt_tstamp ts);
NCGT_EXTERN int ncgt_rsess_transport_error(ncgt_rsess *rs, ncgt_side side,
                                           ncgt_tstamp ts);
NCGT_EXTERN ncgt_tstamp ncgt_rsess_get_expiry(const ncgt_rsess *rs);
NCGT_EXTERN int ncgt_rsess_handle_expiry(ncgt_rsess *rs, ncgt_tstamp ts);
NCGT_EXTERN ncgt_state ncgt_rsess_state(const ncgt_rsess *rs);
/* The forwarding address chosen (valid from Forward Connect on). */
NCGT_EXTERN const char *ncgt_rsess_next_hop(const ncgt_rsess *rs);
/* Why it ended (DYING/DEAD), else NULL. */
NCGT_EXTERN const ncgt_close_info *ncgt_rsess_close_info(const ncgt_rsess *rs);
/* The origin named by the session's RELAY frame (unauthenticated and
 * unescaped), "" before it arrived. */
NCGT_EXTERN const char *ncgt_rsess_origin(const ncgt_rsess *rs);
/* Bytes and whole frames forwarded, by the side they came from. */
typedef struct ncgt_rsess_stats {
  uint64_t bytes_from[2];  /* [NCGT_SIDE_IN]: initiator -> server */
  uint64_t frames_from[2];
} ncgt_rsess_stats;
NCGT_EXTERN void ncgt_rsess_get_stats(const ncgt_rsess *rs,
                                      ncgt_rsess_stats *st);
NCGT_EXTERN void ncgt_rsess_del(ncgt_rsess *rs);

#ifdef __cplusplus
}
#endif

#endif /* NCGTUN_CONN_H */
