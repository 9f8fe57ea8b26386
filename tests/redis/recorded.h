/* recorded.h - replies of redis-server v=7.0.15 to the commands beside them, recorded over its Unix socket. */
struct recorded { const char *cmd[4]; int argc; const char *reply; unsigned len; };
static const struct recorded recorded[] = {
	{ { "PING" }, 1, "+PONG\015\012", 7 },
	{ { "SET", "world:1", "{\042id\042:1,\042randomNumber\042:4711}" }, 3, "+OK\015\012", 5 },
	{ { "GET", "world:1" }, 2, "$28\015\012{\042id\042:1,\042randomNumber\042:4711}\015\012", 35 },
	{ { "GET", "missing" }, 2, "$-1\015\012", 5 },
	{ { "MGET", "world:1", "missing", "world:1" }, 4, "*3\015\012$28\015\012{\042id\042:1,\042randomNumber\042:4711}\015\012$-1\015\012$28\015\012{\042id\042:1,\042randomNumber\042:4711}\015\012", 79 },
	{ { "INCR", "n" }, 2, ":1\015\012", 4 },
	{ { "NOPE" }, 1, "-ERR unknown command 'NOPE', with args beginning with: \015\012", 57 },
	{ { "LRANGE", "nolist", "0", "-1" }, 4, "*0\015\012", 4 },
	{ { "EVAL", "return {1,{2,'x',{}},'three'}", "0" }, 3, "*3\015\012:1\015\012*3\015\012:2\015\012$1\015\012x\015\012*0\015\012$5\015\012three\015\012", 38 },
	{ { "SET", "bin", "a\015\012b\000c" }, 3, "+OK\015\012", 5 },
	{ { "GET", "bin" }, 2, "$6\015\012a\015\012b\000c\015\012", 12 },
	{ { "INCR", "world:1" }, 2, "-ERR value is not an integer or out of range\015\012", 46 },
};
