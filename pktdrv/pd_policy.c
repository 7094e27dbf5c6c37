/*
 * Policy table of the packet-driver shim (seed 002 section 3.3: "Separate
 * policies can be set for input and output ... The default behavior for
 * both transmission and reception can be specified independently") and
 * its INI reader (Debian's libinih).
 */
#include "pd_policy.h"

#include <arpa/inet.h>
#include <ncgtun/adapter.h>
#include <ini.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char *const action_names[] = {"bypass", "protect", "drop"};

void pdrv_config_init(pdrv_config *cfg) {
  /* the adapter's reserved server MAC (patent Fig. 17 step 326) */
  static const uint8_t mac[PDRV_ADDR_LEN] = NCGT_SERVER_MAC_DEFAULT;
  memset(cfg, 0, sizeof(*cfg));
  cfg->defaults[PDRV_OUT] = PDRV_BYPASS;
  cfg->defaults[PDRV_IN] = PDRV_BYPASS;
  memcpy(cfg->tunnel_mac, mac, sizeof(mac));
}

int pdrv_action_parse(const char *s) {
  for (size_t i = 0; i < sizeof(action_names) / sizeof(action_names[0]); i++)
    if (strcasecmp(s, action_names[i]) == 0)
      return (int)i;
  return -1;
}

const char *pdrv_action_name(int action) {
  if (action < 0 || action > PDRV_DROP)
    return "unknown";
  return action_names[action];
}

/* "A.B.C.D/N" or "A.B.C.D" -> network and prefix length. */
static int parse_prefix(const char *s, uint32_t *net, unsigned *plen) {
  char buf[INET_ADDRSTRLEN + 4];
  size_t n = strlen(s);
  if (n == 0 || n >= sizeof(buf))
    return -1;
  memcpy(buf, s, n + 1);
  *plen = 32;
  char *slash = strchr(buf, '/');
  if (slash) {
    char *end = NULL;
    *slash = '\0';
    unsigned long v = strtoul(slash + 1, &end, 10);
    if (end == slash + 1 || *end != '\0' || v > 32)
      return -1;
    *plen = (unsigned)v;
  }
  struct in_addr a;
  if (inet_pton(AF_INET, buf, &a) != 1)
    return -1;
  *net = ntohl(a.s_addr);
  return 0;
}

int pdrv_policy_add(pdrv_config *cfg, pdrv_dir dir,
                       const char *prefix, pdrv_action action) {
  uint32_t net = 0;
  unsigned plen = 0;
  if ((dir != PDRV_OUT && dir != PDRV_IN) || action > PDRV_DROP ||
      parse_prefix(prefix, &net, &plen) != 0 ||
      cfg->nrules[dir] >= PDRV_POLICY_MAX)
    return -1;
  pdrv_rule *r = &cfg->rules[dir][cfg->nrules[dir]++];
  r->mask = plen ? 0xffffffffu << (32 - plen) : 0;
  r->net = net & r->mask;
  r->plen = (uint8_t)plen;
  r->action = (uint8_t)action;
  return 0;
}

pdrv_action pdrv_policy_lookup(const pdrv_config *cfg,
                                     pdrv_dir dir, uint32_t addr) {
  const pdrv_rule *best = NULL;
  for (size_t i = 0; i < cfg->nrules[dir]; i++) {
    const pdrv_rule *r = &cfg->rules[dir][i];
    if ((addr & r->mask) == r->net && (!best || r->plen > best->plen))
      best = r;
  }
  return (pdrv_action)(best ? best->action : cfg->defaults[dir]);
}

/* ---- INI ------------------------------------------------------------- */

typedef struct parse_ctx {
  pdrv_config *cfg;
  char msg[128];
} parse_ctx;

static int fail(parse_ctx *ctx, const char *what, const char *name,
                const char *value) {
  if (!ctx->msg[0])
    snprintf(ctx->msg, sizeof(ctx->msg), "%s: %s = %s", what, name, value);
  return 0;
}

static int parse_mac(const char *s, uint8_t mac[PDRV_ADDR_LEN]) {
  unsigned v[PDRV_ADDR_LEN];
  char tail;
  if (sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%c", &v[0], &v[1], &v[2], &v[3],
             &v[4], &v[5], &tail) != PDRV_ADDR_LEN)
    return -1;
  for (size_t i = 0; i < PDRV_ADDR_LEN; i++)
    mac[i] = (uint8_t)v[i];
  return (mac[0] & 1) ? -1 : 0; /* a source MAC is never a group address */
}

static int on_tunnel_key(parse_ctx *ctx, const char *name,
                         const char *value) {
  if (strcmp(name, "mac") == 0) {
    if (parse_mac(value, ctx->cfg->tunnel_mac) != 0)
      return fail(ctx, "bad MAC address", name, value);
    return 1;
  }
  if (strcmp(name, "dhcp") == 0) {
    if (strcmp(value, "tunnel") == 0)
      ctx->cfg->dhcp_tunnel = 1;
    else if (strcmp(value, "lower") == 0)
      ctx->cfg->dhcp_tunnel = 0;
    else
      return fail(ctx, "dhcp must be lower or tunnel", name, value);
    return 1;
  }
  if (strcmp(name, "address") == 0) {
    struct in_addr a;
    if (inet_pton(AF_INET, value, &a) != 1)
      return fail(ctx, "bad address", name, value);
    ctx->cfg->tunnel_addr = ntohl(a.s_addr);
    return 1;
  }
  return fail(ctx, "unknown key", name, value);
}

static int on_kv(void *user, const char *section, const char *name,
                 const char *value) {
  parse_ctx *ctx = user;
  int dir;
  if (strcmp(section, "output") == 0)
    dir = PDRV_OUT;
  else if (strcmp(section, "input") == 0)
    dir = PDRV_IN;
  else if (strcmp(section, "tunnel") == 0)
    return on_tunnel_key(ctx, name, value);
  else
    return fail(ctx, "unknown section", section, name);
  int action = pdrv_action_parse(value);
  if (action < 0)
    return fail(ctx, "action must be bypass, protect or drop", name, value);
  if (strcmp(name, "default") == 0) {
    ctx->cfg->defaults[dir] = (uint8_t)action;
    return 1;
  }
  if (pdrv_policy_add(ctx->cfg, (pdrv_dir)dir, name,
                         (pdrv_action)action) != 0)
    return fail(ctx, "bad prefix or table full", name, value);
  return 1;
}

static int finish(parse_ctx *ctx, int rc, char *err, size_t errlen) {
  if (rc == 0)
    return 0;
  if (err && errlen) {
    if (rc < 0)
      snprintf(err, errlen, "cannot read the file");
    else
      snprintf(err, errlen, "line %d: %s", rc,
               ctx->msg[0] ? ctx->msg : "syntax error");
  }
  return -1;
}

int pdrv_config_parse(pdrv_config *cfg, const char *text, char *err,
                         size_t errlen) {
  parse_ctx ctx = {.cfg = cfg};
  pdrv_config_init(cfg);
  return finish(&ctx, ini_parse_string(text, on_kv, &ctx), err, errlen);
}

int pdrv_config_load(pdrv_config *cfg, const char *path, char *err,
                        size_t errlen) {
  parse_ctx ctx = {.cfg = cfg};
  pdrv_config_init(cfg);
  return finish(&ctx, ini_parse(path, on_kv, &ctx), err, errlen);
}
