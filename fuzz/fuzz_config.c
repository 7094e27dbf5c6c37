/*
 * libFuzzer target for the programs' configuration parsers (issue 7):
 * the real cli/ code, libinih included, reading a real file.
 *
 * Input: [u8 mode][file text]. mode % 4 picks the parser: ncg-server's
 * configuration, ncg-client's, ncg-relay's, or the server's users file.
 * The text goes into a memfd opened once and read back through its
 * /proc/self/fd/N path, as the programs read their -c FILE.
 *
 * Checks beyond "no crash": a load either succeeds with every value
 * inside its documented bounds (names non-empty and NUL-terminated in
 * their buffers, counts within their limits, numbers within the ranges
 * the headers give, the tunnel pool inside the subnet), or fails with a
 * message "FILE:LINE: ..." (a key's mistake, line >= 1) or "FILE: ..."
 * (a missing required key) and nothing left to free. LeakSanitizer
 * catches anything the loaders forget.
 *
 * No line's tail is ever applied (issue 18.2): libinih reads lines into
 * a fixed buffer and once treated the rest of a longer line as the next
 * line. A file with a line longer than NCG_INI_LINE_MAX, or a NUL byte,
 * never loads, and the error names that line or an earlier one.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "client_conf.h"
#include "fuzz_input.h"
#include "relay_conf.h"
#include "server_conf.h"
#include "users.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

enum { MODE_SERVER, MODE_CLIENT, MODE_RELAY, MODE_USERS, MODE_COUNT_ };

static int cfg_fd = -1;
static char cfg_path[64];

int LLVMFuzzerInitialize(int *argc, char ***argv) {
  (void)argc;
  (void)argv;
  /* A *_key_file value may name /dev/stdin: make it read EOF rather
   * than wait for a terminal. */
  int null = open("/dev/null", O_RDONLY);
  FUZZ_CHECK(null >= 0 && dup2(null, 0) == 0);
  if (null != 0)
    close(null);
  cfg_fd = memfd_create("fuzz_config", MFD_CLOEXEC);
  FUZZ_CHECK(cfg_fd >= 0);
  snprintf(cfg_path, sizeof(cfg_path), "/proc/self/fd/%d", cfg_fd);
  return 0;
}

/* s is a C string of at most cap - 1 bytes: NUL inside its buffer. */
static size_t str_in(const char *s, size_t cap) {
  const char *nul = memchr(s, '\0', cap);
  FUZZ_CHECK(nul != NULL);
  return (size_t)(nul - s);
}

/* A node or user name as ncg_parse_name accepts it. */
static void check_name(const char *s, size_t cap) {
  size_t n = str_in(s, cap);
  FUZZ_CHECK(n >= 1 && n <= NCGT_NAME_MAX);
  for (size_t i = 0; i < n; i++) {
    unsigned char ch = (unsigned char)s[i];
    FUZZ_CHECK(ch > ' ' && ch != ',' && ch != 0x7f);
  }
}

static void check_routes(const ncg_route4 *r, size_t n) {
  FUZZ_CHECK(n <= NCG_ROUTES_MAX);
  for (size_t i = 0; i < n; i++) {
    FUZZ_CHECK(r[i].plen <= 32);
    FUZZ_CHECK((r[i].dst & ~ncg_ip4_mask(r[i].plen)) == 0); /* strict */
  }
}

static void check_hosts(const ncg_hosts *h) {
  FUZZ_CHECK(h->n <= h->cap);
  for (size_t i = 0; i < h->n; i++) {
    check_name(h->v[i].name, sizeof(h->v[i].name));
    for (size_t j = 0; j < i; j++)
      FUZZ_CHECK(strcmp(h->v[i].name, h->v[j].name) != 0);
  }
}

static void check_listen(const ncg_listen_list *l) {
  FUZZ_CHECK(l->n >= 1 && l->n <= NCG_LISTEN_MAX); /* required */
}

