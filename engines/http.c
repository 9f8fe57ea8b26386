/* http.c - incremental HTTP/1.1 request parser and response writer, shared by every engine. */
#include "http.h"

#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>
#include <time.h>

const struct rs_http_limits rs_http_default_limits = { 8192, 32, 1 << 20 };

/*
 * Parser state, kept in rs_http_parser.scanned:
 *
 *  - while the header block is incomplete: how many bytes of it were
 *    searched for the blank line that ends it, so the next call resumes
 *    there and a request dribbled one byte at a time costs O(n);
 *  - once the header block is complete and valid but the body is not: the
 *    total request length with BODY_WAIT set, so waiting for a large body
 *    does not re-parse the headers on every read.
 *
 * The caller zeroes the parser before the first request of a connection and
 * after every complete one (a return > 0); rs_http_parse also zeroes it
 * itself on completion, so forgetting is harmless. After an error the
 * connection is answered and closed, the state is not meant to be reused.
 */
#define BODY_WAIT ((size_t)1 << (sizeof(size_t) * CHAR_BIT - 1))

/*
 * Byte classes, one table lookup per byte: the parser runs once per request,
 * and a chain of tests with a strchr for punctuation cost a third of its time.
 * RFC 9110 tchar (methods, header names); RFC 3986 reg-name and IPv4 bytes
 * (unreserved, sub-delims, '%'); control bytes (HT is one, callers allow it
 * where it is legal).
 */
enum { C_TCHAR = 1, C_HOST = 2, C_CTL = 4 };
#define IS_ALNUM(c) (((c) >= 'a' && (c) <= 'z') || ((c) >= 'A' && (c) <= 'Z') || ((c) >= '0' && (c) <= '9'))
#define IS_TCHAR(c) (IS_ALNUM(c) || (c) == '!' || (c) == '#' || (c) == '$' || (c) == '%' || (c) == '&' || \
		     (c) == '\'' || (c) == '*' || (c) == '+' || (c) == '-' || (c) == '.' || (c) == '^' || \
		     (c) == '_' || (c) == '`' || (c) == '|' || (c) == '~')
#define IS_HOST(c) (IS_ALNUM(c) || (c) == '-' || (c) == '.' || (c) == '_' || (c) == '~' || (c) == '!' || \
		    (c) == '$' || (c) == '&' || (c) == '\'' || (c) == '(' || (c) == ')' || (c) == '*' || \
		    (c) == '+' || (c) == ',' || (c) == ';' || (c) == '=' || (c) == '%')
#define CLS(c) ((IS_TCHAR(c) ? C_TCHAR : 0) | (IS_HOST(c) ? C_HOST : 0) | ((c) < 0x20 || (c) == 0x7f ? C_CTL : 0))
#define CLS4(b) CLS(b), CLS((b) + 1), CLS((b) + 2), CLS((b) + 3)
#define CLS16(b) CLS4(b), CLS4((b) + 4), CLS4((b) + 8), CLS4((b) + 12)
#define CLS64(b) CLS16(b), CLS16((b) + 16), CLS16((b) + 32), CLS16((b) + 48)
static const unsigned char byte_class[256] = { CLS64(0), CLS64(64), CLS64(128), CLS64(192) };

static inline bool is_tchar(unsigned char c)
{
	return byte_class[c] & C_TCHAR;
}

static inline bool is_ctl(unsigned char c)
{
	return byte_class[c] & C_CTL;
}

/* ASCII letters folded to lower case, every other byte as it is. */
static inline unsigned char fold(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? c | 0x20 : c;
}

/*
 * Whether any of the 8 bytes in x is below 0x20 or is 0x7f: the header value
 * check, a word at a time. Borrows can only flag a byte above a real match,
 * so "none" is exact; a flagged word (HT is below 0x20) is looked at by byte.
 */
static inline bool word_has_ctl(uint64_t x)
{
	const uint64_t ones = 0x0101010101010101ull, highs = 0x8080808080808080ull;
	uint64_t del = x ^ (ones * 0x7f);

	return (((x - ones * 0x20) & ~x) | ((del - ones) & ~del)) & highs;
}

