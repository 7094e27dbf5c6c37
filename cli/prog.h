/*
 * The start every program's main() shares: key subcommands, the command
 * line, the log level and the event loop with its signals.
 */
#ifndef NCG_PROG_H
#define NCG_PROG_H

#include <stddef.h>

#include "loop.h"
#include "progconf.h"

/* Exit statuses of the three programs. The systemd units restart on
 * failure except for the ones a restart cannot fix
 * (RestartPreventExitStatus=, doc/operations.md). */
enum {
  NCG_EXIT_OK = 0,      /* signalled to stop, or --check passed */
  NCG_EXIT_FAILURE = 1, /* a run-time failure (device, socket, netlink) */
  NCG_EXIT_USAGE = 2,   /* bad command line */
  NCG_EXIT_CONFIG = 3,  /* configuration or users file unreadable/invalid */
  NCG_EXIT_ENDED = 4,   /* ncg-client: the server ended the session for
                           good (authenticated CLOSE end-session: user
                           removed or disconnected by the operator);
                           reconnecting would fight that */
  NCG_EXIT_REPLACED = 5, /* ncg-client: authenticated CLOSE replaced, the
                            same user connected from elsewhere; restarting
                            would make the two fight */
};

/* Handles `genkey` / `pubkey` (when keycmds), then the command line.
 * Returns -1 to go on, else the exit status to return at once. */
int ncg_prog_start(int argc, char **argv, const char *prog,
                   const char *default_config, const char *help, int keycmds,
                   ncg_cmdline *cl);
/* --check: the configuration (and users file) loaded; says so on stdout
 * and returns NCG_EXIT_OK. */
int ncg_prog_checked(const char *prog, const char *config);
/* For --check's "would run" line: " listen=A,B" on stdout. */
void ncg_prog_print_listen(const ncg_listen_list *l);

/* After the configuration is loaded: the log level (command line over
 * file) and target (log_target, unless stderr is the journal), the descriptor limit raised to the hard limit, the loop, and SIGTERM/SIGINT/SIGHUP through `on_signal`. 0 or
 * -1 (logged). */
int ncg_prog_loop_init(ncg_loop *l, const ncg_cmdline *cl, int conf_level,
                       int conf_target, void (*on_signal)(int, void *),
                       void *obj);

/* Below this many tunnels, "no limit" (max_sessions = 0) is worth a
 * warning at start. */
enum { NCG_SESSIONS_FEW = 1024 };
/* Descriptors a program holds besides its tunnels and listeners (stdio,
 * epoll, signalfd, TAP, netlink, files being read), with room to spare. */
enum { NCG_PROG_FDS_FIXED = 16 };

/* Says at start whether `max_sessions` tunnels (0: no limit) of
 * `per_session` descriptors each, plus `fixed` for the program itself,
 * fit the descriptor limit: an info line when they do, a warning that
 * says what to change when not. */
void ncg_prog_fd_budget(size_t max_sessions, unsigned per_session,
                        unsigned fixed);

#endif /* NCG_PROG_H */