static void check_server(ncg_server_conf *c) {
  if (strcmp(c->name, "*") != 0)
    check_name(c->name, sizeof(c->name));
  FUZZ_CHECK(c->has_key);
  check_listen(&c->listen);
  FUZZ_CHECK(str_in(c->users_path, sizeof(c->users_path)) >= 1);
  str_in(c->state_path, sizeof(c->state_path));
  FUZZ_CHECK(c->max_sessions <= 1000000);
  FUZZ_CHECK(c->queue_limit >= 16384 && c->queue_limit <= 64 * 1024 * 1024);
  FUZZ_CHECK(c->log_level >= NCGT_LOG_ERROR && c->log_level <= NCGT_LOG_DEBUG);
  FUZZ_CHECK(str_in(c->device, sizeof(c->device)) >= 1);
  FUZZ_CHECK(c->address != 0 && c->plen >= 16 && c->plen <= 30);
  uint32_t mask = ncg_ip4_mask(c->plen);
  FUZZ_CHECK(c->pool_first <= c->pool_last);
  FUZZ_CHECK((c->pool_first & mask) == (c->address & mask));
  FUZZ_CHECK((c->pool_last & mask) == (c->address & mask));
  FUZZ_CHECK(c->mtu >= 576 && c->mtu <= 65535);
  FUZZ_CHECK(c->lease_time >= 60);
  check_routes(c->routes, c->nroutes);
  FUZZ_CHECK(c->ndns <= NCG_DNS_MAX);
  str_in(c->domain, sizeof(c->domain));
}

static void check_client(const ncg_client_conf *c) {
  check_name(c->user, sizeof(c->user));
  FUZZ_CHECK(c->has_key && c->has_server_key);
  FUZZ_CHECK(c->npath >= 1 && c->npath <= NCGT_PATH_MAX);
  for (size_t i = 0; i < c->npath; i++)
    check_name(c->path[i], sizeof(c->path[i]));
  if (c->server[0])
    check_name(c->server, sizeof(c->server));
  FUZZ_CHECK(str_in(c->origin, sizeof(c->origin)) >= 1);
  FUZZ_CHECK(c->queue_limit >= 16384 && c->queue_limit <= 64 * 1024 * 1024);
  FUZZ_CHECK(str_in(c->device, sizeof(c->device)) >= 1);
  check_hosts(&c->hosts);
}

static void check_relay(const ncg_relay_conf *c) {
  check_name(c->name, sizeof(c->name));
  check_listen(&c->listen);
  FUZZ_CHECK(c->nallow <= NCG_RELAY_ALLOW_MAX);
  FUZZ_CHECK(c->nmembers <= NCG_RELAY_MEMBERS_MAX);
  FUZZ_CHECK(c->nallow + c->nmembers >= 1);
  for (size_t i = 0; i < c->nallow; i++)
    check_name(c->allow[i], sizeof(c->allow[i]));
  for (size_t i = 0; i < c->nmembers; i++) {
    check_name(c->members[i].pool, sizeof(c->members[i].pool));
    check_name(c->members[i].member, sizeof(c->members[i].member));
  }
  FUZZ_CHECK(c->max_sessions >= 1 && c->max_sessions <= 1000000);
  FUZZ_CHECK(c->relay_timeout <= 3600 && c->connect_timeout <= 3600);
  FUZZ_CHECK(c->fail_holdoff <= 86400);
  check_hosts(&c->hosts);
}

static void check_users(const ncg_users *u) {
  FUZZ_CHECK(u->n <= u->cap);
  for (size_t i = 0; i < u->n; i++) {
    const ncg_user *usr = &u->v[i];
    check_name(usr->name, sizeof(usr->name));
    FUZZ_CHECK(usr->has_key);
    check_routes(usr->routes, usr->nroutes);
    FUZZ_CHECK(ncg_users_find(u, usr->name) == usr); /* names unique */
    if (usr->address)
      FUZZ_CHECK(ncg_users_find_address(u, usr->address) == usr);
  }
}

