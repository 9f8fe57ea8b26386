/* fuzz_scram.c - fuzz target: the SCRAM-SHA-256 client's parsing of server-first and server-final messages. */

/*
 * Input: the server-first-message, then optionally a NUL and the
 * server-final-message (SCRAM messages are printable, so NUL can separate
 * them). The client nonce and password are those of the exchange recorded
 * from PostgreSQL in tests/pgwire/recorded.h, so the seed made from it
 * walks the whole exchange to a verified server signature, and mutations of
 * it reach every check on the way.
 *
 * The fuzz build lowers RS_SCRAM_MAX_ITER (see tests/fuzz/meson.build):
 * a server asking for a million PBKDF2 rounds is refused only above the
 * real cap, and one such input would otherwise take a second.
 */
#include <errno.h>

#include "fuzz.h"

#include "buf.h"
#include "scram.h"

#define NONCE "pgwtestnonce0123456789AB"
#define PASSWORD "scrampass"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nul = memchr(data, '\0', size);
	size_t first_len = nul ? (size_t)(nul - data) : size;
	struct rs_buf out = { 0 }, final = { 0 };
	struct rs_scram s;
	char *first, *last = NULL;
	int err;

	REQUIRE(rs_scram_start(&s, "", NONCE, &out) == 0);
	REQUIRE(out.len == strlen("n,,n=,r=" NONCE));
	first = fuzz_dup(data, first_len);
	err = rs_scram_continue(&s, PASSWORD, first, first_len, &final);
	REQUIRE(err == 0 || err == -EBADMSG);
	if (err) {
		/* Refused: nothing half-written, and a reason to log. */
		REQUIRE(final.len == 0 && s.why);
		goto out;
	}
	/* client-final: our nonce extended by the server's, and a 32-byte proof in base64. */
	REQUIRE(final.len > strlen("c=biws,r=" NONCE ",p=") + 44 - 1);
	REQUIRE(!memcmp(rs_buf_head(&final), "c=biws,r=" NONCE, strlen("c=biws,r=" NONCE)));
	REQUIRE(!memcmp(rs_buf_head(&final) + final.len - 47, ",p=", 3));
	if (!nul)
		goto out;
	last = fuzz_dup(nul + 1, size - first_len - 1);
	err = rs_scram_finish(&s, last, size - first_len - 1);
	REQUIRE(err == 0 || err == -EBADMSG || err == -EACCES);
	REQUIRE(err == 0 || s.why);
	/* The exchange is over either way: a second final is refused. */
	if (!err)
		REQUIRE(rs_scram_finish(&s, last, size - first_len - 1) == -EINVAL);
out:
	rs_scram_clear(&s);
	rs_buf_free(&out);
	rs_buf_free(&final);
	free(first);
	free(last);
	return 0;
}
