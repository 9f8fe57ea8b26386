# lib.sh - sourced by every results/paper/<figure>/collect.sh: the harness, full or quick sizes, machine.txt, small logs.
#
# Environment (all optional):
#   HARNESS=PATH       the harness to run (default: ./ringside, which builds build/ first)
#   RS_QUICK=1         a smoke test of the pipeline: 1 s runs, 2 repetitions, a tiny matrix;
#                      written under RS_PAPER_OUT (default /tmp/ringside-quick), never into results/paper
#   RS_PAPER_OUT=DIR   write <DIR>/<figure>/ instead of results/paper/<figure>/
#   ENGINES=a,b        presets (default: every preset `harness engines --names` lists); each collect.sh names its other knobs at its top
#   DURATION WARMUP REPEAT CONNS   seconds measured, seconds of warm-up, repetitions, connections
#   RS_INCLUDE_INVALID=1  the tables keep runs whose validity verdict is INVALID (default: 1 with
#                      RS_QUICK=1, whose 1 s runs on a working tree exercise the pipeline, else 0);
#                      either way <figure>/validity.txt counts the verdicts and the tables say what they kept
set -eu

HERE=$(cd "$(dirname "$0")" && pwd)
FIGURE=$(basename "$HERE")
ROOT=$(cd "$HERE/../../.." && pwd)
PAPER=$(dirname "$HERE")
HARNESS=${HARNESS:-$ROOT/ringside}
QUICK=${RS_QUICK:-0}
INCLUDE_INVALID=${RS_INCLUDE_INVALID:-$QUICK}

if [ "$QUICK" = 1 ]; then
	# One run a cell, two presets: every step of the pipeline in about two minutes, not data.
	: "${RS_PAPER_OUT:=/tmp/ringside-quick}"
	: "${DURATION:=1}" "${WARMUP:=1}" "${REPEAT:=1}" "${CONNS:=16}" "${ENGINES:=uring,poll}" "${REACTORS:=$ENGINES}"
else
	# n = 5 a cell (--repeat=auto does not converge within 6 runs on the 2-vCPU VM: README, Statistics).
	: "${DURATION:=3}" "${WARMUP:=1}" "${REPEAT:=5}" "${CONNS:=64}"
fi
: "${ENGINES:=$("$HARNESS" engines --names | paste -sd, -)}"
# One preset per design (completion ring, readiness, thread pool, poll(2)) for the figures that
# compare designs rather than drivers; the throughput and backends figures run every preset.
: "${REACTORS:=uring,epoll,threadpool,poll}"
# The load generator probe after each closed-loop run (the loadgen-bound guard): 1 s, not the
# harness's 2, to keep collect-all within the hour.
: "${LOADGEN_PROBE_S:=1}"
[ -n "$ENGINES" ] || { echo "collect $FIGURE: $HARNESS engines --names listed no preset" >&2; exit 1; }
if [ -n "${RS_PAPER_OUT:-}" ]; then
	OUT=$RS_PAPER_OUT/$FIGURE
	DATA=$RS_PAPER_OUT
else
	OUT=$HERE
	DATA=$PAPER
fi
FAILED=0

h() {
	if [ "$1" = export ] && [ "$INCLUDE_INVALID" = 1 ]; then
		set -- "$@" --include-invalid
	fi
	case $1 in run | sweep) set -- "$@" --loadgen-probe-s="$LOADGEN_PROBE_S" ;; esac
	echo "+ harness $*" >&2
	"$HARNESS" "$@"
}

# validity.txt: how many of the figure's runs are valid, and what the tables left out (or kept) and why.
verdicts() {
	n=$(find "$OUT" -name run.json | wc -l)
	{
		echo "runs: $n"
		[ "$INCLUDE_INVALID" = 1 ] && echo "tables: INVALID runs kept (RS_INCLUDE_INVALID=1)"
		[ "$n" -gt 0 ] && "$HARNESS" export --results="$OUT" --out=/dev/null $([ "$INCLUDE_INVALID" = 1 ] &&
			echo --include-invalid) 2>&1 | sed -n 's/^ringside export: //p'
	} >"$OUT/validity.txt"
	sed 's/^/collect '"$FIGURE"': /' "$OUT/validity.txt"
	if [ "$n" -gt 0 ]; then validity_row; fi
}

# validity.tsv: the guards' data of every run of the figure, one row (paper.md's threats table reads
# every figure's): runs, invalid, runs per reason tag, and the largest steal and interference seen.
validity_row() {
	"$HARNESS" export --results="$OUT" --out="$OUT/runs.all.tsv" --include-invalid 2>/dev/null || return 0
	awk -F'\t' -v fig="$FIGURE" '
		NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
		/^#/ { next }
		{
			n++
			if ($c["valid"] == "false") bad++
			k = split($c["why"], t, ",")
			for (i = 1; i <= k; i++) if (t[i] != "-") tag[t[i]]++
			if ($c["steal"] != "NaN" && $c["steal"] > steal) steal = $c["steal"]
			if ($c["interference"] != "NaN" && $c["interference"] > inter) inter = $c["interference"]
		}
		END {
			print "figure\truns\tinvalid\tloadgen_bound\tnot_saturated\tinterference\tsteal\terrors\tdirty\tother\tmax_steal_pct\tmax_interference_pct"
			other = 0
			for (g in tag) if (g != "loadgen-bound" && g != "not saturated" && g != "interference" && g != "steal" && g != "errors" && g != "dirty") other += tag[g]
			printf "%s\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%.1f\t%.1f\n", fig, n, bad, tag["loadgen-bound"], tag["not saturated"],
				tag["interference"], tag["steal"], tag["errors"], tag["dirty"], other, 100 * steal, 100 * inter
		}' "$OUT/runs.all.tsv" >"$OUT/validity.tsv"
	rm -f "$OUT/runs.all.tsv"
}

