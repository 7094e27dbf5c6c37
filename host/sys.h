/*
 * The host services the library asks for through callbacks: monotonic
 * time for every call (ncgt_tstamp), wall-clock time for the handshake's
 * anti-replay timestamp and cryptographically secure random bytes.
 */
#ifndef NCG_SYS_H
#define NCG_SYS_H

#include <ncgtun/ncgtun.h>

/* CLOCK_MONOTONIC in ns: the ncgt_tstamp of every library call. */
ncgt_tstamp ncg_now(void);
/* CLOCK_REALTIME in ns since the Unix epoch (ncgt_conn_callbacks.wallclock) */
uint64_t ncg_wallclock(void *user_data);
/* getrandom(2) until `len` bytes are filled (the conn's rand callback). */
int ncg_rand(uint8_t *buf, size_t len, void *user_data);
/* Writes the whole buffer to fd, retrying on EINTR; 0 or -1. */
int ncg_write_all(int fd, const void *buf, size_t len);
/* Writes `value` to a /proc/sys file; 0 or -1 with errno. */
int ncg_sysctl_write(const char *path, const char *value);



/* Makes room for one more element in a growable array: when n == *cap,
 * doubles *cap (first size 32) and reallocs *pv. 0, or -1 (ENOMEM). */
int ncg_grow(void *pv, size_t *cap, size_t n, size_t elem);
#endif /* NCG_SYS_H */
