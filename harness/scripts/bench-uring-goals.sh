#!/usr/bin/env bash
# bench-uring-goals.sh - issue 14's goals for the uring engine, measured in one run: every ratio from `harness compare`.
#
# Rounds are interleaved (the cell order rotates each round) so drift hits every engine alike. Each
# round runs, with `harness run` (reactor on the last CPU of the allowed set, load generator on the
# others, the private Postgres unpinned):
#   /plaintext --pipeline=16   uring, epoll            (TechEmpower's plaintext rule)
#   /plaintext                 uring                   (the floor's server part)
#   /select42, /fortunes       uring, epoll, threadpool (pool 8, exclusive)
#   /select42, /fortunes at RATE req/s offered (open loop), uring, epoll, threadpool: CPU per request at
#                              equal work, where no run is loadgen-bound (the closed loop's fortunes cells
#                              mostly are, and compare leaves INVALID runs out)
#   /select42 --pg-mode=shared uring, with a Sync per query (the default) and per batch (--pg-sync=batch):
#                              throughput, the server's and Postgres' CPU per request
# and pgbench -M simple -c 8 -j 1 "SELECT 42" pinned where the reactor goes, its tps and its own CPU
# per transaction (user+sys from /proc, the middle DURATION-1 s).
# Then goals.tsv: each goal, the measured value with its 95% interval where compare gives one, the
# target and whether it is met (a ratio is met when its whole interval is on the right side), and
# attribution.tsv: each database cell's CPU per request by where it goes, pgbench's per transaction beside it.
#
# Usage: harness/scripts/bench-uring-goals.sh   (env: ROUNDS=5 DURATION=4 WARMUP=1 CONNS=64 POOL=8
#        RATE=12000 (the equal-work cells' offered req/s, below every engine's closed-loop rate; 0: none)
#        URING_FLAGS="--uring-no=..." (uring's server flags) OUT=results/runs/uring-goals-<time>
#        ROUNDS=0 OUT=<an earlier OUT>: its goals.tsv again, nothing run;
#        INCLUDE_INVALID=1: the ratios keep INVALID runs, e.g. loadgen-bound ones, whose CPU per request is still
#        the server's; goals.tsv's header says so)
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd -P)
build="$top/build"
. "$top/harness/scripts/lib.sh"
ROUNDS=${ROUNDS:-5}
DURATION=${DURATION:-4}
WARMUP=${WARMUP:-1}
CONNS=${CONNS:-64}
POOL=${POOL:-8}
RATE=${RATE:-12000}
URING_FLAGS=${URING_FLAGS:-}
OUT=${OUT:-"$top/results/runs/uring-goals-$(date +%Y%m%d-%H%M%S)"}
h="$build/harness"
[ -x "$h" ] || { echo "bench-uring-goals: no $h: build first (./ringside build)" >&2; exit 1; }
command -v pgbench >/dev/null || { echo "bench-uring-goals: pgbench missing (apt-get install postgresql)" >&2; exit 1; }
url=$("$h" pg start | tail -n 1)
mkdir -p "$OUT"
# Where a 1-core run puts its reactor: the last CPU of our allowed set (harness placement).
srv_cpu=$(taskset -pc $$ | sed 's/.*: //' | tr ',' '\n' | sed 's/.*-//' | sort -n | tail -1)

# cell = name:engine:workload:extra flags
cells=(
	"p16:uring:plaintext:--pipeline=16"
	"p16:epoll:plaintext:--pipeline=16"
	"p1:uring:plaintext:"
	"s42:uring:select42:"
	"s42:epoll:select42:"
	"s42:threadpool:select42:"
	"s42shared:uring:select42:--pg-mode=shared"
	"s42batch:uring:select42:--pg-mode=shared --server-flags=--pg-sync=batch"
	"fort:uring:fortunes:"
	"fort:epoll:fortunes:"
	"fort:threadpool:fortunes:"
	"pgbench"
)
if [ "$RATE" != 0 ]; then
	for w in select42:s42r fortunes:fortr; do
		for e in uring epoll threadpool; do
			cells+=("${w#*:}:$e:${w%%:*}:--rate=$RATE")
		done
	done
fi

echo "SELECT 42;" >"$OUT/select42.sql"
pgbench_round() {
	taskset -c "$srv_cpu" pgbench -n -M simple -c 8 -j 1 -T "$DURATION" -f "$OUT/select42.sql" "$url" \
		>"$OUT/pgbench-$1.out" 2>&1 &
	local pgb=$! t0 t1 p0 p1
	sleep 0.5
	t0=$(cpu_ticks $pgb)
	p0=$(pg_ticks "$build/pg/data/postmaster.pid")
	sleep "$((DURATION - 1))"
	t1=$(cpu_ticks $pgb)
	p1=$(pg_ticks "$build/pg/data/postmaster.pid")
	wait $pgb
	local tps
	tps=$(awk '/^tps/ { print $3; exit }' "$OUT/pgbench-$1.out")
	# µs of pgbench's and of Postgres' CPU per transaction over the sampled DURATION-1 s
	echo "$1 $tps $t0 $t1 $p0 $p1" | awk -v hz="$(getconf CLK_TCK)" -v s="$((DURATION - 1))" \
		'{ printf "%s\t%s\t%.2f\t%.2f\n", $1, $2, 1e6 * ($4 - $3) / hz / ($2 * s), 1e6 * ($6 - $5) / hz / ($2 * s) }' \
		>>"$OUT/pgbench.tsv"
}

