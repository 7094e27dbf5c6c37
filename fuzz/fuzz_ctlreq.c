/*
 * libFuzzer target for the control socket's request parser (cli/ctlreq.c,
 * doc/status.md): any bytes, as a peer on the socket can send them.
 *
 * Checks beyond "no crash": a request is accepted only if it is a line of
 * printable ASCII shorter than NCG_CTL_REQ_MAX whose first word is a verb;
 * an accepted `disconnect` carries a user name of 1..NCGT_NAME_MAX
 * printable bytes without spaces, NUL-terminated; a refusal always says
 * why. The parse is deterministic (a second run gives the same answer).
 */
#include <stdlib.h>
#include <string.h>

#include "ctlreq.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  ncg_ctl_req a, b;
  const char *why = NULL, *why2 = NULL;
  int rc = ncg_ctl_parse(data, size, &a, &why);
  int rc2 = ncg_ctl_parse(data, size, &b, &why2);
  if (rc != rc2 || (rc == 0 && memcmp(&a, &b, sizeof(a)) != 0))
    abort();
  if (rc != 0) {
    if (rc != -1 || !why || !*why)
      abort();
    return 0;
  }
  size_t len = size;
  if (len && data[len - 1] == '\r')
    len--;
  if (len >= NCG_CTL_REQ_MAX)
    abort();
  for (size_t i = 0; i < len; i++)
    if (data[i] < 0x20 || data[i] > 0x7e)
      abort();
  switch (a.verb) {
  case NCG_CTL_STATUS:
    if (a.format > NCG_FMT_PROMETHEUS || a.user[0])
      abort();
    break;
  case NCG_CTL_DISCONNECT: {
    size_t n = strnlen(a.user, sizeof(a.user));
    if (n == 0 || n > NCGT_NAME_MAX || strchr(a.user, ' '))
      abort();
    if (!memmem(data, len, a.user, n))
      abort();
    break;
  }
  case NCG_CTL_RECONNECT:
    if (a.user[0])
      abort();
    break;
  default:
    abort();
  }
  return 0;
}
