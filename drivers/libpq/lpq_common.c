/* lpq_common.c - shared by the async and blocking libpq drivers: connect parameters, results, names, cancel. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "engine.h"
#include "lpq.h"

/* ---- connecting ---- */

/* PQconnectStartParams arguments; the arrays point into the struct. */
struct params {
	const char *keys[16];
	const char *vals[16];
	int n;
	char hostaddr[64];
	char port[8];
};

static void param(struct params *p, const char *key, const char *val)
{
	p->keys[p->n] = key;
	p->vals[p->n] = val;
	p->n++;
}

static int host_param(struct params *p, const struct rs_pg_conninfo *ci)
{
	const void *a;

	switch (ci->addr.ss_family) {
	case AF_UNIX:
		param(p, "host", ci->host); /* the socket directory: no lookup */
		return 0;
	case AF_INET:
		a = &((const struct sockaddr_in *)&ci->addr)->sin_addr;
		break;
	case AF_INET6:
		a = &((const struct sockaddr_in6 *)&ci->addr)->sin6_addr;
		break;
	default:
		return -EAFNOSUPPORT;
	}
	if (!inet_ntop(ci->addr.ss_family, a, p->hostaddr, sizeof(p->hostaddr)))
		return -errno;
	param(p, "hostaddr", p->hostaddr);
	return 0;
}

static int params_fill(struct params *p, const struct rs_pg_conninfo *ci)
{
	/* Every driver of the comparison speaks plaintext; libpq could do
	 * TLS, but then it would not be the same work. */
	if (!strcmp(ci->sslmode, "require") || !strncmp(ci->sslmode, "verify-", 7)) {
		fprintf(stderr, "ringside: libpq: sslmode=%s: the drivers compared here do not use TLS\n",
			ci->sslmode);
		return -EPROTONOSUPPORT;
	}
	p->n = 0;
	int err = host_param(p, ci);
	if (err)
		return err;
	snprintf(p->port, sizeof(p->port), "%u", ci->port);
	param(p, "port", p->port);
	param(p, "user", ci->user);
	if (ci->password[0])
		param(p, "password", ci->password);
	param(p, "dbname", ci->dbname);
	param(p, "application_name", ci->application_name[0] ? ci->application_name : "ringside");
	param(p, "client_encoding", "UTF8");
	param(p, "sslmode", "disable");
	/* Probing for Kerberos credentials reads files and may ask a KDC. */
	param(p, "gssencmode", "disable");
	p->keys[p->n] = NULL;
	p->vals[p->n] = NULL;
	return 0;
}

static bool sqlstate_char(char ch)
{
	return (ch >= '0' && ch <= '9') || (ch >= 'A' && ch <= 'Z');
}

/* A verbose server error reads "SEVERITY:  SQLSTATE: message"; the
 * severity may be translated, the layout is not. */
static bool find_sqlstate(const char *msg, char state[6])
{
	for (const char *p = strstr(msg, ":  "); p; p = strstr(p + 1, ":  ")) {
		const char *s = p + 3;
		int i = 0;
		while (i < 5 && sqlstate_char(s[i]))
			i++;
		if (i == 5 && s[5] == ':') {
			memcpy(state, s, 5);
			state[5] = '\0';
			return true;
		}
	}
	return false;
}

/* Print the first line of libpq's message; the errno for it. */
static int connect_errno(PGconn *pg, const char *driver)
{
	const char *msg = PQerrorMessage(pg);
	int len = (int)strcspn(msg, "\n");
	char state[6];

	fprintf(stderr, "ringside: %s: connect: %.*s\n", driver, len, msg);
	/* libpq 15 has no accessor for a connection error's fields. */
	if (find_sqlstate(msg, state))
		return rs_pg_sqlstate_errno(state);
	return -ECONNREFUSED;
}

/* Wait as PQconnectPoll asks (writable first, as its documentation says). */
static int connect_poll(PGconn *pg, rs_lpq_wait_fn wait, void *ctx, const char *driver, int timeout_s)
{
	PostgresPollingStatusType st = PGRES_POLLING_WRITING;
	int64_t deadline = timeout_s ? (int64_t)(rs_now_ns() / 1000000) + (int64_t)timeout_s * 1000 : 0;

	if (PQstatus(pg) == CONNECTION_BAD)
		return connect_errno(pg, driver);
	while (st != PGRES_POLLING_OK) {
		if (st == PGRES_POLLING_FAILED)
			return connect_errno(pg, driver);
		int left = -1;
		if (deadline) {
			int64_t ms = deadline - (int64_t)(rs_now_ns() / 1000000);
			left = ms > 0 ? (int)ms : 0;
		}
		int ev = wait(ctx, PQsocket(pg), st == PGRES_POLLING_READING ? POLLIN : POLLOUT, left);
		if (ev < 0)
			return ev;
		if (!ev) {
			fprintf(stderr, "ringside: %s: connect: timed out after %d s\n", driver, timeout_s);
			return -ETIMEDOUT;
		}
		st = PQconnectPoll(pg);
	}
	return 0;
}

