/* wl_file.c - /file?name=N and /file/<name>: one file of the --files-dir directory, read into the response. */
#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine.h"
#include "file_io.h"
#include "wl_file.h"

#define NAME_MAX_LEN 255
#define FILE_MAX_BYTES (256u << 20) /* the response is built in memory */
/* O_DIRECT wants buffer, length and offset aligned to the device's logical
 * block; 4096 covers every block size in use. */
#define DIRECT_ALIGN 4096u

static int g_dirfd = -1;
static bool g_direct;
static atomic_bool g_direct_refused;

int rs_wl_files_dir(const char *dir, bool direct)
{
	g_direct = direct;
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		int err = -errno;
		fprintf(stderr, "ringside: --files-dir=%s: %s (expected a directory, e.g. from `harness files make`)\n",
			dir, strerror(errno));
		return err;
	}
	g_dirfd = fd;
	return 0;
}

/* One path component of safe characters, not starting with a dot: no "..",
 * no absolute path, no subdirectory. Symlinks are refused by O_NOFOLLOW. */
static bool name_ok(const char *s, size_t n)
{
	if (n == 0 || n > NAME_MAX_LEN || s[0] == '.')
		return false;
	for (size_t i = 0; i < n; i++) {
		char ch = s[i];
		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '.' ||
		      ch == '_' || ch == '-'))
			return false;
	}
	return true;
}

static const char *content_type(const char *name, size_t n)
{
	static const struct {
		const char *ext, *type;
	} types[] = {
		{ ".html", "text/html; charset=utf-8" }, { ".txt", "text/plain; charset=utf-8" },
		{ ".css", "text/css" }, { ".js", "text/javascript" }, { ".json", "application/json" },
		{ ".png", "image/png" }, { ".jpg", "image/jpeg" }, { ".svg", "image/svg+xml" },
	};
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		size_t e = strlen(types[i].ext);
		if (n > e && !memcmp(name + n - e, types[i].ext, e))
			return types[i].type;
	}
	return "application/octet-stream";
}

/* The requested name: ?name=N or what follows /file/. NULL when absent. */
static const char *requested(const struct rs_http_request *req, size_t *n)
{
	if (req->path_len > 6)
		return *n = req->path_len - 6, req->path + 6;
	return rs_http_query_param(req, "name", n);
}

static int serve_fd(struct rs_reactor *r, const struct rs_http_request *req, int fd, bool direct,
		    const char *type, struct rs_buf *out)
{
	struct stat st;
	if (fstat(fd, &st))
		return rs_http_respond_error(out, 500, req->keep_alive);
	if (!S_ISREG(st.st_mode))
		return rs_http_respond_error(out, 404, req->keep_alive);
	if ((uint64_t)st.st_size > FILE_MAX_BYTES)
		return rs_http_respond_error(out, 500, req->keep_alive);

	size_t mark = out->len, size = (size_t)st.st_size;
	int err = rs_http_respond(out, 200, type, NULL, size, req->keep_alive);
	if (!err && size && direct)
		err = rs_buf_reserve(out, 2 * DIRECT_ALIGN);
	if (err || !size)
		return err;
	char *body = rs_buf_tail(out) - size;
	ssize_t got;
	if (direct) {
		/* Read whole blocks to an aligned spot in the buffer's room, then
		 * slide the bytes to where the body goes (EOF ends the read at size). */
		char *at = (char *)(((uintptr_t)body + DIRECT_ALIGN - 1) & ~(uintptr_t)(DIRECT_ALIGN - 1));
		size_t whole = (size + DIRECT_ALIGN - 1) & ~(size_t)(DIRECT_ALIGN - 1);
		got = rs_file_read(r, fd, at, whole, 0);
		if (got == (ssize_t)size)
			memmove(body, at, size);
	} else {
		got = rs_file_read(r, fd, body, size, 0);
	}
	if (got == (ssize_t)size)
		return 0;
	/* Shrunk under us, or an I/O error: the promised Content-Length cannot be kept. */
	out->len = mark;
	return rs_http_respond_error(out, 500, req->keep_alive);
}

int rs_wl_file(struct rs_reactor *r, const struct rs_http_request *req, struct rs_buf *out)
{
	char name[NAME_MAX_LEN + 1];
	size_t n = 0;
	const char *s = requested(req, &n);

	if (g_dirfd < 0)
		return rs_http_respond(out, 503, "text/plain", "no --files-dir", 14, req->keep_alive);
	if (!s || !name_ok(s, n))
		return rs_http_respond_error(out, 400, req->keep_alive);
	memcpy(name, s, n);
	name[n] = '\0';

	int flags = O_RDONLY | O_NOFOLLOW | O_NOCTTY;
	int fd = rs_file_open(r, g_dirfd, name, flags | (g_direct ? O_DIRECT : 0));
	bool direct = g_direct;
	if (fd == -EINVAL && direct) {
		/* The filesystem has no O_DIRECT (tmpfs): say so once, serve anyway. */
		if (!atomic_exchange(&g_direct_refused, true))
			fprintf(stderr, "ringside: --file-direct: the filesystem refuses O_DIRECT; reading through the page cache\n");
		direct = false;
		fd = rs_file_open(r, g_dirfd, name, flags);
	}
	if (fd == -ENOENT || fd == -ELOOP || fd == -ENOTDIR || fd == -EACCES)
		return rs_http_respond_error(out, 404, req->keep_alive);
	if (fd < 0)
		return rs_http_respond_error(out, 500, req->keep_alive);
	int err = serve_fd(r, req, fd, direct, content_type(name, n), out);
	close(fd);
	return err;
}
