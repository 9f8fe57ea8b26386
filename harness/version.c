/* version.c - `--version`: the version, the commit it was built from and the build options. */
#include <stdio.h>

#include "engine.h"
#include "preset.h"
#include "rs_build_info.h"
#include "rs_config.h"
#include "version.h"

void rs_print_version(const char *prog)
{
	const struct rs_preset *const *list = rs_preset_list();

	printf("%s %s\ncommit: %s\nbuild: %s\npresets:", prog, RS_VERSION, RS_COMMIT, RS_BUILD_OPTIONS);
	for (size_t i = 0; list[i]; i++)
		printf(" %s", list[i]->name);
	printf("\n");
}
