/*
 * Frame codecs: the five tunnel frames of the patent (EP 0 838 930,
 * Figs. 6-10) and a streaming decoder that turns a TCP byte stream, split
 * anywhere, into whole frames. The byte layout is in doc/protocol.md; the
 * constants below are the only place its sizes are written down.
 *
 * Decoders borrow: pointers in a decoded struct point into the frame
 * bytes passed in and are valid as long as those bytes are. Encoders write
 * into a caller-owned buffer and return the number of bytes written, or a
 * negative ncgt_status (NCGT_ERR_NOBUF when `cap` is too small).
 */
#ifndef NCGTUN_FRAME_H
#define NCGTUN_FRAME_H

#include <ncgtun/ncgtun.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Common header of every frame: length (u32, whole frame including this
 * header), type (u8), version (u8). Fields 100/102/104 of Fig. 6 and
 * their twins in Figs. 7-10. */
enum {
  NCGT_FRAME_HDR_LEN = 4 + 1 + 1,
  /* Node, user and destination names: 1..NCGT_NAME_MAX bytes + NUL. */
  NCGT_NAME_MAX = 255,
  /* Relay path entries after the origin (Fig. 6 fields 108, 110, ...). */
  NCGT_PATH_MAX = 16,
  /* AEAD tag length: the patent's digest (Fig. 9 field 187). */
  NCGT_DIGEST_LEN = 16,
  /* DATA fixed header: common header + protocol, flags, datagram length,
   * pad length, digest length. This whole header is the AEAD's
   * associated data. */
  NCGT_DATA_HDR_LEN = NCGT_FRAME_HDR_LEN + 1 + 1 + 2 + 1 + 1,
  /* Largest datagram a DATA frame can carry (its length field is u16). */
  NCGT_DATAGRAM_MAX = 65535,
  /* CLOSE fixed part: header + status, flags, digest len, retry, info len */
  NCGT_CLOSE_HDR_LEN = NCGT_FRAME_HDR_LEN + 2 + 1 + 1 + 4 + 2,
  NCGT_CLOSE_INFO_MAX = 255,
  /* REQUEST / RESPONSE fixed parts before their string buffers. */
  NCGT_REQUEST_FIXED_LEN = NCGT_FRAME_HDR_LEN + 2 + 2 + 2 + 2 + 2,
  NCGT_RESPONSE_FIXED_LEN = NCGT_FRAME_HDR_LEN + 2 + 2 + 2 + 2,
  /* RELAY fixed part: header + origin index + path count. */
  NCGT_RELAY_FIXED_LEN = NCGT_FRAME_HDR_LEN + 2 + 2,
  /* Maximum key exchange data (Noise message) carried in REQUEST/RESPONSE */
  NCGT_KX_MAX = 1024,
};

/* Default and hard ceiling for the configurable maximum frame size. The
 * default fits the largest DATA frame. */
#define NCGT_FRAME_MAX_DEFAULT                                                 \
  ((size_t)(NCGT_DATA_HDR_LEN + NCGT_DIGEST_LEN + NCGT_DATAGRAM_MAX + 255))
#define NCGT_FRAME_MAX_LIMIT ((size_t)1 << 20)

/* DATA flags (Fig. 9 field 180). */
enum {
  NCGT_DATA_FLAG_KEY_PHASE = 1u << 0, /* which key generation sealed it */
  NCGT_DATA_FLAGS_KNOWN = NCGT_DATA_FLAG_KEY_PHASE,
};

/* DATA protocol byte (Fig. 9 field 176): what the datagram is. */
enum {
  NCGT_DATA_PROTO_NONE = 0, /* keepalive: no datagram */
  NCGT_DATA_PROTO_IPV4 = 4,
  NCGT_DATA_PROTO_IPV6 = 6,
  /* A GSO super-segment: the datagram is an ncgt_gso descriptor
   * (NCGT_GSO_DESC_LEN bytes) then an IPv4 or IPv6 packet the receiver's
   * kernel segments. Only when both ends negotiated NCGT_KX_FLAG_GSO. */
  NCGT_DATA_PROTO_GSO = 0x47,
};

