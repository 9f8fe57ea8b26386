# ablation-reactors.gp - libev epoll vs libev's io_uring backend (readiness) vs uring (completion + inline resume),
# uring-libpq between them (uring's reactor, libpq's driver): req/s and CPU per request.
# data: ablations/reactors.tsv
lastslash(s, i) = i < 1 ? 0 : (s[i:i] eq "/" ? i : lastslash(s, i - 1))
load ARG0[1:lastslash(ARG0, strlen(ARG0))] . "style.gpi"

f = results . "/ablations/reactors.tsv"
LO = lo_of(f); HI = hi_of(f); BARS = bars_of(f); N = runs_of(f)
# These four in this order, those the table has (an engine with no rows gets no empty slot).
want = "epoll libev-uring uring-libpq uring"
present = distinct(f, "engine", want)
E = ""
do for [i=1:words(want)] { if (windex(present, word(want, i)) > 0) { E = E . word(want, i) . " " } }
W = distinct(f, "workload", workload_order)
ne = words(E)
nw = words(W)

set boxwidth 0.7
set xrange [0.4:ne + 0.6]
set yrange [0:*]
set grid ytics

do for [fmt in "png svg pdf"] {
	eval term(fmt, "ablation-reactors", 400 * nw + 120, 800)
	set multiplot layout 2, nw title "Readiness (epoll, libev io\\_uring) against completion (uring), closed loop (median, n = " . N . "; " . BARS . ")"
	do for [row=1:2] {
		m = row == 1 ? "rps" : "cpu_us_per_request"
		u = row == 1 ? KILO : 1
		do for [j=1:nw] {
			w = word(W, j)
			set title row == 1 ? "/" . w : ""
			set ylabel (j == 1 ? (row == 1 ? krps : "server CPU (µs per request)") : "")
			set format y "%g"
			unset xtics
			if (row == 1) { set xtics scale 0 format ""; set for [i=1:ne] xtics add ("" i) }
			if (row == 2) { set xtics () rotate by -30 left scale 0 font ",11"; set for [i=1:ne] xtics add (word(E, i) i) }
			plot f using (windex(E, strcol("engine")) ? windex(E, strcol("engine")) : NaN):(strcol("workload") eq w ? column(m) / u : NaN):(ecolor(strcol("engine"))) \
				with boxes lc rgb variable, \
			     f using (windex(E, strcol("engine")) ? windex(E, strcol("engine")) : NaN):((strcol("workload") eq w ? column(m) : NaN) * 0 + column(m . LO) / u):(0):((column(m . HI) - column(m . LO)) / u) \
				with vectors heads size screen 0.008,90 lc rgb "black" lw 1.5
		}
	}
	unset multiplot
}
