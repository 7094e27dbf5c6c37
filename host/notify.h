/*
 * The service manager's readiness protocol (sd_notify(3), "the
 * notification socket protocol" in systemd's documentation): one
 * AF_UNIX datagram per message, "KEY=VALUE" lines, sent to the path in
 * $NOTIFY_SOCKET (a leading '@' names an abstract socket). Written here
 * rather than linking libsystemd so the programs keep their small
 * dependency set; the library (lib/) knows nothing about it.
 *
 * Without $NOTIFY_SOCKET every call is a no-op, so the programs behave
 * the same outside systemd.
 */
#ifndef NCG_NOTIFY_H
#define NCG_NOTIFY_H

#include "loop.h"

/* Reads $NOTIFY_SOCKET and $WATCHDOG_USEC (honoured only when
 * $WATCHDOG_PID is unset or names this process). With a watchdog
 * interval, arms a timer on `l` that sends WATCHDOG=1 every half
 * interval while the loop runs. 0, or -1 when the variables are
 * malformed (logged; notification is then off). */
int ncg_notify_init(ncg_loop *l);
/* Sends one message, e.g. "READY=1\nSTATUS=listening on 1 address".
 * Best effort: a full or absent socket is logged at debug level only. */
void ncg_notify(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* The watchdog interval in microseconds, 0 when off (for tests/logs). */
unsigned long long ncg_notify_watchdog_usec(void);

#endif /* NCG_NOTIFY_H */
