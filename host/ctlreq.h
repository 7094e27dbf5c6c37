/*
 * The control socket's request (doc/status.md): one line of printable
 * ASCII, at most NCG_CTL_REQ_MAX bytes with its newline:
 *   status [text|json|prometheus]
 *   disconnect USER          (ncg-server)
 *   reconnect                (ncg-client)
 * Pure parsing, no I/O: the fuzz target fuzz/fuzz_ctlreq.c drives it.
 */
#ifndef NCG_CTLREQ_H
#define NCG_CTLREQ_H

#include <stddef.h>
#include <stdint.h>

#include <ncgtun/frame.h>

enum { NCG_CTL_REQ_MAX = 512 };

typedef enum ncg_ctl_verb {
  NCG_CTL_STATUS = 1,
  NCG_CTL_DISCONNECT,
  NCG_CTL_RECONNECT,
} ncg_ctl_verb;

typedef enum ncg_ctl_format {
  NCG_FMT_TEXT = 0,
  NCG_FMT_JSON,
  NCG_FMT_PROMETHEUS,
} ncg_ctl_format;

typedef struct ncg_ctl_req {
  ncg_ctl_verb verb;
  ncg_ctl_format format;        /* status */
  char user[NCGT_NAME_MAX + 1]; /* disconnect */
} ncg_ctl_req;

/* Parses one request: the bytes up to and without the first '\n' (a
 * trailing '\r' is ignored). 0, or -1 with *why set to a static
 * message for the error answer. */
int ncg_ctl_parse(const uint8_t *line, size_t len, ncg_ctl_req *out,
                  const char **why);

#endif /* NCG_CTLREQ_H */