/* REQUEST / RESPONSE flags (Fig. 7 field 134, Fig. 8 field 160). */
enum {
  NCGT_KX_FLAG_REKEY = 1u << 0, /* handshake inside an authorised tunnel */
  /* REQUEST: the initiator can take NCGT_DATA_PROTO_GSO; RESPONSE: both
   * ends may send it from now on. Bound by the handshake (the REQUEST's
   * flags are in the Noise prologue, the RESPONSE's in its payload). */
  NCGT_KX_FLAG_GSO = 1u << 1,
  NCGT_KX_FLAGS_KNOWN = NCGT_KX_FLAG_REKEY | NCGT_KX_FLAG_GSO,
};

/* Negotiated features (ncgt_conn_features, settings `features`). */
enum {
  NCGT_FEATURE_GSO = 1u << 0, /* DATA may carry NCGT_DATA_PROTO_GSO */
};

/* GSO descriptor at the start of an NCGT_DATA_PROTO_GSO datagram: the
 * segmentation metadata of Linux's virtio_net_hdr, offsets relative to
 * the IP packet that follows. Layout (big-endian): u8 ip version (4/6),
 * u8 gso type, u8 flags, u8 reserved (0), u16 hdr_len, u16 gso_size,
 * u16 csum_start, u16 csum_offset. doc/protocol.md "GSO datagrams". */
enum {
  NCGT_GSO_DESC_LEN = 1 + 1 + 1 + 1 + 2 + 2 + 2 + 2,
  NCGT_GSO_NONE = 0,  /* one packet, checksum left partial */
  NCGT_GSO_TCPV4 = 1,
  NCGT_GSO_TCPV6 = 2,
  NCGT_GSO_F_NEEDS_CSUM = 1u << 0, /* checksum at csum_start+csum_offset
                                      holds only the pseudo-header sum */
  NCGT_GSO_FLAGS_KNOWN = NCGT_GSO_F_NEEDS_CSUM,
};

typedef struct ncgt_gso {
  uint8_t ipver;        /* 4 or 6: the packet's IP version */
  uint8_t type;         /* NCGT_GSO_* */
  uint8_t flags;        /* NCGT_GSO_F_* */
  uint16_t hdr_len;     /* IP + TCP header bytes (a hint, may be 0) */
  uint16_t gso_size;    /* payload bytes per segment (the MSS) */
  uint16_t csum_start;  /* offset of the L4 header in the IP packet */
  uint16_t csum_offset; /* offset of its checksum field from csum_start */
} ncgt_gso;

/* Room around a datagram for sealing and opening in place (doc/api.md
 * "Zero-copy data path"). A DATA frame is its NCGT_DATA_HDR_LEN-byte
 * header, the NCGT_DIGEST_LEN-byte digest, then the datagram: a host that
 * leaves NCGT_DATAGRAM_TX_HEADROOM bytes in front of a datagram in its own
 * buffer gets the frame sealed right there, with no copy. On receive a
 * frame is opened where it lies, so every datagram handed out in place
 * has the frame's header and digest, NCGT_DATAGRAM_RX_HEADROOM bytes, in
 * front of it to reuse: room for the 14-byte Ethernet header a TAP
 * wants. */
enum {
  NCGT_DATAGRAM_TX_HEADROOM = NCGT_DATA_HDR_LEN + NCGT_DIGEST_LEN,
  NCGT_DATAGRAM_TX_TAILROOM = 0,
  NCGT_DATAGRAM_RX_HEADROOM = NCGT_DATA_HDR_LEN + NCGT_DIGEST_LEN,
};

/* One datagram in a buffer someone else owns, with what is already known
 * about it, so nobody copies it or parses it twice. Valid only during the
 * call or callback it is handed to. */
typedef struct ncgt_datagram {
  uint8_t proto;       /* NCGT_DATA_PROTO_IPV4 / _IPV6 / _GSO */
  uint8_t *dg;         /* the datagram as DATA carries it (GSO: the
                        * descriptor, then the packet); writable */
  size_t dglen;
  size_t headroom;     /* writable bytes right before dg */
  size_t tailroom;     /* writable bytes right after dg + dglen */
  const ncgt_gso *gso; /* _GSO: the descriptor, decoded; else NULL */
  uint8_t *pkt;        /* the IP packet: dg, or dg + NCGT_GSO_DESC_LEN */
  size_t pktlen;
  uint32_t ip4_dst;    /* from the adapter: the IPv4 destination, host
                        * order; 0 for IPv6 (and from a conn) */
} ncgt_datagram;

