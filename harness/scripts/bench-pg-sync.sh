#!/usr/bin/env bash
# bench-pg-sync.sh - what --pg-sync=batch buys the shared pool: /select42 with a Sync per query against one per batch, interleaved, closed loop and at one offered rate.
#
# The closed loop shows throughput (on a 2-CPU machine its runs are often loadgen-bound: the guards
# say so, and compare then leaves them out unless INCLUDE_INVALID=1); the open loop at RATE req/s,
# which both settings sustain, compares CPU per request (the server's, Postgres', the load
# generator's) at equal work, where the loadgen-bound verdict cannot apply. Each round runs the four
# cells in a rotated order so that drift hits both settings alike.
#
# Usage: harness/scripts/bench-pg-sync.sh   (env: ENGINE=uring ROUNDS=5 DURATION=4 WARMUP=1 CONNS=64 POOL=8
#        RATE=50000 OUT=results/runs/pg-sync-<time>; INCLUDE_INVALID=1 keeps INVALID runs in the ratios)
# Writes OUT/compare-closed.txt and OUT/compare-rate.txt (`harness compare`, query = A, batch = B).
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd -P)
h="$top/build/harness"
[ -x "$h" ] || { echo "bench-pg-sync: no $h: build first (./ringside build)" >&2; exit 1; }
ENGINE=${ENGINE:-uring}
ROUNDS=${ROUNDS:-5}
DURATION=${DURATION:-4}
WARMUP=${WARMUP:-1}
CONNS=${CONNS:-64}
POOL=${POOL:-8}
RATE=${RATE:-50000}
OUT=${OUT:-"$top/results/runs/pg-sync-$(date +%Y%m%d-%H%M%S)"}
mkdir -p "$OUT"
"$h" pg start >/dev/null

# cell = name:sync:rate (0: closed loop)
cells=("query-closed:query:0" "batch-closed:batch:0" "query-rate:query:$RATE" "batch-rate:batch:$RATE")
n=${#cells[@]}
for round in $(seq "$ROUNDS"); do
	for i in $(seq 0 $((n - 1))); do
		IFS=: read -r name sync rate <<<"${cells[$(((i + round - 1) % n))]}"
		echo "+ round $round: $ENGINE --pg-sync=$sync rate $rate" >&2
		"$h" run --engine="$ENGINE" --workload=select42 --pg-mode=shared --server-flags="--pg-sync=$sync" \
			--rate="$rate" --cores=1 --conns="$CONNS" --pool="$POOL" --duration="$DURATION" --warmup="$WARMUP" \
			--quiet --out="$OUT/runs/$name/$round" >"$OUT/runs.log" 2>&1 ||
			{ echo "bench-pg-sync: --pg-sync=$sync rate $rate failed:" >&2; tail -5 "$OUT/runs.log" >&2; exit 1; }
	done
done

inc=()
[ "${INCLUDE_INVALID:-0}" = 1 ] && inc=(--include-invalid)
for loop in closed rate; do
	"$h" compare "$OUT/runs/query-$loop" "$OUT/runs/batch-$loop" --label-a=sync-per-query --label-b=sync-per-batch \
		"${inc[@]}" >"$OUT/compare-$loop.txt" 2>&1 || true
	echo "== $loop loop$([ $loop = rate ] && echo " ($RATE req/s offered)")"
	cat "$OUT/compare-$loop.txt"
done
echo "bench-pg-sync: $OUT" >&2
