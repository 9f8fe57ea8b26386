/* client.c - a tiny blocking HTTP test client and server launcher for the conformance tests. */
#include <dirent.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "client.h"
#include "port.h"

int free_port(void)
{
	int port = rs_port_free();
	REQUIRE(port > 0, "no free port on 127.0.0.1: %s", strerror(-port));
	return port;
}

static int try_connect(int port)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct sockaddr_in sa = {
		.sin_family = AF_INET,
		.sin_port = htons((uint16_t)port),
		.sin_addr.s_addr = htonl(INADDR_LOOPBACK),
	};
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		int err = -errno;
		close(fd);
		return err;
	}
	int one = 1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	struct timeval tv = { .tv_sec = 10 };
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	return fd;
}

int tcp_connect(int port)
{
	int fd = try_connect(port);
	REQUIRE(fd >= 0, "connect to port %d: %s", port, strerror(-fd));
	return fd;
}

/* A failing REQUIRE exits: never leave a server behind holding our stdout. */
static pid_t started[16];
static int nstarted;

static void kill_started(void)
{
	for (int i = 0; i < nstarted; i++)
		if (started[i] > 0)
			kill(started[i], SIGKILL);
}

static void remember(pid_t pid)
{
	if (!nstarted)
		atexit(kill_started);
	if (nstarted < 16)
		started[nstarted++] = pid;
}

pid_t server_start(const char *server, const char *engine, int port, const char *const *extra)
{
	char eng[64], prt[32];
	const char *argv[32];
	int n = 0;

	snprintf(eng, sizeof(eng), "--engine=%s", engine);
	snprintf(prt, sizeof(prt), "--port=%d", port);
	argv[n++] = server;
	argv[n++] = eng;
	argv[n++] = prt;
	for (; extra && *extra && n < 30; extra++)
		argv[n++] = *extra;
	argv[n] = NULL;
	pid_t pid = fork();
	REQUIRE(pid >= 0, "fork");
	if (pid == 0) {
		execv(server, (char *const *)argv);
		perror("execv");
		_exit(127);
	}
	remember(pid);
	for (int i = 0; i < 1000; i++) {
		int fd = try_connect(port);
		if (fd >= 0) {
			close(fd);
			return pid;
		}
		int status;
		if (waitpid(pid, &status, WNOHANG) == pid)
			die("server %s exited during start-up (status %d)", engine, status);
		usleep(10000);
	}
	kill(pid, SIGKILL);
	die("server %s did not accept on port %d within 10 s", engine, port);
}

static void forget(pid_t pid)
{
	for (int i = 0; i < nstarted; i++)
		if (started[i] == pid)
			started[i] = 0;
}

/* A server that did not stop: say where each of its threads sits (name, state, kernel wait
 * channel, pending and blocked signals, the syscall it is in), so a CI log shows why. */
static void dump_threads(pid_t pid)
{
	char path[320], line[256];
	snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
	DIR *d = opendir(path);
	if (!d)
		return;
	fprintf(stderr, "server %d did not exit within 10 s of SIGTERM; its threads:\n", (int)pid);
	for (struct dirent *e; (e = readdir(d));) {
		if (e->d_name[0] == '.')
			continue;
		static const char *const files[] = { "comm", "wchan", "syscall", "status" };
		fprintf(stderr, "  thread %s:", e->d_name);
		for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
			snprintf(path, sizeof(path), "/proc/%d/task/%s/%s", (int)pid, e->d_name, files[i]);
			FILE *f = fopen(path, "r");
			if (!f)
				continue;
			while (fgets(line, sizeof(line), f)) {
				line[strcspn(line, "\n")] = 0;
				if (i < 3 || !strncmp(line, "State:", 6) || !strncmp(line, "Sig", 3) || !strncmp(line, "ShdPnd", 6))
					fprintf(stderr, " %s%s", i == 1 ? "wchan=" : i == 2 ? "syscall=" : "", line);
			}
			fclose(f);
		}
		fputc('\n', stderr);
	}
	closedir(d);
	if (getenv("RINGSIDE_TEST_GDB")) {
		snprintf(line, sizeof(line), "gdb -p %d -batch -ex 'thread apply all bt' -ex 'print g_stop' -ex 'print g_live[0]' -ex 'print *g_live[0]' >&2", (int)pid);
		if (system(line))
			fprintf(stderr, "gdb failed\n");
	}
}

