#!/bin/bash
# compare_across.sh HARNESS FIXTURE-RUNS WORKDIR - `harness compare` over sides whose filters both name a pg_mode
# (exclusive against shared) or an arrival (uniform against poisson) compares across it; an engine against
# another over a folder holding both modes compares like with like, one row per mode, never mixed.
set -euo pipefail
harness=$1 runs=$2 work=$3
fail() { echo "FAIL: $*" >&2; exit 1; }

rm -rf "$work"
mkdir -p "$work/runs"
# copy NAME ENGINE PG_MODE RPS: the fixture's uring run as ENGINE in PG_MODE at RPS (one length: 3 s).
copy() {
	cp -r "$runs/uring" "$work/runs/$1"
	sed -i -e 's/"duration_s": 2,/"duration_s": 3,/' -e "s/^    \"rps\": [0-9.]*,/    \"rps\": $4,/" \
		-e "s/\"pg_mode\": \"[a-z]*\"/\"pg_mode\": \"$3\"/" -e "s/\"preset\": \"uring\"/\"preset\": \"$2\"/" \
		"$work/runs/$1/run.json"
}
for i in 1 2 3; do
	copy ex-u$i uring exclusive $((1000 + i))
	copy sh-u$i uring shared $((2000 + i))
	copy ex-e$i epoll exclusive $((500 + i))
	copy sh-e$i epoll shared $((4000 + i))
done
grep -q '"pg_mode": "shared"' "$work/runs/sh-u1/run.json" || fail "the fixture has no pg_mode field to edit"
# near TSV MEASURE WANT: compare's throughput ratio (B/A) within 1% of WANT.
near() { awk -F'\t' -v m="$2" -v w="$3" 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
	$c["measure"] == m && $c["ratio"] > w * 0.99 && $c["ratio"] < w * 1.01 { ok = 1 } END { exit !ok }' "$1"; }

# Across the mode: B/A = shared / exclusive of uring = 2002 / 1002.
"$harness" compare --results="$work/runs" pg_mode=exclusive pg_mode=shared --where=engine=uring --format=tsv >"$work/mode.tsv" ||
	fail "compare across pg_mode exited $?"
near "$work/mode.tsv" throughput 2.0 || fail "shared/exclusive throughput ratio not 2002/1002: $(cat "$work/mode.tsv")"

# An engine against another over both modes: one row per mode (like with like), never a mix.
"$harness" compare --results="$work/runs" engine=uring engine=epoll --format=tsv >"$work/eng.tsv" || fail "compare engines exited $?"
n=$(awk -F'\t' 'NR > 1 && $7 == "throughput"' "$work/eng.tsv" | wc -l)
[ "$n" = 2 ] || { cat "$work/eng.tsv"; fail "$n throughput rows for uring against epoll over two modes, want 2"; }
near "$work/eng.tsv" throughput 0.501 || fail "exclusive epoll/uring (502/1002) missing: $(cat "$work/eng.tsv")"
near "$work/eng.tsv" throughput 1.999 || fail "shared epoll/uring (4002/2002) missing: $(cat "$work/eng.tsv")"

# arrival is a filter key too, and compared across the same way.
for f in "$work"/runs/ex-u*; do
	sed -i 's/^{$/{\n  "arrival": "uniform",/' "$f/run.json"
	cp -r "$f" "$f-p"
	sed -i -e 's/"arrival": "uniform"/"arrival": "poisson"/' -e "s/^    \"rps\": \([0-9]*\)/    \"rps\": 3\1/" "$f-p/run.json"
done
"$harness" compare --results="$work/runs" engine=uring,arrival=uniform engine=uring,arrival=poisson --where=pg_mode=exclusive \
	--format=tsv >"$work/arr.tsv" 2>"$work/arr.err" || fail "compare across arrival exited $?: $(cat "$work/arr.err")"
[ "$(awk -F'\t' 'NR > 1 && $7 == "throughput"' "$work/arr.tsv" | wc -l)" = 1 ] || fail "arrival: $(cat "$work/arr.tsv")"
# pool likewise: uring at pool 8 (the fixture's) against the same runs at pool 1 with a 1 put before
# their throughput (2002 -> 12002: six times it).
for i in 1 2 3; do
	cp -r "$work/runs/sh-u$i" "$work/runs/p1-u$i"
	sed -i -e 's/"pool": 8,/"pool": 1,/' -e "s/^    \"rps\": \([0-9]*\)/    \"rps\": 1\1/" "$work/runs/p1-u$i/run.json"
done
"$harness" compare --results="$work/runs" engine=uring,pool=8 engine=uring,pool=1 --where=pg_mode=shared --format=tsv >"$work/pool.tsv" ||
	fail "compare across pool exited $?"
near "$work/pool.tsv" throughput 6.0 || fail "pool 1 / pool 8 (12002/2002) missing: $(cat "$work/pool.tsv")"
echo "ok: compare across pg_mode, arrival and pool, like with like otherwise"