int rs_lpq_connect(const struct rs_pg_conninfo *ci, rs_lpq_wait_fn wait, void *ctx, const char *driver,
		   PGconn **out)
{
	struct params p;
	int err = params_fill(&p, ci);

	if (err)
		return err;
	PGconn *pg = PQconnectStartParams(p.keys, p.vals, 0);
	if (!pg)
		return -ENOMEM;
	/* Puts the server's SQLSTATE into a connect error's message. */
	PQsetErrorVerbosity(pg, PQERRORS_VERBOSE);
	err = connect_poll(pg, wait, ctx, driver, ci->connect_timeout);
	if (err) {
		PQfinish(pg);
		return err;
	}
	PQsetErrorVerbosity(pg, PQERRORS_DEFAULT);
	if (ci->addr.ss_family != AF_UNIX) {
		int on = ci->tcp_nodelay; /* libpq always turns it on */
		setsockopt(PQsocket(pg), IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on));
	}
	*out = pg;
	return 0;
}

/* ---- results ---- */

static int fill_cols(struct rs_pg_result *out, const PGresult *pr)
{
	int ncols = PQnfields(pr);
	size_t names = 0;

	for (int i = 0; i < ncols; i++)
		names += strlen(PQfname(pr, i));
	int err = rs_pg_result_set_ncols(out, ncols, names);
	for (int i = 0; !err && i < ncols; i++) {
		const char *name = PQfname(pr, i);
		err = rs_pg_result_set_col(out, i, name, strlen(name), (uint32_t)PQftype(pr, i),
					   (int16_t)PQfformat(pr, i));
	}
	return err;
}

static int fill_rows(struct rs_pg_result *out, const PGresult *pr)
{
	int nrows = PQntuples(pr), ncols = PQnfields(pr);
	int err = 0;

	for (int row = 0; !err && row < nrows; row++) {
		err = rs_pg_result_add_row(out);
		for (int col = 0; !err && col < ncols; col++) {
			bool null = PQgetisnull(pr, row, col);
			err = rs_pg_result_add_value(out, PQgetvalue(pr, row, col),
						     null ? -1 : PQgetlength(pr, row, col));
		}
	}
	return err;
}

static int fill_error(struct rs_pg_result *out, const PGresult *pr)
{
	const char *sev = PQresultErrorField(pr, PG_DIAG_SEVERITY_NONLOCALIZED);
	const char *state = PQresultErrorField(pr, PG_DIAG_SQLSTATE);
	const char *msg = PQresultErrorField(pr, PG_DIAG_MESSAGE_PRIMARY);

	/* Errors libpq makes up itself (connection lost) have no fields. */
	if (!msg)
		msg = PQresultErrorMessage(pr);
	return rs_pg_result_set_error(out, sev, state ? state : "08006", msg,
				      PQresultErrorField(pr, PG_DIAG_MESSAGE_DETAIL),
				      PQresultErrorField(pr, PG_DIAG_MESSAGE_HINT));
}

int rs_lpq_result_fill(struct rs_pg_result *out, const PGresult *pr)
{
	const char *tag;
	int err = 0;

	rs_pg_result_reset(out);
	switch (PQresultStatus(pr)) {
	case PGRES_TUPLES_OK:
	case PGRES_SINGLE_TUPLE:
		err = fill_cols(out, pr);
		if (!err)
			err = fill_rows(out, pr);
		break;
	case PGRES_COMMAND_OK:
	case PGRES_EMPTY_QUERY:
		break;
	case PGRES_FATAL_ERROR:
	case PGRES_NONFATAL_ERROR:
		return fill_error(out, pr);
	default:
		return rs_lpq_result_error(out, "0A000", "libpq driver: result kind not supported (COPY?)");
	}
	tag = PQcmdStatus((PGresult *)pr);
	if (!err && tag)
		rs_pg_result_set_tag(out, tag, strlen(tag));
	return err;
}

int rs_lpq_result_error(struct rs_pg_result *out, const char *sqlstate, const char *message)
{
	return rs_pg_result_set_error(out, "ERROR", sqlstate, message, NULL, NULL);
}

/* ---- prepared statement names ---- */

bool rs_lpq_names_has(const struct rs_lpq_names *s, const char *name)
{
	for (int i = 0; i < s->n; i++)
		if (!strcmp(s->v[i], name))
			return true;
	return false;
}

int rs_lpq_names_add(struct rs_lpq_names *s, const char *name)
{
	if (s->n == s->cap) {
		int cap = s->cap ? s->cap * 2 : 8;
		char **v = realloc(s->v, (size_t)cap * sizeof(*v));
		if (!v)
			return -ENOMEM;
		s->v = v;
		s->cap = cap;
	}
	s->v[s->n] = strdup(name);
	if (!s->v[s->n])
		return -ENOMEM;
	s->n++;
	return 0;
}

