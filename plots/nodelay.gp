# nodelay.gp - /select42 with TCP_NODELAY on and off on the Postgres sockets: req/s and p99 per engine.
# data: nodelay/nodelay.tsv
lastslash(s, i) = i < 1 ? 0 : (s[i:i] eq "/" ? i : lastslash(s, i - 1))
load ARG0[1:lastslash(ARG0, strlen(ARG0))] . "style.gpi"

f = results . "/nodelay/nodelay.tsv"
E = distinct(f, "engine", engine_order)
ne = words(E)
V = "nodelay-on nodelay-off"
vname(k) = k == 1 ? "TCP\\_NODELAY on" : "TCP\\_NODELAY off"
vcolor = "0x0072B2 0xD55E00"
bw = 0.36
xpos(e, v) = windex(E, e) + (windex(V, v) - 1.5) * bw

set boxwidth bw
set xrange [0.4:ne + 0.6]
set xtics () scale 0
set for [i=1:ne] xtics add (word(E, i) i)
set yrange [0:*]
set grid ytics
set key top right box opaque

do for [fmt in "png svg"] {
	eval term(fmt, "nodelay", 1200, 520)
	set multiplot layout 1, 2 title "/select42 with TCP\\_NODELAY on and off on the Postgres sockets (median; bars: min–max)"
	do for [m in "rps p99_us"] {
		set ylabel (m eq "rps" ? "throughput (req/s)" : "p99 latency (µs)")
		set format y (m eq "rps" ? "%.0f" : "%g")
		if (m eq "rps") { set key } else { unset key }
		plot for [k=1:2] f using (strcol("variant") eq word(V, k) ? xpos(strcol("engine"), word(V, k)) : NaN):(column(m)) \
			with boxes lc rgb int(word(vcolor, k)) title vname(k), \
		     for [k=1:2] f using (strcol("variant") eq word(V, k) ? xpos(strcol("engine"), word(V, k)) : NaN):((column(m)) * 0 + (column(m . "_min"))):(0):((column(m . "_max")) - (column(m . "_min"))) \
			with vectors heads size screen 0.008,90 lc rgb "black" lw 1.5
	}
	unset multiplot
}
