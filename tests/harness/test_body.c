/* test_body.c - rs_lg_valid_body: what each workload's answer must look like, and near misses. */
#include <stdio.h>
#include <string.h>

#include "loadgen.h"

static int failures;

static void expect(bool want, const char *path, int status, const char *body)
{
	bool got = rs_lg_valid_body(path, status, body, strlen(body));
	if (got != want) {
		fprintf(stderr, "FAIL: %s %d '%.80s': %s, expected %s\n", path, status, body, got ? "valid" : "invalid",
			want ? "valid" : "invalid");
		failures++;
	}
}

static const char fortunes[] =
	"<!DOCTYPE html><html><head><title>Fortunes</title></head><body><table>"
	"<tr><th>id</th><th>message</th></tr>"
	"<tr><td>11</td><td>&lt;script&gt;alert(&quot;This should not be displayed in a browser alert box.&quot;);"
	"&lt;/script&gt;</td></tr>"
	"<tr><td>4</td><td>A bad random number generator: 1, 1, 1, 1, 1, 4.33e+67, 1, 1, 1</td></tr>"
	"<tr><td>5</td><td>A computer program does what you tell it to do, not what you want it to do.</td></tr>"
	"<tr><td>2</td><td>A computer scientist is someone who fixes things that aren&#39;t broken.</td></tr>"
	"<tr><td>8</td><td>A list is only as strong as its weakest link. \xe2\x80\x94 Donald Knuth</td></tr>"
	"<tr><td>0</td><td>Additional fortune added at request time.</td></tr>"
	"<tr><td>3</td><td>After enough decimal places, nobody gives a damn.</td></tr>"
	"<tr><td>7</td><td>Any program that runs right is obsolete.</td></tr>"
	"<tr><td>10</td><td>Computers make very fast, very accurate mistakes.</td></tr>"
	"<tr><td>6</td><td>Emacs is a nice operating system, but I prefer UNIX. \xe2\x80\x94 Tom Christaensen</td></tr>"
	"<tr><td>9</td><td>Feature: A bug with seniority.</td></tr>"
	"<tr><td>1</td><td>fortune: No such file or directory</td></tr>"
	"<tr><td>12</td><td>\xe3\x83\x95\xe3\x83\xac\xe3\x83\xbc\xe3\x83\xa0\xe3\x83\xaf\xe3\x83\xbc\xe3\x82\xaf"
	"\xe3\x81\xae\xe3\x83\x99\xe3\x83\xb3\xe3\x83\x81\xe3\x83\x9e\xe3\x83\xbc\xe3\x82\xaf</td></tr>"
	"</table></body></html>";

static void test_fortunes(void)
{
	char buf[sizeof(fortunes) + 64];

	expect(true, "/fortunes", 200, fortunes);
	/* Unescaped script. */
	snprintf(buf, sizeof(buf), "%s", fortunes);
	memcpy(strstr(buf, "&lt;script&gt;"), "<script>      ", 14);
	expect(false, "/fortunes", 200, buf);
	/* A row missing: the added fortune. */
	snprintf(buf, sizeof(buf), "%s", fortunes);
	char *row = strstr(buf, "<tr><td>0</td>"), *end = strstr(row, "</tr>") + 5;
	memmove(row, end, strlen(end) + 1);
	expect(false, "/fortunes", 200, buf);
	/* Truncated. */
	snprintf(buf, sizeof(buf), "%.*s", (int)strlen(fortunes) - 10, fortunes);
	expect(false, "/fortunes", 200, buf);
}

int main(void)
{
	expect(true, "/plaintext", 200, "Hello, World!");
	expect(false, "/plaintext", 200, "Hello, World");
	expect(false, "/plaintext", 200, "Hello, World!\n");
	expect(false, "/plaintext", 500, "Hello, World!");

	expect(true, "/json", 200, "{\"message\":\"Hello, World!\"}");
	expect(true, "/json", 200, "{ \"message\" : \"Hello, World!\" }\n");
	expect(false, "/json", 200, "{\"message\":\"Hello, World\"}");
	expect(false, "/json", 200, "{\"msg\":\"Hello, World!\"}");
	expect(false, "/json", 200, "{\"message\":\"Hello, World!\"");
	expect(false, "/json", 200, "");

	expect(true, "/db", 200, "{\"id\":4174,\"randomNumber\":331}");
	expect(true, "/db", 200, "{\"randomNumber\": 10000, \"id\": 1}");
	expect(true, "/db", 200, "{\"id\":1,\"randomnumber\":2}");
	expect(false, "/db", 200, "{\"id\":0,\"randomNumber\":331}");
	expect(false, "/db", 200, "{\"id\":10001,\"randomNumber\":331}");
	expect(false, "/db", 200, "{\"id\":5,\"id\":6}");
	expect(false, "/db", 200, "[{\"id\":4174,\"randomNumber\":331}]");
	expect(false, "/db", 200, "{\"id\":4174}");
	expect(false, "/db", 200, "{\"id\":12,\"randomNumber\":331}x");

	expect(true, "/queries?queries=2", 200, "[{\"id\":1,\"randomNumber\":2},{\"id\":3,\"randomNumber\":4}]");
	expect(false, "/queries?queries=2", 200, "[{\"id\":1,\"randomNumber\":2}]");
	expect(false, "/queries?queries=1", 200, "{\"id\":1,\"randomNumber\":2}");
	expect(true, "/queries?queries=foo", 200, "[{\"id\":1,\"randomNumber\":2}]");
	expect(true, "/queries?queries=0", 200, "[{\"id\":1,\"randomNumber\":2}]");
	expect(true, "/queries", 200, "[{\"id\":1,\"randomNumber\":2}]");
	expect(true, "/updates?x=1&queries=2", 200, "[{\"id\":1,\"randomNumber\":2} , {\"id\":3,\"randomNumber\":4}]");
	{
		/* queries=9999 is clamped to 500 rows. */
		static char big[500 * 40 + 8];
		size_t n = 0;
		big[n++] = '[';
		for (int i = 0; i < 500; i++)
			n += (size_t)sprintf(big + n, "%s{\"id\":%d,\"randomNumber\":%d}", i ? "," : "", i + 1, 500 - i);
		big[n++] = ']';
		big[n] = '\0';
		expect(true, "/queries?queries=9999", 200, big);
		expect(false, "/queries?queries=499", 200, big);
	}

	expect(true, "/select42", 200, "db=42");
	expect(false, "/select42", 200, "db=43");
	expect(true, "/sleep?ms=5", 200, "slept=");
	expect(false, "/sleep?ms=5", 200, "db=");
	expect(false, "/error", 500, "SQLSTATE 22012: division by zero\n");
	expect(false, "/error", 200, "");
	expect(true, "/somewhere/else", 200, "anything");
	expect(false, "/somewhere/else", 302, "");

	test_fortunes();
	if (failures) {
		fprintf(stderr, "%d case(s) failed\n", failures);
		return 1;
	}
	printf("ok\n");
	return 0;
}
