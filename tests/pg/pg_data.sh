# pg_data.sh - the TechEmpower tables: World's 10,000 rows, Fortune's 12 rows exactly as in schema.sql.
. "${BASH_SOURCE%/*}/lib.sh"
schema=$2
[ -r "$schema" ] || fail "usage: $0 HARNESS SCHEMA.sql"

start_pg
got=$(psql_q "$URL" "SELECT count(*), count(DISTINCT id), min(id), max(id),
	count(*) FILTER (WHERE randomnumber NOT BETWEEN 1 AND 10000) FROM world") || fail "world"
[ "$got" = "10000|10000|1|10000|0" ] || fail "world (rows, ids, min, max, out of range): $got"
ok "world: $got"

cols=$(psql_q "$URL" "SELECT table_name, column_name, data_type, coalesce(character_maximum_length, 0)
	FROM information_schema.columns WHERE table_name IN ('world', 'fortune')
	ORDER BY table_name, ordinal_position")
expect="fortune|id|integer|0
fortune|message|character varying|2048
world|id|integer|0
world|randomnumber|integer|0"
[ "$cols" = "$expect" ] || fail "columns: $cols"
ok "column names and types"

# The rows of schema.sql's INSERT INTO Fortune, one per line, '' unquoted.
want=$(sed -n "s/^(\([0-9]*\), '\(.*\)')[,;]\$/\1	\2/p" "$schema" | sed "s/''/'/g")
[ "$(printf '%s\n' "$want" | wc -l)" = 12 ] || fail "schema.sql does not have 12 fortune lines"
have=$("$PSQL" -X -A -t -F '	' -d "$URL" -c 'SELECT id, message FROM fortune ORDER BY id')
[ "$have" = "$want" ] || {
	diff <(printf '%s\n' "$want") <(printf '%s\n' "$have") >&2
	fail "fortune rows differ from schema.sql"
}
ok "fortune: 12 rows, byte for byte"

# The other roles may read and write, as the /updates workload will.
for role in bench_md5 bench_scram; do
	got=$(psql_q "postgresql://$role:$role@127.0.0.1:$PORT/bench" "BEGIN;
		UPDATE world SET randomnumber = randomnumber WHERE id = 1;
		SELECT count(*) FROM fortune; ROLLBACK") || fail "$role cannot use the tables"
	[ "$got" = 12 ] || fail "$role: $got"
done
ok "bench_md5 and bench_scram may read and update"
