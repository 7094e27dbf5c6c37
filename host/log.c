/* Program logging (log.h). */
#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

static const char *log_prog = "ncg";
static ncgt_log_level log_max = NCGT_LOG_INFO;
static ncg_log_target log_target = NCG_LOG_STDERR;

static const char *const level_names[] = {
  [NCGT_LOG_ERROR] = "error",
  [NCGT_LOG_WARN] = "warn",
  [NCGT_LOG_INFO] = "info",
  [NCGT_LOG_DEBUG] = "debug",
};

/* syslog(3) priorities, which are also the journal's <N> prefixes
 * (sd-daemon(3)). */
static const int level_prio[] = {
  [NCGT_LOG_ERROR] = LOG_ERR,
  [NCGT_LOG_WARN] = LOG_WARNING,
  [NCGT_LOG_INFO] = LOG_INFO,
  [NCGT_LOG_DEBUG] = LOG_DEBUG,
};

/* systemd sets JOURNAL_STREAM=DEV:INODE for a service whose stderr is
 * connected to the journal; it only counts while stderr is still that
 * stream (systemd.exec(5), "$JOURNAL_STREAM"). */
static int stderr_is_journal(void) {
  const char *js = getenv("JOURNAL_STREAM");
  unsigned long long dev, ino;
  char extra;
  struct stat st;
  if (!js || sscanf(js, "%llu:%llu%c", &dev, &ino, &extra) != 2)
    return 0;
  if (fstat(STDERR_FILENO, &st) != 0)
    return 0;
  return (unsigned long long)st.st_dev == dev &&
         (unsigned long long)st.st_ino == ino;
}

void ncg_log_init(const char *prog, ncgt_log_level max) {
  log_prog = prog;
  log_max = max;
  log_target = stderr_is_journal() ? NCG_LOG_JOURNAL : NCG_LOG_STDERR;
}

void ncg_log_set_level(ncgt_log_level max) { log_max = max; }

void ncg_log_set_target(ncg_log_target t) {
  if (log_target == NCG_LOG_JOURNAL)
    return; /* under systemd the journal gets every line, with priorities */
  if (t == NCG_LOG_SYSLOG && log_target != NCG_LOG_SYSLOG)
    openlog(log_prog, LOG_PID | LOG_NDELAY, LOG_DAEMON);
  log_target = t;
}

ncg_log_target ncg_log_get_target(void) { return log_target; }

int ncg_log_level_parse(const char *s) {
  for (size_t i = 0; i < sizeof(level_names) / sizeof(level_names[0]); i++)
    if (strcmp(s, level_names[i]) == 0)
      return (int)i;
  return -1;
}

int ncg_log_target_parse(const char *s) {
  if (strcmp(s, "stderr") == 0)
    return NCG_LOG_STDERR;
  if (strcmp(s, "syslog") == 0)
    return NCG_LOG_SYSLOG;
  return -1;
}

int ncg_log_enabled(ncgt_log_level lvl) { return lvl <= log_max; }

static int plain_char(unsigned char ch) {
  return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
         (ch >= '0' && ch <= '9') || strchr("._-+@:/[],", ch) != NULL;
}

const char *ncg_log_esc(const char *in, char *out, size_t cap) {
  size_t n = 0;
  int quote = *in == '\0';
  for (const unsigned char *p = (const unsigned char *)in; *p; p++)
    quote |= !plain_char(*p);
  if (cap < 3) {
    if (cap)
      out[0] = '\0';
    return out;
  }
  if (!quote) {
    snprintf(out, cap, "%s", in);
    return out;
  }
  out[n++] = '"';
  for (const unsigned char *p = (const unsigned char *)in; *p; p++) {
    char esc[5];
    size_t k;
    if (*p == '"' || *p == '\\')
      k = (size_t)snprintf(esc, sizeof(esc), "\\%c", *p);
    else if (*p < 0x20 || *p >= 0x7f)
      k = (size_t)snprintf(esc, sizeof(esc), "\\x%02x", *p);
    else
      k = (size_t)snprintf(esc, sizeof(esc), "%c", *p);
    if (n + k + 2 > cap) /* room for the closing quote and NUL */
      break;
    memcpy(out + n, esc, k);
    n += k;
  }
  out[n++] = '"';
  out[n] = '\0';
  return out;
}

/* One write(2) per line so lines from several processes sharing a log
 * file never interleave. */
void ncg_log(ncgt_log_level lvl, const char *fmt, ...) {
  if (!ncg_log_enabled(lvl))
    return;
  char line[1024];
  int n;
  if (log_target == NCG_LOG_STDERR) {
    struct timespec ts;
    struct tm tm;
    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    n = snprintf(line, sizeof(line),
                 "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ %s[%d] %s: ",
                 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
                 tm.tm_min, tm.tm_sec, ts.tv_nsec / 1000000, log_prog,
                 (int)getpid(), level_names[lvl]);
  } else if (log_target == NCG_LOG_JOURNAL) {
    /* The journal adds time, program and pid itself. */
    n = snprintf(line, sizeof(line), "<%d>%s: ", level_prio[lvl],
                 level_names[lvl]);
  } else {
    n = snprintf(line, sizeof(line), "%s: ", level_names[lvl]);
  }
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
  if (log_target == NCG_LOG_SYSLOG) {
    line[len] = '\0';
    syslog(level_prio[lvl], "%s", line);
    return;
  }
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
