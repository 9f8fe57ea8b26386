# nodelay.gp - /select42 with TCP_NODELAY on and off on the Postgres sockets: req/s and p99 per engine.
# data: nodelay/nodelay.tsv
lastslash(s, i) = i < 1 ? 0 : (s[i:i] eq "/" ? i : lastslash(s, i - 1))
load ARG0[1:lastslash(ARG0, strlen(ARG0))] . "style.gpi"

f = results . "/nodelay/nodelay.tsv"
LO = lo_of(f); HI = hi_of(f); BARS = bars_of(f); N = runs_of(f)
E = distinct(f, "engine", engine_order)
ne = words(E)
V = "nodelay-on nodelay-off"
vname(k) = k == 1 ? "TCP\\_NODELAY on" : "TCP\\_NODELAY off"
bw = 0.36
xpos(e, v) = windex(E, e) + (windex(V, v) - 1.5) * bw

set boxwidth bw
set xrange [0.4:ne + 0.6]
set xtics () scale 0
set for [i=1:ne] xtics add (word(E, i) i)
set yrange [0:*]
set grid ytics
set key top right box opaque

H1 = hatch(1); H2 = hatch(2)
# Each bar in its engine's colour (as in every figure); the variant is the fill: solid on, hatched off.
do for [fmt in "png svg pdf"] {
	eval term(fmt, "nodelay", 1200, 520)
	set multiplot layout 1, 2 title "/select42 with TCP\\_NODELAY on and off on the Postgres sockets (median, n = " . N . "; " . BARS . ")"
	do for [m in "rps p99_us"] {
		u = m eq "rps" ? KILO : MS
		set ylabel (m eq "rps" ? krps : "p99 latency (ms)")
		set format y "%g"
		if (m eq "rps") { set key } else { unset key }
		plot f using (strcol("variant") eq word(V, 1) ? xpos(strcol("engine"), word(V, 1)) : NaN):(column(m) / u):(ecolor(strcol("engine"))) \
			with boxes lc rgb variable @H1, \
		     f using (strcol("variant") eq word(V, 2) ? xpos(strcol("engine"), word(V, 2)) : NaN):(column(m) / u):(ecolor(strcol("engine"))) \
			with boxes lc rgb variable @H2, \
		     NaN with boxes lc rgb "#333333" @H1 title vname(1), NaN with boxes lc rgb "#333333" @H2 title vname(2), \
		     for [k=1:2] f using (strcol("variant") eq word(V, k) ? xpos(strcol("engine"), word(V, k)) : NaN):((column(m)) * 0 + (column(m . LO)) / u):(0):((column(m . HI) - column(m . LO)) / u) \
			with vectors heads size screen 0.008,90 lc rgb "black" lw 1.5
	}
	unset multiplot
}
