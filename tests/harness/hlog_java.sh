#!/bin/sh
# hlog_java.sh GEN - HdrHistogram's own HistogramLogProcessor (Java, Debian libhdrhistogram-java) reads a
# ringside latency.hlog and prints the percentiles ringside prints for the same histogram.
set -u
gen=$1
jar=/usr/share/java/hdrhistogram.jar
if ! command -v java >/dev/null 2>&1 || [ ! -r "$jar" ]; then
	echo "SKIP: needs java and $jar (Debian: default-jre-headless libhdrhistogram-java)"
	exit 77
fi
dir=$(mktemp -d /tmp/rs-hlog-java-XXXXXX)
trap 'rm -rf "$dir"' EXIT
"$gen" "$dir" || exit 1
# The untagged 1 s lines added up, and the Tag=run line alone: both are the whole run.
for tag in "" run; do
	out=$dir/java$tag
	if [ -n "$tag" ]; then set -- -tag "$tag"; else set --; fi
	if ! java -cp "$jar" org.HdrHistogram.HistogramLogProcessor -i "$dir/gen.hlog" -o "$out" \
		-outputValueUnitRatio 1 "$@" >"$dir/stdout" 2>"$dir/stderr"; then
		echo "FAIL: HistogramLogProcessor refused the log:"; cat "$dir/stderr"; exit 1
	fi
	[ -s "$out.hgrm" ] || { echo "FAIL: no $out.hgrm"; cat "$dir/stderr"; exit 1; }
	# Rows: value, percentile, total count. Java's value is the bucket's highest equivalent; ringside's
	# is the same but never past the exact max: rows agree on percentile and count, values within
	# the bucket's 0.1%.
	if ! awk 'FNR == 1 { file++ } $1 ~ /^[0-9.]+$/ && NF == 4 || NF == 3 && $1 ~ /^[0-9.]+$/ {
			if (file == 1) { jv[nj] = $1; jp[nj] = $2; jc[nj] = $3; nj++ }
			else { rv[nr] = $1; rp[nr] = $2; rc[nr] = $3; nr++ } }
		END {
			if (nj < 20 || nj != nr) { printf "rows: java %d, ringside %d\n", nj, nr; exit 1 }
			bad = 0
			for (i = 0; i < nj; i++) {
				d = jv[i] - rv[i]; if (d < 0) d = -d
				if (jc[i] != rc[i] || (jp[i] - rp[i])^2 > 1e-18 || d > 0.001 * jv[i] + 0.5) {
					printf "row %d: java %s %s %s, ringside %s %s %s\n", i, jv[i], jp[i], jc[i], rv[i], rp[i], rc[i]
					bad++
				}
			}
			exit bad > 0 }' "$out.hgrm" "$dir/gen.hgrm"; then
		echo "FAIL: tag '${tag:-none}': Java's percentiles differ from ringside's"
		exit 1
	fi
	echo "ok: tag '${tag:-none}': $(grep -c . "$out.hgrm") lines of Java's .hgrm agree with ringside's"
done
exit 0
