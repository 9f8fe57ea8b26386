# lib.sh - helpers sourced by the tests/pg scripts: $H (harness), $PSQL, fail, skip.
# usage in a test: . lib.sh HARNESS; the harness path is the first argument.

H=$(readlink -f "$1")
[ -x "$H" ] || { echo "usage: $0 HARNESS [...]" >&2; exit 2; }
export PGCLIENTENCODING=UTF8 PGCONNECT_TIMEOUT=10
unset PGHOST PGPORT PGUSER PGDATABASE PGPASSWORD PGSERVICE PGOPTIONS

fail() { echo "FAIL: $*" >&2; exit 1; }
skip() { echo "SKIP: $*" >&2; exit 77; }
ok() { echo "ok: $*"; }

# The tests need a real server: skip where PostgreSQL is not installed.
if [ -n "$RINGSIDE_PG_BINDIR" ]; then
	PSQL=$RINGSIDE_PG_BINDIR/psql
else
	PSQL=$(ls -d /usr/lib/postgresql/*/bin/psql 2>/dev/null | sort -V | tail -n 1)
	ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 ||
		skip "PostgreSQL is not installed (Debian package postgresql)"
fi
[ -x "$PSQL" ] || PSQL=$(command -v psql) || skip "no psql"

# psql over TCP or a conninfo, no psqlrc, unaligned tuples: psql_q CONNINFO SQL
psql_q() { "$PSQL" -X -q -A -t -v ON_ERROR_STOP=1 -d "$1" -c "$2"; }

# Start the cluster the harness would use and set $URL (the last line of stdout).
start_pg() {
	local out
	out=$("$H" pg start) || fail "pg start exited $?"
	URL=$(printf '%s\n' "$out" | tail -n 1)
	case $URL in
	postgresql://bench:bench@127.0.0.1:*/bench) ;;
	*) fail "pg start: last line is not the URL: '$URL'" ;;
	esac
	PORT=${URL##*:}
	PORT=${PORT%%/*}
}
