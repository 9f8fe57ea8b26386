/* fuzz_http_req.c - fuzz target: the HTTP/1.1 request parser, whole stream against the same bytes dribbled. */

/*
 * Input: one control byte, then the bytes a client sent on one connection.
 * The control byte picks the limits (defaults, or tiny ones that reach 413
 * and 431 quickly) and the seed of the split points. The parser promises
 * that a request's result does not depend on how its bytes arrived: the
 * stream is parsed whole, then again as the reactor sees it, one read at a
 * time, and both must agree on every request (length, method, target,
 * headers, body) and on how the stream ends. Every error status must also
 * make a response the load generator's own parser accepts.
 */
#include "fuzz.h"

#include "http.h"
#include "http_resp.h"

#define MAX_REQS 64

/* What a parse produced, kept to compare the two ways of feeding. */
struct outcome {
	int r; /* rs_http_parse's return */
	size_t method_len, target_len, query_len, num_headers, content_length;
	bool keep_alive;
	int minor;
};

static const struct rs_http_limits tiny = { 64, 4, 16 };

static bool inside(const char *p, size_t n, const char *lo, const char *hi)
{
	return p >= lo && p + n <= hi;
}

/* Invariants of one parsed request occupying buf[0..r). */
static void check_request(const char *buf, int r, const struct rs_http_request *req,
			  const struct rs_http_limits *lim)
{
	const char *end = buf + r;
	size_t len;

	/* Empty lines before the request line are skipped. */
	REQUIRE(req->method >= buf && req->method_len > 0);
	for (const char *p = buf; p < req->method; p++)
		REQUIRE(*p == '\r' || *p == '\n');
	REQUIRE(inside(req->target, req->target_len, buf, end));
	if (req->target[0] == '/') {
		REQUIRE(req->path == req->target && req->path_len <= req->target_len && !req->authority);
	} else { /* absolute-form: the path follows the authority, or is "/" */
		REQUIRE(req->authority && req->authority_len > 0 &&
			   inside(req->authority, req->authority_len, req->target, req->target + req->target_len));
		REQUIRE(req->path_len > 0 && req->path[0] == '/');
		REQUIRE(inside(req->path, req->path_len, req->target, req->target + req->target_len) ||
			   req->path_len == 1);
	}
	REQUIRE(inside(req->query, req->query_len, req->target, req->target + req->target_len));
	REQUIRE(req->client_fd == -1);
	REQUIRE(rs_http_check_host(req) == 0 || rs_http_check_host(req) == -400);
	REQUIRE(req->minor_version == 0 || req->minor_version == 1);
	REQUIRE(req->num_headers <= lim->max_headers);
	REQUIRE(req->content_length <= lim->max_body_bytes);
	REQUIRE(req->body + req->content_length == end);
	for (size_t i = 0; i < req->num_headers; i++) {
		const struct rs_http_header *h = &req->headers[i];

		REQUIRE(h->name_len > 0 && inside(h->name, h->name_len, buf, end));
		REQUIRE(inside(h->value, h->value_len, buf, end));
	}
	/* The lookups the workloads make. */
	const struct rs_http_header *h = rs_http_header(req, "content-length");
	REQUIRE(h || req->content_length == 0);
	const char *v = rs_http_query_param(req, "queries", &len);
	REQUIRE(!v || inside(v, len, req->query, req->query + req->query_len));
	v = rs_http_query_param(req, "", &len);
	REQUIRE(!v || inside(v, len, req->query, req->query + req->query_len));
}

/* The error answer the server sends must be one the load generator can frame. */
static void check_error_answer(int status)
{
	struct rs_buf out = { 0 };
	struct rs_resp resp;

	REQUIRE(status == 400 || status == 413 || status == 417 || status == 431 || status == 501 ||
		   status == 505);
	REQUIRE(rs_http_respond_error(&out, status, false) == 0);
	rs_resp_init(&resp);
	REQUIRE(rs_resp_parse(&resp, rs_buf_head(&out), out.len) == (ssize_t)out.len);
	REQUIRE(resp.status == status && resp.close);
	rs_buf_free(&out);
}

static struct outcome record(int r, const struct rs_http_request *req)
{
	struct outcome o = { .r = r };

	if (r > 0) {
		o.method_len = req->method_len;
		o.target_len = req->target_len;
		o.query_len = req->query_len;
		o.num_headers = req->num_headers;
		o.content_length = req->content_length;
		o.keep_alive = req->keep_alive;
		o.minor = req->minor_version;
	}
	return o;
}

static bool same(const struct outcome *a, const struct outcome *b)
{
	return a->r == b->r && a->method_len == b->method_len && a->target_len == b->target_len &&
	       a->query_len == b->query_len && a->num_headers == b->num_headers &&
	       a->content_length == b->content_length && a->keep_alive == b->keep_alive &&
	       a->minor == b->minor;
}

/* The whole stream in one buffer: every complete request, then 0 or an error. */
static size_t parse_whole(const char *data, size_t size, const struct rs_http_limits *lim,
			  struct outcome *out)
{
	struct rs_http_parser p = { 0 };
	struct rs_http_request req;
	size_t off = 0, n = 0;

	while (n < MAX_REQS) {
		int r = rs_http_parse(&p, data + off, size - off, lim, &req);

		REQUIRE(r <= (int)(size - off));
		if (r > 0)
			check_request(data + off, r, &req, lim);
		else if (r < 0)
			check_error_answer(-r);
		out[n++] = record(r, &req);
		if (r <= 0)
			break;
		off += (size_t)r;
	}
	return n;
}

/*
 * The same stream arriving in reads of 1..step bytes. Like engines/conn.c,
 * the unparsed rest stays at the front of the buffer and the parser is
 * called again with it plus the new bytes; each call gets an exact-size
 * copy, so a look past the bytes received so far is caught.
 */
static void parse_split(const char *data, size_t size, const struct rs_http_limits *lim,
			uint32_t seed, const struct outcome *want, size_t nwant)
{
	struct rs_http_parser p = { 0 };
	struct rs_http_request req;
	size_t start = 0, have = 0, n = 0;
	uint32_t step = (seed & 15) + 1;

	while (n < nwant) {
		size_t more = fuzz_rand(&seed) % step + 1;
		int r;

		have = have + more < size ? have + more : size;
		for (;;) {
			char *buf = fuzz_dup(data + start, have - start);

			r = rs_http_parse(&p, buf, have - start, lim, &req);
			if (r > 0)
				check_request(buf, r, &req, lim);
			if (r != 0) {
				struct outcome o = record(r, &req);

				REQUIRE(n < nwant);
				REQUIRE(same(&o, &want[n]));
				n++;
			}
			free(buf);
			if (r <= 0 || n == nwant)
				break;
			start += (size_t)r;
			memset(&p, 0, sizeof(p));
		}
		if (r < 0 || have == size)
			break;
	}
	/* The whole parse ended incomplete (0) exactly when the split one ran out of bytes. */
	if (n < nwant) {
		REQUIRE(n == nwant - 1 && want[n].r == 0);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct outcome want[MAX_REQS];
	const struct rs_http_limits *lim;
	size_t n;
	char *buf;

	if (size < 1)
		return 0;
	lim = data[0] & 0x80 ? &tiny : &rs_http_default_limits;
	buf = fuzz_dup(data + 1, size - 1);
	n = parse_whole(buf, size - 1, lim, want);
	parse_split(buf, size - 1, lim, data[0] & 0x7f, want, n);
	free(buf);
	return 0;
}
