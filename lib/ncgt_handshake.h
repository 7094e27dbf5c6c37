/*
 * The key exchange / authentication handshake carried by REQUEST and
 * RESPONSE (patent Figs. 5, 7, 8): Noise_IKpsk2_25519_ChaChaPoly_SHA256
 * (Noise spec rev. 34, sections 5, 7.5, 9, 12). The exact byte layout,
 * prologue and payloads are in doc/handshake.md.
 *
 *   IKpsk2:
 *     <- s
 *     ...
 *     -> e, es, s, ss          (REQUEST key exchange data)
 *     <- e, ee, se, psk        (RESPONSE key exchange data)
 *
 * The PSK is all zeros when none is configured (as WireGuard does), so
 * one pattern serves both cases.
 */
#ifndef NCGT_HANDSHAKE_H
#define NCGT_HANDSHAKE_H

#include <sys/types.h>

#include <ncgtun/frame.h>

#include "ncgt_crypto.h"
#include "ncgt_noise.h"

enum {
  NCGT_TAI64N_LEN = 12,
  /* REQUEST / RESPONSE key exchange data without payloads: the Noise
   * messages' overheads (lib/ncgt_noise.h). */
  NCGT_MSG1_OVERHEAD = NCGT_NOISE_MSG1_OVERHEAD,
  NCGT_MSG2_OVERHEAD = NCGT_NOISE_MSG2_OVERHEAD,
  /* Client data in RESPONSE: DHCP options (RFC 2132 TLVs). */
  NCGT_CLIENT_DATA_MAX = 512,
};

/* What the initiator puts in REQUEST. */
typedef struct ncgt_request_params {
  const uint8_t *s_priv;      /* initiator's static private key */
  const uint8_t *server_pub;  /* responder's static public key */
  const char *user;           /* user name, field 126 (encrypted) */
  const char *dest;           /* destination node name, field 128 */
  uint16_t transforms;        /* offered, field 132 */
  uint16_t flags;             /* NCGT_KX_FLAG_* */
  uint8_t tai64n[NCGT_TAI64N_LEN]; /* monotonic timestamp, anti-replay */
  const uint8_t *e_priv;      /* fresh ephemeral private key (random) */
  /* Added: client data field 136 (Fig. 23 step 502: the server ignores
   * it); may be NULL. <= NCGT_CLIENT_DATA_MAX. */
  const uint8_t *client_data;
  size_t client_data_len;
} ncgt_request_params;

/* What the responder learns from REQUEST (all authenticated). */
typedef struct ncgt_request_info {
  char user[NCGT_NAME_MAX + 1];
  uint8_t client_pub[NCGT_KEY_BYTES];
  uint8_t tai64n[NCGT_TAI64N_LEN];
  uint16_t transforms; /* offered */
  uint16_t flags;
} ncgt_request_info;

/* What the responder puts in RESPONSE. */
typedef struct ncgt_response_params {
  uint16_t transform;        /* chosen, one bit */
  uint16_t flags;
  uint32_t key_lifetime;     /* seconds */
  const uint8_t *client_data; /* DHCP options, Fig. 23; may be NULL */
  size_t client_data_len;     /* <= NCGT_CLIENT_DATA_MAX */
  const uint8_t *psk;         /* NULL = all zero */
  const uint8_t *e_priv;      /* fresh ephemeral private key (random) */
} ncgt_response_params;

typedef struct ncgt_response_info {
  uint16_t transform;
  uint32_t key_lifetime;
  uint8_t client_data[NCGT_CLIENT_DATA_MAX];
  size_t client_data_len;
} ncgt_response_info;

/* Initiator: builds a whole REQUEST frame into out; hs is left ready for
 * ncgt_response_open. Returns the frame length or a negative status. */
NCGT_WUR ssize_t ncgt_request_build(ncgt_hs *hs, const ncgt_request_params *p,
                                    uint8_t *out, size_t cap);
