#!/bin/bash
# plots.sh HARNESS FIXTURE WORKDIR - the figures pipeline on tests/plots/fixture:
#   runs/      two real short runs (run.json, latency.hgrm, timeline.tsv), exported here with
#              --spectrum and --timeline; their numbers are checked against run.json
#   results/   exported tables of real short runs, as results/paper/<figure>/ holds them (throughput, cpu-split,
#              files, backends; load, restart and nodelay: two engines' rows of results/paper's)
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
for f in throughput cpu-split spectrum threads files backends load restart nodelay; do
	[ "$(head -c 8 "$work/out/$f.png" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ] || fail "$f.png is not a PNG"
	[ "$(stat -c %s "$work/out/$f.png")" -gt 10000 ] || fail "$f.png is nearly empty"
	grep -q '<svg' "$work/out/$f.svg" || fail "$f.svg is not an SVG"
	[ "$(head -c 5 "$work/out/$f.pdf")" = "%PDF-" ] || fail "$f.pdf is not a PDF"
done
# Axes a reader takes in at a glance: throughput in k req/s, no tick label of 4 or more digits
# (180k, not 180000), latency on a linear axis in ms.
labels() { grep -o '<tspan[^>]*>[^<]*</tspan>' "$work/out/$1.svg" | sed 's/<[^>]*>//g'; }
for f in throughput restart load nodelay; do
	big=$(labels "$f" | grep -xE '[0-9]{4,}' | head -n 3 | tr '\n' ' ' || true)
	[ -z "$big" ] || fail "$f: tick labels in plain thousands: $big"
done
labels throughput | grep -qx 'throughput (k req/s)' || fail "throughput: no 'throughput (k req/s)' axis"
labels nodelay | grep -qx 'p99 latency (ms)' || fail "nodelay: p99 not in ms on its linear axis"
# restart: no errors in the fixture, so no errors axis; with errors, the axis is back.
labels restart | grep -qx 'errors per second (dashed)' && fail "restart: an errors axis with no errors"
labels restart | grep -q 'no errors in any engine' || fail "restart: does not say there were no errors"
# load: the points that fell short of their offered rate labelled with it (k req/s), achieved against
# offered drawn, the tail at the lowest rate commented.
labels load | grep -qx 'achieved against offered' || fail "load: no achieved-against-offered panel"
labels load | grep -qx 'offered rate (k req/s)' || fail "load: no offered-rate axis"
labels load | grep -qx '35.6' || fail "load: the 35.6k offered point is not labelled"
labels load | grep -qx '3.1' && fail "load: a point that kept its offered rate is labelled"
labels load | grep -q 'p99 is already' || fail "load: the lowest rate's p99 is not commented"
# A colour is an engine: the variant "TCP_NODELAY off" is hatching, and the fixture has no epoll, so
# epoll's orange (#D55E00) appears nowhere.
grep -q 'url(#gpPat' "$work/out/nodelay.svg" || fail "nodelay: variants not hatched"
! grep -q 'rgb(213, *94, *0)' "$work/out/nodelay.svg" || fail "nodelay: epoll's colour used without epoll"
mkdir -p "$work/errs/restart"
awk -F'\t' -v OFS='\t' 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "errors") c = i } NR > 1 && NR % 5 == 0 { $c = 7 } 1' \
	"$work/results/restart/restart.tsv" >"$work/errs/restart/restart.tsv"
"$harness" plot --results="$work/errs" --out="$work/out-errs" >/dev/null || fail "plot of restart with errors"
grep -q '>errors per second (dashed)<' "$work/out-errs/restart.svg" || fail "restart: no errors axis with errors"

# Every other script lacked data, and says so by name.
for f in pool cpu; do
	echo "$out" | grep -q "^  $f  *no data: .*$f" || fail "plot did not report $f as lacking data"
	[ ! -e "$work/out/$f.png" ] || fail "$f.png drawn without data"
done
# A directory of runs (a sweep) instead of figure tables: the throughput figure from them, exit 0;
# a directory with neither: exit 1, saying which layout plot expects.
out=$("$harness" plot --results="$fixture/runs" --out="$work/out-runs") || fail "plot of a runs directory exited $?: $out"
echo "$out" | grep -q "holds 2 runs, not figure tables" || fail "plot did not say it drew from runs"
[ -s "$work/out-runs/throughput.png" ] || fail "no throughput.png from a runs directory"
mkdir -p "$work/empty"
rc=0
"$harness" plot --results="$work/empty" --out="$work/out-empty" >"$work/empty.log" 2>&1 || rc=$?
[ "$rc" -eq 1 ] || fail "plot of an empty directory exited $rc, not 1"
grep -q "one folder per figure" "$work/empty.log" || fail "plot did not say which layout it expects"
echo ok
