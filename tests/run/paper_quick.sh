#!/bin/sh
# paper_quick.sh HARNESS SOURCE_ROOT WORKDIR - RS_QUICK=1: every figure's collect.sh through collect-all.sh (real
# runs, one per cell, two presets), then `harness plot` and `harness paper` over what they wrote: the paper pipeline end to end.
set -u
harness=$1 src=$2 work=$3
fail() { echo "FAIL: $*" >&2; exit 1; }
rm -rf "$work"
mkdir -p "$work"
# A cluster and a redis-server of its own (the restart figure restarts Postgres), stopped on the way out
# (pg-clusters-end would stop the cluster, tests/run/cluster-*, and kill a redis-server left under tests/).
export RINGSIDE_PG_DIR="$(dirname "$work")/cluster-paper-quick" RINGSIDE_REDIS_DIR="$(dirname "$work")/redis-paper-quick"
trap '"$harness" pg stop >/dev/null 2>&1; "$harness" redis stop >/dev/null 2>&1' EXIT
export RS_QUICK=1 RS_PAPER_OUT="$work/paper" HARNESS="$harness"
sh "$src/results/paper/collect-all.sh" >"$work/collect.log" 2>&1 || { tail -n 30 "$work/collect.log"; fail "collect-all.sh"; }
tail -n 1 "$work/collect.log"

# Every figure's table has rows; every figure that runs something counted its runs' verdicts.
for t in throughput/throughput.tsv cpu/cpu.tsv cpu-split/cpu-split.tsv pipeline/pipeline.tsv cores2/cores2.tsv \
	spectrum/spectrum.tsv load/load.tsv load/arrival.tsv threads/threads.tsv nodelay/nodelay.tsv pool/pool.tsv \
	restart/restart.tsv ablations/uring.tsv ablations/pgmode.tsv files/files.tsv backends/backends.tsv attribution/attribution.tsv; do
	rows=$(grep -vc '^#' "$RS_PAPER_OUT/$t" 2>/dev/null || echo 0)
	[ "$rows" -ge 2 ] || fail "$t: $rows lines (header and rows expected)"
done
grep -q 'plaintext-p16' "$RS_PAPER_OUT/pipeline/pipeline.tsv" || fail "pipeline.tsv has no plaintext-p16 row"
grep -q 'select42-2r' "$RS_PAPER_OUT/cores2/cores2.tsv" || fail "cores2.tsv has no select42-2r row"
v=$RS_PAPER_OUT/validity.tsv
for f in throughput pipeline cores2 spectrum load threads nodelay pool restart ablations files backends attribution; do
	awk -F'\t' -v f="$f" '$1 == f && $2 > 0 { ok = 1 } END { exit !ok }' "$v" || fail "validity.tsv: no runs counted for $f"
done
grep -q '^minutes: ' "$RS_PAPER_OUT/collect-all.txt" || fail "collect-all.txt has no minutes"

# The figures: one SVG per plots/*.gp (gnuplot is in packages.txt; without it this part is skipped).
if command -v gnuplot >/dev/null 2>&1; then
	"$harness" plot --results="$RS_PAPER_OUT" --out="$work/plots" >"$work/plot.log" 2>&1 || { cat "$work/plot.log"; fail "harness plot"; }
	want=$(ls "$src"/plots/*.gp | wc -l)
	got=$(ls "$work"/plots/*.svg 2>/dev/null | wc -l)
	[ "$got" -eq "$want" ] || { cat "$work/plot.log"; fail "$got SVGs for $want figures"; }
fi
echo "ok: paper pipeline, quick"
