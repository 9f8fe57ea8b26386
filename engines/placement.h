/* placement.h - which CPU each reactor goes on, taken from the process's allowed set. */
#pragma once

/* Without an explicit list, reactors go on the last `cores` CPUs of the
 * sched_getaffinity set (wrapping round it when cores exceeds it), never
 * outside it. Fills cpu_of[cores]; returns how many CPUs are shared by two
 * reactors (0: none), or negative errno. */
int rs_place_reactors(long cores, int *cpu_of);

/* Prints "reactor i -> CPU c" for each, and a warning for any shared CPU. */
void rs_place_report(const int *cpu_of, long cores);