static inline bool is_ows(char c)
{
	return c == ' ' || c == '\t';
}

/*
 * The LFs find_head_end saw, so parse_head splits the block into lines
 * without searching it again. Complete only when the search started at the
 * block's first byte (not resumed from an earlier call) and every LF fitted.
 */
#define LINE_ENDS_CAP (RS_HTTP_MAX_HEADERS_CAP + 8)
struct line_ends {
	uint32_t at[LINE_ENDS_CAP];
	size_t n, next;
	bool all;
};

static inline void line_end_add(struct line_ends *le, size_t i)
{
	if (le->n < LINE_ENDS_CAP)
		le->at[le->n++] = (uint32_t)i;
	else
		le->all = false;
}

/*
 * Find the blank line ending the header block within buf[0..n), resuming
 * at p->scanned. A line may end in CRLF or a bare LF, so the block ends at
 * LF LF or LF CR LF. Returns the block length including the blank line, or
 * 0 with p->scanned saved. When an LF sits too close to n to tell whether
 * a blank line follows, the search stops on that LF, so a terminator
 * straddling two calls is still found.
 */
static size_t find_head_end(struct rs_http_parser *p, const char *buf, size_t n, struct line_ends *le)
{
	size_t i = p->scanned <= n ? p->scanned : 0;

	le->n = le->next = 0;
	le->all = i == 0;
	while (i < n) {
		const char *lf = memchr(buf + i, '\n', n - i);
		if (!lf) {
			i = n;
			break;
		}
		i = (size_t)(lf - buf);
		if (i + 1 >= n)
			break;
		line_end_add(le, i);
		if (buf[i + 1] == '\n') {
			line_end_add(le, i + 1);
			return i + 2;
		}
		if (buf[i + 1] == '\r') {
			if (i + 2 >= n)
				break;
			if (buf[i + 2] == '\n') {
				line_end_add(le, i + 2);
				return i + 3;
			}
		}
		i++;
	}
	p->scanned = i;
	return 0;
}

/* Next line of buf[*pos..end), which is known to end in LF; CR before LF dropped. */
static size_t next_line(const char *buf, size_t *pos, size_t end, struct line_ends *le, const char **line)
{
	const char *start = buf + *pos;
	const char *lf = le->all && le->next < le->n ? buf + le->at[le->next++] : memchr(start, '\n', end - *pos);
	size_t n = (size_t)(lf - start);

	*line = start;
	*pos += n + 1;
	if (n && start[n - 1] == '\r')
		n--;
	return n;
}

/* "HTTP/1.0" and "HTTP/1.1" are served; other HTTP/d.d versions get 505. */
static int parse_version(const char *v, size_t n, int *minor)
{
	if (n != 8 || memcmp(v, "HTTP/", 5) != 0 || v[6] != '.')
		return -400;
	if (v[5] < '0' || v[5] > '9' || v[7] < '0' || v[7] > '9')
		return -400;
	if (v[5] != '1' || (v[7] != '0' && v[7] != '1'))
		return -505;
	*minor = v[7] - '0';
	return 0;
}

/*
 * Absolute-form (RFC 9112 §3.2.2): "http://authority/path?query", for the
 * proxies that send it. The path and query are what follow the authority
 * ("/" when nothing does); the target stays as sent. 0 or -400.
 */
