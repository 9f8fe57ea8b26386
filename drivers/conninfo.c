/* conninfo.c - parse a postgresql:// URL or keyword=value string into struct rs_pg_conninfo. */
#include "buf.h"
#include "pg.h"

#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pwd.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>
#include <unistd.h>

#define DEFAULT_SOCKET_DIR "/var/run/postgresql"

/* Copy s[0..n) percent-decoded into dst (cap bytes with the NUL). */
static int pct_copy(char *dst, size_t cap, const char *s, size_t n)
{
	size_t o = 0;

	for (size_t i = 0; i < n; i++) {
		char ch = s[i];

		if (ch == '%') {
			int hi = i + 2 < n ? rs_hex_digit(s[i + 1]) : -1;
			int lo = i + 2 < n ? rs_hex_digit(s[i + 2]) : -1;

			/* %00 would truncate the C string silently: refuse it. */
			if (hi < 0 || lo < 0 || (hi | lo) == 0)
				return -EINVAL;
			ch = (char)(hi << 4 | lo);
			i += 2;
		}
		if (o + 1 >= cap)
			return -ENAMETOOLONG;
		dst[o++] = ch;
	}
	dst[o] = '\0';
	return 0;
}

static int set_port(struct rs_pg_conninfo *ci, const char *v)
{
	char *end;
	long p = strtol(v, &end, 10);

	if (!*v || *end || p <= 0 || p > 65535)
		return -EINVAL;
	ci->port = (uint16_t)p;
	return 0;
}

static int set_timeout(struct rs_pg_conninfo *ci, const char *v)
{
	char *end;
	long t = strtol(v, &end, 10);

	if (!*v || *end || t < 0 || t > 86400)
		return -EINVAL;
	/* libpq treats 1 as 2: a one-second timeout fires spuriously at a second boundary. */
	ci->connect_timeout = t == 1 ? 2 : (int)t;
	return 0;
}

#define SETSTR(field, v) \
	(strlen(v) < sizeof(ci->field) ? (strcpy(ci->field, v), 0) : -ENAMETOOLONG)

/* One key=value setting, from either syntax. */
static int set_param(struct rs_pg_conninfo *ci, const char *k, const char *v)
{
	if (!strcmp(k, "host"))
		return SETSTR(host, v);
	if (!strcmp(k, "port"))
		return set_port(ci, v);
	if (!strcmp(k, "user"))
		return SETSTR(user, v);
	if (!strcmp(k, "password"))
		return SETSTR(password, v);
	if (!strcmp(k, "dbname"))
		return SETSTR(dbname, v);
	if (!strcmp(k, "application_name"))
		return SETSTR(application_name, v);
	if (!strcmp(k, "sslmode"))
		return SETSTR(sslmode, v);
	if (!strcmp(k, "passfile"))
		return SETSTR(passfile, v);
	if (!strcmp(k, "connect_timeout"))
		return set_timeout(ci, v);
	return -EINVAL;
}

/* "k=v&k=v" after the '?' of a URL. */
static int parse_query(struct rs_pg_conninfo *ci, const char *q)
{
	char k[64], v[256];

	while (*q) {
		const char *amp = strchr(q, '&'), *eq;
		size_t n = amp ? (size_t)(amp - q) : strlen(q);
		int err;

		eq = memchr(q, '=', n);
		if (!eq)
			return -EINVAL;
		err = pct_copy(k, sizeof(k), q, (size_t)(eq - q));
		if (!err)
			err = pct_copy(v, sizeof(v), eq + 1, n - (size_t)(eq - q) - 1);
		if (!err)
			err = set_param(ci, k, v);
		if (err)
			return err;
		q += n + (amp ? 1 : 0);
	}
	return 0;
}

/* "host[:port]" or "[v6addr][:port]"; empty means the default. */
static int parse_hostport(struct rs_pg_conninfo *ci, const char *s, size_t n)
{
	const char *colon = NULL, *host = s;
	size_t hlen = n;
	char port[8];
	int err;

	if (n && s[0] == '[') {
		const char *rb = memchr(s, ']', n);

		if (!rb)
			return -EINVAL;
		host = s + 1;
		hlen = (size_t)(rb - s) - 1;
		if (rb + 1 < s + n) {
			if (rb[1] != ':')
				return -EINVAL;
			colon = rb + 1;
		}
	} else {
		colon = memchr(s, ':', n);
		if (colon)
			hlen = (size_t)(colon - s);
	}
	if (memchr(host, ',', hlen))
		return -EINVAL; /* several hosts: not supported */
	if (hlen) {
		err = pct_copy(ci->host, sizeof(ci->host), host, hlen);
		if (err)
			return err;
	}
	if (!colon)
		return 0;
	err = pct_copy(port, sizeof(port), colon + 1, (size_t)(s + n - colon - 1));
	return err ? err : set_port(ci, port);
}

