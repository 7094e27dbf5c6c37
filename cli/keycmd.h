/*
 * `genkey` and `pubkey`, as WireGuard users expect:
 *   umask 077; ncg-client genkey > alice.key
 *   ncg-client pubkey < alice.key > alice.pub
 * Keys are one line of base64 (44 characters).
 */
#ifndef NCG_KEYCMD_H
#define NCG_KEYCMD_H

/* Non-zero when argv[1] is a key subcommand. */
int ncg_is_keycmd(const char *arg);
/* Runs argv[0] (the subcommand; argc counts it) for program `prog`;
 * returns the process exit status (2 for extra arguments). */
int ncg_keycmd(const char *prog, int argc, char **argv);

#endif /* NCG_KEYCMD_H */
