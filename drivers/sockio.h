/* sockio.h - a driver's socket I/O through the engine: completion ops when it has them, else readiness + non-blocking calls. */
#ifndef RS_SOCKIO_H
#define RS_SOCKIO_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct rs_reactor;

/* From a fiber on r's thread. Send all n bytes: n or a negative errno. */
ssize_t rs_sock_send_all(struct rs_reactor *r, int fd, const void *p, size_t n);
/* Receive 1..n bytes: the count, 0 on EOF, or a negative errno. */
ssize_t rs_sock_recv_some(struct rs_reactor *r, int fd, void *p, size_t n);
/* Send all n bytes of p, then receive 1..m bytes into q: one submission on an
 * engine with sock_send_recv (io_uring: a linked send and recv), else the two
 * calls above. The received count, 0 on EOF, or a negative errno. */
ssize_t rs_sock_send_recv(struct rs_reactor *r, int fd, const void *p, size_t n, void *q, size_t m);

/* Any thread, never blocks: true when an idle connection's server side has
 * gone (EOF, a socket error, or an unsolicited Postgres ErrorResponse, which
 * a server sends just before it closes: FATAL on pg_terminate_backend). */
bool rs_sock_idle_lost(int fd);

#endif
