#!/bin/sh
# repeat.sh HARNESS DIR - `run --repeat=2` writes runs 1 and 2 and summary.tsv (median, min, max,
# 95% interval, CV of the configuration, as sweep does); a run directory that cannot be made is named, with --out as the way out.
set -u
harness=$1 dir=$2
rm -rf "$dir"
fail() { echo "FAIL: $*"; cat "$dir.log"; exit 1; }
# --include-invalid: the summary is the subject here, not the verdicts (a busy machine, a dirty tree).
"$harness" run --workload=plaintext --conns=2 --repeat=2 --duration=1 --warmup=0 --loadgen-probe-s=0 --include-invalid --quiet \
	--out="$dir" >"$dir.log" 2>&1 ||
	fail "run --repeat=2: exit $?"
for f in 1/run.json 2/run.json summary.tsv; do
	[ -s "$dir/$f" ] || fail "no $dir/$f"
done
[ "$(grep -vc '^#' "$dir/summary.tsv")" -eq 2 ] || fail "summary.tsv: not a header and one row" # '#': export's notes
col=$(head -1 "$dir/summary.tsv" | tr '\t' '\n' | grep -n '^runs$' | cut -d: -f1)
[ -n "$col" ] || fail "summary.tsv has no runs column"
[ "$(sed -n 2p "$dir/summary.tsv" | cut -f"$col")" = 2 ] || fail "summary.tsv: runs is not 2"
grep -q "table: $dir/summary.tsv" "$dir.log" || fail "the table's path is not printed"
grep -q "2 runs, median \[95% CI\]:  req/s [0-9]* \[[0-9]*, [0-9]*\] cv " "$dir.log" || fail "no median [interval] cv printed"
head -1 "$dir/summary.tsv" | grep -q "	rps_lo	rps_hi	rps_cv	.*	noisy$" || fail "summary.tsv has no interval columns"
echo "ok: --repeat=2 wrote 1/, 2/ and summary.tsv"

# /proc takes no new directories, even for root.
"$harness" run --workload=plaintext --duration=1 --out=/proc/ringside-no >"$dir.log" 2>&1
rc=$?
[ "$rc" -eq 1 ] || fail "unwritable --out: exit $rc, not 1"
grep -q "cannot make the run directory /proc/ringside-no: .*--out=DIR" "$dir.log" || fail "no path or --out hint"
echo "ok: an unwritable run directory is named, with the --out hint"