/* CLOSE flags. */
enum {
  NCGT_CLOSE_FLAG_AUTH = 1u << 0,      /* digest present (keys existed) */
  NCGT_CLOSE_FLAG_KEY_PHASE = 1u << 1, /* key generation of the digest */
  NCGT_CLOSE_FLAGS_KNOWN = NCGT_CLOSE_FLAG_AUTH | NCGT_CLOSE_FLAG_KEY_PHASE,
};

/* Common header, read without consuming. */
typedef struct ncgt_frame_hdr {
  uint32_t length;
  uint8_t type;
  uint8_t version;
} ncgt_frame_hdr;

/* Fig. 6: RELAY. Names are NUL-terminated, 1..NCGT_NAME_MAX bytes. path[0]
 * is the first hop after the origin; path[npath-1] is the tunnel server
 * (or a pool name a relay resolves). */
typedef struct ncgt_frame_relay {
  const char *origin;               /* field 106 */
  size_t npath;                     /* 1..NCGT_PATH_MAX */
  const char *path[NCGT_PATH_MAX];  /* fields 108, 110, ... */
} ncgt_frame_relay;

/* Fig. 7: REQUEST. The user name (126) and client data (136) travel
 * inside the encrypted key exchange data; see doc/protocol.md. */
typedef struct ncgt_frame_request {
  uint16_t flags;        /* field 134, NCGT_KX_FLAG_* */
  uint16_t transforms;   /* field 132, offered ncgt_transform bits */
  const char *dest;      /* field 128: destination node name */
  const uint8_t *kx;     /* field 130: key exchange data (Noise message 1) */
  size_t kxlen;          /* 1..NCGT_KX_MAX */
} ncgt_frame_request;

/* Fig. 8: RESPONSE. Client data (162) is inside the key exchange data. */
typedef struct ncgt_frame_response {
  uint16_t flags;        /* field 160 */
  uint16_t transform;    /* field 158: exactly one ncgt_transform bit */
  const uint8_t *kx;     /* field 156: key exchange data (Noise message 2) */
  size_t kxlen;          /* 1..NCGT_KX_MAX */
} ncgt_frame_response;

/* Fig. 9: DATA. `body` is the ciphertext of datagram || padding
 * (fields 188, 189), `digest` the AEAD tag (187). */
typedef struct ncgt_frame_data {
  uint8_t proto;         /* field 176: NCGT_DATA_PROTO_* */
  uint8_t flags;         /* field 180 */
  uint16_t dglen;        /* field 178/182: datagram length */
  uint8_t padlen;        /* field 184 */
  uint8_t digestlen;     /* field 186 */
  const uint8_t *digest; /* field 187 */
  const uint8_t *body;   /* fields 188+189: dglen + padlen bytes */
} ncgt_frame_data;

/* Fig. 10: CLOSE. */
typedef struct ncgt_frame_close {
  uint16_t status;       /* field 193: ncgt_close_status */
  uint8_t flags;         /* NCGT_CLOSE_FLAG_* */
  uint8_t digestlen;     /* 0, or NCGT_DIGEST_LEN with FLAG_AUTH */
  uint32_t retry_after;  /* seconds; 0 = none (SERVER_FULL) */
  const uint8_t *info;   /* redirect target "host:port", not NUL-terminated */
  size_t infolen;        /* 0..NCGT_CLOSE_INFO_MAX */
  const uint8_t *digest; /* NULL when digestlen == 0 */
} ncgt_frame_close;

/* Reads the common header of `buf` (at least NCGT_FRAME_HDR_LEN bytes) and
 * checks it against `max_frame`: length too small / too large, unknown
 * type, bad version. Returns 0 or the specific negative status. */
NCGT_EXTERN NCGT_WUR int ncgt_frame_check_hdr(const uint8_t *buf, size_t len,
                                              size_t max_frame,
                                              ncgt_frame_hdr *hdr);

/* Decoders take exactly one whole frame (`len` equals its length field) */
NCGT_EXTERN NCGT_WUR int ncgt_relay_decode(ncgt_frame_relay *out,
                                           const uint8_t *buf, size_t len);
NCGT_EXTERN NCGT_WUR int ncgt_request_decode(ncgt_frame_request *out,
                                             const uint8_t *buf, size_t len);
NCGT_EXTERN NCGT_WUR int ncgt_response_decode(ncgt_frame_response *out,
                                              const uint8_t *buf, size_t len);
NCGT_EXTERN NCGT_WUR int ncgt_data_decode(ncgt_frame_data *out,
                                          const uint8_t *buf, size_t len);
