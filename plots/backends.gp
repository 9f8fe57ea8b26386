# backends.gp - Redis next to Postgres per engine: one column per workload; rows: throughput, p99, server CPU per request.
# data: backends/backends.tsv
lastslash(s, i) = i < 1 ? 0 : (s[i:i] eq "/" ? i : lastslash(s, i - 1))
load ARG0[1:lastslash(ARG0, strlen(ARG0))] . "style.gpi"

f = results . "/backends/backends.tsv"
LO = lo_of(f); HI = hi_of(f); BARS = bars_of(f); N = runs_of(f)
E = distinct(f, "engine", engine_order)
W = distinct(f, "workload", "select42 redis-get queries cached-queries")
ne = words(E)
nw = words(W)
mname(r) = r == 1 ? "rps" : (r == 2 ? "p99_us" : "cpu_us_per_request")
mscale(r) = r == 1 ? 1000.0 : (r == 2 ? 1000.0 : 1.0)
mlabel(r) = r == 1 ? "throughput (k req/s)" : (r == 2 ? "p99 latency (ms)" : "server CPU (µs per request)")
wtitle(w) = w eq "select42" ? "/select42 (Postgres, 1 query)" : (w eq "redis-get" ? "/redis-get (Redis, 1 GET)" : \
	(w eq "queries" ? "/queries (Postgres, 20 queries)" : (w eq "cached-queries" ? "/cached-queries (Redis, 20 keys)" : "/" . w)))

set boxwidth 0.7
set xrange [0.4:ne + 0.6]
set yrange [0:*]
set grid ytics

do for [fmt in "png svg pdf"] {
	eval term(fmt, "backends", 340 * nw + 120, 1100)
	set multiplot layout 3, nw title "Postgres and Redis behind each engine, closed loop, " . reactors(f) . " (median of the runs, n = " . N . "; " . BARS . ")"
	do for [r=1:3] {
		m = mname(r)
		k = mscale(r)
		do for [j=1:nw] {
			w = word(W, j)
			set title (r == 1 ? wtitle(w) : "")
			set ylabel (j == 1 ? mlabel(r) : "")
			if (r < 3) { set xtics scale 0 format "" ; set for [i=1:ne] xtics add ("" i) }
			if (r == 3) { unset xtics; set xtics () rotate by -35 left scale 0 font ",11"; set for [i=1:ne] xtics add (word(E, i) i) }
			plot f using (windex(E, strcol("engine"))):(strcol("workload") eq w ? column(m) / k : NaN):(ecolor(strcol("engine"))) \
				with boxes lc rgb variable, \
			     f using (windex(E, strcol("engine"))):((strcol("workload") eq w ? column(m) : NaN) * 0 + column(m . LO) / k):(0):((column(m . HI) - column(m . LO)) / k) \
				with vectors heads size screen 0.008,90 lc rgb "black" lw 1.5
		}
	}
	unset multiplot
}
