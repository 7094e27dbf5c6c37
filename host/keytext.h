/*
 * Key text as WireGuard users know it: 32 bytes as one line of base64
 * (44 characters). Key files hold that line; config values may hold it
 * directly.
 */
#ifndef NCG_KEYTEXT_H
#define NCG_KEYTEXT_H

#include <stddef.h>
#include <stdint.h>

#include <ncgtun/keys.h>


/* 0, or -1 with *why. Never echoes the text (it may be a secret). */
int ncg_parse_key(const char *s, uint8_t out[NCGT_KEY_BYTES], const char **why);
/* Reads the first line of a key file. 0, or -1 with *why. */
int ncg_read_key_file(const char *path, uint8_t out[NCGT_KEY_BYTES],
                      const char **why);
/* out[NCGT_KEY_B64_LEN + 1] */
void ncg_key_to_text(const uint8_t key[NCGT_KEY_BYTES],
                     char out[NCGT_KEY_B64_LEN + 1]);

#endif /* NCG_KEYTEXT_H */
