/* fuzz_hlog.c - fuzz target: a latency.hlog line's histogram (base64, zlib, V2 counts) decoded; what decodes re-encodes to the same counts. */
#include <errno.h>

#include "fuzz.h"

#include "harness/hist.h"
#include "harness/hist_int.h"
#include "harness/hlog.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct rs_hist *h, *back;
	char *text = fuzz_dup(data, size), *b64 = NULL;

	if (!h && (rs_hist_new(&h) || rs_hist_new(&back)))
		abort();
	int err = rs_hlog_decode(text, size, h);
	REQUIRE(!err || err == -EINVAL || err == -EPROTO || err == -ENOMEM);
	if (err) {
		REQUIRE(rs_hist_count(h) == 0);
	} else {
		/* Hosts' logs are merged from what decodes: it must be a histogram like any other. */
		uint64_t total = 0;
		for (size_t i = 0; i < COUNTS; i++)
			total += h->counts[i];
		REQUIRE(total == rs_hist_count(h));
		REQUIRE(rs_hist_percentile(h, 99.9) <= rs_hist_max(h));
		REQUIRE(!rs_hlog_encode(h, &b64));
		REQUIRE(!rs_hlog_decode(b64, strlen(b64), back));
		for (size_t i = 0; i < COUNTS; i++)
			REQUIRE(back->counts[i] == h->counts[i]);
		free(b64);
	}
	free(text);
	return 0;
}