static int parse_absolute_form(struct rs_http_request *req)
{
	const char *t = req->target, *end = t + req->target_len;
	size_t scheme = req->target_len > 7 && !strncasecmp(t, "http://", 7) ? 7
		      : req->target_len > 8 && !strncasecmp(t, "https://", 8) ? 8 : 0;
	if (!scheme)
		return -400;
	const char *auth = t + scheme, *p = auth;
	while (p < end && *p != '/' && *p != '?' && *p != '#')
		p++;
	/* A fragment is never sent (RFC 9112 §3.2): "http://a#x" has no path to serve. */
	if (p == auth || (p < end && *p == '#'))
		return -400;
	req->authority = auth;
	req->authority_len = (size_t)(p - auth);
	const char *q = memchr(p, '?', (size_t)(end - p));
	req->path = p;
	req->path_len = q ? (size_t)(q - p) : (size_t)(end - p);
	if (!req->path_len) {
		req->path = "/";
		req->path_len = 1;
	}
	req->query = q ? q + 1 : end;
	req->query_len = q ? (size_t)(end - q - 1) : 0;
	return 0;
}

/* METHOD SP target SP version; target in origin-form ("/...") or absolute-form. */
static int parse_request_line(const char *s, size_t n, struct rs_http_request *req)
{
	size_t i = 0;

	while (i < n && is_tchar((unsigned char)s[i]))
		i++;
	if (i == 0 || i >= n || s[i] != ' ')
		return -400;
	req->method = s;
	req->method_len = i;

	size_t t = ++i;
	while (i < n && s[i] != ' ') {
		if (is_ctl((unsigned char)s[i]))
			return -400;
		i++;
	}
	if (i == t || i >= n)
		return -400;
	req->target = s + t;
	req->target_len = i - t;
	req->authority = NULL;
	req->authority_len = 0;
	req->client_fd = -1;

	if (s[t] != '/') {
		if (parse_absolute_form(req))
			return -400;
	} else {
		const char *q = memchr(req->target, '?', req->target_len);
		req->path = req->target;
		req->path_len = q ? (size_t)(q - req->target) : req->target_len;
		req->query = q ? q + 1 : req->target + req->target_len;
		req->query_len = req->target_len - req->path_len - (q ? 1 : 0);
	}

	return parse_version(s + i + 1, n - i - 1, &req->minor_version);
}

/* name ":" OWS value OWS; no whitespace before the colon, no obs-fold. */
static int parse_header_line(const char *s, size_t n, struct rs_http_header *h)
{
	size_t i = 0;

	/* A line starting with whitespace continues the previous one (obs-fold);
	 * RFC 9112 lets a server reject it rather than unfold, and the name check
	 * below does, as whitespace is not a tchar. */
	while (i < n && is_tchar((unsigned char)s[i]))
		i++;
	if (i == 0 || i >= n || s[i] != ':')
		return -400;
	h->name = s;
	h->name_len = i;

	size_t v = i + 1, e = n;
	while (v < e && is_ows(s[v]))
		v++;
	while (e > v && is_ows(s[e - 1]))
		e--;
	size_t k = v;
	for (; k + 8 <= e; k += 8) {
		uint64_t w;
		memcpy(&w, s + k, sizeof(w));
		if (word_has_ctl(w))
			break;
	}
	for (; k < e; k++) {
		if (is_ctl((unsigned char)s[k]) && s[k] != '\t')
			return -400;
	}
	h->value = s + v;
	h->value_len = e - v;
	return 0;
}

static bool name_is(const struct rs_http_header *h, const char *name, size_t len)
{
	if (h->name_len != len)
		return false;
	for (size_t i = 0; i < len; i++) {
		if (fold((unsigned char)h->name[i]) != fold((unsigned char)name[i]))
			return false;
	}
	return true;
}

/* Digits only: a sign, a list ("5, 5") or an overflow is a framing error. */
static int parse_content_length(const char *s, size_t n, size_t *out)
{
	size_t v = 0;

	if (n == 0)
		return -400;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -400;
		size_t d = (size_t)(s[i] - '0');
		if (v > (SIZE_MAX - d) / 10)
			return -400;
		v = v * 10 + d;
	}
	*out = v;
	return 0;
}

