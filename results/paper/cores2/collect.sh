#!/bin/sh
# cores2: two reactors against one. This machine has 2 vCPUs: the second reactor shares CPU 0 with the load
# generator and Postgres (run.json placement.oversubscribed), so it shows the cost of that sharing, not scaling.
. "$(dirname "$0")/../lib.sh"
: "${CORES2_ENGINES:=$REACTORS}" "${CORES2_WORKLOADS:=plaintext,select42}"
[ -d "$DATA/throughput/runs" ] || { echo "collect cores2: no $DATA/throughput/runs: run throughput/collect.sh first" >&2; exit 1; }
begin
try h sweep --engines="$CORES2_ENGINES" --workloads="$CORES2_WORKLOADS" --cores=2 --conns="$CONNS" --repeat="$REPEAT" \
	--duration="$DURATION" --warmup="$WARMUP" --out="$OUT/runs"
h export --group --results="$OUT/runs" --out="$OUT/2r.tsv"
h export --group --results="$DATA/throughput/runs" --out="$OUT/1r.tsv"
# The 1-reactor rows of the same engines and workloads, then the 2-reactor ones; the count in the workload's name.
{ cat "$OUT/1r.tsv"; grep -v '^engine' "$OUT/2r.tsv"; } | keep_rows engine "$CORES2_ENGINES" | keep_rows workload "$CORES2_WORKLOADS" |
	relabel_workload cores "" r >"$OUT/cores2.tsv"
finish
