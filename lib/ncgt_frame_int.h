/*
 * Helpers shared by the frame codecs (lib/ncgt_frame*.c). Not public.
 *
 * Every decoder starts with ncgt_frame_open(), which checks the common
 * header and leaves a reader positioned after it, bounded by the frame's
 * length field. Every encoder brackets its writes with ncgt_frame_begin()
 * and ncgt_frame_end(), which patches the length field (Fig. 6 field 100
 * and its twins 120, 150, 170, 190).
 *
 * RELAY, REQUEST and RESPONSE end with a string buffer (Fig. 6 field 112,
 * Fig. 7 field 138, Fig. 8 field 163) that fixed-size index fields point
 * into. ncgt_strbuf_* resolve one index each into a span of that buffer
 * and ncgt_spans_check() insists that the spans are disjoint, cover the
 * buffer exactly and follow field order, so a frame has one encoding.
 */
#ifndef NCGT_FRAME_INT_H
#define NCGT_FRAME_INT_H

#include <ncgtun/frame.h>

#include "ncgt_cursor.h"

/* Fixed part (bytes before any variable field) of a frame type, or 0 for
 * an unknown type. */
size_t ncgt_frame_fixed_len(uint8_t type);

/* Checks that buf[0..len) is exactly one whole frame of `type` and sets
 * `r` to read its body, starting just after the common header. */
NCGT_WUR int ncgt_frame_open(ncgt_rd *r, const uint8_t *buf, size_t len,
                             uint8_t type);

/* Writes a common header with a zero length; ncgt_frame_end() fills it. */
NCGT_WUR int ncgt_frame_begin(ncgt_wr *w, uint8_t *dst, size_t cap,
                              uint8_t type);
/* Patches the length field and returns the frame length or w->err. */
NCGT_WUR ssize_t ncgt_frame_end(ncgt_wr *w);

/* A frame whose inner length fields add up to `want` bytes but whose
 * length field says `have`: BAD_LENGTH when the contents would not fit,
 * TRAILING_BYTES when bytes are left over (DATA, CLOSE). */
NCGT_WUR int ncgt_frame_len_check(size_t have, size_t want);

/* A run of bytes in a string buffer, referenced by one index field. */
typedef struct ncgt_span {
  size_t off;
  size_t len;
} ncgt_span;

/* Resolves a NUL-terminated name at index `idx` of the string buffer
 * sb[0..sblen): BAD_OFFSET, UNTERMINATED or BAD_NAME on failure. The span
 * includes the NUL. */
NCGT_WUR int ncgt_strbuf_name(const uint8_t *sb, size_t sblen, uint16_t idx,
                              const char **name, ncgt_span *sp);
/* Resolves `n` binary bytes at index `idx`: BAD_OFFSET when idx is outside
 * the buffer, BAD_LENGTH when the bytes run past its end. */
NCGT_WUR int ncgt_strbuf_bytes(const uint8_t *sb, size_t sblen, uint16_t idx,
                               size_t n, const uint8_t **p, ncgt_span *sp);
/* OVERLAP when two spans share a byte, TRAILING_BYTES when some byte of
 * the buffer is in no span, BAD_OFFSET when the spans are not back to back
 * in the order given (the canonical layout). */
NCGT_WUR int ncgt_spans_check(const ncgt_span *sp, size_t n, size_t sblen);

/* Length of a name an encoder is given: BAD_NAME unless 1..NCGT_NAME_MAX
 * bytes before its NUL (NULL is BAD_NAME too). */
NCGT_WUR int ncgt_name_len(const char *name, size_t *len);

/* Type byte of a whole frame from the stream decoder (0 if too short). */
uint8_t ncgt_frame_type_of(const uint8_t *f, size_t len);
/* The CLOSE status for a frame that failed to decode: VERSION for
 * NCGT_ERR_BAD_VERSION, else PROTOCOL. */
uint16_t ncgt_frame_err_close_status(int err);
/* Copies a name for a log line, every byte outside printable ASCII (and
 * space) replaced by '?': names from the wire must not forge log lines. */
void ncgt_log_name(char *out, size_t cap, const char *name);

/* Largest frames that can legitimately arrive before a tunnel is
 * authorised (doc/protocol.md): RELAY with a full path (origin and path
 * names in its string buffer) and REQUEST (destination name, key
 * exchange data). Server conns and relay sessions start with buffers of
 * this size and grow to max_frame once authorised / forwarding, so an
 * unauthenticated connection costs kilobytes, not 3 x max_frame. */
#define NCGT_RELAY_FRAME_MAX                                                   \
  ((size_t)NCGT_RELAY_FIXED_LEN + 2 * NCGT_PATH_MAX +                          \
   (NCGT_PATH_MAX + 1) * (NCGT_NAME_MAX + 1))
#define NCGT_REQUEST_FRAME_MAX                                                 \
  ((size_t)NCGT_REQUEST_FIXED_LEN + NCGT_NAME_MAX + 1 + NCGT_KX_MAX)
#define NCGT_PREAUTH_FRAME_MAX                                                 \
  (NCGT_RELAY_FRAME_MAX > NCGT_REQUEST_FRAME_MAX ? NCGT_RELAY_FRAME_MAX        \
                                                 : NCGT_REQUEST_FRAME_MAX)

/* Is `p` the decoder's reassembly buffer (a frame it may let the conn
 * open in place)? */
int ncgt_fdec_owns(const ncgt_fdec *dec, const uint8_t *p);

#endif /* NCGT_FRAME_INT_H */