/* Connection is a comma-separated token list; "close" beats "keep-alive". */
static void parse_connection(const char *s, size_t n, bool *keep_alive)
{
	bool close = false, keep = false;
	size_t i = 0;

	while (i < n) {
		size_t start, end;
		while (i < n && (is_ows(s[i]) || s[i] == ','))
			i++;
		start = i;
		while (i < n && s[i] != ',')
			i++;
		end = i;
		while (end > start && is_ows(s[end - 1]))
			end--;
		if (end - start == 5 && strncasecmp(s + start, "close", 5) == 0)
			close = true;
		else if (end - start == 10 && strncasecmp(s + start, "keep-alive", 10) == 0)
			keep = true;
	}
	if (close)
		*keep_alive = false;
	else if (keep)
		*keep_alive = true;
}

/* Headers that change framing or the connection: Content-Length, Transfer-Encoding, Connection. */
static int apply_headers(struct rs_http_request *req, const struct rs_http_limits *lim)
{
	bool have_length = false;

	req->keep_alive = req->minor_version == 1;
	req->content_length = 0;
	req->expect_continue = false;
	for (size_t i = 0; i < req->num_headers; i++) {
		const struct rs_http_header *h = &req->headers[i];
		size_t len;

		if (name_is(h, "transfer-encoding", 17))
			return -501;
		if (name_is(h, "connection", 10)) {
			parse_connection(h->value, h->value_len, &req->keep_alive);
			continue;
		}
		/* RFC 9110 §10.1.1: 100-continue is the only expectation; an
		 * HTTP/1.0 client cannot have one (a 1.0 server ignores it). */
		if (name_is(h, "expect", 6) && req->minor_version == 1) {
			if (h->value_len != 12 || strncasecmp(h->value, "100-continue", 12))
				return -417;
			req->expect_continue = true;
			continue;
		}
		if (!name_is(h, "content-length", 14))
			continue;
		if (parse_content_length(h->value, h->value_len, &len))
			return -400;
		/* Two different lengths would let two parsers frame the stream
		 * differently (request smuggling). */
		if (have_length && len != req->content_length)
			return -400;
		req->content_length = len;
		have_length = true;
	}
	if (req->content_length > lim->max_body_bytes)
		return -413;
	return 0;
}

/* Parse a complete header block buf[0..end) into req. */
static int parse_head(const char *buf, size_t end, struct line_ends *le, const struct rs_http_limits *lim,
		      struct rs_http_request *req)
{
	size_t max_headers = lim->max_headers;
	size_t pos = 0;
	const char *line;
	size_t n;
	int err;

	if (max_headers > RS_HTTP_MAX_HEADERS_CAP)
		max_headers = RS_HTTP_MAX_HEADERS_CAP;
	n = next_line(buf, &pos, end, le, &line);
	err = parse_request_line(line, n, req);
	if (err)
		return err;

	req->num_headers = 0;
	while ((n = next_line(buf, &pos, end, le, &line)) != 0) {
		if (req->num_headers == max_headers)
			return -431;
		err = parse_header_line(line, n, &req->headers[req->num_headers]);
		if (err)
			return err;
		req->num_headers++;
	}
	return apply_headers(req, lim);
}

