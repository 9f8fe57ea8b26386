#!/bin/sh
# throughput: req/s per engine and workload, closed loop, 1 reactor; median and min-max over repetitions.
# Also the data of the cpu and cpu-split figures and of the reactor ablation (their collect.sh export it from runs/ here).
. "$(dirname "$0")/../lib.sh"
if [ "$QUICK" = 1 ]; then : "${WORKLOADS:=plaintext,select42}"; fi
: "${WORKLOADS:=plaintext,select42,fortunes,queries}"   # queries: ?queries=20, twenty round trips per request
begin
try h sweep --engines="$ENGINES" --workloads="$WORKLOADS" --cores=1 --conns="$CONNS" --repeat="$REPEAT" \
	--duration="$DURATION" --warmup="$WARMUP" --out="$OUT/runs"
h export --group --results="$OUT/runs" --out="$OUT/throughput.tsv"
finish
