#!/bin/sh
# attribution: every preset at one offered /select42 rate, open loop (uniform), so that CPU per request (server
# user and system, Postgres, load generator) and latency compare engines at equal work: the closed loop's
# "loadgen-bound" verdict (more connections would have had more answered) cannot apply, and the pairs of
# presets that differ in one part (reactor, driver, threading) are compared at the same load.
. "$(dirname "$0")/../lib.sh"
# Below the slowest preset's closed-loop /select42 (the thread pool's, ~30k here): 0.8 of it.
: "${ATTR_RATE:=$(r=$(throughput_of select42 min); [ -n "$r" ] && echo $((r * 8 / 10)))}"
: "${ATTR_RATE:=$([ "$QUICK" = 1 ] && echo 2000 || echo 20000)}"
: "${ATTR_ENGINES:=$ENGINES}"
begin
echo "rate: $ATTR_RATE req/s" >>"$OUT/machine.txt"
try h sweep --engines="$ATTR_ENGINES" --workloads=select42 --cores=1 --conns="$CONNS" --rates="$ATTR_RATE" \
	--repeat="$REPEAT" --duration="$DURATION" --warmup="$WARMUP" --out="$OUT/runs"
h export --group --results="$OUT/runs" --out="$OUT/attribution.tsv"
finish
