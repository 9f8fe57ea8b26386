/* test_files.c - /file on a real server: sizes and types, 404, escapes refused, pipelining, a client leaving mid-body (page cache or --file-direct). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "client.h"

#define BIG (1u << 20)

static char g_dir[256];

/* Byte i of a file of size n: depends on both, so a mixed-up file is caught. */
static char pattern(size_t i, size_t n)
{
	return (char)('a' + (i * 7 + n) % 26);
}

static void make_file(const char *dir, const char *name, size_t n)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE *f = fopen(path, "w");
	REQUIRE(f, "cannot create %s: %s", path, strerror(errno));
	for (size_t i = 0; i < n; i++)
		fputc(pattern(i, n), f);
	REQUIRE(fclose(f) == 0, "cannot write %s", path);
}

/* dir/files: three sizes, an empty file, a symlink out, a subdirectory; dir/secret outside it. */
static void make_tree(void)
{
	char path[300], sub[600];
	snprintf(g_dir, sizeof(g_dir), "/tmp/rs-files-XXXXXX");
	REQUIRE(mkdtemp(g_dir), "mkdtemp: %s", strerror(errno));
	make_file(g_dir, "secret", 100);
	snprintf(path, sizeof(path), "%s/files", g_dir);
	REQUIRE(mkdir(path, 0755) == 0, "mkdir %s", path);
	make_file(path, "1k-0.bin", 1024);
	make_file(path, "64k-0.txt", 65536);
	make_file(path, "1m-0.html", BIG);
	make_file(path, "empty.json", 0);
	make_file(path, "odd-0.bin", 5003); /* not whole blocks: O_DIRECT's tail */
	snprintf(sub, sizeof(sub), "%s/out.bin", path);
	REQUIRE(symlink("../secret", sub) == 0, "symlink");
	snprintf(sub, sizeof(sub), "%s/sub", path);
	REQUIRE(mkdir(sub, 0755) == 0, "mkdir sub");
	make_file(sub, "inner.bin", 10);
}

static void remove_tree(void)
{
	char cmd[400];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", g_dir);
	if (system(cmd))
		fprintf(stderr, "warning: could not remove %s\n", g_dir);
}

struct fresp {
	int status;
	char type[128];
	size_t len;
	char *body;
};

/* A buffered reader for responses whose bodies can be large. */
struct rd {
	int fd;
	char *buf;
	size_t len, cap;
};

static int fill(struct rd *r)
{
	if (r->len == r->cap)
		REQUIRE((r->buf = realloc(r->buf, r->cap *= 2)), "out of memory");
	ssize_t n = recv(r->fd, r->buf + r->len, r->cap - r->len, 0);
	if (n <= 0)
		return -1;
	r->len += (size_t)n;
	return 0;
}

/* One response; with body false (a HEAD's), its head only: Content-Length is not followed. */
static int read_file_response(struct rd *r, struct fresp *out, bool body)
{
	char *end;
	while (!(end = memmem(r->buf, r->len, "\r\n\r\n", 4)))
		if (fill(r))
			return -1;
	size_t head = (size_t)(end - r->buf) + 4;
	char *h = strndup(r->buf, head);
	REQUIRE(sscanf(h, "HTTP/1.1 %d", &out->status) == 1, "bad status line: %.40s", h);
	char *cl = strcasestr(h, "\r\nContent-Length:"), *ct = strcasestr(h, "\r\nContent-Type:");
	REQUIRE(cl, "no Content-Length in %s", h);
	out->len = strtoul(cl + 17, NULL, 10);
	out->type[0] = '\0';
	if (ct)
		sscanf(ct + 15, " %127[^\r]", out->type);
	free(h);
	size_t n = body ? out->len : 0;
	while (r->len < head + n)
		if (fill(r))
			return -1;
	out->body = malloc(n + 1);
	memcpy(out->body, r->buf + head, n);
	memmove(r->buf, r->buf + head + n, r->len - head - n);
	r->len -= head + n;
	return 0;
}

static int read_one(struct rd *r, struct fresp *out)
{
	return read_file_response(r, out, true);
}

static struct rd rd_open(int port)
{
	return (struct rd){ .fd = tcp_connect(port), .buf = malloc(65536), .cap = 65536 };
}

static void rd_close(struct rd *r)
{
	close(r->fd);
	free(r->buf);
}

static void get(int port, const char *target, struct fresp *out)
{
	char req[512];
	struct rd r = rd_open(port);
	snprintf(req, sizeof(req), "GET %s HTTP/1.1\r\nHost: t\r\n\r\n", target);
	send_all(r.fd, req, strlen(req));
	REQUIRE(read_one(&r, out) == 0, "no answer to %s", target);
	rd_close(&r);
}

static void expect_file(const struct fresp *f, const char *target, size_t n, const char *type)
{
	REQUIRE(f->status == 200, "%s: status %d", target, f->status);
	REQUIRE(f->len == n, "%s: Content-Length %zu, want %zu", target, f->len, n);
	REQUIRE(!strcmp(f->type, type), "%s: Content-Type '%s', want '%s'", target, f->type, type);
	for (size_t i = 0; i < n; i++)
		REQUIRE(f->body[i] == pattern(i, n), "%s: byte %zu differs", target, i);
}

static void expect_status(int port, const char *target, int status)
{
	struct fresp f;
	get(port, target, &f);
	REQUIRE(f.status == status, "%s: status %d, want %d", target, f.status, status);
	free(f.body);
}

