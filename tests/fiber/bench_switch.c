/* bench_switch.c - `meson test --benchmark` entry point for the fiber switch benchmark. */
#include "bench.h"

int main(int argc, char **argv)
{
	return rs_bench_fiber_main(argc, argv);
}
