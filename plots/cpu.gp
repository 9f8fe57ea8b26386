# cpu.gp - server CPU microseconds and syscalls per request, per engine (columns: workloads), closed loop.
# data: cpu/cpu.tsv
lastslash(s, i) = i < 1 ? 0 : (s[i:i] eq "/" ? i : lastslash(s, i - 1))
load ARG0[1:lastslash(ARG0, strlen(ARG0))] . "style.gpi"

f = results . "/cpu/cpu.tsv"
LO = lo_of(f); HI = hi_of(f); BARS = bars_of(f); N = runs_of(f)
E = distinct(f, "engine", engine_order)
W = distinct(f, "workload", workload_order)
ne = words(E)
nw = words(W)

set boxwidth 0.7
set xrange [0.4:ne + 0.6]
set yrange [0:*]
set grid ytics
metric1 = "cpu_us_per_request"
metric2 = "syscalls_per_request"
# No syscall counts (perf could not count them on the machine): no empty second row.
nrows = nonzero(f, metric2) > 0 ? 2 : 1

do for [fmt in "png svg pdf"] {
	eval term(fmt, "cpu", 380 * nw + 120, nrows == 2 ? 820 : 480)
	set multiplot layout nrows, nw title "Server cost per request, closed loop, " . reactors(f) . " (median of the runs, n = " . N . "; " . BARS . ")"
	do for [row=1:nrows] {
		m = row == 1 ? metric1 : metric2
		do for [j=1:nw] {
			w = word(W, j)
			set title row == 1 ? "/" . w : ""
			set ylabel (j == 1 ? (row == 1 ? "server CPU (µs per request, user+sys)" : "syscalls per request (perf)") : "")
			if (row == 1 && nrows == 2) { set xtics scale 0 format "" ; set for [i=1:ne] xtics add ("" i) }
			if (row == nrows) { unset xtics; set xtics () rotate by -35 left scale 0 font ",11"; set for [i=1:ne] xtics add (word(E, i) i) }
			plot f using (windex(E, strcol("engine"))):(strcol("workload") eq w ? column(m) : NaN):(ecolor(strcol("engine"))) \
				with boxes lc rgb variable, \
			     f using (windex(E, strcol("engine"))):((strcol("workload") eq w ? column(m) : NaN) * 0 + (column(m . LO))):(0):((column(m . HI)) - (column(m . LO))) \
				with vectors heads size screen 0.008,90 lc rgb "black" lw 1.5
		}
	}
	unset multiplot
}