/* Responder: processes a decoded REQUEST with the static key chosen by its
 * `dest`. NCGT_ERR_AUTH when it does not decrypt. */
NCGT_WUR int ncgt_request_open(ncgt_hs *hs, const ncgt_frame_request *req,
                               const uint8_t s_priv[NCGT_KEY_BYTES],
                               ncgt_request_info *info);
/* Where a responder keeps DH(s, rs) per remote static key ("ss" is the
 * same for every handshake of one client with one identity). */
typedef struct ncgt_ss_cache {
  int (*lookup)(void *arg, const uint8_t rs[NCGT_KEY_BYTES],
                uint8_t out[NCGT_KEY_BYTES]);
  void *arg;
} ncgt_ss_cache;
/* The same with the static key as an object made once (the server's
 * identities): borrowed, it must outlive hs. cache may be NULL; the ss
 * used is left in hs->ss_dh. */
NCGT_WUR int ncgt_request_open_key(ncgt_hs *hs, const ncgt_frame_request *req,
                                   const ncgt_x25519_key *s_key,
                                   const ncgt_ss_cache *cache,
                                   ncgt_request_info *info);
/* Responder: builds a whole RESPONSE frame. */
NCGT_WUR ssize_t ncgt_response_build(ncgt_hs *hs,
                                     const ncgt_response_params *p,
                                     uint8_t *out, size_t cap);
/* Initiator: processes a decoded RESPONSE. `offered` is what REQUEST
 * offered: a transform outside it is NCGT_ERR_NO_TRANSFORM; a clear
 * transform field different from the encrypted one is NCGT_ERR_AUTH. */
NCGT_WUR int ncgt_response_open(ncgt_hs *hs, const ncgt_frame_response *resp,
                                const uint8_t *psk, uint16_t offered,
                                ncgt_response_info *info);
/* After a completed handshake: the two data keys (Noise Split(), section
 * 5.2), oriented for this side: send_key is what this side seals with. */
NCGT_WUR int ncgt_hs_split(ncgt_hs *hs, uint8_t send_key[NCGT_KEY_BYTES],
                           uint8_t recv_key[NCGT_KEY_BYTES]);
void ncgt_hs_wipe(ncgt_hs *hs);

/* Prologue label (doc/handshake.md): the prologue is this label followed
 * by REQUEST's clear fields: flags (u16), transforms (u16), destination
 * name length (u8) and the name. */
#define NCGT_PROLOGUE_LABEL "ncgtun/1"
enum {
  NCGT_PROLOGUE_LABEL_LEN = sizeof NCGT_PROLOGUE_LABEL - 1,
  NCGT_PROLOGUE_MAX = NCGT_PROLOGUE_LABEL_LEN + 2 + 2 + 1 + NCGT_NAME_MAX,
  /* Largest payloads (doc/handshake.md "payloads"). */
  NCGT_REQ_PAYLOAD_MAX = NCGT_TAI64N_LEN + 1 + NCGT_NAME_MAX + 2 +
                         NCGT_CLIENT_DATA_MAX,
  NCGT_RESP_PAYLOAD_MAX = 2 + 2 + 4 + 2 + NCGT_CLIENT_DATA_MAX,
};
_Static_assert(NCGT_MSG1_OVERHEAD + NCGT_REQ_PAYLOAD_MAX <= NCGT_KX_MAX &&
                   NCGT_MSG2_OVERHEAD + NCGT_RESP_PAYLOAD_MAX <= NCGT_KX_MAX,
               "handshake messages fit the key exchange field");

/* Encodes a TAI64N label (seconds since 1970 + 2^62, nanoseconds) from
 * wall-clock nanoseconds since the Unix epoch, supplied by the host. */
void ncgt_tai64n(uint8_t out[NCGT_TAI64N_LEN], uint64_t unix_ns);

#endif /* NCGT_HANDSHAKE_H */
