/*
 * The start every program's main() shares: key subcommands, the command
 * line, the log level and the event loop with its signals.
 */
#ifndef NCG_PROG_H
#define NCG_PROG_H

#include <stddef.h>

#include "loop.h"
#include "progconf.h"

/* Handles `genkey` / `pubkey` (when keycmds), then the command line.
 * Returns -1 to go on, else the exit status to return at once. */
int ncg_prog_start(int argc, char **argv, const char *prog,
                   const char *default_config, const char *help, int keycmds,
                   ncg_cmdline *cl);
/* After the configuration is loaded: the log level (command line over
 * file), the descriptor limit raised to the hard limit, the loop, and SIGTERM/SIGINT/SIGHUP through `on_signal`. 0 or
 * -1 (logged). */
int ncg_prog_loop_init(ncg_loop *l, const ncg_cmdline *cl, int conf_level,
                       void (*on_signal)(int, void *), void *obj);

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
