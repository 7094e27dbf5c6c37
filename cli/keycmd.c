/* Key subcommands (keycmd.h). */
#include "keycmd.h"

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <ncgtun/keys.h>

#include "sys.h"

int ncg_is_keycmd(const char *arg) {
  return strcmp(arg, "genkey") == 0 || strcmp(arg, "pubkey") == 0;
}

/* As wg genkey: a private key going into a file others may read is
 * worth a warning (the key is written all the same). */
static void keycmd_warn_mode(const char *prog) {
  struct stat st;
  if (fstat(STDOUT_FILENO, &st) == 0 && S_ISREG(st.st_mode) &&
      (st.st_mode & (S_IRWXG | S_IRWXO)))
    fprintf(stderr,
            "%s: genkey: warning: standard output is a file with mode "
            "%04o, readable by others; set umask 077 and try again\n",
            prog, (unsigned)(st.st_mode & 07777));
}

static int keycmd_genkey(const char *prog) {
  keycmd_warn_mode(prog);
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

int ncg_keycmd(const char *prog, int argc, char **argv) {
  if (argc > 1) {
    if (strcmp(argv[0], "genkey") == 0)
      fprintf(stderr,
              "%s: genkey: unexpected argument '%s' (the key goes to "
              "standard output: umask 077; %s genkey > %s)\n",
              prog, argv[1], prog, argv[1]);
    else
      fprintf(stderr,
              "%s: pubkey: unexpected argument '%s' (it reads standard "
              "input: %s pubkey < %s)\n",
              prog, argv[1], prog, argv[1]);
    return 2;
  }
  return strcmp(argv[0], "genkey") == 0 ? keycmd_genkey(prog)
                                        : keycmd_pubkey();
}
