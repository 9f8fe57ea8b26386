/* paths.h - where the harness finds its data and keeps its state: the source tree from build/, else beside the installed binary. */
#ifndef RS_PATHS_H
#define RS_PATHS_H

/*
 * The directory holding plots/ and harness/sql/: the source tree when the
 * binary runs from its build directory, else $RINGSIDE_DATA_DIR, else
 * <the binary's directory>/RS_BIN_TO_DATA (the install's share/ringside):
 * so an installed tree still works after it is moved.
 */
const char *rs_path_data(void);

/* Whether the binary runs from the build directory it was built in (or below it: the tests). */
#include <stdbool.h>
bool rs_path_in_build(void);

/* Where results/ go by default: the source tree's results/ from build/, else ./results. */
const char *rs_path_results(void);

/* rs_path_results()/runs: where every run's directory goes by default. */
const char *rs_path_runs(void);

/* rs_path_data()/rel into out (truncated to size); returns out. */
#include <stddef.h>
const char *rs_path_in_data(const char *rel, char *out, size_t size);

/* The private cluster's default directory: <build>/pg, else ~/.local/state/ringside/pg. */
const char *rs_path_pg(void);

#endif
