# restart.gp - requests and errors per second across a Postgres restart, one panel per engine.
# data: restart/restart.tsv
lastslash(s, i) = i < 1 ? 0 : (s[i:i] eq "/" ? i : lastslash(s, i - 1))
load ARG0[1:lastslash(ARG0, strlen(ARG0))] . "style.gpi"

f = results . "/restart/restart.tsv"
E = distinct(f, "engine", engine_order)
ne = words(E)
cols = ne < 3 ? ne : 3
rows = (ne + cols - 1) / cols

set ylabel "responses (k/s)"
# One scale for every panel, so that engines compare.
stats f using (column("errors")) nooutput
emax = STATS_max
stats f using (column("requests")) nooutput
# headroom above the data for the key of the first panel
rmax = (STATS_max * 1.5 + 1) / KILO
set yrange [0:rmax]
set ytics nomirror
set format y "%g"
# The errors axis only when some engine had errors: an empty axis is noise.
if (emax > 0) {
	set y2label "errors per second (dashed)"
	set y2range [0:emax * 1.15]
	set y2tics nomirror
	set format y2 "%.0f"
	errs_note = ""
} else {
	unset y2label; unset y2tics
	errs_note = " (no errors in any engine)"
}
stats f using (column("second")) nooutput
set xrange [0:STATS_max]
set key top center horizontal maxcols 3 box opaque
# Responses and errors are not engines: grey, told apart by line style (style.gpi).
c_resp = grey(1)
c_err = grey(2)
xl_col = int(cols / 2) + 1

do for [fmt in "png svg pdf"] {
	eval term(fmt, "restart", 430 * cols + 80, 330 * rows + 80)
	set multiplot layout rows, cols title "A Postgres restart under /select42 load: each engine's responses and errors per second" . errs_note
	do for [i=1:ne] {
		e = word(E, i)
		set title e textcolor rgb ecolor(e)
		if (i == 1) { set key } else { unset key }
		# One x label, under the bottom row's middle panel (the machine note is bottom left).
		if (i > ne - cols && (i - 1) % cols + 1 == xl_col) { set xlabel "time since measuring began (s)" } else { unset xlabel }
		# Each second's count is drawn at the middle of that second; the grey band is the restart itself
		# (run.json fault.at_s .. + duration_s, from the timeline export), drawn once (second 1's row).
		sel(e) = strcol("engine") eq e && column("second") == 1 && column("fault_at_s") == column("fault_at_s")
		if (emax > 0) {
			plot f using (sel(e) ? column("fault_at_s") + column("fault_duration_s") / 2 : NaN):(rmax / 2):(column("fault_at_s")):(column("fault_at_s") + column("fault_duration_s")):(0):(rmax) \
				with boxxyerror fs transparent solid 0.2 noborder lc rgb "#555555" title "Postgres restarting", \
			     f using (column("second") - 0.5):(strcol("engine") eq e ? column("requests") / KILO : NaN) with linespoints lw 2 pt 7 ps 0.6 lc rgb c_resp title "responses/s", \
			     f using (column("second") - 0.5):(strcol("engine") eq e ? column("errors") : NaN) axes x1y2 with linespoints lw 2 dt 2 pt 5 ps 0.6 lc rgb c_err title "errors/s"
		} else {
			plot f using (sel(e) ? column("fault_at_s") + column("fault_duration_s") / 2 : NaN):(rmax / 2):(column("fault_at_s")):(column("fault_at_s") + column("fault_duration_s")):(0):(rmax) \
				with boxxyerror fs transparent solid 0.2 noborder lc rgb "#555555" title "Postgres restarting", \
			     f using (column("second") - 0.5):(strcol("engine") eq e ? column("requests") / KILO : NaN) with linespoints lw 2 pt 7 ps 0.6 lc rgb c_resp title "responses/s"
		}
	}
	unset multiplot
}
