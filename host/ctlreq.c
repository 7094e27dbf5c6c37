/* Control request parser (ctlreq.h). */
#include "ctlreq.h"

#include <string.h>

/* The next space-separated word of [*p, end): its start and length, or
 * length 0 at the end. */
static size_t next_word(const uint8_t **p, const uint8_t *end,
                        const uint8_t **word) {
  while (*p < end && **p == ' ')
    (*p)++;
  *word = *p;
  while (*p < end && **p != ' ')
    (*p)++;
  return (size_t)(*p - *word);
}

static int word_is(const uint8_t *w, size_t n, const char *s) {
  return n == strlen(s) && memcmp(w, s, n) == 0;
}

int ncg_ctl_parse(const uint8_t *line, size_t len, ncg_ctl_req *out,
                  const char **why) {
  memset(out, 0, sizeof(*out));
  if (len > 0 && line[len - 1] == '\r')
    len--;
  if (len >= NCG_CTL_REQ_MAX) {
    *why = "request too long";
    return -1;
  }
  for (size_t i = 0; i < len; i++)
    if (line[i] < 0x20 || line[i] > 0x7e) {
      *why = "request is not printable ASCII";
      return -1;
    }
  const uint8_t *p = line, *end = line + len, *w, *a, *x;
  size_t wn = next_word(&p, end, &w);
  size_t an = next_word(&p, end, &a);
  size_t xn = next_word(&p, end, &x);
  if (wn == 0) {
    *why = "empty request";
    return -1;
  }
  if (word_is(w, wn, "status")) {
    out->verb = NCG_CTL_STATUS;
    if (an == 0 || word_is(a, an, "text"))
      out->format = NCG_FMT_TEXT;
    else if (word_is(a, an, "json"))
      out->format = NCG_FMT_JSON;
    else if (word_is(a, an, "prometheus"))
      out->format = NCG_FMT_PROMETHEUS;
    else {
      *why = "status takes text, json or prometheus";
      return -1;
    }
  } else if (word_is(w, wn, "disconnect")) {
    out->verb = NCG_CTL_DISCONNECT;
    if (an == 0 || an > NCGT_NAME_MAX) {
      *why = "disconnect takes a user name (1-255 bytes)";
      return -1;
    }
    memcpy(out->user, a, an);
    out->user[an] = '\0';
  } else if (word_is(w, wn, "reconnect")) {
    out->verb = NCG_CTL_RECONNECT;
    if (an != 0) {
      *why = "reconnect takes no argument";
      return -1;
    }
  } else {
    *why = "unknown verb (status, disconnect, reconnect)";
    return -1;
  }
  if (xn != 0) {
    *why = "too many arguments";
    return -1;
  }
  return 0;
}
