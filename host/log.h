/*
 * Program logging: one line per event, with a level filter, to one of
 * three sinks: stderr with a timestamp (the default); stderr with
 * "<N>" syslog-priority prefixes when systemd connected stderr to the
 * journal ($JOURNAL_STREAM names it); or syslog(3) (log_target = syslog).
 * Tunnel events carry the user name, the peer's transport address and,
 * for an ended tunnel, the CLOSE status name, so one grep finds a user's
 * whole history. The library's log callback feeds the same sink.
 */
#ifndef NCG_LOG_H
#define NCG_LOG_H

#include <ncgtun/ncgtun.h>

typedef enum ncg_log_target {
  NCG_LOG_STDERR = 0,
  NCG_LOG_SYSLOG = 1,
  NCG_LOG_JOURNAL = 2, /* stderr is the journal: "<N>" prefixes */
} ncg_log_target;

/* Sets the program name printed on each line and the most verbose level
 * still printed, and picks the journal when $JOURNAL_STREAM matches
 * stderr. */
void ncg_log_init(const char *prog, ncgt_log_level max);
void ncg_log_set_level(ncgt_log_level max);
/* The configured target (log_target); ignored while stderr is the
 * journal, which already stores each line with its priority. */
void ncg_log_set_target(ncg_log_target t);
ncg_log_target ncg_log_get_target(void);
/* "stderr", "syslog" -> target; -1 if unknown. */
int ncg_log_target_parse(const char *s);
/* A value that came from the wire (user, node and path names) made safe
 * for a key=value line: as it is when it holds only [A-Za-z0-9._-+@:/[],],
 * else in double quotes with '"' and '\' backslashed and other bytes as
 * \xHH; cut to fit `cap`. Returns `out`. */
const char *ncg_log_esc(const char *in, char *out, size_t cap);
enum { NCG_LOG_ESC_MAX = 4 * 255 + 3 }; /* a 255-byte name, all escaped */
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
