# throughput.gp - closed-loop req/s per engine, one panel per workload: median bars, error bars: 95% CI of the median (min-max for older tables).
# data: throughput/throughput.tsv
lastslash(s, i) = i < 1 ? 0 : (s[i:i] eq "/" ? i : lastslash(s, i - 1))
load ARG0[1:lastslash(ARG0, strlen(ARG0))] . "style.gpi"

f = results . "/throughput/throughput.tsv"
LO = lo_of(f); HI = hi_of(f); BARS = bars_of(f); N = runs_of(f)
E = distinct(f, "engine", engine_order)
W = distinct(f, "workload", workload_order)
# One (cores, conns) per figure: the first of each in the table; rows with others are left out
# (the title says so), never drawn over each other.
CS = distinct(f, "conns", "")
KS = distinct(f, "cores", "")
C = word(CS, 1)
K = word(KS, 1)
sel(w) = strcol("workload") eq w && strcol("conns") eq C && strcol("cores") eq K
others = (words(CS) > 1 || words(KS) > 1) ? sprintf(" (table also has cores %s, conns %s)", KS, CS) : ""
ne = words(E)
nw = words(W)

set boxwidth 0.7
set xrange [0.4:ne + 0.6]
set xtics () rotate by -35 left scale 0 font ",11"
set for [i=1:ne] xtics add (word(E, i) i)
set yrange [0:*]
set format y "%g"
set ylabel krps
set grid ytics

do for [fmt in "png svg pdf"] {
	eval term(fmt, "throughput", 380 * nw + 120, 560)
	set multiplot layout 1, nw title sprintf("Closed-loop throughput, %s reactor%s, %s connections%s (median of the runs, n = %s; %s)", K, K eq "1" ? "" : "s", C, others, N, BARS)
	do for [j=1:nw] {
		w = word(W, j)
		set title "/" . w
		plot f using (windex(E, strcol("engine"))):(sel(w) ? column("rps") / KILO : NaN):(ecolor(strcol("engine"))) \
			with boxes lc rgb variable, \
		     f using (windex(E, strcol("engine"))):((sel(w) ? column("rps") : NaN) * 0 + column("rps" . LO) / KILO):(0):((column("rps" . HI) - column("rps" . LO)) / KILO) \
			with vectors heads size screen 0.008,90 lc rgb "black" lw 1.5
		if (j == 1) { unset ylabel }
	}
	unset multiplot
	set ylabel krps
}
