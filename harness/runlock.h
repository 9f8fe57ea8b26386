/* runlock.h - one measuring run per machine: an flock held from warm-up to the end of measurement. */
#ifndef RS_RUNLOCK_H
#define RS_RUNLOCK_H

#include <stdbool.h>

/*
 * Take the machine's measuring lock (/run/ringside-measure.lock, or
 * results_dir/.measure.lock when /run is not writable). When another run
 * holds it, print that this one waits and for whom (PID, command), then
 * wait; with no_wait, print who holds it and return -EBUSY instead.
 * Returns the lock's fd (>= 0) or negative errno.
 */
int rs_runlock_take(const char *results_dir, bool no_wait);

/* Release a lock taken by rs_runlock_take (fd < 0: nothing). */
void rs_runlock_release(int fd);

#endif
