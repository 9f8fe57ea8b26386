#!/bin/sh
# cpu: server CPU microseconds and syscalls per request, per engine and workload. No runs of its own:
# the closed-loop runs of the throughput figure measured both (run.json server.cpu_us_per_request,
# server.syscalls_per_request from perf); run ../throughput/collect.sh first.
. "$(dirname "$0")/../lib.sh"
[ -d "$DATA/throughput/runs" ] || { echo "collect cpu: no $DATA/throughput/runs: run throughput/collect.sh first" >&2; exit 1; }
begin
h export --group --results="$DATA/throughput/runs" --out="$OUT/cpu.tsv"
finish
