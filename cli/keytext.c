/* Key text (keytext.h). */
#include "keytext.h"

#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>

int ncg_parse_key(const char *s, uint8_t out[NCG_KEY_LEN], const char **why) {
  /* EVP_DecodeBlock ignores padding: 44 characters give 33 bytes. */
  uint8_t buf[NCG_KEY_B64_LEN / 4 * 3];
  if (strlen(s) != NCG_KEY_B64_LEN || s[NCG_KEY_B64_LEN - 1] != '=' ||
      s[NCG_KEY_B64_LEN - 2] == '=') {
    *why = "a key is 44 characters of base64 (as printed by genkey)";
    return -1;
  }
  if (EVP_DecodeBlock(buf, (const unsigned char *)s, NCG_KEY_B64_LEN) !=
      (int)sizeof(buf)) {
    *why = "a key is 44 characters of base64 (as printed by genkey)";
    return -1;
  }
  memcpy(out, buf, NCG_KEY_LEN);
  memset(buf, 0, sizeof(buf));
  return 0;
}

int ncg_read_key_file(const char *path, uint8_t out[NCG_KEY_LEN],
                      const char **why) {
  char line[128];
  FILE *f = fopen(path, "r");
  if (!f) {
    *why = "cannot open the key file";
    return -1;
  }
  char *got = fgets(line, sizeof(line), f);
  fclose(f);
  if (!got) {
    *why = "the key file is empty";
    return -1;
  }
  line[strcspn(line, "\r\n")] = '\0';
  int rc = ncg_parse_key(line, out, why);
  memset(line, 0, sizeof(line));
  return rc;
}

void ncg_key_to_text(const uint8_t key[NCG_KEY_LEN],
                     char out[NCG_KEY_B64_LEN + 1]) {
  EVP_EncodeBlock((unsigned char *)out, key, NCG_KEY_LEN);
  out[NCG_KEY_B64_LEN] = '\0';
}
