/* placement.c - reactors on the last --cores CPUs of the inherited affinity (taskset, cgroups). */
#include <errno.h>
#include <sched.h>
#include <stdio.h>

#include "placement.h"

int rs_place_reactors(long cores, int *cpu_of)
{
	cpu_set_t set;
	int all[CPU_SETSIZE], n = 0;

	if (sched_getaffinity(0, sizeof(set), &set))
		return -errno;
	for (int c = 0; c < CPU_SETSIZE; c++)
		if (CPU_ISSET(c, &set))
			all[n++] = c;
	if (n == 0)
		return -ENODEV;
	/* Reactor 0 on the first of the last `cores` CPUs, so a 1-core server
	 * takes the last allowed CPU and leaves the first ones to the load. */
	int first = cores >= n ? 0 : n - (int)cores;
	for (long i = 0; i < cores; i++)
		cpu_of[i] = all[(first + i) % n];
	return cores > n ? (int)(cores - n) : 0;
}

void rs_place_report(const int *cpu_of, long cores)
{
	for (long i = 0; i < cores; i++) {
		int shared = 0;
		for (long j = 0; j < cores; j++)
			if (j != i && cpu_of[j] == cpu_of[i])
				shared = 1;
		fprintf(stderr, "ringside: reactor %ld -> CPU %d%s\n", i, cpu_of[i],
			shared ? " (warning: shared with another reactor)" : "");
	}
}