NCGT_EXTERN NCGT_WUR int ncgt_close_decode(ncgt_frame_close *out,
                                           const uint8_t *buf, size_t len);

NCGT_EXTERN NCGT_WUR ssize_t ncgt_relay_encode(uint8_t *dst, size_t cap,
                                               const ncgt_frame_relay *in);
NCGT_EXTERN NCGT_WUR ssize_t ncgt_request_encode(uint8_t *dst, size_t cap,
                                                 const ncgt_frame_request *in);
NCGT_EXTERN NCGT_WUR ssize_t
ncgt_response_encode(uint8_t *dst, size_t cap, const ncgt_frame_response *in);
/* Writes the DATA header (NCGT_DATA_HDR_LEN bytes) only, for a frame whose
 * digest and body the caller fills in place after it; the transform module
 * uses this to seal without copying. */
NCGT_EXTERN NCGT_WUR ssize_t ncgt_data_encode_hdr(uint8_t *dst, size_t cap,
                                                  const ncgt_frame_data *in);
/* Writes a whole DATA frame, copying digest and body. */
NCGT_EXTERN NCGT_WUR ssize_t ncgt_data_encode(uint8_t *dst, size_t cap,
                                              const ncgt_frame_data *in);
/* Writes a whole CLOSE frame; with FLAG_AUTH the digest is copied from
 * in->digest, or left for the caller to fill (zeroed) when it is NULL. */
NCGT_EXTERN NCGT_WUR ssize_t ncgt_close_encode(uint8_t *dst, size_t cap,
                                               const ncgt_frame_close *in);

/* Decodes the descriptor at the start of a GSO datagram and checks it
 * against the packet after it: known type and flags, reserved byte 0, IP
 * version equal to the packet's and to the type's, a segmenting type has
 * NEEDS_CSUM, a non-zero gso_size and a TCP checksum offset (16), the
 * checksum field lies inside the packet. Sets *pkt / *pktlen to the IP
 * packet. Returns 0 or NCGT_ERR_TRUNCATED / _BAD_FLAGS / _BAD_VALUE /
 * _BAD_OFFSET. */
NCGT_EXTERN NCGT_WUR int ncgt_gso_decode(ncgt_gso *g, const uint8_t *dg,
                                         size_t len, const uint8_t **pkt,
                                         size_t *pktlen);
/* Writes the NCGT_GSO_DESC_LEN-byte descriptor. Returns its length or a
 * negative status (NCGT_ERR_NOBUF, or NCGT_ERR_BAD_* for a descriptor
 * ncgt_gso_decode would refuse without looking at the packet). */
NCGT_EXTERN NCGT_WUR ssize_t ncgt_gso_encode(uint8_t *dst, size_t cap,
                                             const ncgt_gso *g);

/* ---------------------------------------------------------------------
 * Streaming decoder. Feed it TCP bytes in any split; it yields one whole
 * frame at a time. The header is checked (ncgt_frame_check_hdr) as soon
 * as its 6 bytes have arrived, before any frame body is buffered, so an
 * oversize length never causes an allocation. Memory is bounded by
 * max_frame, allocated once at creation.
 * --------------------------------------------------------------------- */
typedef struct ncgt_fdec ncgt_fdec;

NCGT_EXTERN NCGT_WUR int ncgt_fdec_new(ncgt_fdec **pdec, size_t max_frame);
NCGT_EXTERN void ncgt_fdec_del(ncgt_fdec *dec);

/*
 * Consumes bytes from data[0..len). Returns the number of bytes consumed
 * (0..len) or a negative status (the stream is then unusable: every later
 * call returns the same status). When a whole frame is complete, stops
 * consuming, sets *frame / *framelen to it and returns; the frame is valid
 * until the next call (it may point into `data` itself when the frame was
 * there whole: no copy). Otherwise *frame is set to NULL. Call again with
 * the rest of the input until it is all consumed.
 */
NCGT_EXTERN NCGT_WUR ssize_t ncgt_fdec_feed(ncgt_fdec *dec, const uint8_t *data,
                                            size_t len, const uint8_t **frame,
                                            size_t *framelen);
/* Number of bytes of an incomplete frame currently buffered. */
NCGT_EXTERN size_t ncgt_fdec_pending(const ncgt_fdec *dec);

#ifdef __cplusplus
}
#endif

#endif /* NCGTUN_FRAME_H */
