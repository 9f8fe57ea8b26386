/* sockio.c - rs_sock_send_all/rs_sock_recv_some/rs_sock_send_recv: the ring's send/recv, or sock_wait + MSG_DONTWAIT (epoll-pgwire). */
#include <errno.h>
#include <poll.h>
#include <sys/socket.h>

#include "engine.h"
#include "sockio.h"

ssize_t rs_sock_send_all(struct rs_reactor *r, int fd, const void *p, size_t n)
{
	if (r->ops->caps & RS_CAP_COMPLETION)
		return r->ops->sock_send(r, fd, p, n);
	size_t done = 0;
	while (done < n) {
		ssize_t k = send(fd, (const char *)p + done, n - done, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (k > 0) {
			done += (size_t)k;
			continue;
		}
		if (k < 0 && errno != EAGAIN)
			return -errno;
		int ev = r->ops->sock_wait(r, fd, POLLOUT, -1);
		if (ev < 0)
			return ev;
	}
	return (ssize_t)done;
}

ssize_t rs_sock_recv_some(struct rs_reactor *r, int fd, void *p, size_t n)
{
	if (r->ops->caps & RS_CAP_COMPLETION)
		return r->ops->sock_recv(r, fd, p, n);
	for (;;) {
		ssize_t k = recv(fd, p, n, MSG_DONTWAIT);
		if (k >= 0)
			return k;
		if (errno != EAGAIN)
			return -errno;
		int ev = r->ops->sock_wait(r, fd, POLLIN, -1);
		if (ev < 0)
			return ev;
	}
}

bool rs_sock_idle_lost(int fd)
{
	char first;
	if (fd < 0)
		return false;
	ssize_t n = recv(fd, &first, 1, MSG_PEEK | MSG_DONTWAIT);
	if (n == 0)
		return true;
	if (n < 0)
		return errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR;
	/* Notices and parameter changes may arrive on an idle connection and are
	 * harmless; an error there means the backend is about to go. */
	return first == 'E';
}

ssize_t rs_sock_send_recv(struct rs_reactor *r, int fd, const void *p, size_t n, void *q, size_t m)
{
	if ((r->ops->caps & RS_CAP_COMPLETION) && r->ops->sock_send_recv)
		return r->ops->sock_send_recv(r, fd, p, n, q, m);
	ssize_t k = rs_sock_send_all(r, fd, p, n);
	return k < 0 ? k : rs_sock_recv_some(r, fd, q, m);
}
