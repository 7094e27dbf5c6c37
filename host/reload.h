/*
 * SIGHUP reloads (doc/configuration.md "Reloading"): what each setting of
 * the three programs' configurations does when the file changes under a
 * running program, and the comparison that sorts a new file's changes.
 *
 * Each configuration struct has a table of its settings: the name as the
 * file spells it, where it lives in the struct, and how it reloads. A
 * reload loads the new file completely (a broken file changes nothing),
 * then ncg_conf_merge() builds the configuration to run: the old one,
 * with every setting that can change live taken from the new one.
 * Settings that need a restart keep their old value and are named in the
 * log, so an operator sees what did not take.
 */
#ifndef NCG_RELOAD_H
#define NCG_RELOAD_H

#include <stddef.h>

#include "client_conf.h"
#include "relay_conf.h"
#include "server_conf.h"

typedef enum ncg_reload_kind {
  NCG_RELOAD_LIVE = 0,  /* applied at once, or to what starts from now on */
  NCG_RELOAD_RECONNECT, /* ncg-client: applied by a new tunnel */
  NCG_RELOAD_RESTART,   /* needs a restart: reported, the old value stays */
  NCG_RELOAD_KINDS
} ncg_reload_kind;

typedef struct ncg_conf_field {
  const char *name; /* "[server] listen" */
  size_t off, size;
  ncg_reload_kind kind;
  /* Optional: equality for fields that hold pointers (1 equal). */
  int (*equal)(const void *a, const void *b);
  size_t align; /* the member's alignment (tests: no setting left out) */
} ncg_conf_field;

extern const ncg_conf_field ncg_server_conf_fields[];
extern const size_t ncg_server_conf_nfields;
extern const ncg_conf_field ncg_client_conf_fields[];
extern const size_t ncg_client_conf_nfields;
extern const ncg_conf_field ncg_relay_conf_fields[];
extern const size_t ncg_relay_conf_nfields;

enum { NCG_RELOAD_NAMES_MAX = 512 };

typedef struct ncg_conf_diff {
  unsigned changed[NCG_RELOAD_KINDS]; /* settings (names) that differ */
  /* Bytes outside every field differ: a setting the table does not
   * know (kept old, like a restart setting). */
  int unknown;
  /* "[adapter] routes,[server] max_sessions", truncated with "..." */
  char names[NCG_RELOAD_KINDS][NCG_RELOAD_NAMES_MAX];
} ncg_conf_diff;

/* *out = *old_conf, then every LIVE and RECONNECT field whose value
 * differs is copied from *new_conf; d says what differed. `size` is the
 * struct's size. out may not alias the others. Pointers copied this way
 * (ncg_hosts) now belong to *out: free the old ones, not the new. */
void ncg_conf_merge(const ncg_conf_field *f, size_t nf, size_t size,
                    const void *old_conf, const void *new_conf, void *out,
                    ncg_conf_diff *d);

/* ncg_hosts equality: same names with the same addresses, in any order. */
int ncg_hosts_equal(const void *a, const void *b);
/* After a merge the [hosts] table in *kept (the merged configuration) is
 * the old one's or the new one's: empties that one of *old_h, *new_h, so
 * freeing both configurations frees only the table nobody uses. */
void ncg_hosts_disown(const ncg_hosts *kept, ncg_hosts *old_h,
                      ncg_hosts *new_h);

/* Logs the outcome of a merge: one warn line per restart setting that
 * changed ("event=reload-kept setting=... (needs a restart ...)"), one
 * for settings the table does not know. */
void ncg_reload_log_kept(const ncg_conf_field *f, size_t nf,
                         const void *old_conf, const void *new_conf,
                         const ncg_conf_diff *d);

/* systemd around a reload: "RELOADING=1" with MONOTONIC_USEC (what
 * Type=notify-reload expects, harmless under Type=notify), then the
 * caller's READY=1 and status. */
void ncg_reload_notify_start(const char *what);

/* The log level after a reload: the file's, unless -l was given. */
void ncg_reload_log_settings(int cmdline_level, int conf_level,
                             int conf_target);

#endif /* NCG_RELOAD_H */
