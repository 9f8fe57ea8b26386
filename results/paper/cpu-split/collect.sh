#!/bin/sh
# cpu-split: where the time goes, CPU µs per request of the server (user, sys), the Postgres cluster and
# the load generator, per engine and workload. No runs of its own: the closed-loop runs of the throughput
# figure recorded it (run.json cpu_us_per_request); run ../throughput/collect.sh first.
. "$(dirname "$0")/../lib.sh"
[ -d "$DATA/throughput/runs" ] || { echo "collect cpu-split: no $DATA/throughput/runs: run throughput/collect.sh first" >&2; exit 1; }
begin
h export --group --results="$DATA/throughput/runs" --out="$OUT/cpu-split.tsv"
finish
