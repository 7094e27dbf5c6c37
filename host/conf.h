/*
 * Configuration files: INI text read with Debian's libinih, and the value
 * parsers every program shares. Every mistake is reported once, as
 * "FILE:LINE: [section] key: what is wrong", and the program exits
 * non-zero.
 *
 * A line is at most NCG_INI_LINE_MAX characters (libinih's buffer, fixed
 * when the library is built, minus its newline and NUL): a longer line is
 * an error, never split. Control bytes in messages are printed as \xHH.
 *
 * Repeated keys and inih's indented continuation lines append to list
 * values (listen, routes, members...); a scalar key given twice is an
 * error.
 */
#ifndef NCG_CONF_H
#define NCG_CONF_H

#include <stddef.h>
#include <stdint.h>

enum { NCG_INI_LINE_MAX = 198 };

typedef struct ncg_ini ncg_ini;

/* Called for each key. Returns 0, or ncg_ini_fail(...). */
typedef int (*ncg_ini_kv_fn)(ncg_ini *ini, const char *section,
                             const char *key, const char *value);

struct ncg_ini {
  const char *file;
  ncg_ini_kv_fn on_kv;
  void *obj;
  int line;      /* line of the key being handled (for later checks) */
  char why[256]; /* first mistake, without file and line */
  char msg[512]; /* full message after ncg_ini_load failed */
};

/* Parses `path`. Returns 0, or -1 with ini->msg set. */
int ncg_ini_load(ncg_ini *ini, const char *path, ncg_ini_kv_fn on_kv,
                 void *obj);
/* Records the first mistake ("[section] key: ..."); returns -1. */
int ncg_ini_fail(ncg_ini *ini, const char *section, const char *key,
                 const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* The standard "unknown key" mistake. */
int ncg_ini_unknown(ncg_ini *ini, const char *section, const char *key);

/* Value parsers: 0, or -1 with *why pointing at static text. */
int ncg_parse_bool(const char *s, int *out, const char **why);
int ncg_parse_u32(const char *s, uint32_t min, uint32_t max, uint32_t *out,
                  const char **why);
/* "192.0.2.1" -> host-order address. */
int ncg_parse_ip4(const char *s, uint32_t *out, const char **why);
/* "192.0.2.0/24" (plain address = /32) -> host order address and length.
 * With `strict`, host bits must be zero (routes). */
int ncg_parse_ip4_cidr(const char *s, int strict, uint32_t *addr,
                       unsigned *plen, const char **why);
/* Node and user names: 1..255 bytes, no spaces, commas or control
 * characters. Copies into out[cap]. */
/* An IPv6 address with an optional /LEN (default 128) into addr (wire
 * order); strict: no bits set beyond LEN. */
int ncg_parse_ip6_cidr(const char *s, int strict, uint8_t addr[16],
                       unsigned *plen, const char **why);
const char *ncg_ip6_str(const uint8_t a[16], char buf[46]);
int ncg_parse_name(const char *s, char *out, size_t cap, const char **why);
/* Copies a string that must fit out[cap] and not be empty. */
int ncg_parse_str(const char *s, char *out, size_t cap, const char **why);

/* Splits lists: items separated by commas and/or whitespace. Copies the
 * next item to tok[cap] and advances *p; returns 0 at the end, -1 if an
 * item does not fit, else 1. */
int ncg_list_next(const char **p, char *tok, size_t cap);

/* Host-order IPv4 address as text into buf[16]. */
const char *ncg_ip4_str(uint32_t a, char buf[16]);
uint32_t ncg_ip4_mask(unsigned plen);

#endif /* NCG_CONF_H */
