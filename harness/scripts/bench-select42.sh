#!/usr/bin/env bash
# bench-select42.sh - /select42 through each engine and pool mode against pgbench's SELECT 42, in one run (issue 3).
# Server on CPU $SRV_CPU (one reactor, pool 8), wrk on $GEN_CPU, pgbench -c 8 on $SRV_CPU; Postgres unpinned.
# Also /db, /fortunes, /queries?queries=20. Prints a TSV table and writes it to $OUT.
# Usage: harness/scripts/bench-select42.sh [ENGINE...]
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd -P)
build="$top/build"
SRV_CPU=${SRV_CPU:-1}
GEN_CPU=${GEN_CPU:-0}
DURATION=${DURATION:-10}
CONNS=${CONNS:-64}
POOL=${POOL:-8}
OUT=${OUT:-"$top/results/runs/bench-select42-$(date +%Y%m%d-%H%M%S).tsv"}
engines=${*:-$("$build/harness" engines | awk 'NR > 1 && $2 == "yes" { print $1 }')}
url=$("$build/harness" pg start | tail -n 1)
tmp=$(mktemp -d)
trap 'kill $(cat "$tmp"/*.pid 2>/dev/null) 2>/dev/null; rm -rf "$tmp"' EXIT
mkdir -p "$(dirname "$OUT")"

. "$top/harness/scripts/lib.sh"

printf 'what\tpath\tconns\trps_or_tps\tserver_cpu_pct\tthreads\n' | tee "$OUT"

echo "SELECT 42;" >"$tmp/select42.sql"
# pgbench's own CPU (user+sys of the process) is the client-side cost to compare with the server's.
pgbench_row() {
	taskset -c "$SRV_CPU" pgbench -n -M simple -c 8 -j 1 -T "$DURATION" -f "$tmp/select42.sql" "$url" \
		>"$tmp/pgbench.out" 2>&1 &
	pgb=$!
	sleep 0.5
	t0=$(cpu_ticks $pgb)
	sleep "$((DURATION - 1))"
	t1=$(cpu_ticks $pgb)
	wait $pgb
	tps=$(awk '/^tps/ { print $3; exit }' "$tmp/pgbench.out")
	cpu=$(echo "scale=1; 100 * ($t1 - $t0) / $(getconf CLK_TCK) / ($DURATION - 1)" | bc)
	printf 'pgbench-simple\tSELECT 42\t8\t%s\t%s\t-\n' "$tps" "$cpu" | tee -a "$OUT"
}

pgbench_row
port=18190
for e in $engines; do
	for mode in exclusive shared; do
		"$build/ringside-server" --engine="$e" --cores=1 --cpus="$SRV_CPU" --port=$port \
			--pg="$url" --pool="$POOL" --pg-mode=$mode 2>"$tmp/$e.log" &
		pid=$!
		echo $pid >"$tmp/$e.pid"
		wait_port $port
		sleep 0.5
		for path in /select42 /db /fortunes '/queries?queries=20'; do
			t0=$(cpu_ticks $pid)
			rps=$(taskset -c "$GEN_CPU" wrk -t1 -c"$CONNS" -d"${DURATION}s" "http://127.0.0.1:$port$path" |
				awk '/Requests\/sec/ { print $2 } /Non-2xx/ { print "NON2XX" > "/dev/stderr" }')
			t1=$(cpu_ticks $pid)
			cpu=$(echo "scale=1; 100 * ($t1 - $t0) / $(getconf CLK_TCK) / $DURATION" | bc)
			printf '%s-%s\t%s\t%s\t%s\t%s\t%s\n' "$e" "$mode" "$path" "$CONNS" "$rps" "$cpu" \
				"$(threads_by_kind $pid)" | tee -a "$OUT"
		done
		kill $pid
		wait $pid || true
		rm -f "$tmp/$e.pid"
		port=$((port + 1))
	done
done
pgbench_row
echo "results: $OUT" >&2
