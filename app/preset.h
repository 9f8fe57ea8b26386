/* preset.h - the presets compiled into this build (app/presets.tsv): a reactor paired with a Postgres driver. */
#ifndef RS_PRESET_H
#define RS_PRESET_H

#include <stddef.h>

struct rs_engine_ops;
struct rs_pg_ops;

/*
 * A preset is what --engine=NAME means: a reactor and a Postgres driver
 * (docs/DESIGN.md, "Presets"), declared in app/presets.tsv. The pairing is
 * the composition root's: engines and drivers know nothing of each other.
 */
struct rs_preset {
	const char *name;
	const char *summary;
	const struct rs_engine_ops *engine;
	const struct rs_pg_ops *driver;
};

const struct rs_preset *rs_preset_find(const char *name);
/* NULL-terminated list of every preset compiled in, in app/presets.tsv's order. */
const struct rs_preset *const *rs_preset_list(void);
/* Does every preset's driver find the reactor capabilities it needs (rs_pg_ops.engine_caps)?
 * 0, or -EINVAL with why filled; server and harness refuse to start on a bad pairing. */
int rs_presets_check(char *why, size_t size);
/* The preset names, "uring, epoll, ...", for error messages. */
void rs_preset_names(char *buf, size_t size);
/* Every preset of app/presets.tsv, built or not, space-separated: the figures' colour order. */
const char *rs_preset_palette_order(void);

#endif
