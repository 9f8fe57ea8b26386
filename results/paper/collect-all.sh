#!/bin/sh
# collect-all.sh - every figure's data, in the order their defaults need (throughput first: the rates
# of spectrum and load, and the cpu, cpu-split and reactor tables, come from it); then the figures and the paper.
# RS_QUICK=1 makes it a smoke test (see lib.sh). Each step resumes where an interrupted one stopped.
set -u
cd "$(dirname "$0")"
failed=
for f in throughput cpu cpu-split spectrum load threads nodelay pool restart ablations files backends; do
	echo "=== $f ($(date -u +%H:%M:%S))"
	sh "$f/collect.sh" || failed="$failed $f"
done
echo "=== done ($(date -u +%H:%M:%S))${failed:+; FAILED:$failed}"
[ -z "$failed" ]
