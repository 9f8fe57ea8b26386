#!/bin/bash
# plots.sh HARNESS FIXTURE WORKDIR - the figures pipeline on tests/plots/fixture:
#   runs/      two real short runs (run.json, latency.hgrm, timeline.tsv), exported here with
#              --spectrum and --timeline; their numbers are checked against run.json
#   results/   exported tables of real short runs, as results/paper/<figure>/ holds them
# then `harness paper --no-plots` fills a marker table, and `harness plot` draws what has data
# and names what has not. Exit 77 (skip) for the plot part only when gnuplot is missing.
set -euo pipefail
harness=$1 fixture=$2/fixture work=$3
fail() { echo "FAIL: $*" >&2; exit 1; }
col() { head -n 1 "$1" | tr '\t' '\n' | grep -nx "$2" | cut -d: -f1; }

rm -rf "$work"
mkdir -p "$work"
cp -r "$fixture/results" "$work/results"
mkdir -p "$work/results/spectrum" "$work/results/threads"

# --spectrum: x = 1/(1-p) from 1, latencies never decreasing, the last one at most the run's max.
"$harness" export --spectrum --results="$fixture/runs" --out="$work/results/spectrum/spectrum.tsv"
s=$work/results/spectrum/spectrum.tsv
cat "$s" | head -3
engines=$(awk -F'\t' 'NR > 1 { print $1 }' "$s" | sort -u | tr '\n' ' ')
[ "$engines" = "epoll uring " ] || fail "spectrum engines: '$engines'"
xc=$(col "$s" x) lc=$(col "$s" latency_us)
for e in epoll uring; do
	max=$(sed -n 's/.*"max": \([0-9]*\),*$/\1/p' "$fixture/runs/$e/run.json" | head -n 1)
	awk -F'\t' -v e="$e" -v xc="$xc" -v lc="$lc" -v max="$max" '
		$1 == e { n++; if (n == 1 && $xc != 1) bad = "first x " $xc
			  if ($lc < prev) bad = "latency decreases at x=" $xc; prev = $lc; last = $lc }
		END { if (n < 20) bad = bad " only " n " points"; if (last > max) bad = bad " last " last " > max " max
		      if (bad) { print e ": " bad; exit 1 } }' "$s" || fail "spectrum of $e"
done

# --timeline: one row per measured second, requests summing to run.json's, thread kinds present.
"$harness" export --timeline --results="$fixture/runs" --out="$work/results/threads/threads.tsv"
t=$work/results/threads/threads.tsv
head -n 1 "$t" | grep -q "threads_reactor	threads_worker	threads_iou_wrk	threads_other" || fail "timeline header"
rc=$(col "$t" requests) kc=$(col "$t" threads_reactor)
for e in epoll uring; do
	want=$(sed -n 's/^    "requests": \([0-9]*\),$/\1/p' "$fixture/runs/$e/run.json")
	got=$(awk -F'\t' -v e="$e" -v rc="$rc" '$1 == e { s += $rc } END { print s + 0 }' "$t")
	[ -n "$want" ] && [ "$got" = "$want" ] || fail "$e: timeline requests $got, run.json $want"
	awk -F'\t' -v e="$e" -v kc="$kc" '$1 == e && $kc != 1 { exit 1 }' "$t" || fail "$e: reactor threads != 1"
done

# --variant: the directory under --results a run lies in, as a first column of the group key.
v=$("$harness" export --group --variant --results="$fixture/runs" | cut -f1,2 | tr '\t\n' ', ')
[ "$v" = "variant,engine epoll,epoll uring,uring " ] || fail "export --variant: '$v'"

# paper: a marker's table is filled from the fixture, the prose kept, and a second run changes nothing.
cat >"$work/paper.md" <<'MD'
Before.
<!-- table:throughput/throughput.tsv engine workload rps workload=select42 -->
stale rows
<!-- end -->
After.
<!-- table:nodata/none.tsv engine rps -->
<!-- end -->
MD
"$harness" paper --no-plots --no-pdf --results="$work/results" --paper="$work/paper.md"
cat "$work/paper.md"
grep -q '^| uring | select42 | [0-9]* ([0-9]*–[0-9]*) |$' "$work/paper.md" || fail "paper: no uring select42 row"
! grep -q 'plaintext\|stale rows' "$work/paper.md" || fail "paper: filter or old rows"
grep -q '^Before\.$' "$work/paper.md" && grep -q '^After\.$' "$work/paper.md" || fail "paper: prose lost"
grep -q 'No data yet: nodata/none.tsv' "$work/paper.md" || fail "paper: missing table not said"
cp "$work/paper.md" "$work/paper.1"
"$harness" paper --no-plots --no-pdf --results="$work/results" --paper="$work/paper.md" >/dev/null
cmp -s "$work/paper.md" "$work/paper.1" || fail "paper: a second run changed the file"

command -v gnuplot >/dev/null || { echo "SKIP: gnuplot is not installed (apt-get install gnuplot-nox)"; exit 77; }
out=$("$harness" plot --results="$work/results" --out="$work/out") || fail "harness plot exited $?: $out"
echo "$out"
for f in throughput spectrum threads; do
	[ "$(head -c 8 "$work/out/$f.png" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ] || fail "$f.png is not a PNG"
	[ "$(stat -c %s "$work/out/$f.png")" -gt 10000 ] || fail "$f.png is nearly empty"
	grep -q '<svg' "$work/out/$f.svg" || fail "$f.svg is not an SVG"
done
# Every other script lacked data, and says so by name.
for f in load nodelay pool restart; do
	echo "$out" | grep -q "^  $f  *no data: .*$f" || fail "plot did not report $f as lacking data"
	[ ! -e "$work/out/$f.png" ] || fail "$f.png drawn without data"
done
echo ok
