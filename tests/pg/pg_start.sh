# pg_start.sh - `pg start` is idempotent and ends its stdout with the URL; url, --pg, bad commands.
. "${BASH_SOURCE%/*}/lib.sh"

start_pg
first=$URL
start_pg
[ "$URL" = "$first" ] || fail "second start gave $URL, first $first"
ok "start twice: $URL"

[ "$(psql_q "$URL" 'SELECT 42')" = 42 ] || fail "cannot query through $URL"
[ "$("$H" pg url)" = "$URL" ] || fail "pg url differs from the start URL"
for role in bench_md5 bench_scram; do
	u=$("$H" pg url --user=$role) || fail "pg url --user=$role"
	[ "$u" = "postgresql://$role:$role@127.0.0.1:$PORT/bench" ] || fail "url of $role: $u"
done
u=$("$H" pg url --unix) || fail "pg url --unix"
case $u in
"host=/"*" port=$PORT dbname=bench user=bench password=bench") ;;
*) fail "pg url --unix: $u" ;;
esac
[ "$(psql_q "$u" 'SELECT 1')" = 1 ] || fail "cannot connect with '$u'"
ok "url, url --user, url --unix"

"$H" pg url --user=nobody 2>/dev/null && fail "pg url accepted an unknown role"
err=$("$H" pg frobnicate 2>&1) && fail "unknown subcommand succeeded"
case $err in *start*stop*restart*status*url*psql*) ;; *) fail "no list of commands: $err" ;; esac
ok "unknown role and subcommand rejected"

ext=postgresql://someone:pw@db.example:5432/x
[ "$("$H" pg start --pg=$ext 2>/dev/null | tail -n 1)" = "$ext" ] || fail "start --pg"
"$H" pg stop --pg=$ext 2>/dev/null || fail "stop --pg did not exit 0"
[ "$("$H" pg url --pg=$ext)" = "$ext" ] || fail "url --pg"
"$H" pg status >/dev/null || fail "stop --pg stopped our own server"
ok "--pg: nothing to manage"

[ "$("$H" pg psql -Atc 'SELECT current_user')" = postgres ] || fail "pg psql is not the superuser"
ok "pg psql"
