/* Key subcommands (keycmd.h). */
#include "keycmd.h"

#include <stdio.h>
#include <string.h>

#include <ncgtun/keys.h>

#include "sys.h"

int ncg_is_keycmd(const char *arg) {
  return strcmp(arg, "genkey") == 0 || strcmp(arg, "pubkey") == 0;
}

static int keycmd_genkey(void) {
  uint8_t rnd[NCGT_KEY_BYTES], priv[NCGT_KEY_BYTES];
  char text[NCGT_KEY_B64_LEN + 1];
  int rc = -1;
  if (ncg_rand(rnd, sizeof(rnd), NULL) != 0) {
    fprintf(stderr, "genkey: no random bytes (getrandom failed)\n");
    goto out;
  }
  if (ncgt_privkey_from_random(priv, rnd) != 0) {
    fprintf(stderr, "genkey: key generation failed\n");
    goto out;
  }
  ncgt_key_to_base64(text, priv);
  rc = printf("%s\n", text) < 0 || fflush(stdout) != 0 ? -1 : 0;
out:
  ncgt_key_wipe(rnd, sizeof(rnd));
  ncgt_key_wipe(priv, sizeof(priv));
  ncgt_key_wipe(text, sizeof(text));
  return rc == 0 ? 0 : 1;
}

static int keycmd_pubkey(void) {
  char line[128];
  uint8_t priv[NCGT_KEY_BYTES], pub[NCGT_KEY_BYTES];
  char text[NCGT_KEY_B64_LEN + 1];
  int rc = -1;
  if (!fgets(line, sizeof(line), stdin)) {
    fprintf(stderr, "pubkey: expected a private key on standard input\n");
    goto out;
  }
  if (ncgt_key_from_base64(priv, line, strlen(line)) != 0) {
    fprintf(stderr, "pubkey: standard input is not a key (44 characters of "
                    "base64, as printed by genkey)\n");
    goto out;
  }
  if (ncgt_pubkey(pub, priv) != 0) {
    fprintf(stderr, "pubkey: cannot derive the public key\n");
    goto out;
  }
  ncgt_key_to_base64(text, pub);
  rc = printf("%s\n", text) < 0 || fflush(stdout) != 0 ? -1 : 0;
out:
  ncgt_key_wipe(line, sizeof(line));
  ncgt_key_wipe(priv, sizeof(priv));
  return rc == 0 ? 0 : 1;
}

int ncg_keycmd(const char *arg) {
  return strcmp(arg, "genkey") == 0 ? keycmd_genkey() : keycmd_pubkey();
}
