# pg_fallback.sh - as root, a cluster asked for under a 0700 directory lives in /var/tmp behind a symlink.
. "${BASH_SOURCE%/*}/lib.sh"
closed=$2
[ -n "$closed" ] || fail "usage: $0 HARNESS DIR"
[ "$(id -u)" = 0 ] || skip "only root hands the cluster to the postgres account"
export RINGSIDE_PG_DIR=$closed/build/pg

wipe() {
	"$H" pg stop >/dev/null 2>&1
	[ -L "$RINGSIDE_PG_DIR" ] && rm -rf "$(readlink -f "$RINGSIDE_PG_DIR")"
	rm -rf "$closed"
}
wipe
trap wipe EXIT			# /var/tmp is no place to leave clusters in
mkdir -p "$closed/build"
chmod 700 "$closed"		# like CI's mktemp -d checkout

err=$("$H" pg start 2>&1 >/dev/null) || fail "start: $err"
printf '%s\n' "$err"
[ -L "$RINGSIDE_PG_DIR" ] || fail "$RINGSIDE_PG_DIR is not a symlink"
target=$(readlink "$RINGSIDE_PG_DIR")
case $target in /var/tmp/ringside-pg-*) ;; *) fail "symlink to $target" ;; esac
[ "$(stat -c %U "$target/data")" = postgres ] || fail "data not owned by postgres"
[ "$(stat -c %a "$closed")" = 700 ] || fail "the closed directory was chmodded"
case $err in *"not reachable"*"$target"*) ;; *) fail "no word about the move: $err" ;; esac
start_pg
[ "$(psql_q "$URL" 'SELECT count(*) FROM world')" = 10000 ] || fail "query"
err=$("$H" pg start 2>&1 >/dev/null)
case $err in *"not reachable"*) fail "said it twice" ;; esac
( cd "$closed/build" && "$H" pg psql -Atc 'SELECT 1' ) >"$closed/out" 2>&1 || fail "pg psql from a closed cwd"
[ "$(cat "$closed/out")" = 1 ] || fail "pg psql from a closed cwd: $(cat "$closed/out")"
ok "cluster in $target"
