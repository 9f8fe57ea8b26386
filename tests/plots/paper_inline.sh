#!/bin/bash
# paper_inline.sh HARNESS FIXTURE WORKDIR - `harness paper`'s inline markers over copies of the fixture's two
# runs: compare: is B/A of the medians with its interval (checked against the run.json files), A and B
# in that order; median: one side's median; text outside markers, and markers quoted in code, untouched;
# a marker that matches no configuration, or several, is named with its file:line, keeps its text, exit 1.
set -euo pipefail
harness=$1 fixture=$2/fixture work=$3
fail() { echo "FAIL: $*" >&2; exit 1; }

rm -rf "$work"
r=$work/results/throughput/runs
mkdir -p "$r"
# Five runs a side, throughput spread by a few percent (so the rank test can call the difference), at
# one length (the fixture's are 3 s and 2 s); and one run a side at 64 connections, a second configuration.
i=0
for f in 0.97 0.99 1.00 1.02 1.04; do
	i=$((i + 1))
	for e in epoll uring; do
		mkdir -p "$r/$e-$i"
		cp "$fixture/runs/$e/latency.hgrm" "$r/$e-$i/"
		awk -v f="$f" '/^    "rps": / { sub(/[0-9.]+,$/, sprintf("%.3f,", substr($2, 1, length($2) - 1) * f)) }
			/"duration_s": 2,/ { sub(/2,/, "3,") } 1' "$fixture/runs/$e/run.json" >"$r/$e-$i/run.json"
	done
done
for e in epoll uring; do
	cp -r "$r/$e-1" "$r/$e-c64"
	sed -i 's/"conns": 16,/"conns": 64,/' "$r/$e-c64/run.json"
done
# median ENGINE: the median over its 16-connection runs' summary.rps, as compare finds it.
median() {
	sed -n 's/^    "rps": \([0-9.]*\),$/\1/p' "$r/$1"-[0-9]/run.json | sort -g | awk '{ v[NR] = $1 } END { print v[(NR + 1) / 2] }'
}
want=$(awk -v a="$(median epoll)" -v b="$(median uring)" 'BEGIN { printf "%.2f", b / a }')
back=$(awk -v a="$(median epoll)" -v b="$(median uring)" 'BEGIN { printf "%.2f", a / b }')
med=$(median uring)

cat >"$work/paper.md" <<'MD'
# Title
Before <!-- compare:throughput/runs engine=epoll engine=uring rps conns=16 -->stale<!-- end --> between, <!-- compare:throughput/runs engine=uring engine=epoll rps conns=16 -->stale<!-- end --> after.
Same: <!-- compare:throughput/runs engine=epoll engine=epoll rps conns=16 -->stale<!-- end -->; uring's <!-- median:throughput/runs engine=uring rps conns=16 -->stale<!-- end --> req/s.
Quoted: `<!-- compare:throughput/runs engine=epoll engine=uring rps conns=16 -->quoted<!-- end -->` stays.
```
<!-- compare:throughput/runs engine=epoll engine=uring rps conns=16 -->fenced<!-- end -->
```
After.
MD
cp "$work/paper.md" "$work/paper.orig"
"$harness" paper --no-plots --no-pdf --results="$work/results" --paper="$work/paper.md" --figures="$work/figures" >"$work/out" 2>"$work/err" ||
	fail "paper exited $?: $(cat "$work/err")"
