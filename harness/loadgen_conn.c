/* loadgen_conn.c - one load generator connection: connect, queue requests, send, parse and judge answers. */
#include <errno.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "loadgen_int.h"

#define IN_START 8192
#define IN_MAX (RS_RESP_MAX_HEAD + (64u << 20))	/* the largest response we will frame */
#define BACKOFF_MIN_MS 10
#define BACKOFF_MAX_MS 500

int lg_conn_init(struct lg_conn *c, struct lg_thread *t, uint64_t first_due)
{
	const struct lg_run *run = t->run;
	unsigned depth = (unsigned)run->cfg->pipeline;

	memset(c, 0, sizeof(*c));
	c->t = t;
	c->fd = -1;
	c->heap_idx = -1;
	c->first_due = c->next_due = first_due;
	c->out_cap = depth * run->max_req_len;
	c->in_cap = IN_START;
	c->q = calloc(depth, sizeof(*c->q));
	c->out = malloc(c->out_cap);
	c->in = malloc(c->in_cap);
	if (!c->q || !c->out || !c->in) {
		lg_conn_fini(c);
		return -ENOMEM;
	}
	rs_resp_init(&c->resp);
	return 0;
}

void lg_conn_fini(struct lg_conn *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	free(c->q);
	free(c->out);
	free(c->in);
	c->q = NULL;
	c->out = c->in = NULL;
}

static int epoll_set(struct lg_conn *c, int op, uint32_t events)
{
	struct epoll_event ev = { .events = events, .data.ptr = c };
	return epoll_ctl(c->t->ep, op, c->fd, &ev) ? -errno : 0;
}

