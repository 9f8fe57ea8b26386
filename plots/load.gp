# load.gp - p50 and p99 latency against the achieved rate, open-loop rate sweep, per engine.
# data: load/load.tsv
lastslash(s, i) = i < 1 ? 0 : (s[i:i] eq "/" ? i : lastslash(s, i - 1))
load ARG0[1:lastslash(ARG0, strlen(ARG0))] . "style.gpi"

f = results . "/load/load.tsv"
E = distinct(f, "engine", engine_order)
Wl = word(distinct(f, "workload", ""), 1)
ne = words(E)

set logscale y
eval lat_tics
set format x "%.0f"
set xtics rotate by -30 left font ",11"
set xlabel "achieved throughput (req/s)"
set grid xtics ytics lc rgb "#dddddd"
set key outside right top reverse Left

do for [fmt in "png svg"] {
	eval term(fmt, "load", 1500, 580)
	set multiplot layout 1, 2 title sprintf("/%s latency against load: open loop, each point one offered rate, latency from intended send times", Wl)
	do for [m in "p50_us p99_us"] {
		set title (m eq "p50_us" ? "median (p50)" : "p99")
		if (m eq "p50_us") { unset key } else { set key outside right top reverse Left }
		set ylabel (m eq "p50_us" ? "p50 latency (log scale)" : "p99 latency (log scale)")
		plot for [i=1:ne] f using "rps":(strcol("engine") eq word(E, i) ? column(m) : NaN):(column(m . "_min")):(column(m . "_max")) \
			with yerrorlines lw 2 pt 7 ps 0.9 lc rgb ecolor(word(E, i)) title word(E, i)
	}
	unset multiplot
}
