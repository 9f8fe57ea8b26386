# pg_auth.sh - each role logs in with its method and password; wrong passwords and other users fail.
. "${BASH_SOURCE%/*}/lib.sh"

start_pg
sock=$("$H" pg url --unix | sed 's/^host=\([^ ]*\) .*/\1/')
[ -d "$sock" ] || fail "socket dir '$sock'"

# login ROLE PASSWORD HOST: prints current_user, fails if the login does
login() {
	PGPASSWORD=$2 "$PSQL" -X -A -t -w -h "$3" -p "$PORT" -U "$1" -d bench \
		-c 'SELECT current_user' 2>&1
}

for host in 127.0.0.1 "$sock"; do
	for role in bench bench_md5 bench_scram; do
		got=$(login $role $role "$host") || fail "$role@$host: $got"
		[ "$got" = $role ] || fail "$role@$host logged in as '$got'"
	done
	for role in bench_md5 bench_scram; do
		got=$(login $role wrong "$host") && fail "$role@$host accepted a wrong password"
		case $got in *"password authentication failed"*) ;;
		*) fail "$role@$host wrong password: $got" ;; esac
		got=$(login $role '' "$host") && fail "$role@$host accepted no password"
	done
	got=$(login nobody x "$host") && fail "unknown user got in at $host"
	case $got in *"rejects connection"*) ;; *) fail "nobody@$host: $got" ;; esac
	ok "roles at $host"
done
got=$(login postgres '' 127.0.0.1) && fail "the superuser got in over TCP"
ok "superuser only through the socket"

# The methods are the ones pg_hba.conf was meant to have, and the stored hashes match them.
rules=$("$H" pg psql -At -F ' ' -c "SELECT type, user_name[1], auth_method FROM pg_hba_file_rules
	WHERE user_name[1] LIKE 'bench%' ORDER BY 2, 1") || fail "pg_hba_file_rules"
expect="host bench trust
local bench trust
host bench_md5 md5
local bench_md5 md5
host bench_scram scram-sha-256
local bench_scram scram-sha-256"
[ "$rules" = "$expect" ] || fail "pg_hba rules: $rules"
[ "$("$H" pg psql -Atc "SELECT left(rolpassword, 3) FROM pg_authid WHERE rolname = 'bench_md5'")" = md5 ] ||
	fail "bench_md5's password is not stored as md5"
[ "$("$H" pg psql -Atc "SELECT left(rolpassword, 14) FROM pg_authid WHERE rolname = 'bench_scram'")" = 'SCRAM-SHA-256$' ] ||
	fail "bench_scram's password is not stored as SCRAM"
ok "pg_hba methods and stored password hashes"
