# pool.gp - /select42 throughput and p99 against the Postgres pool size per reactor, per engine.
# data: pool/pool.tsv
lastslash(s, i) = i < 1 ? 0 : (s[i:i] eq "/" ? i : lastslash(s, i - 1))
load ARG0[1:lastslash(ARG0, strlen(ARG0))] . "style.gpi"

f = results . "/pool/pool.tsv"
LO = lo_of(f); HI = hi_of(f); BARS = bars_of(f); N = runs_of(f)
E = distinct(f, "engine", engine_order)
ne = words(E)

set logscale x 2
set xtics (1, 2, 4, 8, 16, 32, 64, 128)
set xrange [0.8:80]
set xlabel "Postgres connections per reactor (--pool, log scale)"
set bmargin 5  # room below the x label for the machine note
set grid xtics ytics lc rgb "#dddddd"
set key outside right top reverse Left

do for [fmt in "png svg pdf"] {
	eval term(fmt, "pool", 1450, 560)
	set multiplot layout 1, 2 title "/select42 against the pool size, closed loop, " . reactors(f) . " (median, n = " . N . "; " . BARS . ")"
	do for [m in "rps p99_us"] {
		if (m eq "rps") { unset key } else { set key outside right top reverse Left }
		u = m eq "rps" ? KILO : 1
		set ylabel (m eq "rps" ? krps : "p99 latency (log scale)")
		if (m eq "rps") { unset logscale y; set yrange [0:*]; set ytics autofreq; set format y "%g" }
		if (m ne "rps") { set logscale y; set yrange [*:*]; set format y "%g"; eval lat_tics }
		plot for [i=1:ne] f using "pool":(strcol("engine") eq word(E, i) ? column(m) / u : NaN):(column(m . LO) / u):(column(m . HI) / u) \
			with yerrorlines lw 2 pt 7 ps 0.9 lc rgb ecolor(word(E, i)) title word(E, i)
	}
	unset multiplot
}