void rs_lpq_names_del(struct rs_lpq_names *s, const char *name)
{
	for (int i = 0; i < s->n; i++) {
		if (strcmp(s->v[i], name))
			continue;
		free(s->v[i]);
		s->v[i] = s->v[--s->n];
		return;
	}
}

void rs_lpq_names_free(struct rs_lpq_names *s)
{
	for (int i = 0; i < s->n; i++)
		free(s->v[i]);
	free(s->v);
	*s = (struct rs_lpq_names){ 0 };
}

/* ---- cancel ---- */

struct rs_lpq_cancel {
	PGcancel *pc;
	atomic_int refs;
};

int rs_lpq_cancel_new(PGconn *pg, struct rs_lpq_cancel **out)
{
	struct rs_lpq_cancel *cc = malloc(sizeof(*cc));

	if (!cc)
		return -ENOMEM;
	cc->pc = PQgetCancel(pg);
	if (!cc->pc) {
		free(cc);
		return -ENOMEM;
	}
	atomic_init(&cc->refs, 1);
	*out = cc;
	return 0;
}

void rs_lpq_cancel_put(struct rs_lpq_cancel *cc)
{
	if (!cc || atomic_fetch_sub(&cc->refs, 1) != 1)
		return;
	PQfreeCancel(cc->pc);
	free(cc);
}

static void cancel_get(struct rs_lpq_cancel *cc)
{
	atomic_fetch_add(&cc->refs, 1);
}

/* One CancelRequest on its way; shared by the waiting fiber and the thread
 * sending it, freed by whichever lets go last. */
struct cancel_job {
	struct rs_lpq_cancel *cc;
	int efd;
	atomic_int refs;
	atomic_int result;   /* 1 once PQcancel succeeded, -1 failed, 0 running */
	char errbuf[256];
};

static void job_put(struct cancel_job *job)
{
	if (atomic_fetch_sub(&job->refs, 1) != 1)
		return;
	if (job->efd >= 0)
		close(job->efd);
	rs_lpq_cancel_put(job->cc);
	free(job);
}

/* PQcancel may be called from any thread: the PGcancel is read-only to it. */
static void job_cancel(struct cancel_job *job)
{
	int ok = PQcancel(job->cc->pc, job->errbuf, sizeof(job->errbuf));
	atomic_store_explicit(&job->result, ok ? 1 : -1, memory_order_release);
}

static void *cancel_thread(void *arg)
{
	struct cancel_job *job = arg;
	uint64_t one = 1;

	job_cancel(job);
	if (write(job->efd, &one, sizeof(one)) < 0)
		perror("ringside: libpq: cancel eventfd");
	job_put(job);
	return NULL;
}

static void job_offloaded(void *arg)
{
	job_cancel(arg);
}

/* The fiber waits for the thread's eventfd through the reactor. */
static int job_wait(struct rs_reactor *r, struct cancel_job *job)
{
	uint64_t n;

	while (!atomic_load_explicit(&job->result, memory_order_acquire)) {
		int ev = r->ops->sock_wait(r, job->efd, POLLIN, -1);
		if (ev < 0)
			return ev;
		if (read(job->efd, &n, sizeof(n)) < 0 && errno != EAGAIN)
			return -errno;
	}
	return 0;
}

static int job_start_thread(struct cancel_job *job)
{
	pthread_attr_t attr;
	pthread_t t;

	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	pthread_attr_setstacksize(&attr, 256 * 1024);
	int err = -pthread_create(&t, &attr, cancel_thread, job);
	pthread_attr_destroy(&attr);
	return err;
}

/*
 * libpq 15 has only the blocking PQcancel (PQcancelStart came in 17), so it
 * runs off the reactor thread. Preferably on a short-lived thread of its
 * own, waited for through an eventfd: a cancel is needed exactly when
 * queries overrun, which is when an offload pool's workers are all stuck
 * in them; cancels are rare, so a thread each costs nothing that matters.
 * offload() only for an engine that cannot wait for an eventfd.
 */
int rs_lpq_cancel_run(struct rs_reactor *r, struct rs_lpq_cancel *cc)
{
	struct cancel_job *job = calloc(1, sizeof(*job));
	int err;

	if (!job)
		return -ENOMEM;
	cancel_get(cc);
	job->cc = cc;
	job->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	atomic_init(&job->refs, 1);
	if (job->efd < 0) {
		err = -errno;
		goto out_put;
	}
	if (r->ops->sock_wait) {
		atomic_fetch_add(&job->refs, 1);
		err = job_start_thread(job);
		if (err)
			atomic_fetch_sub(&job->refs, 1);
		else
			err = job_wait(r, job);
	} else if (r->ops->offload) {
		err = r->ops->offload(r, job_offloaded, job);
	} else {
		err = -EOPNOTSUPP;
	}
	if (!err && atomic_load_explicit(&job->result, memory_order_acquire) < 0) {
		fprintf(stderr, "ringside: libpq: cancel: %.*s\n", (int)strcspn(job->errbuf, "\n"), job->errbuf);
		err = -ECONNREFUSED;
	}
out_put:
	job_put(job);
	return err;
}
