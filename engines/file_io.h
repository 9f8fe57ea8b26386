/* file_io.h - regular-file opens and reads for handlers, routed by the engine's capability bits. */
#ifndef RS_FILE_IO_H
#define RS_FILE_IO_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct rs_reactor;

/*
 * From a fiber on r's thread. RS_CAP_FILE engines do the call through the
 * reactor (uring: IORING_OP_OPENAT / IORING_OP_READ on the ring, the
 * completion resuming the fiber); RS_CAP_OFFLOAD engines run it on a worker
 * and resume through the eventfd; the others block the reactor thread, as a
 * classic readiness server must (epoll says nothing about regular files).
 * rs_file_open: an fd or a negative errno. rs_file_read: fills all len bytes
 * unless EOF comes first; the bytes read (those before an error, if any), or
 * a negative errno.
 */
int rs_file_open(struct rs_reactor *r, int dirfd, const char *name, int flags);
ssize_t rs_file_read(struct rs_reactor *r, int fd, void *buf, size_t len, uint64_t off);

#endif
