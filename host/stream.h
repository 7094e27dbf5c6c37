/*
 * Non-blocking TCP connections (IPv4 and IPv6) with a bounded output
 * queue, and listeners.
 *
 * Back-pressure (issue 6): writes go into a ring of fixed size and leave
 * in one send(2) at the end of the loop pass (so a burst of frames costs
 * one system call); what the kernel's send buffer does not take stays in
 * the ring. Datagram traffic asks ncg_stream_room() first and is dropped (and
 * counted by the caller) when the queue is above its soft limit, so a
 * slow tunnel never makes us buffer without bound and TCP-over-TCP does
 * not melt down. Control frames may use the rest of the ring; a write that
 * does not fit at all fails and the caller closes the connection.
 *
 * Callbacks run from the loop; on_data may close the stream (the stream
 * notices and stops). The ncg_stream memory belongs to the caller, who
 * frees it only from a deferred callback (loop.h).
 */
#ifndef NCG_STREAM_H
#define NCG_STREAM_H

#include "addr.h"
#include "loop.h"

typedef struct ncg_stream ncg_stream;

typedef struct ncg_stream_ops {
  /* The outgoing connection is up. */
  void (*on_connected)(ncg_stream *s, void *obj);
  /* Bytes arrived, in the stream's read buffer, which the callee may
   * change (a tunnel opens its frames there, in place). */
  void (*on_data)(ncg_stream *s, uint8_t *data, size_t len, void *obj);
  /* The connection failed or ended: err is an errno, 0 for an orderly
   * end of stream. The stream is still open; the owner closes it. */
  void (*on_error)(ncg_stream *s, int err, void *obj);
  /* Optional: the queue dropped below the soft limit again. */
  void (*on_drain)(ncg_stream *s, void *obj);
} ncg_stream_ops;

struct ncg_stream {
  ncg_loop *loop;
  ncg_watch watch;
  int fd; /* -1 when closed */
  int connecting;
  int paused;   /* reading suspended (relay back-pressure) */
  int failed;   /* errno of a failed write, reported from the loop */
  int above_soft;
  int flush_pending; /* a deferred flush is queued in the loop */
  uint8_t *q; /* ring buffer */
  size_t qcap, qhead, qlen, qsoft;
  const ncg_stream_ops *ops;
  void *obj;
  ncg_addr peer;
  char peer_str[NCG_ADDR_STRLEN];
};

/* Queue sizes: `cap` bytes in all, datagrams admitted below cap/2. */
enum { NCG_STREAM_QCAP_DEFAULT = 256 * 1024 };

/* Starts a non-blocking connect; on_connected or on_error follows. */
int ncg_stream_connect(ncg_stream *s, ncg_loop *l, const ncg_addr *to,
                       size_t qcap, const ncg_stream_ops *ops, void *obj);
/* Adopts an accepted socket. */
int ncg_stream_adopt(ncg_stream *s, ncg_loop *l, int fd, const ncg_addr *peer,
                     size_t qcap, const ncg_stream_ops *ops, void *obj);
/* Sends or queues all of it: 0, or -1 when it does not fit (or closed).
 * A write of at least NCG_STREAM_DIRECT_MIN bytes while nothing is queued
 * goes straight to send(2) from the caller's buffer (a frame sealed in
 * place where the TAP read it is never copied); only what the kernel
 * does not take is queued. Smaller writes are queued and leave together
 * at the end of the loop pass: copying 1.5 KB frames costs less than a
 * system call each (doc/performance.md). */
enum { NCG_STREAM_DIRECT_MIN = 16 * 1024 };
int ncg_stream_write(ncg_stream *s, const uint8_t *data, size_t len);
/* May a datagram frame of `len` bytes be queued (below the soft limit)? */
int ncg_stream_room(const ncg_stream *s, size_t len);
/* Stops or resumes reading (the relay's back-pressure). */
void ncg_stream_pause(ncg_stream *s, int paused);
/* Closes the socket and frees the queue; idempotent. */
void ncg_stream_close(ncg_stream *s);
/* Bytes waiting in our queue. */
size_t ncg_stream_queued(const ncg_stream *s);

/* ---- listeners ---- */

/* Out of descriptors, a listener leaves epoll for this long, and logs
 * the event at most this often. */
enum { NCG_LISTEN_PAUSE_MS = 100, NCG_LISTEN_LOG_EVERY_S = 10 };

typedef struct ncg_listener {
  ncg_loop *loop;
  ncg_watch watch;
  ncg_timer resume; /* puts a paused listener back into epoll */
  int fd;
  int paused;       /* accept(2) failed for lack of descriptors */
  uint64_t starved; /* how often: EMFILE, ENFILE, ENOBUFS, ENOMEM */
  ncgt_tstamp log_after; /* rate limit of the accept-paused log line */
  ncg_addr addr;
  /* Called with a new non-blocking socket the callee owns. */
  void (*on_accept)(int fd, const ncg_addr *peer, void *obj);
  void *obj;
} ncg_listener;

/* Out of descriptors (EMFILE, ENFILE) or kernel memory, accept(2) would
 * fail at once on every wake-up of a level-triggered listener: it leaves
 * epoll for NCG_LISTEN_PAUSE_MS instead (connections wait in the backlog)
 * and logs event=accept-paused, rate-limited. */

/* Binds and listens on a numeric address ("0.0.0.0:4433", "[::]:4433";
 * IPv6 sockets are v6-only so both families can be listened on). */
int ncg_listener_open(ncg_listener *ls, ncg_loop *l, const ncg_addr *a,
                      void (*on_accept)(int, const ncg_addr *, void *),
                      void *obj);
void ncg_listener_close(ncg_listener *ls, ncg_loop *l);

#endif /* NCG_STREAM_H */
