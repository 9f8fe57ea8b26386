#!/bin/sh
# pool: /select42 throughput and p99 against the Postgres pool size per reactor (--pool), closed loop.
. "$(dirname "$0")/../lib.sh"
if [ "$QUICK" = 1 ]; then : "${POOLS:=1 64}" "${POOL_ENGINES:=$ENGINES}"; fi
: "${POOLS:=1 8 64}" "${POOL_ENGINES:=uring,threadpool,poll}" "${POOL_REPEAT:=$REPEAT}"
begin
for p in $POOLS; do
	try h sweep --engines="$POOL_ENGINES" --workloads=select42 --cores=1 --conns="$CONNS" --repeat="$POOL_REPEAT" \
		--duration="$DURATION" --warmup="$WARMUP" --pool="$p" --out="$OUT/runs/pool-$p"
done
h export --group --results="$OUT/runs" --out="$OUT/pool.tsv"
finish