static int parse_url(struct rs_pg_conninfo *ci, const char *s)
{
	size_t auth_end = strcspn(s, "/?");
	const char *at = NULL, *hp = s;
	int err;

	for (const char *p = s; p < s + auth_end; p++)
		if (*p == '@')
			at = p;
	if (at) {
		const char *colon = memchr(s, ':', (size_t)(at - s));
		size_t ulen = colon ? (size_t)(colon - s) : (size_t)(at - s);

		err = pct_copy(ci->user, sizeof(ci->user), s, ulen);
		if (!err && colon)
			err = pct_copy(ci->password, sizeof(ci->password), colon + 1,
				       (size_t)(at - colon - 1));
		if (err)
			return err;
		hp = at + 1;
	}
	err = parse_hostport(ci, hp, (size_t)(s + auth_end - hp));
	if (err)
		return err;
	s += auth_end;
	if (*s == '/') {
		size_t n = strcspn(++s, "?");

		err = pct_copy(ci->dbname, sizeof(ci->dbname), s, n);
		if (err)
			return err;
		s += n;
	}
	return *s == '?' ? parse_query(ci, s + 1) : 0;
}

/* One value of the keyword form: bare word, or '...' with \' and \\ escapes. */
static int kw_value(const char **sp, char *v, size_t cap)
{
	const char *s = *sp;
	size_t o = 0;
	bool quoted = *s == '\'';

	if (quoted)
		s++;
	while (*s && (quoted ? *s != '\'' : *s != ' ' && *s != '\t' && *s != '\n')) {
		if (quoted && *s == '\\' && s[1])
			s++;
		if (o + 1 >= cap)
			return -ENAMETOOLONG;
		v[o++] = *s++;
	}
	if (quoted) {
		if (*s != '\'')
			return -EINVAL;
		s++;
	}
	v[o] = '\0';
	*sp = s;
	return 0;
}

static int parse_keywords(struct rs_pg_conninfo *ci, const char *s)
{
	char k[64], v[256];

	for (;;) {
		size_t n;
		int err;

		s += strspn(s, " \t\n");
		if (!*s)
			return 0;
		n = strcspn(s, "= \t\n");
		if (!n || n >= sizeof(k))
			return -EINVAL;
		memcpy(k, s, n);
		k[n] = '\0';
		s += n;
		s += strspn(s, " \t\n");
		if (*s++ != '=')
			return -EINVAL;
		s += strspn(s, " \t\n");
		err = kw_value(&s, v, sizeof(v));
		if (!err)
			err = set_param(ci, k, v);
		if (err)
			return err;
	}
}

static int fill_defaults(struct rs_pg_conninfo *ci)
{
	const char *pw = getenv("PGPASSWORD");

	if (!ci->host[0])
		strcpy(ci->host, DEFAULT_SOCKET_DIR);
	if (!ci->port)
		ci->port = 5432;
	if (!ci->user[0]) {
		struct passwd *p = getpwuid(geteuid());

		if (!p || SETSTR(user, p->pw_name))
			return -EINVAL;
	}
	if (!ci->dbname[0])
		strcpy(ci->dbname, ci->user);
	if (!ci->password[0] && pw && SETSTR(password, pw))
		return -ENAMETOOLONG;
	/* libpq's order: the URL's password, PGPASSWORD, then the file. */
	if (!ci->password[0]) {
		int err = rs_pg_pgpass_lookup(ci);
		if (err)
			return err;
	}
	if (!ci->sslmode[0])
		strcpy(ci->sslmode, "disable");
	return 0;
}

int rs_pg_conninfo_parse(const char *url, struct rs_pg_conninfo *out)
{
	static const char *const schemes[] = { "postgresql://", "postgres://" };
	int err = 1;

	memset(out, 0, sizeof(*out));
	out->tcp_nodelay = 1;
	for (size_t i = 0; i < sizeof(schemes) / sizeof(schemes[0]); i++) {
		size_t n = strlen(schemes[i]);

		if (!strncmp(url, schemes[i], n)) {
			err = parse_url(out, url + n);
			break;
		}
	}
	if (err > 0)
		err = strchr(url, '=') ? parse_keywords(out, url) : -EINVAL;
	return err ? err : fill_defaults(out);
}

static int unix_addr(const struct rs_pg_conninfo *ci, struct sockaddr_storage *ss,
		     socklen_t *len)
{
	struct sockaddr_un *un = (struct sockaddr_un *)ss;
	int n;

	memset(un, 0, sizeof(*un));
	un->sun_family = AF_UNIX;
	n = snprintf(un->sun_path, sizeof(un->sun_path), "%s/.s.PGSQL.%u", ci->host,
		     (unsigned)ci->port);
	if (n < 0 || (size_t)n >= sizeof(un->sun_path))
		return -ENAMETOOLONG;
	*len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + (size_t)n + 1);
	return 0;
}

int rs_pg_conninfo_sockaddr(const struct rs_pg_conninfo *ci, struct sockaddr_storage *ss,
			    socklen_t *len)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM, .ai_flags = AI_ADDRCONFIG };
	struct addrinfo *ai;
	char port[8];

	if (ci->host[0] == '/')
		return unix_addr(ci, ss, len);
	snprintf(port, sizeof(port), "%u", (unsigned)ci->port);
	if (getaddrinfo(ci->host, port, &hints, &ai) || !ai)
		return -EHOSTUNREACH;
	memcpy(ss, ai->ai_addr, ai->ai_addrlen);
	*len = ai->ai_addrlen;
	freeaddrinfo(ai);
	return 0;
}

int rs_pg_conninfo_resolve(struct rs_pg_conninfo *ci)
{
	return rs_pg_conninfo_sockaddr(ci, &ci->addr, &ci->addrlen);
}
