#!/bin/sh
# backends: Redis (/redis-get, /cached-queries) next to Postgres (/select42, /queries) on every engine, closed loop, 1 reactor.
# The private redis-server and Postgres are the harness's own (started by each run).
. "$(dirname "$0")/../lib.sh"
if [ "$QUICK" = 1 ]; then : "${BACKEND_WORKLOADS:=redis-get}"; fi
: "${BACKEND_WORKLOADS:=redis-get,cached-queries}"   # cached-queries: 20 rows a request; /select42 is the throughput figure's
: "${BACKEND_ENGINES:=$REACTORS}"
begin
try h sweep --engines="$BACKEND_ENGINES" --workloads="$BACKEND_WORKLOADS" --cores=1 --conns="$CONNS" --repeat="$REPEAT" \
	--duration="$DURATION" --warmup="$WARMUP" --out="$OUT/runs"
h export --group --results="$OUT/runs" --out="$OUT/backends.tsv"
finish
