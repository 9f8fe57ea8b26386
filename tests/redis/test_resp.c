/* test_resp.c - the RESP2 codec against replies recorded from redis-server, their prefixes and splits, and malformed input. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "recorded.h"
#include "resp.h"

#define NREC (sizeof(recorded) / sizeof(recorded[0]))

static int failures;
#define EXPECT(cond, ...) do { if (!(cond)) { fprintf(stderr, "FAIL: " __VA_ARGS__); fputc('\n', stderr); failures++; } } while (0)

/* The walk of a reply as one line: "$28:{...} *3 $-1 :1 -ERR ..." */
static void render(const char *buf, size_t n, char *out, size_t size)
{
	struct rs_resp_walk w;
	struct rs_resp_value v;
	size_t off = 0;
	out[0] = '\0';
	rs_resp_walk_init(&w, buf, n);
	while (rs_resp_next(&w, &v) && off < size) {
		if (v.type == RS_RESP_INT || v.type == RS_RESP_ARRAY || (v.type == RS_RESP_BULK && v.n < 0))
			off += (size_t)snprintf(out + off, size - off, "%s%c%lld", off ? " " : "", v.type, (long long)v.n);
		else
			off += (size_t)snprintf(out + off, size - off, "%s%c%zu:%.*s", off ? " " : "", v.type, v.len,
						(int)v.len, v.str);
	}
}

static void check_replies(void)
{
	static const char *const want[NREC] = {
		"+4:PONG", "+2:OK", "$28:{\"id\":1,\"randomNumber\":4711}", "$-1",
		"*3 $28:{\"id\":1,\"randomNumber\":4711} $-1 $28:{\"id\":1,\"randomNumber\":4711}", ":1",
		"-54:ERR unknown command 'NOPE', with args beginning with: ", "*0", "*3 :1 *3 :2 $1:x *0 $5:three",
		"+2:OK", NULL /* binary: checked below */, "-43:ERR value is not an integer or out of range",
	};
	for (size_t i = 0; i < NREC; i++) {
		const struct recorded *r = &recorded[i];
		EXPECT(rs_resp_frame(r->reply, r->len) == (ssize_t)r->len, "reply %zu (%s) not framed whole", i, r->cmd[0]);
		for (size_t k = 0; k < r->len; k++)
			EXPECT(rs_resp_frame(r->reply, k) == 0, "reply %zu: prefix of %zu bytes not incomplete", i, k);
		char line[512];
		render(r->reply, r->len, line, sizeof(line));
		if (want[i])
			EXPECT(!strcmp(line, want[i]), "reply %zu: walked as '%s', want '%s'", i, line, want[i]);
	}
	/* The binary value keeps its CRLF and NUL. */
	struct rs_resp_walk w;
	struct rs_resp_value v;
	rs_resp_walk_init(&w, recorded[10].reply, recorded[10].len);
	EXPECT(rs_resp_next(&w, &v) && v.type == RS_RESP_BULK && v.len == 6 && !memcmp(v.str, "a\r\nb\0c", 6),
	       "binary bulk value");
}

/* All replies back to back, cut at every split point: the same replies come out. */
static void check_stream(void)
{
	char all[4096], buf[4096];
	size_t total = 0;
	for (size_t i = 0; i < NREC; i++) {
		memcpy(all + total, recorded[i].reply, recorded[i].len);
		total += recorded[i].len;
	}
	for (size_t step = 1; step <= 17; step++) {
		size_t have = 0, fed = 0, got = 0;
		while (fed < total || have) {
			size_t n = total - fed < step ? total - fed : step;
			memcpy(buf + have, all + fed, n);
			have += n;
			fed += n;
			ssize_t f = 0;
			while (have && (f = rs_resp_frame(buf, have)) > 0) {
				EXPECT(got < NREC && (size_t)f == recorded[got].len &&
					       !memcmp(buf, recorded[got].reply, (size_t)f),
				       "step %zu: reply %zu differs", step, got);
				got++;
				memmove(buf, buf + f, have - (size_t)f);
				have -= (size_t)f;
			}
			EXPECT(f >= 0, "step %zu: a recorded stream was refused", step);
			if (!n && have)
				break;
		}
		EXPECT(got == NREC && !have, "step %zu: %zu of %zu replies", step, got, NREC);
	}
}

/* Commands encode as arrays of bulk strings that walk back to the same arguments. */
static void check_commands(void)
{
	for (size_t i = 0; i < NREC; i++) {
		const struct recorded *r = &recorded[i];
		struct rs_buf b = { 0 };
		EXPECT(rs_resp_command(&b, r->argc, r->cmd, NULL) == 0, "encode %s", r->cmd[0]);
		EXPECT(rs_resp_frame(b.data, b.len) == (ssize_t)b.len, "command %zu does not frame", i);
		struct rs_resp_walk w;
		struct rs_resp_value v;
		rs_resp_walk_init(&w, b.data, b.len);
		EXPECT(rs_resp_next(&w, &v) && v.type == RS_RESP_ARRAY && v.n == r->argc, "command %zu header", i);
		for (int a = 0; a < r->argc; a++)
			EXPECT(rs_resp_next(&w, &v) && v.type == RS_RESP_BULK && v.len == strlen(r->cmd[a]) &&
				       !memcmp(v.str, r->cmd[a], v.len),
			       "command %zu arg %d", i, a);
		rs_buf_free(&b);
	}
}

static void check_malformed(void)
{
	static const char *const bad[] = {
		"?x\r\n", "+OK\rX", ":12a\r\n", ":\r\n", "$-2\r\n", "$3\r\nabcd\r\n", "$x\r\n", "*-5\r\n",
		"*1\r\n!\r\n", "$99999999999999999999\r\n", "$536870913\r\n", "*2000000\r\n",
		"$1234567890123456789012345", "*1\r\n*1\r\n*1\r\n*1\r\n*1\r\n*1\r\n*1\r\n*1\r\n*1\r\n:1\r\n",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		EXPECT(rs_resp_frame(bad[i], strlen(bad[i])) == -EPROTO, "malformed '%s' accepted", bad[i]);
	/* Nesting up to the limit is fine. */
	const char ok[] = "*1\r\n*1\r\n*1\r\n*1\r\n*1\r\n*1\r\n*1\r\n*1\r\n:1\r\n";
	EXPECT(rs_resp_frame(ok, sizeof(ok) - 1) == (ssize_t)(sizeof(ok) - 1), "8 levels of nesting refused");
}

int main(void)
{
	check_replies();
	check_stream();
	check_commands();
	check_malformed();
	if (failures)
		fprintf(stderr, "%d failures\n", failures);
	return failures ? 1 : 0;
}
