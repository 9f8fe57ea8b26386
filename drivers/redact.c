/* redact.c - hide the password of a Postgres URL or keyword string before it is printed or saved. */
#include <ctype.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "pg.h"

/* Replace s[from, to) by "***" in place; s has room for a secret shorter than
 * that (see rs_pg_redact). Returns the index after the stars. */
static size_t stars(char *s, size_t from, size_t to)
{
	memmove(s + from + 3, s + to, strlen(s + to) + 1);
	memcpy(s + from, "***", 3);
	return from + 3;
}

/* scheme://user:secret@host -> scheme://user:***@host */
static void redact_userinfo(char *s)
{
	char *auth = strstr(s, "://");
	if (!auth)
		return;
	auth += 3;
	size_t end = strcspn(auth, "/?#");
	char *at = NULL;
	for (size_t i = 0; i < end; i++)
		if (auth[i] == '@')
			at = auth + i;
	char *colon = at ? memchr(auth, ':', (size_t)(at - auth)) : NULL;
	if (colon)
		stars(s, (size_t)(colon + 1 - s), (size_t)(at - s));
}

/* The end of a keyword value starting at i: 'quoted \' value' or up to a space or '&'. */
static size_t value_end(const char *s, size_t i)
{
	if (s[i] == '\'') {
		for (i++; s[i] && s[i] != '\''; i++)
			if (s[i] == '\\' && s[i + 1])
				i++;
		return s[i] ? i + 1 : i;
	}
	while (s[i] && !isspace((unsigned char)s[i]) && s[i] != '&')
		i++;
	return i;
}

/* password=secret, in "host=h password=secret" or "...?sslmode=x&password=secret". */
static void redact_keyword(char *s)
{
	size_t i = 0;
	while (s[i]) {
		bool boundary = i == 0 || isspace((unsigned char)s[i - 1]) || s[i - 1] == '?' || s[i - 1] == '&';
		if (!boundary || strncasecmp(s + i, "password", 8)) {
			i++;
			continue;
		}
		size_t j = i + 8;
		while (s[j] == ' ')
			j++;
		if (s[j] != '=') {
			i = j;
			continue;
		}
		j++;
		while (s[j] == ' ')
			j++;
		size_t end = value_end(s, j);
		i = stars(s, j, end);
	}
}

char *rs_pg_redact(const char *url)
{
	if (!url)
		return NULL;
	/* Each secret, even an empty one, grows to at most 3 bytes: twice the length is plenty. */
	size_t n = strlen(url);
	char *s = malloc(2 * n + 8);
	if (!s)
		return NULL;
	memcpy(s, url, n + 1);
	redact_userinfo(s);
	redact_keyword(s);
	return s;
}
