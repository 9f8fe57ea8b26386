# throughput.gp - closed-loop req/s per engine, one panel per workload: median bars, min-max error bars.
# data: throughput/throughput.tsv
lastslash(s, i) = i < 1 ? 0 : (s[i:i] eq "/" ? i : lastslash(s, i - 1))
load ARG0[1:lastslash(ARG0, strlen(ARG0))] . "style.gpi"

f = results . "/throughput/throughput.tsv"
E = distinct(f, "engine", engine_order)
W = distinct(f, "workload", workload_order)
C = word(distinct(f, "conns", ""), 1)
ne = words(E)
nw = words(W)

set boxwidth 0.7
set xrange [0.4:ne + 0.6]
set xtics () rotate by -35 left scale 0 font ",11"
set for [i=1:ne] xtics add (word(E, i) i)
set yrange [0:*]
set format y "%.0f"
set ylabel "throughput (req/s)"
set grid ytics

do for [fmt in "png svg"] {
	eval term(fmt, "throughput", 380 * nw + 120, 560)
	set multiplot layout 1, nw title sprintf("Closed-loop throughput, 1 reactor, %s connections (median of the runs; bars: min–max)", C)
	do for [j=1:nw] {
		w = word(W, j)
		set title "/" . w
		plot f using (windex(E, strcol("engine"))):(strcol("workload") eq w ? column("rps") : NaN):(ecolor(strcol("engine"))) \
			with boxes lc rgb variable, \
		     f using (windex(E, strcol("engine"))):((strcol("workload") eq w ? column("rps") : NaN) * 0 + (column("rps_min"))):(0):((column("rps_max")) - (column("rps_min"))) \
			with vectors heads size screen 0.008,90 lc rgb "black" lw 1.5
		if (j == 1) { unset ylabel }
	}
	unset multiplot
	set ylabel "throughput (req/s)"
}