# ROUNDS=0 with an existing OUT: goals.tsv again from its runs, nothing measured.
[ "$ROUNDS" -eq 0 ] || printf 'round\ttps\tcpu_us_per_tx\tpostgres_cpu_us_per_tx\n' >"$OUT/pgbench.tsv"
n=${#cells[@]}
for round in $(seq "$ROUNDS"); do
	for i in $(seq 0 $((n - 1))); do
		cell=${cells[$(((i + round - 1) % n))]}
		if [ "$cell" = pgbench ]; then
			echo "+ round $round: pgbench -c 8 on CPU $srv_cpu" >&2
			pgbench_round "$round"
			continue
		fi
		IFS=: read -r name engine workload extra <<<"$cell"
		flags=()
		[ "$engine" = uring ] && [ -n "$URING_FLAGS" ] && flags=(--server-flags="$URING_FLAGS")
		echo "+ round $round: $engine /$workload $extra" >&2
		# shellcheck disable=SC2086 # extra is flags without spaces inside
		"$h" run --engine="$engine" --workload="$workload" $extra --cores=1 --conns="$CONNS" --pool="$POOL" \
			--duration="$DURATION" --warmup="$WARMUP" --quiet "${flags[@]}" \
			--out="$OUT/runs/$name/$engine/$round" >"$OUT/runs.log" 2>&1 ||
			{ echo "bench-uring-goals: $engine /$workload failed:" >&2; tail -5 "$OUT/runs.log" >&2; exit 1; }
	done
done

# compare A B MEASURE: "median_a median_b ratio lo hi" of B/A; nothing when a side has no run compare may use
# (INVALID runs are left out unless INCLUDE_INVALID=1: the goal then reads "no valid runs", never "met").
inc=()
[ "${INCLUDE_INVALID:-0}" = 1 ] && inc=(--include-invalid)
cmp() {
	"$h" compare "$OUT/runs/$1" "$OUT/runs/$2" --format=tsv "${inc[@]}" 2>>"$OUT/compare.log" |
		awk -F'\t' -v m="$3" '$7 == m { print $9, $11, $12, $13, $14; exit }'
}
med() { sort -n | awk '{ v[NR] = $1 } END { if (NR) print NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
pg_tps=$(tail -n +2 "$OUT/pgbench.tsv" | cut -f2 | med)
pg_cpu=$(tail -n +2 "$OUT/pgbench.tsv" | cut -f3 | med)

# goal row: what, value, lo, hi, op, target; met when the interval's far end is on the right side
{
	[ ${#inc[@]} -eq 0 ] || echo "# INCLUDE_INVALID=1: INVALID runs kept in every ratio (compare.log says which and why)"
	printf 'goal\tvalue\tlo\thi\ttarget\tmet\n'
	row() {
		awk -v w="$1" -v v="$2" -v lo="$3" -v hi="$4" -v op="$5" -v t="$6" 'BEGIN {
			if (v == "" || v == "-") { printf "%s\t-\t-\t-\t%s %s\tno valid runs (compare.log)\n", w, op, t; exit }
			met = op == "<=" ? (hi != "-" ? hi <= t : v <= t) : (lo != "-" ? lo >= t : v >= t)
			printf "%s\t%.3f\t%s\t%s\t%s %s\t%s\n", w, v, lo, hi, op, t, met ? "yes" : "no" }'
	}
	read -r _ _ r lo hi <<<"$(cmp p16/epoll p16/uring 'CPU per request')"
	row "p16 CPU/req uring/epoll" "$r" "$lo" "$hi" "<=" 0.8
	read -r _ _ r lo hi <<<"$(cmp p16/epoll p16/uring throughput)"
	row "p16 req/s uring/epoll" "$r" "$lo" "$hi" ">=" 1
	for w in s42 fort; do
		read -r e_cpu u_cpu r lo hi <<<"$(cmp $w/epoll $w/uring 'CPU per request')"
		row "$w CPU/req uring/epoll" "$r" "$lo" "$hi" "<=" 0.5
		read -r _ _ r lo hi <<<"$(cmp $w/threadpool $w/uring 'CPU per request')"
		row "$w CPU/req uring/threadpool" "$r" "$lo" "$hi" "<=" 0.25
		read -r p1_cpu _ _ _ _ <<<"$(cmp p1/uring p1/uring 'CPU per request')"
		floor=$(awk -v a="$p1_cpu" -v b="$pg_cpu" 'BEGIN { printf "%.3f", 0.8 * (a + b) }')
		[ -n "$p1_cpu" ] || u_cpu=""
		row "$w CPU/req uring us (floor 0.8x(plaintext $p1_cpu + pgbench $pg_cpu))" "$u_cpu" - - "<=" "$floor"
		read -r _ _ r lo hi <<<"$(cmp $w/epoll $w/uring throughput)"
		row "$w req/s uring/epoll" "$r" "$lo" "$hi" ">=" 1.3
		read -r _ _ r lo hi <<<"$(cmp $w/threadpool $w/uring throughput)"
		row "$w req/s uring/threadpool" "$r" "$lo" "$hi" ">=" 1.8
	done
	# equal work: the same offered rate for every engine, CPU per request only (throughput is the rate)
	for w in s42r fortr; do
		[ "$RATE" != 0 ] && [ -d "$OUT/runs/$w" ] || continue
		read -r _ _ r lo hi <<<"$(cmp $w/epoll $w/uring 'CPU per request')"
		row "${w%r} at $RATE req/s CPU/req uring/epoll (equal work)" "$r" "$lo" "$hi" "<=" 0.5
		read -r _ _ r lo hi <<<"$(cmp $w/threadpool $w/uring 'CPU per request')"
		row "${w%r} at $RATE req/s CPU/req uring/threadpool (equal work)" "$r" "$lo" "$hi" "<=" 0.25
	done
	read -r s_rps _ _ _ _ <<<"$(cmp s42shared/uring s42shared/uring throughput)"
	row "s42 shared req/s / pgbench tps ($pg_tps)" "$(awk -v a="$s_rps" -v b="$pg_tps" 'BEGIN { if (a != "") print a / b }')" - - ">=" 1.5
	read -r b_rps _ _ _ _ <<<"$(cmp s42batch/uring s42batch/uring throughput)"
	row "s42 shared --pg-sync=batch req/s / pgbench tps ($pg_tps)" "$(awk -v a="$b_rps" -v b="$pg_tps" 'BEGIN { if (a != "") print a / b }')" - - ">=" 1.5
	read -r _ _ r lo hi <<<"$(cmp s42shared/uring s42batch/uring throughput)"
	row "s42 shared req/s batch/query (no goal: what the Sync per batch buys)" "$r" "$lo" "$hi" ">=" 1
	read -r _ _ r lo hi <<<"$(cmp s42shared/uring s42batch/uring 'CPU per request')"
	row "s42 shared CPU/req batch/query (no goal)" "$r" "$lo" "$hi" "<=" 1
	read -r _ _ r lo hi <<<"$(cmp s42shared/uring s42batch/uring 'Postgres CPU per request')"
	row "s42 shared Postgres CPU/req batch/query (no goal: Postgres' side of the Sync per batch)" "$r" "$lo" "$hi" "<=" 1
	read -r x_rps _ _ _ _ <<<"$(cmp s42/uring s42/uring throughput)"
	row "s42 exclusive req/s / pgbench tps ($pg_tps)" "$(awk -v a="$x_rps" -v b="$pg_tps" 'BEGIN { if (a != "") print a / b }')" - - ">=" 0.8
} >"$OUT/goals.tsv"
# Where each request's CPU goes (the exclusive pool's gap to pgbench): medians per cell from export, pgbench's
# client and Postgres per transaction beside them; total = what the machine's CPUs spend per request.
"$h" export --group --results="$OUT/runs" "${inc[@]}" >"$OUT/cells.tsv" 2>>"$OUT/compare.log"
{
	printf 'cell\truns\treq_s\tserver_user\tserver_sys\tpostgres\tloadgen_or_client\ttotal_us\n'
	awk -F'\t' 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
		$c["workload"] ~ /select42|fortunes/ {
			pg = $c["cpu_us_postgres"]; lg = $c["cpu_us_loadgen"]
			printf "%s /%s %s %s%s\t%s\t%.0f\t%.2f\t%.2f\t%.2f\t%.2f\t%.2f\n", $c["engine"], $c["workload"], $c["pg_mode"],
				$c["server_flags"], ($c["rate"] > 0 ? " at " $c["rate"] " req/s" : ""), $c["runs"], $c["rps"], $c["cpu_us_server_user"], $c["cpu_us_server_sys"], pg, lg,
				$c["cpu_us_server_user"] + $c["cpu_us_server_sys"] + pg + lg }' "$OUT/cells.tsv"
	pg_pg=$(tail -n +2 "$OUT/pgbench.tsv" | cut -f4 | grep . | med)
	[ -z "$pg_pg" ] || awk -v t="$pg_tps" -v c="$pg_cpu" -v p="$pg_pg" -v n="$(tail -n +2 "$OUT/pgbench.tsv" | wc -l)" \
		'BEGIN { printf "pgbench -c 8 simple\t%d\t%.0f\t-\t-\t%.2f\t%.2f\t%.2f\n", n, t, p, c, p + c }'
} >"$OUT/attribution.tsv"
column -t -s "$(printf '\t')" "$OUT/goals.tsv"
echo
column -t -s "$(printf '\t')" "$OUT/attribution.tsv"
echo "bench-uring-goals: $OUT (runs/, pgbench.tsv, goals.tsv; harness compare on any two runs/ cells)" >&2
