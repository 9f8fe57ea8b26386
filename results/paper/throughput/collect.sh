#!/bin/sh
# throughput: req/s per engine and workload, closed loop, 1 reactor; median and 95% interval over repetitions.
# Also the data of the cpu, cpu-split and pipeline figures and of the reactor ablation (their collect.sh export it from runs/ here).
. "$(dirname "$0")/../lib.sh"
# /plaintext touches no driver: one preset per reactor (the mixed presets would repeat their reactor's).
if [ "$QUICK" = 1 ]; then : "${PLAIN_ENGINES:=$ENGINES}" "${FORTUNES_ENGINES:=$ENGINES}"; fi
: "${PLAIN_ENGINES:=uring,epoll,libev-uring,threadpool,poll}"
: "${SELECT_ENGINES:=$ENGINES}"   # every preset: the attribution (reactor, driver, threading) reads /select42
: "${FORTUNES_ENGINES:=$REACTORS}"
begin
try h sweep --engines="$PLAIN_ENGINES" --workloads=plaintext --cores=1 --conns="$CONNS" --repeat="$REPEAT" \
	--duration="$DURATION" --warmup="$WARMUP" --out="$OUT/runs/plaintext"
try h sweep --engines="$SELECT_ENGINES" --workloads=select42 --cores=1 --conns="$CONNS" --repeat="$REPEAT" \
	--duration="$DURATION" --warmup="$WARMUP" --out="$OUT/runs/select42"
try h sweep --engines="$FORTUNES_ENGINES" --workloads=fortunes --cores=1 --conns="$CONNS" --repeat="$REPEAT" \
	--duration="$DURATION" --warmup="$WARMUP" --out="$OUT/runs/fortunes"
h export --group --results="$OUT/runs" --out="$OUT/throughput.tsv"
finish
