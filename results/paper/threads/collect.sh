#!/bin/sh
# threads: the server's threads over time by kind (reactor, worker, iou-wrk, other), one /select42 run
# per engine with no warm-up so the first seconds show; from timeline.tsv (sampled once a second).
. "$(dirname "$0")/../lib.sh"
if [ "$QUICK" = 1 ]; then : "${THREADS_DURATION:=3}"; fi
: "${THREADS_DURATION:=10}" "${THREADS_ENGINES:=$REACTORS}"   # a timeline per engine: one run each
begin
try h sweep --engines="$THREADS_ENGINES" --workloads=select42 --cores=1 --conns="$CONNS" --repeat=1 \
	--duration="$THREADS_DURATION" --warmup=0 --out="$OUT/runs"
h export --timeline --results="$OUT/runs" --out="$OUT/threads.tsv"
finish
