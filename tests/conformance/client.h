/* client.h - a tiny blocking HTTP test client and server launcher for the conformance tests. */
#ifndef RS_TEST_CLIENT_H
#define RS_TEST_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct resp {
	int status;
	char headers[2048];
	char body[65536];
	size_t body_len;
	bool conn_close;
};

/* die, REQUIRE: a failed check ends the test (exit 1). */
#include "../check.h"

/* A TCP port nobody listens on right now. */
int free_port(void);
/* Start `server --engine=E --port=P extra...` and wait until it accepts. */
pid_t server_start(const char *server, const char *engine, int port, const char *const *extra);
/* SIGTERM it and return its exit status (-1 when killed by a signal or a 10 s timeout). */
int server_stop(pid_t pid);

int tcp_connect(int port);
void send_all(int fd, const void *buf, size_t len);
/* Read one response (buffered per fd in *pending). Returns 0, or -1 on EOF/error before a full one. */
int read_response(int fd, char *pending, size_t *pending_len, size_t cap, struct resp *r);
/* Connect, send one request, read one response, close. */
int one_request(int port, const char *req, struct resp *r);
/* true when the peer closed (read returns 0 or ECONNRESET) within timeout_ms. */
bool peer_closed(int fd, int timeout_ms);
/* Header lookup in r->headers (case-insensitive name); copies the value. */
bool resp_header(const struct resp *r, const char *name, char *val, size_t size);

/* limits.c: run limit case `name` (timeouts, --max-conns) against a server it
 * starts with its own flags plus extra; false when name is not one of them. */
bool limits_case(const char *server, const char *engine, const char *name, const char *const *extra);
/* The hostile-client cases (hostile.c); false when name is not one of them. */
bool hostile_case(const char *server, const char *engine, const char *name, const char *const *extra);
/* HTTP/1.1's rules (rules.c): Expect, Host, absolute-form, 1.0 keep-alive, empty lines. */
bool rules_case(const char *server, const char *engine, const char *name, const char *const *extra);

#endif
