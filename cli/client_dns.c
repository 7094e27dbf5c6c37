/*
 * Pushed DNS with dhcp = builtin (issue 13): the servers (option 6) and
 * search domain (option 15) of the client data, applied the way the host
 * expects, and undone at exit:
 *   1. up_script / down_script when set: they get every pushed value in
 *      their environment (like OpenVPN's foreign_option_*) and own DNS;
 *   2. else resolvectl per link, where systemd-resolved runs;
 *   3. else resolvconf (an interface record "DEVICE.ncg");
 *   4. else nothing, said at warn.
 * The commands run synchronously (a few milliseconds, at authorisation
 * and exit only).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "client.h"
#include "conf.h"
#include "log.h"

enum { ENV_MAX = 24, ENV_LEN = 320 };

/* Runs argv with the extra environment `env` (NULL-terminated) and, when
 * `input`, that text on its standard input. Returns the exit status, or
 * -1 when it could not run or was killed. */
static int run(char *const argv[], char *const env[], const char *input) {
  int pfd[2] = { -1, -1 };
  if (input && pipe(pfd) != 0)
    return -1;
  pid_t pid = fork();
  if (pid < 0)
    return -1;
  if (pid == 0) {
    if (input) {
      dup2(pfd[0], STDIN_FILENO);
      close(pfd[0]);
      close(pfd[1]);
    }
    for (size_t i = 0; env && env[i]; i++)
      putenv(env[i]);
    execvp(argv[0], argv);
    _exit(127);
  }
  if (input) {
    close(pfd[0]);
    ssize_t w = write(pfd[1], input, strlen(input));
    (void)w;
    close(pfd[1]);
  }
  int st;
  while (waitpid(pid, &st, 0) < 0)
    if (errno != EINTR)
      return -1;
  return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static int have(const char *prog) {
  const char *path = getenv("PATH");
  char buf[512];
  if (!path)
    path = "/usr/sbin:/usr/bin:/sbin:/bin";
  for (const char *p = path; *p;) {
    size_t n = strcspn(p, ":");
    if (n && snprintf(buf, sizeof(buf), "%.*s/%s", (int)n, p, prog) <
                 (int)sizeof(buf) &&
        access(buf, X_OK) == 0)
      return 1;
    p += n + (p[n] == ':');
  }
  return 0;
}

static int resolved_runs(void) {
  struct stat st;
  return stat("/run/systemd/resolve/io.systemd.Resolve", &st) == 0 &&
         have("resolvectl");
}

/* NCG_* variables for the scripts: every value the server pushed. */
static void script_env(cli_prog *p, const ncgt_client_config *cc,
                       const char *script_type, char env[][ENV_LEN],
                       char *envp[]) {
  size_t n = 0;
  char a[16], list[80] = "";
#define ENV(...) snprintf(env[n], ENV_LEN, __VA_ARGS__), envp[n] = env[n], n++
  ENV("script_type=%s", script_type);
  ENV("NCG_DEVICE=%s", p->tap.name);
  ENV("NCG_USER=%s", p->conf.user);
  ENV("NCG_ADDRESS=%s", ncg_ip4_str(cc->client_addr, a));
  ENV("NCG_PREFIX_LEN=%u", cc->prefix_len);
  ENV("NCG_SERVER_ADDRESS=%s", ncg_ip4_str(cc->server_addr, a));
  ENV("NCG_MTU=%u", ncgt_adapter_mtu(p->adapter));
  for (size_t i = 0; i < cc->ndns && i < NCGT_CC_DNS_MAX; i++) {
    size_t l = strlen(list);
    snprintf(list + l, sizeof(list) - l, "%s%s", i ? " " : "",
             ncg_ip4_str(cc->dns[i], a));
    ENV("NCG_DNS_%zu=%s", i + 1, a);
    ENV("foreign_option_%zu=dhcp-option DNS %s", i + 1, a);
  }
  ENV("NCG_DNS=%s", list);
  ENV("NCG_DOMAIN=%s", cc->domain);
  if (cc->domain[0])
    ENV("foreign_option_%zu=dhcp-option DOMAIN %s", cc->ndns + 1,
        cc->domain);
  ENV("NCG_ROUTES=%zu", cc->nroutes);
#undef ENV
  envp[n] = NULL;
}

static void run_script(cli_prog *p, const char *script,
                       const ncgt_client_config *cc, const char *type) {
  char env[ENV_MAX][ENV_LEN];
  char *envp[ENV_MAX + 1];
  script_env(p, cc, type, env, envp);
  char *argv[] = { (char *)script, p->tap.name, NULL };
  int rc = run(argv, envp, NULL);
  ncg_log(rc == 0 ? NCGT_LOG_INFO : NCGT_LOG_WARN,
          "%s event=%s script=%s exit=%d", p->t.ctx, type, script, rc);
}

void cli_dns_apply(cli_prog *p, const ncgt_client_config *cc) {
  char a[16], list[80] = "";
  cli_dns_restore(p); /* a new client data replaces the old */
  p->dns_cc = *cc;
  for (size_t i = 0; i < cc->ndns; i++) {
    size_t l = strlen(list);
    snprintf(list + l, sizeof(list) - l, "%s%s", i ? " " : "",
             ncg_ip4_str(cc->dns[i], a));
  }
  if (p->conf.up_script[0]) {
    run_script(p, p->conf.up_script, cc, "up");
    p->dns_how = CLI_DNS_SCRIPT;
    return;
  }
  if (!cc->ndns && !cc->domain[0])
    return;
  if (resolved_runs()) {
    char *argv[4 + NCGT_CC_DNS_MAX] = { "resolvectl", "dns", p->tap.name };
    char ips[NCGT_CC_DNS_MAX][16];
    for (size_t i = 0; i < cc->ndns; i++)
      argv[3 + i] = (char *)ncg_ip4_str(cc->dns[i], ips[i]);
    int rc = run(argv, NULL, NULL);
    if (rc == 0 && cc->domain[0]) {
      char *dargv[] = { "resolvectl", "domain", p->tap.name,
                        (char *)cc->domain, NULL };
      rc = run(dargv, NULL, NULL);
    }
    p->dns_how = CLI_DNS_RESOLVED;
    ncg_log(rc == 0 ? NCGT_LOG_INFO : NCGT_LOG_WARN,
            "%s event=dns via=resolvectl device=%s dns=\"%s\" domain=%s%s",
            p->t.ctx, p->tap.name, list, cc->domain[0] ? cc->domain : "-",
            rc == 0 ? "" : " error=\"resolvectl failed\"");
    return;
  }
  if (have("resolvconf")) {
    char text[256] = "", rec[IFNAMSIZ + 8];
    for (size_t i = 0; i < cc->ndns; i++) {
      size_t l = strlen(text);
      snprintf(text + l, sizeof(text) - l, "nameserver %s\n",
               ncg_ip4_str(cc->dns[i], a));
    }
    if (cc->domain[0]) {
      size_t l = strlen(text);
      snprintf(text + l, sizeof(text) - l, "search %s\n", cc->domain);
    }
    snprintf(rec, sizeof(rec), "%s.ncg", p->tap.name);
    char *argv[] = { "resolvconf", "-a", rec, NULL };
    int rc = run(argv, NULL, text);
    p->dns_how = CLI_DNS_RESOLVCONF;
    ncg_log(rc == 0 ? NCGT_LOG_INFO : NCGT_LOG_WARN,
            "%s event=dns via=resolvconf record=%s dns=\"%s\" domain=%s%s",
            p->t.ctx, rec, list, cc->domain[0] ? cc->domain : "-",
            rc == 0 ? "" : " error=\"resolvconf failed\"");
    return;
  }
  ncg_warn("%s event=dns dns=\"%s\" domain=%s (not applied: no "
           "systemd-resolved, no resolvconf, no up_script)",
           p->t.ctx, list, cc->domain[0] ? cc->domain : "-");
}

void cli_dns_restore(cli_prog *p) {
  char rec[IFNAMSIZ + 8];
  switch (p->dns_how) {
  case CLI_DNS_SCRIPT:
    if (p->conf.down_script[0])
      run_script(p, p->conf.down_script, &p->dns_cc, "down");
    break;
  case CLI_DNS_RESOLVED: {
    char *argv[] = { "resolvectl", "revert", p->tap.name, NULL };
    int rc = run(argv, NULL, NULL);
    ncg_info("%s event=dns-restored via=resolvectl exit=%d", p->t.ctx, rc);
    break;
  }
  case CLI_DNS_RESOLVCONF: {
    snprintf(rec, sizeof(rec), "%s.ncg", p->tap.name);
    char *argv[] = { "resolvconf", "-d", rec, NULL };
    int rc = run(argv, NULL, NULL);
    ncg_info("%s event=dns-restored via=resolvconf exit=%d", p->t.ctx, rc);
    break;
  }
  default:
    break;
  }
  p->dns_how = CLI_DNS_NONE;
}