cat "$work/paper.md" "$work/out"
num='[0-9]+\.[0-9]{2}'
ratio=$(sed -n 2p "$work/paper.md" | sed 's/^Before <!-- compare:[^>]*-->\([^<]*\)<!-- end --> between.*/\1/')
echo "$ratio" | grep -Eqx "$num"'x \['"$num, $num"'\]' || fail "compare text '$ratio' is not 'R.RRx [L.LL, H.HH]'"
[ "${ratio%%x *}" = "$want" ] || fail "uring/epoll is ${ratio%%x *}, run.json's medians give $want"
rev=$(sed -n 2p "$work/paper.md" | sed 's/.* between, <!-- compare:[^>]*-->\([^<]*\)<!-- end --> after\.$/\1/')
[ "${rev%%x *}" = "$back" ] || fail "epoll/uring is '$rev', run.json's medians give $back: A and B swapped?"
lo=$(echo "$ratio" | sed 's/.*\[\([0-9.]*\),.*/\1/') hi=$(echo "$ratio" | sed 's/.*, \([0-9.]*\)\]/\1/')
awk -v l="$lo" -v r="$want" -v h="$hi" 'BEGIN { exit !(l <= r && r <= h && l > 1) }' || fail "interval [$lo, $hi] of $want"
sed -n 3p "$work/paper.md" | grep -Eq "^Same: <!-- compare:[^>]*-->no measurable difference \(1\.00x \[$num, $num\]\)<!-- end -->; " ||
	fail "a side against itself: not 'no measurable difference (1.00x [...])'"
m=$(awk -v v="$med" 'BEGIN { printf "%.2fk", v / 1000 }')
sed -n 3p "$work/paper.md" | grep -Eq "; uring's <!-- median:[^>]*-->$m \[[0-9.]+k, [0-9.]+k\]<!-- end --> req/s\.$" ||
	fail "median: not '$m [lo, hi]'"
# Everything but the markers' texts as it was; quoted and fenced markers as they were.
diff <(sed 's/-->[^<]*<!-- end -->/--><!-- end -->/g' "$work/paper.orig") \
	<(sed 's/-->[^<]*<!-- end -->/--><!-- end -->/g' "$work/paper.md") || fail "text outside the markers changed"
sed -n 4,7p "$work/paper.orig" | cmp -s - <(sed -n 4,7p "$work/paper.md") || fail "a quoted or fenced marker was regenerated"
grep -qx "ringside paper: $work/paper.md: 0 tables, 3 ratios and 1 median regenerated" "$work/out" || fail "count line: $(cat "$work/out")"
cp "$work/paper.md" "$work/paper.1"
"$harness" paper --no-plots --no-pdf --results="$work/results" --paper="$work/paper.md" --figures="$work/figures" >/dev/null 2>&1
cmp -s "$work/paper.md" "$work/paper.1" || fail "a second run changed the file"

# No configuration, several, a bad measure: each named with file:line, its text kept, the rest regenerated, exit 1.
cat >"$work/bad.md" <<'MD'
None: <!-- compare:throughput/runs engine=epoll engine=uring rps workload=plaintext -->kept1<!-- end -->.
Several: <!-- compare:throughput/runs engine=epoll engine=uring p99 -->kept2<!-- end -->.
Measure: <!-- compare:throughput/runs engine=epoll engine=uring speed conns=16 -->kept3<!-- end -->.
Good: <!-- compare:throughput/runs engine=epoll engine=uring rps conns=16 -->stale<!-- end -->.
MD
rc=0
"$harness" paper --no-plots --no-pdf --results="$work/results" --paper="$work/bad.md" --figures="$work/figures" >"$work/out" 2>"$work/err" || rc=$?
cat "$work/err"
[ "$rc" = 1 ] || fail "markers that match nothing or several: exit $rc, not 1"
grep -qF "$work/bad.md:1: <!-- compare:throughput/runs engine=epoll engine=uring rps workload=plaintext -->: matches no configuration" "$work/err" ||
	fail "the marker that matches nothing is not named with its line"
grep -qF "$work/bad.md:2: <!-- compare:throughput/runs engine=epoll engine=uring p99 -->: matches several configurations" "$work/err" ||
	fail "the marker that matches two configurations is not named"
grep -qF "$work/bad.md:3: " "$work/err" || fail "an unknown measure is not named"
for k in 1 2 3; do grep -q "\-->kept$k<!-- end -->\.$" "$work/bad.md" || fail "marker $k lost its old text"; done
grep -Eq "^Good: <!-- compare:[^>]*-->$want"'x \[' "$work/bad.md" || fail "a good marker beside bad ones not regenerated"
echo "ok: inline compare and median markers"
