/* Shared program start (prog.h). */
#include "prog.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "keycmd.h"
#include "log.h"
#include "notify.h"

int ncg_prog_start(int argc, char **argv, const char *prog,
                   const char *default_config, const char *help, int keycmds,
                   ncg_cmdline *cl) {
  if (keycmds && argc == 2 && ncg_is_keycmd(argv[1]))
    return ncg_keycmd(argv[1]);
  int rc = ncg_cmdline_parse(cl, argc, argv, default_config, help);
  if (rc != 0)
    return rc > 0 ? NCG_EXIT_OK : NCG_EXIT_USAGE;
  ncg_log_init(prog, NCGT_LOG_INFO);
  return -1;
}

int ncg_prog_checked(const char *prog, const char *config) {
  printf("%s: %s: configuration OK\n", prog, config);
  return NCG_EXIT_OK;
}

int ncg_prog_loop_init(ncg_loop *l, const ncg_cmdline *cl, int conf_level,
                       int conf_target, void (*on_signal)(int, void *),
                       void *obj) {
  static const int sigs[] = { SIGTERM, SIGINT, SIGHUP };
  ncg_log_set_level(cl->log_level >= 0 ? (ncgt_log_level)cl->log_level
                                       : (ncgt_log_level)conf_level);
  ncg_log_set_target((ncg_log_target)conf_target);
  if (ncg_loop_init(l) != 0 ||
      ncg_loop_signals(l, sigs, sizeof(sigs) / sizeof(sigs[0]), on_signal,
                       obj) != 0) {
    ncg_err("event=loop-init error=\"%s\"", strerror(errno));
    return -1;
  }
  ncg_notify_init(l); /* under systemd: READY=1 etc., the watchdog */
  return 0;
}
