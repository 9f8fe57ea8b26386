# spectrum.gp - the latency percentile spectrum per engine at one open-loop rate; x = 1/(1-p), log scale.
# data: spectrum/spectrum.tsv
lastslash(s, i) = i < 1 ? 0 : (s[i:i] eq "/" ? i : lastslash(s, i - 1))
load ARG0[1:lastslash(ARG0, strlen(ARG0))] . "style.gpi"

f = results . "/spectrum/spectrum.tsv"
E = distinct(f, "engine", engine_order)
R = word(distinct(f, "rate", ""), 1)
Wl = word(distinct(f, "workload", ""), 1)
ne = words(E)

set logscale x
set logscale y
set autoscale xfix
set xtics ("0%%" 1, "50%%" 2, "90%%" 10, "99%%" 100, "99.9%%" 1000, "99.99%%" 1e4, "99.999%%" 1e5, "99.9999%%" 1e6)
set xlabel "percentile (x axis: 1/(1-p), log scale)"
set bmargin 5  # room below the x label for the machine note
set ylabel "latency (log scale)"
set ytics ("10 µs" 10, "100 µs" 100, "1 ms" 1000, "10 ms" 1e4, "100 ms" 1e5, "1 s" 1e6, "10 s" 1e7)
set grid xtics ytics lc rgb "#dddddd"
set key outside right top reverse Left title "line: the runs'\nhistograms merged\nband: min–max\nof the runs"
set title sprintf("Latency spectrum of /%s at %s req/s, open loop (latency from intended send times)", Wl, R)

do for [fmt in "png svg pdf"] {
	eval term(fmt, "spectrum", 1100, 650)
	plot for [i=1:ne] f using "x":(strcol("engine") eq word(E, i) ? column("latency_us_min") : NaN):"latency_us_max" \
		with filledcurves fs transparent solid 0.18 noborder lc rgb ecolor(word(E, i)), \
	     for [i=1:ne] f using "x":(strcol("engine") eq word(E, i) ? column("latency_us") : NaN) \
		with lines lw 2.5 lc rgb ecolor(word(E, i)) title word(E, i)
}
