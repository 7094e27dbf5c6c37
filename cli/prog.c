/* Shared program start (prog.h). */
#include "prog.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>

#include "keycmd.h"
#include "log.h"
#include "notify.h"

int ncg_prog_start(int argc, char **argv, const char *prog,
                   const char *default_config, const char *help, int keycmds,
                   ncg_cmdline *cl) {
  if (keycmds && argc >= 2 && ncg_is_keycmd(argv[1]))
    return ncg_keycmd(prog, argc - 1, argv + 1);
  /* Messages (-V, usage errors, getopt's own) name the program, not
   * whatever path argv[0] holds. */
  argv[0] = (char *)prog;
  int rc = ncg_cmdline_parse(cl, argc, argv, default_config, help);
  if (rc != 0)
    return rc > 0 ? NCG_EXIT_OK : NCG_EXIT_USAGE;
  ncg_log_init(prog, NCGT_LOG_INFO);
  return -1;
}

/* Every tunnel is a descriptor (two at a relay): the soft limit, often
 * 1024, is the tunnel limit unless raised. The hard limit is what the
 * administrator granted (ulimit -Hn, systemd LimitNOFILE=). */
static void prog_raise_nofile(void) {
  struct rlimit rl;
  if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur >= rl.rlim_max)
    return;
  rlim_t was = rl.rlim_cur;
  rl.rlim_cur = rl.rlim_max;
  if (setrlimit(RLIMIT_NOFILE, &rl) != 0)
    ncg_warn("event=fd-limit error=\"%s\" nofile=%llu", strerror(errno),
             (unsigned long long)was);
}

void ncg_prog_fd_budget(size_t max_sessions, unsigned per_session,
                        unsigned fixed) {
  struct rlimit rl;
  if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur == RLIM_INFINITY)
    return;
  unsigned long long nofile = (unsigned long long)rl.rlim_cur;
  unsigned long long fit =
      nofile > fixed ? (nofile - fixed) / (per_session ? per_session : 1) : 0;
  int short_ = max_sessions ? max_sessions > fit : fit < NCG_SESSIONS_FEW;
  ncg_log(short_ ? NCGT_LOG_WARN : NCGT_LOG_INFO,
          "event=fd-limit nofile=%llu fds_per_session=%u sessions_fit=%llu "
          "max_sessions=%zu%s",
          nofile, per_session, fit, max_sessions,
          !short_ ? ""
          : max_sessions
              ? " (max_sessions does not fit: raise the hard limit, "
                "ulimit -Hn or LimitNOFILE=, or lower max_sessions)"
              : " (few tunnels fit: raise the hard limit, ulimit -Hn or "
                "LimitNOFILE=, or set max_sessions)");
}

void ncg_prog_print_listen(const ncg_listen_list *l) {
  char as[NCG_ADDR_STRLEN];
  for (size_t i = 0; i < l->n; i++)
    printf("%s%s", i ? "," : " listen=",
           ncg_addr_str(&l->v[i], as, sizeof(as)));
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
  prog_raise_nofile();
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
