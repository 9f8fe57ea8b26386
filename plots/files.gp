# files.gp - /file per engine: one column per file size and page-cache mode; rows: throughput, p99, server CPU per request.
# data: files/files.tsv
lastslash(s, i) = i < 1 ? 0 : (s[i:i] eq "/" ? i : lastslash(s, i - 1))
load ARG0[1:lastslash(ARG0, strlen(ARG0))] . "style.gpi"

f = results . "/files/files.tsv"
LO = lo_of(f); HI = hi_of(f); BARS = bars_of(f); N = runs_of(f)
E = distinct(f, "engine", engine_order)
S = distinct(f, "file_size", "1k 4k 16k 64k 256k 1m 4m")
C = distinct(f, "file_cache", "hot cold")
ne = words(E)
nc = words(C)
np = words(S) * nc
psize(j) = word(S, int((j - 1) / nc) + 1)
pcache(j) = word(C, (j - 1) % nc + 1)
sel(j) = strcol("file_size") eq psize(j) && strcol("file_cache") eq pcache(j)
# Row r: the column, its scale (req/s shown in thousands, latency in ms) and the axis label.
mname(r) = r == 1 ? "rps" : (r == 2 ? "p99_us" : "cpu_us_per_request")
mscale(r) = r == 1 ? 1000.0 : (r == 2 ? 1000.0 : 1.0)
mlabel(r) = r == 1 ? "throughput (k req/s)" : (r == 2 ? "p99 latency (ms)" : "server CPU (µs per request)")

set boxwidth 0.7
set xrange [0.4:ne + 0.6]
set yrange [0:*]
set grid ytics

do for [fmt in "png svg pdf"] {
	eval term(fmt, "files", 300 * np + 120, 1100)
	set multiplot layout 3, np title "Static files, closed loop, " . reactors(f) . ": hot page cache, and cold (evicted before and during the run) (median of the runs, n = " . N . "; " . BARS . ")"
	do for [r=1:3] {
		m = mname(r)
		k = mscale(r)
		do for [j=1:np] {
			set title (r == 1 ? sprintf("%s files, %s cache", psize(j), pcache(j)) : "")
			set ylabel (j == 1 ? mlabel(r) : "")
			if (r < 3) { set xtics scale 0 format "" ; set for [i=1:ne] xtics add ("" i) }
			if (r == 3) { unset xtics; set xtics () rotate by -35 left scale 0 font ",11"; set for [i=1:ne] xtics add (word(E, i) i) }
			plot f using (windex(E, strcol("engine"))):(sel(j) ? column(m) / k : NaN):(ecolor(strcol("engine"))) \
				with boxes lc rgb variable, \
			     f using (windex(E, strcol("engine"))):((sel(j) ? column(m) : NaN) * 0 + column(m . LO) / k):(0):((column(m . HI) - column(m . LO)) / k) \
				with vectors heads size screen 0.008,90 lc rgb "black" lw 1.5
		}
	}
	unset multiplot
}