# A step that may fail (a sweep with a failed cell): note it, keep going, fail at the end.
try() {
	"$@" || { echo "collect $FIGURE: failed ($?): $*" >&2; FAILED=1; }
}

# machine.txt: where and from what the data came.
begin() {
	mkdir -p "$OUT"
	{
		echo "figure: $FIGURE"
		echo "collected: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
		if [ "$QUICK" = 1 ]; then echo "mode: QUICK (a smoke test of the pipeline, not data)"; else echo "mode: full"; fi
		echo "uname: $(uname -a)"
		echo "cpu: $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | sort | uniq -c | sed 's/^ *//')"
		echo "cpus: $(nproc)"
		echo "memory: $(sed -n 's/^MemTotal:[[:space:]]*//p' /proc/meminfo)"
		echo "commit: $(git -C "$ROOT" rev-parse HEAD 2>/dev/null || echo unknown)$(
			[ -n "$(git -C "$ROOT" status --porcelain --untracked-files=no 2>/dev/null)" ] && echo ' (with uncommitted changes)')"
		# No absolute path of this machine: the harness relative to the tree (or just its name).
		case $HARNESS in "$ROOT"/*) echo "harness: ${HARNESS#"$ROOT"/}" ;; *) echo "harness: ${HARNESS##*/}" ;; esac
		echo "sizes: engines=$ENGINES duration=$DURATION warmup=$WARMUP repeat=$REPEAT conns=$CONNS"
		echo "invalid runs: $([ "$INCLUDE_INVALID" = 1 ] && echo kept || echo left out) (validity.txt counts them)"
		echo "command: RS_QUICK=$QUICK sh results/paper/$FIGURE/collect.sh"
	} >"$OUT/machine.txt"
}

# Keep committed data small: a server.log over 4 KB keeps its first and last 1.5 KB.
trim_logs() {
	find "$1" -name server.log -size +4k | while read -r f; do
		n=$(wc -c <"$f")
		{ head -c 1536 "$f"; printf '\n[... %s bytes trimmed by collect.sh ...]\n' "$n"; tail -c 1536 "$f"; } >"$f.tmp"
		mv "$f.tmp" "$f"
	done
}

# In the closed loop the corrected histogram is the raw one: keep one copy (of the text and the binary form).
drop_raw_twins() {
	find "$1" -name 'latency_raw.hgrm' -o -name 'latency_raw.hist' | while read -r f; do
		if cmp -s "$f" "$(dirname "$f")/latency.${f##*.}"; then rm -f "$f"; fi
	done
}

finish() {
	verdicts
	trim_logs "$OUT"
	drop_raw_twins "$OUT"
	if [ "$FAILED" = 1 ]; then
		echo "collect $FIGURE: $OUT: SOME STEPS FAILED (see above)"
	else
		echo "collect $FIGURE: $OUT"
	fi
	exit "$FAILED"
}

# Column NAME of a TSV with a header: its index, or nothing.
col_of() {
	head -n 1 "$1" | tr '\t' '\n' | grep -nx "$2" | cut -d: -f1
}

# The smallest (min) or largest (max) median req/s of WORKLOAD over the engines of the
# throughput figure's table, rounded down; empty when there is no such table yet.
throughput_of() {
	t=$DATA/throughput/throughput.tsv
	[ -s "$t" ] || return 0
	c=$(col_of "$t" rps)
	w=$(col_of "$t" workload)
	awk -F'\t' -v c="$c" -v w="$w" -v want="$1" -v how="$2" '
		NR > 1 && $w == want && $c != "NaN" {
			if (n++ == 0 || (how == "min" ? $c < v : $c > v)) v = $c
		}
		END { if (n) printf "%d\n", v }' "$t"
}

# A table on stdin with COL's value in the workload's name: workload-PREFIX<value>SUFFIX (pipeline 16:
# plaintext-p16), for bar figures whose panels are workloads. Comment lines pass as they are.
relabel_workload() {
	awk -F'\t' -v OFS='\t' -v col="$1" -v pre="$2" -v post="${3:-}" '
		/^#/ { print; next }
		!h++ { for (i = 1; i <= NF; i++) c[$i] = i; print; next }
		{ $c["workload"] = $c["workload"] "-" pre $c[col] post; print }'
}

# The rows of a table on stdin whose COL is one of LIST (comma-separated); header and comments kept.
keep_rows() {
	awk -F'\t' -v col="$1" -v list="$2" '
		BEGIN { n = split(list, a, ","); for (i = 1; i <= n; i++) want[a[i]] = 1 }
		/^#/ { print; next }
		!h++ { for (i = 1; i <= NF; i++) if ($i == col) c = i; print; next }
		want[$c]'
}
