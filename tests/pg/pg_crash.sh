# pg_crash.sh - a cluster of our own: concurrent first starts, kill -9 recovery, restart, port moves, stop.
. "${BASH_SOURCE%/*}/lib.sh"
export RINGSIDE_PG_DIR=$2
[ -n "$RINGSIDE_PG_DIR" ] || fail "usage: $0 HARNESS CLUSTER_DIR"

# Begin from nothing, so that the concurrent starts race on initdb too.
wipe() {
	"$H" pg stop >/dev/null 2>&1
	rm -rf "$(readlink -f "$RINGSIDE_PG_DIR")" "$RINGSIDE_PG_DIR"
}
wipe
tmp=$(mktemp -d)
# leave the data for a post-mortem, not a server
trap 'rm -rf "$tmp"; "$H" pg stop >/dev/null 2>&1' EXIT

for i in 1 2 3 4; do
	("$H" pg start >"$tmp/out.$i" 2>"$tmp/err.$i"; echo $? >"$tmp/rc.$i") &
done
wait
cat "$tmp"/err.* >&2
for i in 1 2 3 4; do
	[ "$(cat "$tmp/rc.$i")" = 0 ] || fail "concurrent start $i exited $(cat "$tmp/rc.$i")"
done
start_pg
for i in 1 2 3 4; do
	[ "$(tail -n 1 "$tmp/out.$i")" = "$URL" ] || fail "start $i printed $(cat "$tmp/out.$i")"
done
[ "$(grep -l 'creating a new cluster' "$tmp"/err.* | wc -l)" = 1 ] || fail "not exactly one initdb"
ok "4 concurrent first starts, one initdb, one URL"

pm_pid() { "$H" pg status | sed -n 's/^pid: //p'; }
pid=$(pm_pid)
[ -n "$pid" ] || fail "no pid in status"
# a client in the middle of something when the postmaster dies
"$PSQL" -X -q -d "$URL" -c 'SELECT pg_sleep(30)' >/dev/null 2>&1 &
sleep 0.3
kill -9 "$pid"
"$H" pg status >/dev/null && fail "status says running after kill -9"
[ $? = 3 ] || fail "status after kill -9 did not exit 3"
old=$URL
start_pg
[ "$URL" = "$old" ] || fail "URL changed after recovery: $URL"
[ "$(psql_q "$URL" 'SELECT count(*) FROM fortune')" = 12 ] || fail "no data after recovery"
[ "$(pm_pid)" != "$pid" ] || fail "same postmaster pid after kill -9"
ok "kill -9 of the postmaster, then start"
wait

pid=$(pm_pid)
out=$("$H" pg restart) || fail "restart"
[ "$(printf '%s\n' "$out" | tail -n 1)" = "$URL" ] || fail "restart printed $out"
[ "$(pm_pid)" != "$pid" ] || fail "restart kept pid $pid"
[ "$(psql_q "$URL" 'SELECT 1')" = 1 ] || fail "query after restart"
ok "restart"

# Port taken while stopped: the next start moves and records the move.
"$H" pg stop || fail "stop"
taken=$(RINGSIDE_PG_DIR= "$H" pg start | tail -n 1 | sed 's/.*:\([0-9]*\)\/bench$/\1/')
echo "$taken" >"$RINGSIDE_PG_DIR/port"
start_pg
[ "$PORT" != "$taken" ] || fail "started on the taken port $PORT"
[ "$(cat "$RINGSIDE_PG_DIR/port")" = "$PORT" ] || fail "new port not recorded"
ok "port $taken in use: moved to $PORT"

"$H" pg stop || fail "stop"
"$H" pg status >/dev/null
[ $? = 3 ] || fail "status of a stopped cluster did not exit 3"
"$H" pg stop || fail "second stop did not exit 0"
"$H" pg url >/dev/null || fail "url of a stopped cluster"
ok "stop, status 3, stop again"
wipe
