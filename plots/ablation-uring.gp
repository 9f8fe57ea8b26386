# ablation-uring.gp - the uring engine with each io_uring optimisation switched off (--uring-no=), or on (with-minwait): req/s and CPU per request.
# data: ablations/uring.tsv
lastslash(s, i) = i < 1 ? 0 : (s[i:i] eq "/" ? i : lastslash(s, i - 1))
load ARG0[1:lastslash(ARG0, strlen(ARG0))] . "style.gpi"

f = results . "/ablations/uring.tsv"
LO = lo_of(f); HI = hi_of(f); BARS = bars_of(f); N = runs_of(f)
V = distinct(f, "variant", "all-on no-multishot no-bufring no-defer no-link no-asyncflush no-fixedfiles no-clientfixed all-off with-minwait")
W = distinct(f, "workload", workload_order)
nv = words(V)
nw = words(W)

set boxwidth 0.7
set xrange [0.4:nv + 0.6]
set yrange [0:*]
set grid ytics

# Every bar is the uring engine, so uring's colour; the variant is its x position and its fill (solid:
# all optimisations on, then hatchings), never another engine's colour. One clause per variant, as a
# fill style cannot vary within one clause.
plot_bars = ""
do for [k=1:nv] {
	plot_bars = plot_bars . sprintf("f using (strcol('variant') eq '%s' ? %d : NaN):(strcol('workload') eq w ? column(m) / u : NaN) with boxes lc rgb ecolor('uring') %s, ", word(V, k), k, hatch(k))
}

do for [fmt in "png svg pdf"] {
	eval term(fmt, "ablation-uring", (55 * nv + 140) * nw + 120, 800)
	set multiplot layout 2, nw title "uring with one optimisation off at a time (--uring-no=NAME), closed loop\n(median, n = " . N . "; " . BARS . "; fill: the variant)"
	do for [row=1:2] {
		m = row == 1 ? "rps" : "cpu_us_per_request"
		u = row == 1 ? KILO : 1
		do for [j=1:nw] {
			w = word(W, j)
			set title row == 1 ? "/" . w : ""
			set ylabel (j == 1 ? (row == 1 ? krps : "server CPU (µs per request)") : "")
			set format y "%g"
			unset xtics
			if (row == 1) { set xtics scale 0 format ""; set for [i=1:nv] xtics add ("" i) }
			if (row == 2) { set xtics () rotate by -30 left scale 0 font ",11"; set for [i=1:nv] xtics add (word(V, i) i) }
			eval "plot " . plot_bars . \
			     "f using (windex(V, strcol('variant'))):((strcol('workload') eq w ? column(m) : NaN) * 0 + column(m . LO) / u):(0):((column(m . HI) - column(m . LO)) / u) with vectors heads size screen 0.008,90 lc rgb 'black' lw 1.5"
		}
	}
	unset multiplot
}
