/* fuzz_http_resp.c - fuzz target: the load generator's response parser, whole stream against the same bytes dribbled. */

/*
 * Input: one control byte (the seed of the split points), then the bytes a
 * server sent on one connection: pipelined responses. As in
 * harness/loadgen_conn.c, the parser is called on the unparsed rest and
 * resumes where it stopped when called again with more bytes; parsed whole
 * and parsed read by read, the stream must frame into the same responses
 * and end the same way.
 */
#include <errno.h>

#include "fuzz.h"

#include "http_resp.h"

#define MAX_RESPS 64

struct outcome {
	ssize_t r;
	int status;
	bool close;
	size_t head_len, body_len;
};

static struct outcome record(ssize_t r, const struct rs_resp *resp)
{
	struct outcome o = { .r = r };

	if (r > 0) {
		o.status = resp->status;
		o.close = resp->close;
		o.head_len = resp->head_len;
		o.body_len = resp->body_len;
	}
	return o;
}

static bool same(const struct outcome *a, const struct outcome *b, bool exact_errors)
{
	if (a->r < 0 && b->r < 0 && !exact_errors)
		return true;
	return a->r == b->r && a->status == b->status && a->close == b->close &&
	       a->head_len == b->head_len && a->body_len == b->body_len;
}

static void check_response(ssize_t r, size_t avail, const struct rs_resp *resp)
{
	if (r < 0) {
		REQUIRE(r == -EPROTO || r == -ENOTSUP || r == -EMSGSIZE);
		return;
	}
	REQUIRE((size_t)r <= avail);
	if (r == 0)
		return;
	REQUIRE(resp->status >= 200 && resp->status <= 599);
	REQUIRE(resp->head_len >= 14 && resp->head_len <= RS_RESP_MAX_HEAD);
	REQUIRE((size_t)r == resp->head_len + resp->body_len);
}

static size_t parse_whole(const char *data, size_t size, struct outcome *out)
{
	struct rs_resp resp;
	size_t off = 0, n = 0;

	rs_resp_init(&resp);
	while (n < MAX_RESPS) {
		ssize_t r = rs_resp_parse(&resp, data + off, size - off);

		check_response(r, size - off, &resp);
		out[n++] = record(r, &resp);
		if (r <= 0)
			break;
		off += (size_t)r;
		rs_resp_init(&resp);
	}
	return n;
}

static void parse_split(const char *data, size_t size, uint32_t seed, const struct outcome *want,
			size_t nwant)
{
	/* A head longer than the limit fails as soon as the limit is passed when
	 * dribbled, but may first fail on a bad header when whole: both are
	 * errors, only the code differs. */
	bool exact = size <= RS_RESP_MAX_HEAD;
	uint32_t step = (seed & 31) + 1;
	size_t start = 0, have = 0, n = 0;
	struct rs_resp resp;
	ssize_t r = 0;

	rs_resp_init(&resp);
	while (n < nwant) {
		have += fuzz_rand(&seed) % step + 1;
		if (have > size)
			have = size;
		for (;;) {
			char *buf = fuzz_dup(data + start, have - start);

			r = rs_resp_parse(&resp, buf, have - start);
			check_response(r, have - start, &resp);
			free(buf);
			if (r != 0) {
				struct outcome o = record(r, &resp);

				REQUIRE(same(&o, &want[n], exact));
				n++;
			}
			if (r <= 0 || n == nwant)
				break;
			start += (size_t)r;
			rs_resp_init(&resp);
		}
		if (r < 0 || have == size)
			break;
	}
	if (n < nwant) {
		REQUIRE(n == nwant - 1 && want[n].r == 0);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct outcome want[MAX_RESPS];
	size_t n;
	char *buf;

	if (size < 1)
		return 0;
	buf = fuzz_dup(data + 1, size - 1);
	n = parse_whole(buf, size - 1, want);
	parse_split(buf, size - 1, data[0], want, n);
	free(buf);
	return 0;
}