static void case_sizes(int port)
{
	static const struct {
		const char *target;
		size_t n;
		const char *type;
	} want[] = {
		{ "/file?name=1k-0.bin", 1024, "application/octet-stream" },
		{ "/file/64k-0.txt", 65536, "text/plain; charset=utf-8" },
		{ "/file?x=1&name=1m-0.html", BIG, "text/html; charset=utf-8" },
		{ "/file/empty.json", 0, "application/json" },
		{ "/file/odd-0.bin", 5003, "application/octet-stream" },
	};
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		struct fresp f;
		get(port, want[i].target, &f);
		expect_file(&f, want[i].target, want[i].n, want[i].type);
		free(f.body);
	}
}

static void case_missing(int port)
{
	expect_status(port, "/file?name=nope.bin", 404);
	expect_status(port, "/file/nope", 404);
	expect_status(port, "/file/sub", 404); /* a directory is not a file */
	expect_status(port, "/file", 400);     /* no name */
	expect_status(port, "/file?name=", 400);
}

static void case_escapes(int port)
{
	expect_status(port, "/file/out.bin", 404); /* a symlink out of the directory */
	static const char *const bad[] = {
		"/file/../secret", "/file?name=../secret", "/file?name=..", "/file/..", "/file//etc/passwd",
		"/file?name=/etc/passwd", "/file/sub/inner.bin", "/file?name=%2e%2e%2fsecret", "/file/.hidden",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		expect_status(port, bad[i], 400);
}

/* 12 requests of mixed sizes and a 404 in one write, answered in order on one connection. */
static void case_pipelined(int port)
{
	static const char *const names[] = { "1k-0.bin", "64k-0.txt", "nope", "1m-0.html" };
	static const size_t sizes[] = { 1024, 65536, 0, BIG };
	char req[4096] = "";
	struct rd r = rd_open(port);

	for (int i = 0; i < 12; i++) {
		char one[128];
		snprintf(one, sizeof(one), "GET /file/%s HTTP/1.1\r\nHost: t\r\n\r\n", names[i % 4]);
		strcat(req, one);
	}
	send_all(r.fd, req, strlen(req));
	for (int i = 0; i < 12; i++) {
		struct fresp f;
		REQUIRE(read_one(&r, &f) == 0, "pipelined response %d missing", i);
		if (i % 4 == 2)
			REQUIRE(f.status == 404, "pipelined 404: %d", f.status);
		else
			expect_file(&f, names[i % 4], sizes[i % 4], f.type);
		free(f.body);
	}
	REQUIRE(r.len == 0, "extra bytes after 12 responses");
	rd_close(&r);
}

/* HEAD of a file: GET's status, Content-Length and Content-Type, no body (the
 * next response on the connection follows the head); a missing one a bodiless 404. */
static void case_head(int port)
{
	const char req[] = "HEAD /file/64k-0.txt HTTP/1.1\r\nHost: t\r\n\r\n"
			   "HEAD /file/nope HTTP/1.1\r\nHost: t\r\n\r\n"
			   "GET /file/1k-0.bin HTTP/1.1\r\nHost: t\r\n\r\n";
	struct rd r = rd_open(port);
	struct fresp f;
	send_all(r.fd, req, sizeof(req) - 1);
	REQUIRE(read_file_response(&r, &f, false) == 0, "no answer to HEAD");
	REQUIRE(f.status == 200 && f.len == 65536 && !strcmp(f.type, "text/plain; charset=utf-8"),
	      "HEAD /file/64k-0.txt: %d, Content-Length %zu, '%s'", f.status, f.len, f.type);
	free(f.body);
	REQUIRE(read_file_response(&r, &f, false) == 0, "no answer to HEAD of a missing file");
	REQUIRE(f.status == 404, "HEAD /file/nope: %d", f.status);
	free(f.body);
	REQUIRE(read_one(&r, &f) == 0, "no answer to the GET after the HEADs");
	expect_file(&f, "GET after HEAD (a HEAD sent a body?)", 1024, "application/octet-stream");
	free(f.body);
	rd_close(&r);
}

/* Clients asking for 1 MiB and leaving after part of it, with an RST or a FIN. */
static void case_leave(int port)
{
	for (int i = 0; i < 40; i++) {
		const char req[] = "GET /file/1m-0.html HTTP/1.1\r\nHost: t\r\n\r\n";
		int fd = tcp_connect(port);
		send_all(fd, req, sizeof(req) - 1);
		char buf[8192];
		REQUIRE(recv(fd, buf, sizeof(buf), MSG_WAITALL) > 0, "no start of the body");
		if (i % 2) {
			struct linger lg = { 1, 0 };
			setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
		}
		close(fd);
	}
	struct fresp f;
	get(port, "/file/64k-0.txt", &f);
	expect_file(&f, "after clients left", 65536, "text/plain; charset=utf-8");
	free(f.body);
}

int main(int argc, char **argv)
{
	static const struct {
		const char *name;
		void (*fn)(int port);
	} cases[] = {
		{ "sizes", case_sizes }, { "missing", case_missing }, { "escapes", case_escapes },
		{ "pipelined", case_pipelined }, { "leave", case_leave }, { "head", case_head },
	};
	if (argc < 4)
		die("usage: %s SERVER ENGINE CASE [server flags...]", argv[0]);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (strcmp(argv[3], cases[i].name))
			continue;
		make_tree();
		char dirflag[300];
		snprintf(dirflag, sizeof(dirflag), "--files-dir=%s/files", g_dir);
		const char *extra[16] = { dirflag };
		for (int a = 4, n = 1; a < argc && n < 15; a++)
			extra[n++] = argv[a];
		int port = free_port();
		pid_t pid = server_start(argv[1], argv[2], port, extra);
		cases[i].fn(port);
		int rc = server_stop(pid);
		remove_tree();
		REQUIRE(rc == 0, "server exit status %d after the case", rc);
		return 0;
	}
	die("unknown case %s", argv[3]);
}