int server_stop(pid_t pid)
{
	int status;
	kill(pid, SIGTERM);
	for (int i = 0; i < 1000; i++) {
		if (waitpid(pid, &status, WNOHANG) == pid) {
			forget(pid);
			return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
		}
		usleep(10000);
	}
	dump_threads(pid);
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	forget(pid);
	return -1;
}

void send_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	while (len) {
		ssize_t n = send(fd, p, len, MSG_NOSIGNAL);
		REQUIRE(n > 0, "send: %s", strerror(errno));
		p += n;
		len -= (size_t)n;
	}
}

bool resp_header(const struct resp *r, const char *name, char *val, size_t size)
{
	size_t nlen = strlen(name);
	for (const char *line = r->headers; *line;) {
		const char *end = strstr(line, "\r\n");
		size_t len = end ? (size_t)(end - line) : strlen(line);
		if (len > nlen && line[nlen] == ':' && !strncasecmp(line, name, nlen)) {
			const char *v = line + nlen + 1;
			while (*v == ' ')
				v++;
			size_t vlen = len - (size_t)(v - line);
			if (vlen >= size)
				vlen = size - 1;
			memcpy(val, v, vlen);
			val[vlen] = '\0';
			return true;
		}
		line = end ? end + 2 : line + len;
	}
	return false;
}

/* Parse one response at the front of buf; returns its length or 0 if incomplete. */
static size_t parse_response(const char *buf, size_t len, struct resp *r)
{
	const char *end = memmem(buf, len, "\r\n\r\n", 4);
	if (!end)
		return 0;
	size_t head = (size_t)(end - buf) + 4;
	REQUIRE(len >= 12 && !memcmp(buf, "HTTP/1.1 ", 9), "bad status line: %.40s", buf);
	r->status = atoi(buf + 9);
	const char *hdrs = (const char *)memchr(buf, '\n', head) + 1;
	size_t hlen = head - 2 - (size_t)(hdrs - buf);
	REQUIRE(hlen < sizeof(r->headers), "headers too long");
	memcpy(r->headers, hdrs, hlen);
	r->headers[hlen] = '\0';
	char v[64];
	REQUIRE(resp_header(r, "Content-Length", v, sizeof(v)), "no Content-Length in %s", r->headers);
	size_t clen = (size_t)atol(v);
	if (len < head + clen)
		return 0;
	REQUIRE(clen < sizeof(r->body), "body too long");
	memcpy(r->body, buf + head, clen);
	r->body[clen] = '\0';
	r->body_len = clen;
	r->conn_close = resp_header(r, "Connection", v, sizeof(v)) && !strcasecmp(v, "close");
	return head + clen;
}

int read_response(int fd, char *pending, size_t *pending_len, size_t cap, struct resp *r)
{
	for (;;) {
		size_t n = parse_response(pending, *pending_len, r);
		if (n) {
			memmove(pending, pending + n, *pending_len - n);
			*pending_len -= n;
			return 0;
		}
		if (*pending_len == cap)
			return -1;
		ssize_t got = recv(fd, pending + *pending_len, cap - *pending_len, 0);
		if (got <= 0)
			return -1;
		*pending_len += (size_t)got;
	}
}

int one_request(int port, const char *req, struct resp *r)
{
	static _Thread_local char buf[131072];
	size_t len = 0;
	int fd = tcp_connect(port);
	send_all(fd, req, strlen(req));
	int err = read_response(fd, buf, &len, sizeof(buf), r);
	close(fd);
	return err;
}

bool peer_closed(int fd, int timeout_ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	char c[4096];
	for (;;) {
		if (poll(&p, 1, timeout_ms) <= 0)
			return false;
		ssize_t n = recv(fd, c, sizeof(c), MSG_DONTWAIT);
		if (n == 0 || (n < 0 && errno == ECONNRESET))
			return true;
		if (n < 0)
			return false;
	}
}