int rs_http_parse(struct rs_http_parser *p, const char *buf, size_t len,
		  const struct rs_http_limits *lim, struct rs_http_request *req)
{
	size_t head, total, window;
	int err;

	if (!lim)
		lim = &rs_http_default_limits;
	/* RFC 9112 §2.2: empty lines before a request line (a client's CRLF
	 * after a POST body) are ignored; they count as part of this request. */
	size_t skip = 0;
	while (skip < len && (buf[skip] == '\n' || (buf[skip] == '\r' && skip + 1 < len && buf[skip + 1] == '\n')))
		skip += buf[skip] == '\n' ? 1 : 2;
	if (skip > lim->max_header_bytes)
		return -400;
	if (skip) {
		int n = rs_http_parse(p, buf + skip, len - skip, lim, req);
		return n <= 0 ? n : n > INT_MAX - (int)skip ? -413 : n + (int)skip;
	}
	if (len == 0 || (len == 1 && buf[0] == '\r'))
		return 0;
	/* A request starts with a method token. Anything else (a TLS hello, a
	 * bare CR) is refused on its first byte rather than after 8 KiB. */
	if (!is_tchar((unsigned char)buf[0]))
		return -400;
	if (p->scanned & BODY_WAIT) {
		if (len < (p->scanned & ~BODY_WAIT))
			return 0;
		p->scanned = 0;
	}

	/* A block ending past the limit is too large however it arrives, so
	 * the search never looks further than the limit. */
	window = len < lim->max_header_bytes ? len : lim->max_header_bytes;
	struct line_ends le;
	head = find_head_end(p, buf, window, &le);
	if (!head)
		return len > lim->max_header_bytes ? -431 : 0;

	err = parse_head(buf, head, &le, lim, req);
	if (err)
		return err;
	/* The return value is an int: refuse what it cannot describe. */
	if (head > INT_MAX || req->content_length > (size_t)INT_MAX - head)
		return -413;
	total = head + req->content_length;
	if (len < total) {
		p->scanned = BODY_WAIT | total;
		p->want_continue = req->expect_continue;
		return 0;
	}
	req->body = buf + head;
	*p = (struct rs_http_parser){ 0 };
	return (int)total;
}

static bool is_host_char(unsigned char c)
{
	return byte_class[c] & C_HOST;
}

