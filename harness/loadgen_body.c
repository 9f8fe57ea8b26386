/* loadgen_body.c - rs_lg_valid_body: does a 200 response's body look like its workload's answer (rs_workloads)? */
#include <stdbool.h>
#include <stddef.h>
#include <string.h>
#include <strings.h>

#include "loadgen.h"
#include "workloads.h"

#define WORLD_ROWS 10000
#define MAX_QUERIES 500
#define FORTUNE_ROWS 13		/* 12 in the table, 1 added per request */

/* A cursor over a JSON text; only what a World object or array needs. */
struct cur {
	const char *p, *end;
};

static void ws(struct cur *c)
{
	while (c->p < c->end && (*c->p == ' ' || *c->p == '\t' || *c->p == '\n' || *c->p == '\r'))
		c->p++;
}

static bool eat(struct cur *c, char ch)
{
	ws(c);
	if (c->p >= c->end || *c->p != ch)
		return false;
	c->p++;
	return true;
}

/* A string without escapes (none of the expected keys or values needs one). */
static bool string(struct cur *c, const char **s, size_t *n)
{
	if (!eat(c, '"'))
		return false;
	const char *q = memchr(c->p, '"', (size_t)(c->end - c->p));
	if (!q || memchr(c->p, '\\', (size_t)(q - c->p)))
		return false;
	*s = c->p;
	*n = (size_t)(q - c->p);
	c->p = q + 1;
	return true;
}

static bool integer(struct cur *c, long *v)
{
	ws(c);
	const char *start = c->p;
	*v = 0;
	while (c->p < c->end && *c->p >= '0' && *c->p <= '9' && c->p - start < 9)
		*v = *v * 10 + (*c->p++ - '0');
	return c->p > start && (c->p >= c->end || *c->p < '0' || *c->p > '9');
}

static bool str_is(const char *s, size_t n, const char *want)
{
	return strlen(want) == n && !strncasecmp(s, want, n);
}

/* {"id":1..10000,"randomNumber":1..10000}, keys in any order, case-insensitive as TFB's verifier. */
static bool world(struct cur *c)
{
	bool have_id = false, have_num = false;

	if (!eat(c, '{'))
		return false;
	for (int i = 0; i < 2; i++) {
		const char *k;
		size_t n;
		long v;
		if ((i && !eat(c, ',')) || !string(c, &k, &n) || !eat(c, ':') || !integer(c, &v))
			return false;
		if (v < 1 || v > WORLD_ROWS)
			return false;
		if (str_is(k, n, "id"))
			have_id = true;
		else if (str_is(k, n, "randomNumber"))
			have_num = true;
	}
	return have_id && have_num && eat(c, '}');
}

static bool at_end(struct cur *c)
{
	ws(c);
	return c->p == c->end;
}

static bool valid_db(const char *body, size_t len)
{
	struct cur c = { body, body + len };
	return world(&c) && at_end(&c);
}

static bool valid_worlds(const char *body, size_t len, int want)
{
	struct cur c = { body, body + len };
	if (!eat(&c, '['))
		return false;
	for (int i = 0; i < want; i++)
		if ((i && !eat(&c, ',')) || !world(&c))
			return false;
	return eat(&c, ']') && at_end(&c);
}

static bool valid_json(const char *body, size_t len)
{
	struct cur c = { body, body + len };
	const char *k, *v;
	size_t kn, vn;
	return eat(&c, '{') && string(&c, &k, &kn) && str_is(k, kn, "message") && eat(&c, ':') &&
	       string(&c, &v, &vn) && vn == 13 && !memcmp(v, "Hello, World!", 13) && eat(&c, '}') &&
	       at_end(&c);
}

static size_t count(const char *body, size_t len, const char *needle)
{
	size_t n = 0, k = strlen(needle);
	for (const char *p = body; (p = memmem(p, len - (size_t)(p - body), needle, k)); p += k)
		n++;
	return n;
}

static bool has(const char *body, size_t len, const char *needle)
{
	return memmem(body, len, needle, strlen(needle)) != NULL;
}

/* TFB's checks, roughly: the rows, the added row, the escaped script, the UTF-8 row. */
static bool valid_fortunes(const char *body, size_t len)
{
	while (len && (*body == ' ' || *body == '\n' || *body == '\r' || *body == '\t')) {
		body++;
		len--;
	}
	while (len && (body[len - 1] == ' ' || body[len - 1] == '\n' || body[len - 1] == '\r'))
		len--;
	return len > 15 && !strncasecmp(body, "<!DOCTYPE html>", 15) && len >= 7 &&
	       !memcmp(body + len - 7, "</html>", 7) && count(body, len, "<tr>") == FORTUNE_ROWS + 1 &&
	       has(body, len, "<td>Additional fortune added at request time.</td>") &&
	       has(body, len, "&lt;script&gt;alert(") && !has(body, len, "<script>") &&
	       has(body, len, "\xe3\x83\x95\xe3\x83\xac\xe3\x83\xbc\xe3\x83\xa0\xe3\x83\xaf\xe3\x83\xbc\xe3\x82\xaf");
}

/* queries=N as the workloads read it: not a number -> 1, clamped to 1..500. */
static int queries_param(const char *query)
{
	const char *v = NULL;
	for (const char *p = query; p && *p; p = strchr(p, '&') ? strchr(p, '&') + 1 : NULL)
		if (!strncmp(p, "queries=", 8))
			v = p + 8;
	long n = 0;
	for (; v && *v && *v != '&'; v++) {
		if (*v < '0' || *v > '9')
			return 1;
		n = n * 10 + (*v - '0');
		if (n > MAX_QUERIES)
			return MAX_QUERIES;
	}
	return n < 1 ? 1 : (int)n;
}

bool rs_lg_valid_body(const char *path, int status, const char *body, size_t len)
{
	const char *q = strchr(path, '?');
	const struct rs_workload *w = rs_workload_at(path, q ? (size_t)(q - path) : strlen(path));

	if (status != 200)
		return false;
	switch (w ? w->answer : RS_ANSWER_ANY) { /* a path we know nothing about: any 200 will do */
	case RS_ANSWER_HELLO:
		return len == 13 && !memcmp(body, "Hello, World!", 13);
	case RS_ANSWER_JSON:
		return valid_json(body, len);
	case RS_ANSWER_WORLD:
		return valid_db(body, len);
	case RS_ANSWER_WORLDS:
		return valid_worlds(body, len, queries_param(q ? q + 1 : NULL));
	case RS_ANSWER_FORTUNES:
		return valid_fortunes(body, len);
	case RS_ANSWER_DB42:
		return len == 5 && !memcmp(body, "db=42", 5);
	case RS_ANSWER_SLEPT:
		return len >= 6 && !memcmp(body, "slept=", 6);
	case RS_ANSWER_NONE:
		return false;
	case RS_ANSWER_ANY:
		break;
	}
	return true;
}