/* The first line (from 1) longer than the parser takes or holding a NUL
 * byte, as the loaders count lines; 0 if none. */
static unsigned long first_bad_line(const uint8_t *data, size_t size) {
  unsigned long line = 1;
  size_t len = 0;
  for (size_t i = 0; i < size; i++) {
    if (data[i] == '\n') {
      line++;
      len = 0;
    } else if (data[i] == '\0' || ++len > NCG_INI_LINE_MAX) {
      return line;
    }
  }
  return 0;
}

/* A refusal names the file, and the line when a key was at fault; the
 * line is no later than the first over-long one. */
static void check_refusal(const ncg_ini *ini, size_t size,
                          unsigned long bad) {
  size_t plen = strlen(cfg_path);
  size_t mlen = str_in(ini->msg, sizeof(ini->msg));
  FUZZ_CHECK(mlen > plen + 2);
  FUZZ_CHECK(memcmp(ini->msg, cfg_path, plen) == 0 && ini->msg[plen] == ':');
  const char *p = ini->msg + plen + 1;
  if (ini->why[0] || (*p >= '0' && *p <= '9')) { /* FILE:LINE: */
    char *end;
    unsigned long line = strtoul(p, &end, 10);
    FUZZ_CHECK(end != p && *end == ':' && line >= 1 && line <= size + 1);
    FUZZ_CHECK(bad == 0 || line <= bad);
  } else {
    FUZZ_CHECK(*p == ' '); /* FILE: [section] x is required */
    FUZZ_CHECK(bad == 0);
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1)
    return 0;
  uint8_t mode = data[0] % MODE_COUNT_;
  data++;
  size--;
  FUZZ_CHECK(ftruncate(cfg_fd, 0) == 0);
  FUZZ_CHECK(pwrite(cfg_fd, data, size, 0) == (ssize_t)size);

  ncg_ini ini;
  memset(&ini, 0, sizeof(ini));
  int rc = -1;
  switch (mode) {
  case MODE_SERVER: {
    ncg_server_conf c;
    rc = ncg_server_conf_load(&c, cfg_path, &ini);
    if (rc == 0)
      check_server(&c);
    ncg_server_conf_wipe(&c);
    break;
  }
  case MODE_CLIENT: {
    ncg_client_conf c;
    rc = ncg_client_conf_load(&c, cfg_path, &ini);
    if (rc == 0)
      check_client(&c);
    else
      FUZZ_CHECK(c.hosts.v == NULL && c.hosts.n == 0); /* nothing to free */
    ncg_client_conf_free(&c);
    break;
  }
  case MODE_RELAY: {
    ncg_relay_conf c;
    rc = ncg_relay_conf_load(&c, cfg_path, &ini);
    if (rc == 0)
      check_relay(&c);
    else
      FUZZ_CHECK(c.hosts.v == NULL && c.hosts.n == 0);
    ncg_relay_conf_free(&c);
    break;
  }
  default: {
    ncg_users u;
    rc = ncg_users_load(&u, cfg_path, &ini);
    if (rc == 0)
      check_users(&u);
    else
      FUZZ_CHECK(u.v == NULL && u.n == 0);
    ncg_users_free(&u);
    break;
  }
  }
  FUZZ_CHECK(rc == 0 || rc == -1);
  unsigned long bad = first_bad_line(data, size);
  FUZZ_CHECK(bad == 0 || rc != 0); /* never a line's tail */
  if (rc != 0)
    check_refusal(&ini, size, bad);
  if (getenv("FUZZ_CONFIG_VERBOSE")) /* to see what a seed reaches */
    fprintf(stderr, "mode %u: %s\n", mode, rc == 0 ? "loaded" : ini.msg);
  return 0;
}
