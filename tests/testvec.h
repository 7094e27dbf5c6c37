/*
 * Loader for the "name hex" test vector files under tests/vectors/ and
 * doc/vectors/ ('#' comments, blank lines ignored). Test-only helper.
 */
#ifndef NCGT_TESTVEC_H
#define NCGT_TESTVEC_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { TESTVEC_MAX = 160, TESTVEC_NAME = 64, TESTVEC_BYTES = 4096 };

typedef struct testvec {
  size_t n;
  char name[TESTVEC_MAX][TESTVEC_NAME];
  unsigned char *val[TESTVEC_MAX];
  size_t len[TESTVEC_MAX];
} testvec;

static inline int testvec_hexval(int c) {
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

/* Decodes hex text into out; returns the byte count or -1. */
static inline long testvec_unhex(const char *hex, unsigned char *out,
                                 size_t cap) {
  size_t n = strlen(hex), i;
  if (n % 2 || n / 2 > cap)
    return -1;
  for (i = 0; i < n / 2; i++) {
    int hi = testvec_hexval(hex[2 * i]), lo = testvec_hexval(hex[2 * i + 1]);
    if (hi < 0 || lo < 0)
      return -1;
    out[i] = (unsigned char)(hi << 4 | lo);
  }
  return (long)(n / 2);
}

/* Loads path; returns 0 or -1. */
static inline int testvec_load(testvec *tv, const char *path) {
  static char line[2 * TESTVEC_BYTES + TESTVEC_NAME + 8];
  FILE *f = fopen(path, "r");
  memset(tv, 0, sizeof *tv);
  if (!f)
    return -1;
  while (fgets(line, sizeof line, f)) {
    char *name = strtok(line, " \t\r\n"), *hex;
    if (!name || name[0] == '#')
      continue;
    hex = strtok(NULL, " \t\r\n");
    if (tv->n == TESTVEC_MAX || strlen(name) >= TESTVEC_NAME)
      break;
    tv->val[tv->n] = malloc(TESTVEC_BYTES);
    long len = tv->val[tv->n] ? testvec_unhex(hex ? hex : "", tv->val[tv->n],
                                              TESTVEC_BYTES)
                              : -1;
    if (len < 0) {
      free(tv->val[tv->n]);
      fclose(f);
      return -1;
    }
    strcpy(tv->name[tv->n], name);
    tv->len[tv->n++] = (size_t)len;
  }
  fclose(f);
  return 0;
}

/* The bytes named `name`, or NULL; *len gets their count. */
static inline const unsigned char *testvec_get(const testvec *tv,
                                               const char *name, size_t *len) {
  if (len)
    *len = 0;
  for (size_t i = 0; i < tv->n; i++)
    if (strcmp(tv->name[i], name) == 0) {
      if (len)
        *len = tv->len[i];
      return tv->val[i];
    }
  return NULL;
}

static inline void testvec_free(testvec *tv) {
  for (size_t i = 0; i < tv->n; i++)
    free(tv->val[i]);
  memset(tv, 0, sizeof *tv);
}

#endif /* NCGT_TESTVEC_H */
