/* why.c - the tally of INVALID runs' reasons by tag, shared by export's and compare's notes. */
#include <string.h>

#include "why.h"

void rs_why_add(struct rs_why *w, const char *why)
{
	char tag[32];

	w->n++;
	for (const char *p = why; *p; p += *p == ',') {
		size_t len = strcspn(p, ",");
		snprintf(tag, sizeof(tag), "%.*s", (int)len, p);
		p += len;
		int i = 0;
		while (i < w->ntags && strcmp(w->tags[i], tag))
			i++;
		if (i == w->ntags && w->ntags < RS_WHY_TAGS)
			snprintf(w->tags[w->ntags++], sizeof(w->tags[0]), "%s", tag);
		if (i < w->ntags)
			w->runs[i]++;
	}
}

void rs_why_print(FILE *f, const struct rs_why *w, bool kept)
{
	fprintf(f, "%s %d invalid run%s", kept ? "kept" : "left out", w->n, w->n > 1 ? "s" : "");
	for (int i = 0; i < w->ntags; i++)
		fprintf(f, "%s%s %d", i ? ", " : " (", w->tags[i], w->runs[i]);
	if (w->ntags)
		fputc(')', f);
}
