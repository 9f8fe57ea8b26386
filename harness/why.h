/* why.h - INVALID runs counted by the tags of their reasons ("loadgen-bound", "dirty"), for export's and compare's notes. */
#pragma once
#include <stdbool.h>
#include <stdio.h>

#define RS_WHY_TAGS 16

struct rs_why {
	int n;                     /* runs counted */
	int ntags;
	int runs[RS_WHY_TAGS];     /* runs whose reason carries tags[i] */
	char tags[RS_WHY_TAGS][32];
};

/* Count one run whose verdict's reason is why: "tag: text,tag: text" or "tag,tag". */
void rs_why_add(struct rs_why *w, const char *why);
/* "left out N invalid runs (tag n, tag n)" to f ("kept" when they were kept); no newline. */
void rs_why_print(FILE *f, const struct rs_why *w, bool kept);
