/*
 * The start every program's main() shares: key subcommands, the command
 * line, the log level and the event loop with its signals.
 */
#ifndef NCG_PROG_H
#define NCG_PROG_H

#include "loop.h"
#include "progconf.h"

/* Handles `genkey` / `pubkey` (when keycmds), then the command line.
 * Returns -1 to go on, else the exit status to return at once. */
int ncg_prog_start(int argc, char **argv, const char *prog,
                   const char *default_config, const char *help, int keycmds,
                   ncg_cmdline *cl);
/* After the configuration is loaded: the log level (command line over
 * file), the loop, and SIGTERM/SIGINT/SIGHUP through `on_signal`. 0 or
 * -1 (logged). */
int ncg_prog_loop_init(ncg_loop *l, const ncg_cmdline *cl, int conf_level,
                       void (*on_signal)(int, void *), void *obj);

#endif /* NCG_PROG_H */
