/* Key text (keytext.h), through the library's constant-time base64
 * (include/ncgtun/keys.h). */
#include "keytext.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <ncgtun/keys.h>


int ncg_parse_key(const char *s, uint8_t out[NCGT_KEY_BYTES], const char **why) {
  if (ncgt_key_from_base64(out, s, strlen(s)) != 0) {
    *why = "a key is 44 characters of base64 (as printed by genkey)";
    return -1;
  }
  return 0;
}

/* *why must stay valid after return: errno's text goes in a static
 * buffer (the programs load their configuration in one thread). */
static const char *key_errno(const char *what, int e) {
  static char buf[128];
  snprintf(buf, sizeof(buf), "%s: %s", what, strerror(e));
  return buf;
}

int ncg_read_key_file(const char *path, uint8_t out[NCGT_KEY_BYTES],
                      const char **why) {
  char line[128];
  FILE *f = fopen(path, "r");
  if (!f) {
    *why = key_errno("cannot open the key file", errno);
    return -1;
  }
  char *got = fgets(line, sizeof(line), f);
  int e = ferror(f) ? errno : 0;
  fclose(f);
  if (!got) {
    *why = e ? key_errno("cannot read the key file", e)
             : "the key file is empty";
    return -1;
  }
  int rc = ncg_parse_key(line, out, why); /* trailing newline is allowed */
  ncgt_key_wipe(line, sizeof(line));
  return rc;
}

void ncg_key_to_text(const uint8_t key[NCGT_KEY_BYTES],
                     char out[NCGT_KEY_B64_LEN + 1]) {
  ncgt_key_to_base64(out, key);
}
