/* plot.h - `harness plot` (the figures from results/paper) and `harness paper` (figures, tables, PDF). */
#ifndef RS_PLOT_H
#define RS_PLOT_H

/*
 * Run every *.gp script of plots_dir with gnuplot (results='results', out='out'),
 * skipping a script whose "# data:" tables are missing or empty (it is
 * listed as lacking data). 0; 1 when gnuplot is missing or a script
 * failed; 2 on a bad path. keep (RS_EXPORT_KEEP_INVALID, run.h): drawing from
 * a directory of runs, which runs stay in.
 */
int rs_plot_all(const char *results, const char *out, const char *plots_dir, unsigned keep);

int rs_plot_main(int argc, char **argv);
int rs_paper_main(int argc, char **argv);

#endif