/* uri-host [ ":" port ]: a reg-name or IPv4 address, or an IP literal in brackets. */
static bool host_valid(const char *s, size_t n)
{
	size_t i = 0;
	if (n && s[0] == '[') {
		while (i < n && s[i] != ']') {
			unsigned char c = (unsigned char)s[i];
			if (i && !(c == ':' || c == '.' || (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z')))
				return false;
			i++;
		}
		if (i == n)
			return false;
		i++;
	} else {
		while (i < n && is_host_char((unsigned char)s[i]))
			i++;
	}
	if (i == n)
		return true;
	if (s[i] != ':')
		return false;
	for (i++; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

int rs_http_check_host(const struct rs_http_request *req)
{
	const struct rs_http_header *host = NULL;
	for (size_t i = 0; i < req->num_headers; i++) {
		if (!name_is(&req->headers[i], "host", 4))
			continue;
		if (host)
			return -400; /* two of them: which one names the target? */
		host = &req->headers[i];
	}
	if (!host)
		return req->minor_version == 1 ? -400 : 0;
	/* An empty value is allowed (a target without an authority). */
	return host_valid(host->value, host->value_len) ? 0 : -400;
}

const struct rs_http_header *rs_http_header(const struct rs_http_request *req, const char *name)
{
	size_t len = strlen(name);

	for (size_t i = 0; i < req->num_headers; i++) {
		if (name_is(&req->headers[i], name, len))
			return &req->headers[i];
	}
	return NULL;
}

/* Pairs are separated by '&'; a name without '=' has an empty value. */
const char *rs_http_query_param(const struct rs_http_request *req, const char *name, size_t *len)
{
	const char *s = req->query, *end = req->query + req->query_len;
	size_t name_len = strlen(name);

	while (s < end) {
		const char *amp = memchr(s, '&', (size_t)(end - s));
		const char *pair_end = amp ? amp : end;
		const char *eq = memchr(s, '=', (size_t)(pair_end - s));
		const char *key_end = eq ? eq : pair_end;

		if ((size_t)(key_end - s) == name_len && memcmp(s, name, name_len) == 0) {
			const char *v = eq ? eq + 1 : pair_end;
			if (len)
				*len = (size_t)(pair_end - v);
			return v;
		}
		s = pair_end + 1;
	}
	return NULL;
}

static int hex_digit(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

int rs_http_query_decoded(const struct rs_http_request *req, const char *name, char *dst, size_t cap, size_t *len)
{
	size_t n = 0, vlen = 0;
	const char *v = rs_http_query_param(req, name, &vlen);
	if (!v)
		return -ENOENT;
	for (size_t i = 0; i < vlen; i++, n++) {
		if (n + 1 >= cap)
			return -E2BIG;
		char c = v[i];
		if (c == '%') {
			if (i + 2 >= vlen || hex_digit(v[i + 1]) < 0 || hex_digit(v[i + 2]) < 0)
				return -EINVAL;
			c = (char)(hex_digit(v[i + 1]) * 16 + hex_digit(v[i + 2]));
			i += 2;
		} else if (c == '+') {
			c = ' ';
		}
		dst[n] = c;
	}
	dst[n] = 0;
	*len = n;
	return 0;
}

const char *rs_http_reason(int status)
{
	switch (status) {
	case 100: return "Continue";
	case 101: return "Switching Protocols";
	case 200: return "OK";
	case 201: return "Created";
	case 202: return "Accepted";
	case 204: return "No Content";
	case 206: return "Partial Content";
	case 301: return "Moved Permanently";
	case 302: return "Found";
	case 303: return "See Other";
	case 304: return "Not Modified";
	case 307: return "Temporary Redirect";
	case 308: return "Permanent Redirect";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 406: return "Not Acceptable";
	case 408: return "Request Timeout";
	case 409: return "Conflict";
	case 411: return "Length Required";
	case 413: return "Content Too Large";
	case 414: return "URI Too Long";
	case 415: return "Unsupported Media Type";
	case 417: return "Expectation Failed";
	case 422: return "Unprocessable Content";
	case 429: return "Too Many Requests";
	case 431: return "Request Header Fields Too Large";
	case 500: return "Internal Server Error";
	case 501: return "Not Implemented";
	case 502: return "Bad Gateway";
	case 503: return "Service Unavailable";
	case 504: return "Gateway Timeout";
	case 505: return "HTTP Version Not Supported";
	default: return "Unknown";
	}
}

#define DATE_LEN 29 /* strlen("Sun, 06 Nov 1994 08:49:37 GMT") */

static _Thread_local time_t date_sec = -1;
static _Thread_local char date_str[DATE_LEN + 1];

static char *put2(char *w, int v)
{
	*w++ = (char)('0' + v / 10 % 10);
	*w++ = (char)('0' + v % 10);
	return w;
}

/* IMF-fixdate by hand: strftime would follow the locale's day and month names. */
static void date_render(time_t t)
{
	static const char days[] = "SunMonTueWedThuFriSat";
	static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
	struct tm tm;
	char *w = date_str;

	gmtime_r(&t, &tm);
	memcpy(w, days + 3 * tm.tm_wday, 3);
	w += 3;
	*w++ = ',';
	*w++ = ' ';
	w = put2(w, tm.tm_mday);
	*w++ = ' ';
	memcpy(w, months + 3 * tm.tm_mon, 3);
	w += 3;
	*w++ = ' ';
	w = put2(w, (tm.tm_year + 1900) / 100);
	w = put2(w, (tm.tm_year + 1900) % 100);
	*w++ = ' ';
	w = put2(w, tm.tm_hour);
	*w++ = ':';
	w = put2(w, tm.tm_min);
	*w++ = ':';
	w = put2(w, tm.tm_sec);
	memcpy(w, " GMT", 5);
}

const char *rs_http_date(void)
{
	struct timespec ts;

	/* The coarse clock is a vDSO read of the last tick: seconds are all we need. */
	clock_gettime(CLOCK_REALTIME_COARSE, &ts);
	if (ts.tv_sec != date_sec) {
		date_render(ts.tv_sec);
		date_sec = ts.tv_sec;
	}
	return date_str;
}

/* Decimal digits of v at the end of buf[20]; returns where they start. */
static char *fmt_size(char buf[20], size_t v)
{
	char *w = buf + 20;

	do {
		*--w = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	return w;
}

static inline char *put(char *w, const void *s, size_t n)
{
	memcpy(w, s, n);
	return w + n;
}

#define PUT_LIT(w, lit) put((w), (lit), sizeof(lit) - 1)

/*
 * One reserve, then plain copies: this runs once per response. Returns
 * -EINVAL for a status outside 100..999. A NULL content_type omits the
 * header. body must not point into out (the reserve may move it).
 */
int rs_http_respond(struct rs_buf *out, int status, const char *content_type,
		    const void *body, size_t body_len, bool keep_alive)
{
	static const char close_hdr[] = "Connection: close\r\n";
	const char *reason, *date;
	size_t reason_len, type_len, num_len, total;
	char num_buf[20], *num, *w;
	int err;

	if (status < 100 || status > 999)
		return -EINVAL;
	/* RFC 9110 §6.4.1: 1xx, 204 and 304 never carry content; 1xx and
	 * 204 not even a Content-Length. */
	bool no_length = status < 200 || status == 204;
	if (no_length || status == 304)
		body_len = 0;
	reason = rs_http_reason(status);
	reason_len = strlen(reason);
	date = rs_http_date();
	type_len = content_type ? strlen(content_type) : 0;
	num = fmt_size(num_buf, body_len);
	num_len = (size_t)(num_buf + sizeof(num_buf) - num);

	total = sizeof("HTTP/1.1 200 \r\n") - 1 + reason_len +
		sizeof("Server: ringside\r\n") - 1 +
		sizeof("Date: \r\n") - 1 + DATE_LEN +
		(content_type ? sizeof("Content-Type: \r\n") - 1 + type_len : 0) +
		(no_length ? 0 : sizeof("Content-Length: \r\n") - 1 + num_len) +
		(keep_alive ? 0 : sizeof(close_hdr) - 1) +
		2 + body_len;
	err = rs_buf_reserve(out, total);
	if (err)
		return err;

	w = PUT_LIT(rs_buf_tail(out), "HTTP/1.1 ");
	*w++ = (char)('0' + status / 100);
	w = put2(w, status % 100);
	*w++ = ' ';
	w = put(w, reason, reason_len);
	w = PUT_LIT(w, "\r\nServer: ringside\r\nDate: ");
	w = put(w, date, DATE_LEN);
	if (content_type) {
		w = PUT_LIT(w, "\r\nContent-Type: ");
		w = put(w, content_type, type_len);
	}
	if (!no_length) {
		w = PUT_LIT(w, "\r\nContent-Length: ");
		w = put(w, num, num_len);
	}
	w = PUT_LIT(w, "\r\n");
	if (!keep_alive)
		w = PUT_LIT(w, close_hdr);
	w = PUT_LIT(w, "\r\n");
	if (body_len && body)
		memcpy(w, body, body_len);
	out->len += total;
	return 0;
}

int rs_http_respond_error(struct rs_buf *out, int status, bool keep_alive)
{
	const char *reason = rs_http_reason(status);

	return rs_http_respond(out, status, "text/plain", reason, strlen(reason), keep_alive);
}

/* Where the head of the response starting at live byte from of out ends
 * (just past its blank line), relative to out's live data; 0 when absent. */
static size_t head_end(const struct rs_buf *out, size_t from)
{
	if (from >= out->len)
		return 0;
	const char *start = rs_buf_head(out) + from;
	const char *p = memmem(start, out->len - from, "\r\n\r\n", 4);
	return p ? (size_t)(p - rs_buf_head(out)) + 4 : 0;
}

void rs_http_strip_body(struct rs_buf *out, size_t from)
{
	size_t end = head_end(out, from);
	if (end)
		out->len = end;
}

int rs_http_insert_header(struct rs_buf *out, size_t from, const char *line)
{
	size_t end = head_end(out, from);
	size_t n = strlen(line);
	if (!end)
		return -EINVAL;
	int err = rs_buf_reserve(out, n + 2);
	if (err)
		return err;
	/* In front of the blank line: move it and the body along. */
	char *at = rs_buf_head(out) + end - 2;
	memmove(at + n + 2, at, out->len - (end - 2));
	memcpy(at, line, n);
	memcpy(at + n, "\r\n", 2);
	out->len += n + 2;
	return 0;
}
