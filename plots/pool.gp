# pool.gp - /select42 throughput and p99 against the Postgres pool size per reactor, per engine.
# data: pool/pool.tsv
lastslash(s, i) = i < 1 ? 0 : (s[i:i] eq "/" ? i : lastslash(s, i - 1))
load ARG0[1:lastslash(ARG0, strlen(ARG0))] . "style.gpi"

f = results . "/pool/pool.tsv"
E = distinct(f, "engine", engine_order)
ne = words(E)

set logscale x 2
set xtics (1, 2, 4, 8, 16, 32, 64, 128)
set xrange [0.8:80]
set xlabel "Postgres connections per reactor (--pool, log scale)"
set grid xtics ytics lc rgb "#dddddd"
set key outside right top reverse Left

do for [fmt in "png svg"] {
	eval term(fmt, "pool", 1450, 560)
	set multiplot layout 1, 2 title "/select42 against the pool size, closed loop, 1 reactor (median; bars: min–max)"
	do for [m in "rps p99_us"] {
		if (m eq "rps") { unset key } else { set key outside right top reverse Left }
		set ylabel (m eq "rps" ? "throughput (req/s)" : "p99 latency (log scale)")
		if (m eq "rps") { unset logscale y; set yrange [0:*]; set ytics autofreq; set format y "%.0f" }
		if (m ne "rps") { set logscale y; set yrange [*:*]; set format y "%g"; eval lat_tics }
		plot for [i=1:ne] f using "pool":(strcol("engine") eq word(E, i) ? column(m) : NaN):(column(m . "_min")):(column(m . "_max")) \
			with yerrorlines lw 2 pt 7 ps 0.9 lc rgb ecolor(word(E, i)) title word(E, i)
	}
	unset multiplot
}
