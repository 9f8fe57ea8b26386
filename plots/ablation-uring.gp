# ablation-uring.gp - the uring engine with each io_uring optimisation switched off (--uring-no=): req/s and CPU per request.
# data: ablations/uring.tsv
lastslash(s, i) = i < 1 ? 0 : (s[i:i] eq "/" ? i : lastslash(s, i - 1))
load ARG0[1:lastslash(ARG0, strlen(ARG0))] . "style.gpi"

f = results . "/ablations/uring.tsv"
V = distinct(f, "variant", "all-on no-multishot no-bufring no-defer all-off")
W = distinct(f, "workload", workload_order)
nv = words(V)
nw = words(W)

set boxwidth 0.7
set xrange [0.4:nv + 0.6]
set yrange [0:*]
set grid ytics

do for [fmt in "png svg"] {
	eval term(fmt, "ablation-uring", 420 * nw + 120, 800)
	set multiplot layout 2, nw title "uring with one optimisation off at a time (--uring-no=multishot, bufring, defer), closed loop (median; bars: min–max)"
	do for [row=1:2] {
		m = row == 1 ? "rps" : "cpu_us_per_request"
		do for [j=1:nw] {
			w = word(W, j)
			set title row == 1 ? "/" . w : ""
			set ylabel (j == 1 ? (row == 1 ? "throughput (req/s)" : "server CPU (µs per request)") : "")
			set format y (row == 1 ? "%.0f" : "%g")
			unset xtics
			if (row == 1) { set xtics scale 0 format ""; set for [i=1:nv] xtics add ("" i) }
			if (row == 2) { set xtics () rotate by -30 left scale 0 font ",11"; set for [i=1:nv] xtics add (word(V, i) i) }
			plot f using (windex(V, strcol("variant"))):(strcol("workload") eq w ? column(m) : NaN):(ncolor(windex(V, strcol("variant")))) \
				with boxes lc rgb variable, \
			     f using (windex(V, strcol("variant"))):((strcol("workload") eq w ? column(m) : NaN) * 0 + (column(m . "_min"))):(0):((column(m . "_max")) - (column(m . "_min"))) \
				with vectors heads size screen 0.008,90 lc rgb "black" lw 1.5
		}
	}
	unset multiplot
}
