/*
 * Program logging: one line per event on stderr, with a level filter.
 * Tunnel events carry the user name, the peer's transport address and,
 * for an ended tunnel, the CLOSE status name, so one grep finds a user's
 * whole history. The library's log callback feeds the same sink.
 */
#ifndef NCG_LOG_H
#define NCG_LOG_H

#include <ncgtun/ncgtun.h>

/* Sets the program name printed on each line and the most verbose level
 * still printed. */
void ncg_log_init(const char *prog, ncgt_log_level max);
void ncg_log_set_level(ncgt_log_level max);
/* "error", "warn", "info", "debug" -> level; -1 if unknown. */
int ncg_log_level_parse(const char *s);
int ncg_log_enabled(ncgt_log_level lvl);

void ncg_log(ncgt_log_level lvl, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* An ncgt_log_cb: library lines, prefixed "lib: ". user_data: a context
 * string (e.g. "user=alice peer=[::1]:4000") or NULL. */
void ncg_log_lib(ncgt_log_level lvl, const char *msg, void *user_data);
/* The same for objects whose user_data is not a string: ignores it. */
void ncg_log_lib_plain(ncgt_log_level lvl, const char *msg, void *user_data);

#define ncg_err(...) ncg_log(NCGT_LOG_ERROR, __VA_ARGS__)
#define ncg_warn(...) ncg_log(NCGT_LOG_WARN, __VA_ARGS__)
#define ncg_info(...) ncg_log(NCGT_LOG_INFO, __VA_ARGS__)
#define ncg_debug(...) ncg_log(NCGT_LOG_DEBUG, __VA_ARGS__)

#endif /* NCG_LOG_H */
