#!/usr/bin/env bash
# bench-engines.sh - every preset on /plaintext, /select42 and /fortunes with wrk, in one run (issue 4).
# One reactor on CPU $SRV_CPU, pool $POOL, wrk -c $CONNS on CPU $GEN_CPU, Postgres unpinned.
# Rounds are interleaved (engine order rotates each round) so drift hits every engine alike;
# the table has one row per round and the summary the median over rounds.
# Usage: harness/scripts/bench-engines.sh [ENGINE...]   (env: ROUNDS DURATION CONNS POOL MODE OUT)
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd -P)
build="$top/build"
. "$top/harness/scripts/lib.sh"
SRV_CPU=${SRV_CPU:-1}
GEN_CPU=${GEN_CPU:-0}
DURATION=${DURATION:-8}
CONNS=${CONNS:-64}
POOL=${POOL:-8}
MODE=${MODE:-exclusive}
ROUNDS=${ROUNDS:-2}
PATHS=${PATHS:-"/plaintext /select42 /fortunes"}
OUT=${OUT:-"$top/results/runs/bench-engines-$(date +%Y%m%d-%H%M%S).tsv"}
engines=$(echo ${*:-$("$build/harness" engines | awk 'NR > 1 && $2 == "yes" { print $1 }')})  # one line
url=$("$build/harness" pg start | tail -n 1)
tmp=$(mktemp -d)
trap 'kill $(cat "$tmp"/*.pid 2>/dev/null) 2>/dev/null; rm -rf "$tmp"' EXIT
mkdir -p "$(dirname "$OUT")"

printf 'round\tengine\tmode\tpath\tconns\trps\tserver_cpu_pct\tus_per_req\tnon2xx\tthreads\n' | tee "$OUT"
port=18290
for round in $(seq "$ROUNDS"); do
	# rotate the order: round 2 starts with the second engine, and so on
	read -r -a list <<<"$engines"
	k=$(((round - 1) % ${#list[@]}))
	order="${list[*]:k} ${list[*]:0:k}"
	for e in $order; do
		"$build/ringside-server" --engine="$e" --cores=1 --cpus="$SRV_CPU" --port=$port \
			--pg="$url" --pool="$POOL" --pg-mode="$MODE" 2>"$tmp/$e.log" &
		pid=$!
		echo $pid >"$tmp/$e.pid"
		wait_port $port
		sleep 1 # pool warm
		for path in $PATHS; do
			t0=$(cpu_ticks $pid)
			taskset -c "$GEN_CPU" wrk -t1 -c"$CONNS" -d"${DURATION}s" "http://127.0.0.1:$port$path" >"$tmp/wrk.out"
			t1=$(cpu_ticks $pid)
			rps=$(awk '/Requests\/sec/ { print $2 }' "$tmp/wrk.out")
			non2xx=$(awk '/Non-2xx/ { n = $NF } END { print n + 0 }' "$tmp/wrk.out")
			secs=$(echo "scale=4; ($t1 - $t0) / $(getconf CLK_TCK)" | bc)
			cpu=$(echo "scale=1; 100 * $secs / $DURATION" | bc)
			us=$(echo "scale=2; 1000000 * $secs / ($rps * $DURATION)" | bc)
			printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$round" "$e" "$MODE" "$path" "$CONNS" "$rps" \
				"$cpu" "$us" "$non2xx" "$(threads_by_kind $pid)" | tee -a "$OUT"
		done
		kill $pid
		wait $pid || true
		rm -f "$tmp/$e.pid"
		port=$((port + 1))
	done
done
echo
echo "median rps over $ROUNDS rounds (ratio to uring):"
awk -F'\t' 'NR > 1 { k = $2 "\t" $4; n[k]++; v[k, n[k]] = $6 }
	END { for (k in n) { c = n[k]  # insertion sort, then the median
	        for (i = 2; i <= c; i++) for (j = i; j > 1 && v[k, j - 1] + 0 > v[k, j] + 0; j--) { t = v[k, j]; v[k, j] = v[k, j - 1]; v[k, j - 1] = t }
	        med[k] = (c % 2) ? v[k, (c + 1) / 2] : (v[k, c / 2] + v[k, c / 2 + 1]) / 2 }
	      for (k in med) { split(k, p, "\t"); u = med["uring\t" p[2]]; printf "%-14s %-11s %10.0f  %5.2fx of uring\n", p[1], p[2], med[k], u ? med[k] / u : 0 } }' "$OUT" | sort -k2,2 -k3,3nr
echo "results: $OUT" >&2
