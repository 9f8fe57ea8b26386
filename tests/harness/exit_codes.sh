#!/bin/sh
# exit_codes.sh HARNESS - the documented exit codes: 0 ok (and --help), 1 failure, 2 usage; a
# mistyped flag names the nearest one rather than listing them all.
set -u
harness=$1
out=$(mktemp)
trap 'rm -f "$out"' EXIT
fail() { echo "FAIL: $*"; cat "$out"; exit 1; }

# expect CODE TEXT ARGS...: exit CODE, TEXT (may be empty) in stdout+stderr.
expect() {
	code=$1 text=$2
	shift 2
	"$harness" "$@" >"$out" 2>&1
	rc=$?
	[ "$rc" -eq "$code" ] || fail "harness $*: exit $rc, not $code"
	[ -z "$text" ] || grep -qF -- "$text" "$out" || fail "harness $*: no '$text'"
	echo "ok: harness $*: exit $rc"
}

expect 0 "usage: bench-fiber" bench-fiber --help
expect 2 "usage: bench-fiber" bench-fiber --bogus
expect 0 "usage: bench-parse" bench-parse --help
expect 2 "usage: bench-parse" bench-parse --iterations=0
expect 0 "--conns=N" run --help
expect 0 "--results" export --help
expect 1 "/nonexistent" export --results=/nonexistent/ringside
expect 1 "/nonexistent" plot --results=/nonexistent/ringside
expect 2 "did you mean --conns?" run --conn=3
expect 2 "did you mean --workloads?" sweep --workload=db
expect 2 "accepted options:" run --zzzzzzzzzz
expect 2 "unknown command" no-such-command
expect 0 "commit:" --version
expect 2 "cannot resolve 'no-such-host.invalid' to an IPv4 address" loadgen --url=http://no-such-host.invalid/
# Help: every flag's default, serve's --no-pg, the command named as typed.
expect 0 "--pipeline=N             HTTP requests in flight per connection, default 1" run --help
expect 0 "--no-pg" serve --help
# One Sync per batch is pgwire's: a libpq preset says so and exits 2 before serving; a value out of the set is named.
expect 2 "--pg-sync=batch: engine epoll uses driver libpq, which syncs every query" serve --engine=epoll \
	--pg=postgresql://probe@127.0.0.1:1/probe --pg-sync=batch
expect 2 "query,batch" serve --pg-sync=each
expect 2 "--pg-sync=batch cannot keep --pg-timeout-ms" serve --engine=uring \
	--pg=postgresql://probe@127.0.0.1:1/probe --pg-sync=batch --pg-timeout-ms=100
expect 0 "--port=N                 TCP port, default 8080" serve --help
RINGSIDE_PROG=./ringside expect 0 "usage: ./ringside COMMAND" --help
expect 0 "usage: $harness COMMAND" help
