#!/bin/bash
# measure.sh stat|record - Postgres' own cost per query when the uring server feeds it (exclusive pool 8, 64 HTTP connections) and when pgbench -c 8 does.
# stat: perf stat (task-clock, context switches, migrations) on every process of the private cluster for 4 s in the
# middle of an 8 s run, 3 rounds; record: perf record -e cpu-clock -g the same way, 1 round (then perf report -n
# --sort sym). Run from a built checkout (it used /work/meas at 4ef65a7), nothing else running.
set -u
mode=${1:?stat or record}
h=build/harness
url=$($h pg start | tail -n 1)
pm=$(head -1 build/pg/data/postmaster.pid)
O=${OUT:-$(dirname "$0")}
rounds=3
[ "$mode" = record ] && rounds=1
pgstat() { # NAME: the cluster's processes for 4 s
	pids=$( (echo "$pm"; pgrep -P "$pm") | paste -sd,)
	if [ "$mode" = stat ]; then
		perf stat -e task-clock,context-switches,cpu-migrations -p "$pids" -- sleep 4 2>"$O/$1.perf"
	else
		perf record -q -e cpu-clock -g -o "$O/$1.data" -p "$pids" -- sleep 4 2>/dev/null
	fi
}
echo "SELECT 42;" >"$O/q.sql"
cpu=$(taskset -pc $$ | sed 's/.*: //' | tr ',' '\n' | sed 's/.*-//' | sort -n | tail -1)  # where a 1-core reactor goes
for round in $(seq $rounds); do
	$h run --engine=uring --workload=select42 --cores=1 --conns=64 --pool=8 --duration=8 --warmup=1 --quiet \
		--out="$O/runs/$mode/uring/$round" >"$O/run.log" 2>&1 &
	sleep 3; pgstat "uring-$round"; wait
	taskset -c "$cpu" pgbench -n -M simple -c 8 -j 1 -T 8 -f "$O/q.sql" "$url" >"$O/pgbench-$mode-$round.out" 2>&1 &
	sleep 2; pgstat "pgbench-$round"; wait
done
