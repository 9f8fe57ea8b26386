/* fuzz_resp.c - fuzz target: RESP2 framing and walking of server bytes, whole against split at drawn points. */
#include <errno.h>

#include "fuzz.h"

#include "resp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf = fuzz_dup(data, size);
	size_t off = 0;
	uint32_t seed = size ? data[0] : 1;

	/* Frame reply after reply; each must walk inside its own bytes. */
	while (off < size) {
		ssize_t n = rs_resp_frame(buf + off, size - off);
		REQUIRE(n == 0 || n == -EPROTO || (n > 0 && (size_t)n <= size - off));
		if (n <= 0)
			break;
		/* A strict prefix is incomplete, never a shorter reply or an error. */
		size_t cut = fuzz_rand(&seed) % (size_t)n;
		char *prefix = fuzz_dup(buf + off, cut);
		REQUIRE(rs_resp_frame(prefix, cut) == 0);
		free(prefix);
		struct rs_resp_walk w;
		struct rs_resp_value v;
		rs_resp_walk_init(&w, buf + off, (size_t)n);
		while (rs_resp_next(&w, &v)) {
			REQUIRE(w.p <= w.end);
			if (v.str)
				REQUIRE(v.str >= buf + off && v.str + v.len <= buf + off + n);
		}
		off += (size_t)n;
	}
	free(buf);
	return 0;
}
