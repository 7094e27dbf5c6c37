/* Program logging (log.h). */
#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const char *log_prog = "ncg";
static ncgt_log_level log_max = NCGT_LOG_INFO;

static const char *const level_names[] = {
  [NCGT_LOG_ERROR] = "error",
  [NCGT_LOG_WARN] = "warn",
  [NCGT_LOG_INFO] = "info",
  [NCGT_LOG_DEBUG] = "debug",
};

void ncg_log_init(const char *prog, ncgt_log_level max) {
  log_prog = prog;
  log_max = max;
}

void ncg_log_set_level(ncgt_log_level max) { log_max = max; }

int ncg_log_level_parse(const char *s) {
  for (size_t i = 0; i < sizeof(level_names) / sizeof(level_names[0]); i++)
    if (strcmp(s, level_names[i]) == 0)
      return (int)i;
  return -1;
}

int ncg_log_enabled(ncgt_log_level lvl) { return lvl <= log_max; }

/* One write(2) per line so lines from several processes sharing a log
 * file never interleave. */
void ncg_log(ncgt_log_level lvl, const char *fmt, ...) {
  if (!ncg_log_enabled(lvl))
    return;
  char line[1024];
  struct timespec ts;
  struct tm tm;
  clock_gettime(CLOCK_REALTIME, &ts);
  gmtime_r(&ts.tv_sec, &tm);
  int n = snprintf(line, sizeof(line),
                   "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ %s[%d] %s: ",
                   tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
                   tm.tm_min, tm.tm_sec, ts.tv_nsec / 1000000, log_prog,
                   (int)getpid(), level_names[lvl]);
  if (n < 0 || (size_t)n >= sizeof(line))
    return;
  va_list ap;
  va_start(ap, fmt);
  int m = vsnprintf(line + n, sizeof(line) - (size_t)n - 1, fmt, ap);
  va_end(ap);
  size_t len = (size_t)n;
  if (m > 0)
    len += (size_t)m < sizeof(line) - (size_t)n - 1
               ? (size_t)m
               : sizeof(line) - (size_t)n - 2;
  line[len++] = '\n';
  ssize_t w = write(STDERR_FILENO, line, len);
  (void)w;
}

void ncg_log_lib(ncgt_log_level lvl, const char *msg, void *user_data) {
  const char *ctx = user_data;
  if (ctx && *ctx)
    ncg_log(lvl, "%s lib: %s", ctx, msg);
  else
    ncg_log(lvl, "lib: %s", msg);
}

void ncg_log_lib_plain(ncgt_log_level lvl, const char *msg, void *user_data) {
  (void)user_data;
  ncg_log_lib(lvl, msg, NULL);
}
