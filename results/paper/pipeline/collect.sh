#!/bin/sh
# pipeline: /plaintext with 16 requests in flight per connection (TechEmpower's plaintext rule) beside the
# throughput figure's non-pipelined runs; pipeline.tsv holds both, workload plaintext-p1 / plaintext-p16.
. "$(dirname "$0")/../lib.sh"
: "${PIPELINE:=16}" "${PIPELINE_ENGINES:=$REACTORS}"
[ -d "$DATA/throughput/runs/plaintext" ] ||
	{ echo "collect pipeline: no $DATA/throughput/runs/plaintext: run throughput/collect.sh first" >&2; exit 1; }
begin
try h sweep --engines="$PIPELINE_ENGINES" --workloads=plaintext --pipeline="$PIPELINE" --cores=1 --conns="$CONNS" \
	--repeat="$REPEAT" --duration="$DURATION" --warmup="$WARMUP" --out="$OUT/runs/p$PIPELINE"
h export --group --results="$OUT/runs" --out="$OUT/p$PIPELINE.tsv"
h export --group --results="$DATA/throughput/runs/plaintext" --out="$OUT/p1.tsv"
# One table, the pipeline depth in the workload's name (the bar figure's panels); the rows are the exports'.
{ cat "$OUT/p1.tsv"; grep -v '^engine' "$OUT/p$PIPELINE.tsv"; } | relabel_workload pipeline p >"$OUT/pipeline.tsv"
finish
