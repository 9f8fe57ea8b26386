/* slowloris.c - clients that never finish their request header: does the server keep serving the others? */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "slowloris.h"

/* After the request line and Host, header lines for ever. */
static const char filler[] = "X-Slow: a\r\n";

struct slow {
	int fd;
	size_t pos;		/* bytes of this connection's request sent */
};

struct loris {
	int port, n;
	char head[512];
	size_t head_len;
	struct slow *c;
	struct pollfd *pfd;
	int *who;		/* pfd[i] is connection who[i] */
	struct rs_slowloris_stats *st;
};

static void drop(struct slow *s)
{
	close(s->fd);
	s->fd = -1;
	s->pos = 0;
}

static int connect_one(const struct loris *l)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)l->port),
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	struct timeval tv = { 1, 0 };	/* connect's timeout */
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -errno;
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		int err = -errno;
		close(fd);
		return err;
	}
	return fd;
}

/* One more byte on connection s (connecting it first when the server ended it). */
static void dribble(struct loris *l, struct slow *s)
{
	if (s->fd < 0) {
		s->fd = connect_one(l);
		if (s->fd < 0) {
			l->st->connect_errors++;
			return;
		}
		l->st->connects++;
	}
	char b = s->pos < l->head_len ? l->head[s->pos] : filler[(s->pos - l->head_len) % (sizeof(filler) - 1)];
	ssize_t n = send(s->fd, &b, 1, MSG_NOSIGNAL | MSG_DONTWAIT);
	if (n == 1) {
		s->pos++;
		l->st->bytes++;
	} else if (n < 0 && errno != EAGAIN && errno != EINTR) {
		l->st->closed_by_server++;
		drop(s);
	}
}

/* The server said something (an answer such as 408) or hung up: either way it is done with s. */
static void readable(struct loris *l, struct slow *s)
{
	char buf[256];
	int status = 0;
	ssize_t n = recv(s->fd, buf, sizeof(buf) - 1, MSG_DONTWAIT);

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n > 0) {
		buf[n] = '\0';
		if (sscanf(buf, "HTTP/1.%*d %d", &status) == 1 && status == 408)
			l->st->answered_408++;
		else
			l->st->answered_other++;
	}
	l->st->closed_by_server++;
	drop(s);
}

static int wait_readable(struct loris *l, double until)
{
	int np = 0;

	for (int i = 0; i < l->n; i++) {
		if (l->c[i].fd < 0)
			continue;
		l->pfd[np] = (struct pollfd){ .fd = l->c[i].fd, .events = POLLIN };
		l->who[np++] = i;
	}
	double wait = until - rs_now_s();
	int ms = wait > 0 ? (int)(wait * 1000) + 1 : 0;
	int r = np ? poll(l->pfd, (nfds_t)np, ms) : (usleep((useconds_t)ms * 1000), 0);
	if (r < 0 && errno != EINTR)
		return -errno;
	for (int i = 0; r > 0 && i < np; i++)
		if (l->pfd[i].revents)
			readable(l, &l->c[l->who[i]]);
	return 0;
}

int rs_slowloris_run(int port, const char *path, int n, int interval_ms, double until_s, volatile int *stop,
		     struct rs_slowloris_stats *st)
{
	struct loris l = { .port = port, .n = n, .st = st };
	double interval = interval_ms / 1e3, next = rs_now_s();
	int err = 0;

	memset(st, 0, sizeof(*st));
	st->clients = n;
	int len = snprintf(l.head, sizeof(l.head), "GET %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n", path, port);
	if (n < 1 || interval_ms < 1 || len < 0 || (size_t)len >= sizeof(l.head))
		return -EINVAL;
	l.head_len = (size_t)len;
	l.c = calloc((size_t)n, sizeof(*l.c));
	l.pfd = calloc((size_t)n, sizeof(*l.pfd));
	l.who = calloc((size_t)n, sizeof(*l.who));
	if (!l.c || !l.pfd || !l.who) {
		err = -ENOMEM;
		goto out_free;
	}
	for (int i = 0; i < n; i++)
		l.c[i].fd = -1;
	while (!__atomic_load_n(stop, __ATOMIC_RELAXED) && !err) { /* stop: set by another thread */
		double now = rs_now_s();
		if (now >= until_s)
			break;
		if (now >= next) {
			for (int i = 0; i < n; i++)
				dribble(&l, &l.c[i]);
			next += interval;
			if (next < now)
				next = now + interval;
		}
		err = wait_readable(&l, next < until_s ? next : until_s);
	}
	for (int i = 0; i < n; i++)
		if (l.c[i].fd >= 0)
			close(l.c[i].fd);
out_free:
	free(l.c);
	free(l.pfd);
	free(l.who);
	return err;
}
