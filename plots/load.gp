# load.gp - p50 and p99 latency against the achieved rate (points labelled with the offered rate), and achieved against offered: open-loop rate sweep, per engine.
# data: load/load.tsv
lastslash(s, i) = i < 1 ? 0 : (s[i:i] eq "/" ? i : lastslash(s, i - 1))
load ARG0[1:lastslash(ARG0, strlen(ARG0))] . "style.gpi"

f = results . "/load/load.tsv"
LO = lo_of(f); HI = hi_of(f); BARS = bars_of(f); N = runs_of(f)
E = distinct(f, "engine", engine_order)
Wl = word(distinct(f, "workload", ""), 1)
ne = words(E)

# The lowest offered rate's tail, said on the p99 panel: even far below saturation the p99 is
# milliseconds while the median is a fraction of one, so the tail is not the server's queue.
low_awk = "NR == 1 { for (i = 1; i <= NF; i++) { if ($i == \"rate\") r = i; if ($i == \"rps\") a = i; if ($i == \"p50_us\") m = i; if ($i == \"p99_us\") t = i }; next } " . \
	"{ n++; R[n] = $r; M[n] = $m; T[n] = $t; if ($a + 0 > peak) peak = $a + 0; if (lo == \"\" || $r + 0 < lo) lo = $r + 0 } " . \
	"END { for (i = 1; i <= n; i++) if (R[i] + 0 == lo) { if (t0 == \"\" || T[i] < t0) t0 = T[i]; if (T[i] > t1) t1 = T[i]; if (m0 == \"\" || M[i] < m0) m0 = M[i]; if (M[i] > m1) m1 = M[i] } " . \
	"if (n && peak > 0) printf \"at %.1fk req/s offered (%.0f%% of the highest\\nrate reached), p99 is already %.1f–%.1f ms\\nand p50 %.2f–%.2f ms: far from saturation,\\nso not a loaded queue (cause not traced;\\n2 vCPUs shared with Postgres and loadgen)\", lo / 1000, 100 * lo / peak, t0 / 1000, t1 / 1000, m0 / 1000, m1 / 1000 }"
low_note = system("awk -F'\t' '" . low_awk . "' '" . f . "'")

set xtics rotate by -30 left font ",11"
set format x "%g"
set grid xtics ytics lc rgb "#dddddd"
# A point whose achieved rate fell short of its offered rate (by more than 3%) is labelled with the
# offered rate (k req/s): that is where the curves bend back. Below that the x position is the offered
# rate, and labels there would only pile up. The third panel draws achieved against offered.
lbl(r, a) = a < 0.97 * r ? sprintf("%.1f", r / KILO) : ""

do for [fmt in "png svg pdf"] {
	eval term(fmt, "load", 1700, 640)
	set multiplot layout 1, 3 title sprintf("/%s latency against load: open loop, latency from intended send times; labels: offered k req/s where achieved fell short; n = %s per point, %s", Wl, N, BARS)
	do for [m in "p50_us p99_us"] {
		set title (m eq "p50_us" ? "median (p50)" : "p99")
		unset key
		set logscale y
		set yrange [*:*]
		eval lat_tics
		set xlabel "achieved throughput (k req/s)"
		set ylabel (m eq "p50_us" ? "p50 latency (log scale)" : "p99 latency (log scale)")
		set bmargin 5
		unset label 1
		if (m eq "p99_us" && strlen(low_note) > 0) { set label 1 low_note at graph 0.98, graph 0.2 right font ",9" textcolor rgb "#333333" front }
		plot for [i=1:ne] f using (column("rps") / KILO):(strcol("engine") eq word(E, i) ? column(m) : NaN):(column(m . LO)):(column(m . HI)) \
			with yerrorlines lw 2 pt 7 ps 0.9 lc rgb ecolor(word(E, i)) title word(E, i), \
		     for [i=1:ne] f using (column("rps") / KILO):(strcol("engine") eq word(E, i) ? column(m) : NaN):(lbl(column("rate"), column("rps"))) \
			with labels left offset 0.6, 0.35 font ",8" tc rgb ecolor(word(E, i)) notitle
	}
	unset label 1
	set title "achieved against offered"
	set key outside right top reverse Left
	unset logscale y
	set yrange [0:*]
	set ytics autofreq
	set format y "%g"
	set xlabel "offered rate (k req/s)"
	set ylabel krps
	plot x with lines dt 2 lc rgb grey(2) title "achieved = offered", \
	     for [i=1:ne] f using (column("rate") / KILO):(strcol("engine") eq word(E, i) ? column("rps") / KILO : NaN):(column("rps" . LO) / KILO):(column("rps" . HI) / KILO) \
		with yerrorlines lw 2 pt 7 ps 0.9 lc rgb ecolor(word(E, i)) title word(E, i)
	unset multiplot
}