/* Abortive close: an RST tells the server at once and leaves no TIME_WAIT behind. */
static void conn_close(struct lg_conn *c)
{
	if (c->fd >= 0) {
		struct linger lg = { .l_onoff = 1, .l_linger = 0 };
		setsockopt(c->fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
		close(c->fd);
	}
	c->fd = -1;
	c->state = LG_IDLE;
	c->want_out = c->draining = false;
	c->qhead = c->qlen = c->qunsent = 0;
	c->out_len = c->out_off = 0;
	c->in_len = 0;
	c->reset_next = false;
	c->abort = LG_ABORT_NONE;
	rs_resp_init(&c->resp);
}

/* Close and connect again; the requests still in flight are lost as `kind`. */
static void conn_restart(struct lg_conn *c, enum lg_err kind, uint64_t now)
{
	if (c->qlen)
		lg_count_error(c->t, kind, c->qlen, now);
	conn_close(c);
	lg_conn_open(c, now);
}

/* Fault client-reset: drop the request being abandoned with an RST (not an error), connect again. */
static void abort_now(struct lg_conn *c, uint64_t now)
{
	c->t->client_resets++;
	conn_close(c);
	lg_conn_open(c, now);
}

static void connect_failed(struct lg_conn *c, uint64_t now)
{
	lg_count_error(c->t, LG_CONNECT, 1, now);
	conn_close(c);
	c->backoff_ms = c->backoff_ms ? c->backoff_ms * 2 : BACKOFF_MIN_MS;
	if (c->backoff_ms > BACKOFF_MAX_MS)
		c->backoff_ms = BACKOFF_MAX_MS;
	c->retry_at = now + c->backoff_ms * NS_PER_MS;
}

static void conn_ready(struct lg_conn *c, uint64_t now)
{
	c->state = LG_OPEN;
	c->backoff_ms = 0;
	if (epoll_set(c, EPOLL_CTL_MOD, EPOLLIN)) {
		connect_failed(c, now);
		return;
	}
	lg_conn_fill(c, now);
}

void lg_conn_open(struct lg_conn *c, uint64_t now)
{
	const struct lg_run *run = c->t->run;
	int one = 1;

	c->since = now;
	c->retry_at = 0;
	c->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (c->fd < 0) {
		connect_failed(c, now);
		return;
	}
	setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	c->state = LG_CONNECTING;
	int rc = connect(c->fd, (const struct sockaddr *)&run->addr, sizeof(run->addr));
	if (rc && errno != EINPROGRESS) {
		connect_failed(c, now);
		return;
	}
	if (epoll_set(c, EPOLL_CTL_ADD, EPOLLOUT)) {
		connect_failed(c, now);
		return;
	}
	if (rc == 0)
		conn_ready(c, now);
}

static int pick_path(struct lg_thread *t)
{
	const struct lg_run *run = t->run;
	if (run->cfg->npaths == 1)
		return 0;
	/* xorshift64: cheap, and each thread has its own. */
	t->rng ^= t->rng << 13;
	t->rng ^= t->rng >> 7;
	t->rng ^= t->rng << 17;
	int r = (int)(t->rng % (uint64_t)run->total_weight), i = 0;
	while (run->cum_weight[i] <= r)
		i++;
	return i;
}

/* Queue one request; it is written, and stamped, at the end of the batch. */
static void queue_req(struct lg_conn *c, uint64_t intended)
{
	struct lg_thread *t = c->t;
	const struct lg_run *run = t->run;
	int path = pick_path(t);
	unsigned depth = (unsigned)run->cfg->pipeline;

	if (c->out_off && c->out_off == c->out_len)
		c->out_off = c->out_len = 0;
	if (c->out_len + run->req_len[path] > c->out_cap) {
		memmove(c->out, c->out + c->out_off, c->out_len - c->out_off);
		c->out_len -= c->out_off;
		c->out_off = 0;
	}
	memcpy(c->out + c->out_len, run->req[path], run->req_len[path]);
	c->out_len += run->req_len[path];
	c->q[(c->qhead + c->qlen) % depth] = (struct lg_req){ intended, 0, path };
	c->qlen++;
	c->nreq++;
	c->qunsent++;
	if (!c->dirty) {
		c->dirty = true;
		t->dirty[t->ndirty++] = c;
	}
}

/*
 * Fault client-reset: is the request about to be queued to wait? Every
 * reset_every-th request of a connection goes alone, so that no answered
 * request is lost with it: the pipeline drains first. When it may go,
 * c->abort says how it will end.
 */
static bool hold_for_reset(struct lg_conn *c, uint64_t now)
{
	const struct lg_run *run = c->t->run;
	uint64_t every = (uint64_t)run->cfg->reset_every;

	if (!c->reset_next) {
		if (!every || now < run->reset_from || now >= run->reset_until || (c->nreq + 1) % every)
			return false;
		c->reset_next = true;
	}
	if (c->qlen)
		return true;
	c->reset_next = false;
	c->abort = ++c->nresets & 1 ? LG_ABORT_HALF : LG_ABORT_WHOLE;
	c->abort_at = 0;	/* set when it is sent */
	return false;
}

/*
 * Closed loop: fill the pipeline. Open loop: send what the schedule says is
 * due (all of it at once when behind, up to the pipeline depth: latency is
 * still counted from each intended time), then wait in the heap for the
 * next. A connection already in the heap is left alone: its next_due is
 * the heap's key.
 */
void lg_conn_fill(struct lg_conn *c, uint64_t now)
{
	const struct lg_run *run = c->t->run;
	unsigned depth = (unsigned)run->cfg->pipeline;

	if (c->state != LG_OPEN || c->draining || c->in_heap || c->abort)
		return;
	if (!run->open_loop) {
		while (c->qlen < depth && !c->abort && !hold_for_reset(c, now))
			queue_req(c, 0);
		return;
	}
	while (c->qlen < depth && c->next_due <= now && !c->abort && !hold_for_reset(c, now)) {
		queue_req(c, c->next_due);
		c->k++;
		c->next_due = rs_lg_next_due(run->cfg, c->first_due, c->k, c->next_due, &c->rng);
	}
	/* Held for a reset: the next answer calls us again. */
	if (c->qlen < depth && !c->abort && !c->reset_next)
		lg_heap_push(c->t, c);
}

static void want_out(struct lg_conn *c, bool on)
{
	if (c->want_out == on)
		return;
	c->want_out = on;
	epoll_set(c, EPOLL_CTL_MOD, on ? EPOLLIN | EPOLLOUT : EPOLLIN);
}

static void conn_write(struct lg_conn *c, uint64_t now)
{
	while (c->out_off < c->out_len) {
		ssize_t n = send(c->fd, c->out + c->out_off, c->out_len - c->out_off, MSG_NOSIGNAL);
		if (n > 0) {
			c->out_off += (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN) {
			want_out(c, true);
			return;
		}
		conn_restart(c, LG_RESET, now);
		return;
	}
	c->out_off = c->out_len = 0;
	want_out(c, false);
}

/* Stamp the requests queued this batch with the time of the send, then send them in one call. */
void lg_conn_flush(struct lg_conn *c, uint64_t now)
{
	unsigned depth = (unsigned)c->t->run->cfg->pipeline;

	c->dirty = false;
	if (c->state != LG_OPEN)
		return;
	for (unsigned i = c->qlen - c->qunsent; i < c->qlen; i++) {
		struct lg_req *r = &c->q[(c->qhead + i) % depth];
		r->sent = now;
		if (!r->intended)
			r->intended = now;
	}
	c->qunsent = 0;
	if (c->abort == LG_ABORT_HALF) {
		/* The server has read part of a request when the RST comes. */
		size_t half = (c->out_len - c->out_off) / 2;
		send(c->fd, c->out + c->out_off, half ? half : 1, MSG_NOSIGNAL);
		abort_now(c, now);
		return;
	}
	if (c->abort == LG_ABORT_WHOLE)
		c->abort_at = now + NS_PER_MS;	/* the server is answering it by then, or has */
	if (!c->want_out)
		conn_write(c, now);
}

static void judge(struct lg_conn *c, const struct lg_req *req, const char *body, uint64_t now)
{
	struct lg_thread *t = c->t;
	const char *path = t->run->cfg->paths[req->path].path;
	int status = c->resp.status;

	if (status < 200 || status > 299) {
		lg_count_error(t, LG_NON2XX, 1, now);
		lg_keep_bad(t, status, body, c->resp.body_len, now);
		c->draining = true;
	} else if (!rs_lg_valid_body(path, status, body, c->resp.body_len)) {
		lg_count_error(t, LG_INVALID, 1, now);
		lg_keep_bad(t, status, body, c->resp.body_len, now);
		c->draining = true;
	} else {
		lg_count_response(t, now - req->intended, now - req->sent, now);
	}
}

/* One complete response at c->in + off. Returns false when the connection was restarted. */
static bool on_response(struct lg_conn *c, size_t off, uint64_t now)
{
	unsigned depth = (unsigned)c->t->run->cfg->pipeline;

	if (c->qlen == c->qunsent) {
		/* An answer to nothing we sent: the stream is out of step. */
		conn_restart(c, LG_INVALID, now);
		return false;
	}
	struct lg_req req = c->q[c->qhead];
	c->qhead = (c->qhead + 1) % depth;
	c->qlen--;
	judge(c, &req, c->in + off + c->resp.head_len, now);
	if (c->resp.close) {
		/* The server answers no more on this connection: the rest are lost. */
		conn_restart(c, LG_RESET, now);
		return false;
	}
	if (c->draining && !c->qlen) {
		conn_restart(c, LG_RESET, now);
		return false;
	}
	rs_resp_init(&c->resp);
	return true;
}

/* Room for more input: grow when one response does not fit. */
static int in_grow(struct lg_conn *c)
{
	if (c->in_cap >= IN_MAX)
		return -EMSGSIZE;
	size_t cap = c->in_cap * 2;
	char *p = realloc(c->in, cap);
	if (!p)
		return -ENOMEM;
	c->in = p;
	c->in_cap = cap;
	return 0;
}

/* Parse every complete response in c->in; keep a partial one at the front. */
static bool parse_all(struct lg_conn *c, uint64_t now)
{
	size_t off = 0;
	for (;;) {
		ssize_t n = rs_resp_parse(&c->resp, c->in + off, c->in_len - off);
		if (n < 0) {
			conn_restart(c, LG_INVALID, now);
			return false;
		}
		if (n == 0)
			break;
		if (!on_response(c, off, now))
			return false;
		off += (size_t)n;
	}
	if (off) {
		memmove(c->in, c->in + off, c->in_len - off);
		c->in_len -= off;
	}
	if (c->in_len == c->in_cap && in_grow(c)) {
		conn_restart(c, LG_INVALID, now);
		return false;
	}
	return true;
}

static void conn_read(struct lg_conn *c, uint64_t now)
{
	for (;;) {
		size_t room = c->in_cap - c->in_len;
		ssize_t n = recv(c->fd, c->in + c->in_len, room, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return;
		if (n <= 0) {
			/* EOF or reset; an idle keep-alive close loses nothing. */
			conn_restart(c, LG_RESET, now);
			return;
		}
		c->in_len += (size_t)n;
		if (!parse_all(c, now))
			return;
		/* A short read drained the socket: skip the recv that would say EAGAIN. */
		if ((size_t)n < room)
			break;
	}
	lg_conn_fill(c, now);
}

static void connect_done(struct lg_conn *c, uint64_t now)
{
	int soerr = 0;
	socklen_t len = sizeof(soerr);
	if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &soerr, &len) || soerr)
		connect_failed(c, now);
	else
		conn_ready(c, now);
}

void lg_conn_event(struct lg_conn *c, uint32_t events, uint64_t now)
{
	if (c->state == LG_CONNECTING) {
		connect_done(c, now);
		return;
	}
	if (c->state != LG_OPEN)
		return;
	if (c->abort == LG_ABORT_WHOLE && (events & (EPOLLIN | EPOLLERR | EPOLLHUP))) {
		/* Its answer is coming: reset before reading it. */
		abort_now(c, now);
		return;
	}
	if (events & (EPOLLIN | EPOLLERR | EPOLLHUP))
		conn_read(c, now);
	if (c->state == LG_OPEN && c->want_out && (events & EPOLLOUT))
		conn_write(c, now);
}

/* Every few milliseconds: time out stuck requests and connects, retry failed connects. */
void lg_conn_housekeep(struct lg_conn *c, uint64_t now)
{
	const struct lg_run *run = c->t->run;
	uint64_t timeout = (uint64_t)run->cfg->timeout_ms * NS_PER_MS;

	if (c->state == LG_IDLE && c->retry_at && now >= c->retry_at) {
		lg_conn_open(c, now);
		return;
	}
	if (c->state == LG_OPEN && c->abort == LG_ABORT_WHOLE && c->abort_at && now >= c->abort_at) {
		abort_now(c, now);
		return;
	}
	if (!timeout)
		return;
	if (c->state == LG_CONNECTING && now - c->since > timeout) {
		connect_failed(c, now);
		return;
	}
	if (c->state == LG_OPEN && c->qlen > c->qunsent) {
		const struct lg_req *oldest = &c->q[c->qhead];
		if (oldest->sent && now - oldest->sent > timeout)
			conn_restart(c, LG_TIMEOUT, now);
	}
}
