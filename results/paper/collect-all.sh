#!/bin/sh
# collect-all.sh - every figure's data, in the order their defaults need (throughput first: the rates
# of spectrum and load, and the cpu, cpu-split, pipeline, cores2 and reactor tables, come from it); then validity.tsv
# (the guards' counts of every figure) and collect-all.txt (when, how long). RS_QUICK=1 makes it a smoke test
# (see lib.sh). Each step resumes where an interrupted one stopped.
set -u
cd "$(dirname "$0")"
out=${RS_PAPER_OUT:-.}
[ "${RS_QUICK:-0}" = 1 ] && out=${RS_PAPER_OUT:-/tmp/ringside-quick}
mkdir -p "$out"
figures="throughput cpu cpu-split pipeline cores2 spectrum load threads nodelay pool restart ablations files backends attribution"
failed=
t0=$(date +%s)
for f in $figures; do
	echo "=== $f ($(date -u +%H:%M:%S))"
	sh "$f/collect.sh" || failed="$failed $f"
done
t1=$(date +%s)
# One table of the validity guards over every figure (paper.md's threats section reads it).
first=1
for f in $figures; do
	[ -s "$out/$f/validity.tsv" ] || continue
	if [ "$first" = 1 ]; then cat "$out/$f/validity.tsv"; first=0; else sed 1d "$out/$f/validity.tsv"; fi
done >"$out/validity.tsv"
{
	echo "started: $(date -u -d "@$t0" +%Y-%m-%dT%H:%M:%SZ)"
	echo "minutes: $(( (t1 - t0 + 30) / 60 ))"
	echo "failed:${failed:- none}"
} >"$out/collect-all.txt"
echo "=== done ($(date -u +%H:%M:%S), $(( (t1 - t0 + 30) / 60 )) min)${failed:+; FAILED:$failed}"
[ -z "$failed" ]
