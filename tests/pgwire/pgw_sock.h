/* pgw_sock.h - blocking-socket glue for the pgwire core, for the live test and the recorder. */
#ifndef PGW_SOCK_H
#define PGW_SOCK_H

#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "pg.h"
#include "pgwire/conn.h"

/* Every byte received, when not NULL: the recorder keeps them. */
static struct rs_buf *pgw_sock_tap;

static inline int pgw_sock_connect(const struct rs_pg_conninfo *ci)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int fd, err = rs_pg_conninfo_sockaddr(ci, &ss, &len);

	if (err)
		return err;
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&ss, len)) {
		err = -errno;
		close(fd);
		return err;
	}
	return fd;
}

/* Send all of out, then wait up to timeout_ms for input and process it. 0, -ETIMEDOUT, -errno. */
static inline int pgw_sock_step(int fd, struct rs_pgw_conn *c, int timeout_ms)
{
	struct rs_buf *out = rs_pgw_out(c);
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	size_t room;
	ssize_t n;
	char *p;
	int err;

	while (out->len) {
		n = send(fd, rs_buf_head(out), out->len, MSG_NOSIGNAL);
		if (n < 0)
			return -errno;
		rs_pgw_sent(c, (size_t)n);
	}
	n = poll(&pfd, 1, timeout_ms);
	if (n <= 0)
		return n ? -errno : -ETIMEDOUT;
	err = rs_pgw_recv_space(c, &p, &room);
	if (err)
		return err;
	n = recv(fd, p, room, 0);
	if (n < 0)
		return -errno;
	if (pgw_sock_tap && n > 0)
		rs_buf_append(pgw_sock_tap, p, (size_t)n);
	return rs_pgw_received(c, (size_t)n);
}

/* Step until the startup is done (or refused). */
static inline int pgw_sock_startup(int fd, struct rs_pgw_conn *c)
{
	int err = rs_pgw_conn_start(c);

	while (!err && !rs_pgw_conn_ready(c))
		err = pgw_sock_step(fd, c, 10000);
	return err;
}

/* Step until no request is pending. */
static inline int pgw_sock_drain(int fd, struct rs_pgw_conn *c)
{
	int err = 0;

	while (!err && rs_pgw_conn_pending(c))
		err = pgw_sock_step(fd, c, 10000);
	/* Flush what the last message may have queued (nothing, normally). */
	return err;
}

static inline void pgw_conn_cfg_from(const struct rs_pg_conninfo *ci, struct rs_pgw_conn_cfg *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->user = ci->user;
	cfg->password = ci->password;
	cfg->database = ci->dbname;
	cfg->application_name = ci->application_name[0] ? ci->application_name : NULL;
}

#endif
