/* hlog.c - latency.hlog: HdrHistogram's interval log (V2 compressed histograms, zlib + base64), written and read. */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>
#include <zlib.h>

#include "hist.h"
#include "hist_file.h"
#include "hist_int.h"
#include "hlog.h"
#include "rs_config.h"

/*
 * A V2 histogram is a 40-byte big-endian header (cookie, payload length,
 * normalizing index offset, significant digits, lowest discernible value,
 * highest trackable value, integer-to-double ratio as IEEE bits) and the
 * counts from index 0 to the last non-empty one, each a ZigZag LEB128
 * integer where a negative number -k stands for k empty buckets in a row.
 * The compressed form wraps that in a cookie, a length and zlib's deflate
 * stream; the log carries it in base64. HdrHistogram's writers set 0x10 in
 * the cookie's low byte (its word-size nibble); readers mask that nibble.
 */
#define V2_ENCODING 0x1c849303u
#define V2_COMPRESSED 0x1c849304u
#define COOKIE_FLAG 0x10u
#define COOKIE_BASE(c) ((c) & ~0xf0u)
#define HEADER_LEN 40
#define WRAP_LEN 8
#define LEB_MAX 9 /* 64 bits: 8 bytes of 7 bits, then one of 8 */
#define SIG_DIGITS 3
#define MS_PER_US 1000.0

static void put32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (24 - 8 * i));
}

static void put64(uint8_t *p, uint64_t v)
{
	put32(p, (uint32_t)(v >> 32));
	put32(p + 4, (uint32_t)v);
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint64_t get64(const uint8_t *p)
{
	return (uint64_t)get32(p) << 32 | get32(p + 4);
}

static size_t zigzag_put(uint8_t *p, int64_t v)
{
	uint64_t u = ((uint64_t)v << 1) ^ (v < 0 ? UINT64_MAX : 0);
	size_t n = 0;
	while (n < LEB_MAX - 1 && u >= 0x80) {
		p[n++] = (uint8_t)(u | 0x80);
		u >>= 7;
	}
	p[n++] = (uint8_t)u;
	return n;
}

/* Bytes read from p[0..avail), or 0 when the number runs past the end. */
static size_t zigzag_get(const uint8_t *p, size_t avail, int64_t *v)
{
	uint64_t u = 0;
	size_t n = 0;
	for (unsigned shift = 0;; shift += 7) {
		if (n == avail)
			return 0;
		uint8_t b = p[n++];
		if (n == LEB_MAX) {
			u |= (uint64_t)b << shift;
			break;
		}
		u |= (uint64_t)(b & 0x7f) << shift;
		if (!(b & 0x80))
			break;
	}
	*v = (int64_t)(u >> 1) ^ -(int64_t)(u & 1);
	return n;
}

/* The uncompressed V2 encoding of h into buf (HEADER_LEN + LEB_MAX * COUNTS bytes); its length. */
static size_t encode_raw(const struct rs_hist *h, uint8_t *buf)
{
	size_t limit = h->total ? h->hi + 1 : 1, n = HEADER_LEN;
	double ratio = 1.0;
	uint64_t ratio_bits;

	for (size_t i = 0; i < limit;) {
		if (h->counts[i]) {
			n += zigzag_put(buf + n, (int64_t)h->counts[i++]);
			continue;
		}
		size_t zeros = 0;
		while (i < limit && !h->counts[i])
			zeros++, i++;
		n += zigzag_put(buf + n, -(int64_t)zeros);
	}
	memcpy(&ratio_bits, &ratio, sizeof(ratio_bits));
	put32(buf, V2_ENCODING | COOKIE_FLAG);
	put32(buf + 4, (uint32_t)(n - HEADER_LEN));
	put32(buf + 8, 0);
	put32(buf + 12, SIG_DIGITS);
	put64(buf + 16, 1);
	put64(buf + 24, HIGHEST_US);
	put64(buf + 32, ratio_bits);
	return n;
}

int rs_hlog_encode(const struct rs_hist *h, char **b64)
{
	size_t raw_cap = HEADER_LEN + (size_t)LEB_MAX * COUNTS;
	uint8_t *raw = malloc(raw_cap);
	uLongf zlen = compressBound((uLong)raw_cap);
	uint8_t *z = raw ? malloc(WRAP_LEN + zlen) : NULL;
	char *out = NULL;
	int err = z ? 0 : -ENOMEM;

	if (!err) {
		size_t n = encode_raw(h, raw);
		if (compress(z + WRAP_LEN, &zlen, raw, (uLong)n) != Z_OK)
			err = -ENOMEM; /* compress fails only for want of memory with a bound-sized buffer */
	}
	if (!err) {
		put32(z, V2_COMPRESSED | COOKIE_FLAG);
		put32(z + 4, (uint32_t)zlen);
		size_t len = WRAP_LEN + zlen;
		out = malloc(4 * ((len + 2) / 3) + 1);
		if (out)
			EVP_EncodeBlock((unsigned char *)out, z, (int)len);
		else
			err = -ENOMEM;
	}
	free(raw);
	free(z);
	*b64 = out;
	return err;
}

/* The counts of a V2 payload into h. */
static int decode_counts(const uint8_t *p, size_t len, struct rs_hist *h)
{
	size_t idx = 0, last = rs_hist_index_of(HIGHEST_US);
	int64_t v;

	for (size_t pos = 0; pos < len;) {
		size_t used = zigzag_get(p + pos, len - pos, &v);
		if (!used)
			return -EINVAL;
		pos += used;
		if (v < 0) {
			uint64_t zeros = (uint64_t)-(v + 1) + 1; /* -v without overflow at INT64_MIN */
			if (zeros > SIZE_MAX - idx)
				return -EINVAL;
			idx += (size_t)zeros;
			continue;
		}
		if (v > 0) {
			/* A wider layout's values past 60 s: clamped, as recording them would. */
			rs_hist_add_bucket(h, idx < last ? idx : last, (uint64_t)v);
			if (idx > last)
				h->clamped += (uint64_t)v;
		}
		idx++;
	}
	return 0;
}

/* A V2 encoding's header checked, its counts into h. */
static int decode_raw(const uint8_t *raw, size_t n, struct rs_hist *h)
{
	if (n < HEADER_LEN || COOKIE_BASE(get32(raw)) != V2_ENCODING)
		return -EPROTO;
	uint32_t payload = get32(raw + 4);
	if (payload != n - HEADER_LEN)
		return -EINVAL;
	/* Another unit or precision would put counts in other buckets; a normalizing offset shifts them. */
	if (get32(raw + 8) != 0 || get32(raw + 12) != SIG_DIGITS || get64(raw + 16) != 1)
		return -EPROTO;
	return decode_counts(raw + HEADER_LEN, payload, h);
}

int rs_hlog_decode(const char *s, size_t len, struct rs_hist *h)
{
	rs_hist_reset(h);
	while (len && (s[len - 1] == '\n' || s[len - 1] == '\r' || s[len - 1] == ' '))
		len--;
	if (!len || len % 4 || len > INT32_MAX)
		return -EINVAL;
	uint8_t *bin = malloc(len / 4 * 3 + 1);
	/* Ringside's own layout holds no more than this uncompressed; a larger one is another layout. */
	uLongf raw_len = HEADER_LEN + (uLongf)LEB_MAX * COUNTS * 4;
	uint8_t *raw = bin ? malloc(raw_len) : NULL;
	int err = raw ? 0 : -ENOMEM;
	int n = err ? -1 : EVP_DecodeBlock(bin, (const unsigned char *)s, (int)len);

	if (!err && n < 0)
		err = -EINVAL;
	/* EVP_DecodeBlock counts the padding as zero bytes. */
	for (size_t k = len; !err && k > len - 2 && s[k - 1] == '='; k--)
		n--;
	if (!err && (n < WRAP_LEN || COOKIE_BASE(get32(bin)) != V2_COMPRESSED))
		err = n < WRAP_LEN ? -EINVAL : -EPROTO;
	if (!err && get32(bin + 4) > (uint32_t)(n - WRAP_LEN))
		err = -EINVAL;
	if (!err) {
		int z = uncompress(raw, &raw_len, bin + WRAP_LEN, get32(bin + 4));
		err = z == Z_OK ? 0 : z == Z_BUF_ERROR ? -EPROTO : z == Z_MEM_ERROR ? -ENOMEM : -EINVAL;
	}
	if (!err)
		err = decode_raw(raw, raw_len, h);
	free(bin);
	free(raw);
	if (err)
		rs_hist_reset(h);
	return err;
}

static int write_line(FILE *f, const struct rs_hlog_interval *iv)
{
	char *b64;
	int err = rs_hlog_encode(iv->h, &b64);
	if (err)
		return err;
	if (iv->tag)
		fprintf(f, "Tag=%s,", iv->tag);
	fprintf(f, "%.3f,%.3f,%.3f,%s\n", iv->start_s, iv->length_s, (double)rs_hist_max(iv->h) / MS_PER_US, b64);
	free(b64);
	return 0;
}

int rs_hlog_write(FILE *f, double start_unix_s, const struct rs_hlog_interval *iv, int n)
{
	time_t t = (time_t)start_unix_s;
	struct tm tm;
	char date[64] = "";

	if (gmtime_r(&t, &tm))
		strftime(date, sizeof(date), "%a %b %d %H:%M:%S UTC %Y", &tm);
	fprintf(f, "#[Logged with ringside " RS_VERSION ": values in microseconds, Interval_Max in milliseconds; "
		   "untagged lines are 1 s intervals, Tag=run the whole run]\n");
	fprintf(f, "#[Histogram log format version 1.3]\n");
	fprintf(f, "#[StartTime: %.3f (seconds since epoch), %s]\n", start_unix_s, date);
	fprintf(f, "#[BaseTime: %.3f (seconds since epoch)]\n", start_unix_s);
	fprintf(f, "\"StartTimestamp\",\"Interval_Length\",\"Interval_Max\",\"Interval_Compressed_Histogram\"\n");
	for (int i = 0; i < n; i++) {
		int err = write_line(f, &iv[i]);
		if (err)
			return err;
	}
	return ferror(f) ? -EIO : 0;
}

int rs_hlog_save(const char *dir, const char *name, double start_unix_s, const struct rs_hlog_interval *iv, int n)
{
	char path[4096];
	if (snprintf(path, sizeof path, "%s/%s", dir, name) >= (int)sizeof path)
		return -ENAMETOOLONG;
	FILE *f = fopen(path, "w");
	if (!f)
		return -errno;
	int err = rs_hlog_write(f, start_unix_s, iv, n);
	if (fclose(f) && !err)
		err = -errno;
	return err;
}

/* One interval line ("[Tag=T,]start,length,max,base64") decoded into h; iv->tag points into line. */
static int parse_line(char *line, struct rs_hlog_interval *iv, struct rs_hist *h)
{
	char *p = line, *end;

	iv->tag = NULL;
	if (!strncmp(p, "Tag=", 4)) {
		char *comma = strchr(p, ',');
		if (!comma)
			return -EINVAL;
		*comma = '\0';
		iv->tag = p + 4;
		p = comma + 1;
	}
	double *field[3] = { &iv->start_s, &iv->length_s, &iv->max_ms };
	for (int k = 0; k < 3; k++) {
		*field[k] = strtod(p, &end);
		if (end == p || *end != ',')
			return -EINVAL;
		p = end + 1;
	}
	iv->h = h;
	return rs_hlog_decode(p, strlen(p), h);
}

int rs_hlog_read(const char *path, rs_hlog_cb cb, void *arg)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return -errno;
	struct rs_hist *h;
	if (rs_hist_new(&h)) {
		fclose(f);
		return -ENOMEM;
	}
	char *line = NULL;
	size_t cap = 0;
	int err = 0;
	for (long no = 1; !err && getline(&line, &cap, f) > 0; no++) {
		line[strcspn(line, "\r\n")] = '\0';
		/* Comments (StartTime, BaseTime, the writer's), the legend and blank lines carry no interval. */
		if (line[0] == '#' || line[0] == '"' || !line[0])
			continue;
		struct rs_hlog_interval iv;
		err = parse_line(line, &iv, h);
		if (err) {
			fprintf(stderr, "%s:%ld: %s: expected [Tag=T,]start,length,max,base64 of a V2 compressed "
					"histogram in microseconds (lowest value 1, 3 significant digits)\n",
				path, no, err == -EPROTO ? "not a histogram ringside can read" : "malformed interval line");
			break;
		}
		/* Interval_Max is exact to the microsecond: it restores the max the buckets round up. */
		bool sane = iv.max_ms > 0 && iv.max_ms < 1e12;
		uint64_t max = sane ? (uint64_t)(iv.max_ms * MS_PER_US + 0.5) : 0, width;
		if (h->total && max && rs_hist_index_of(max < HIGHEST_US ? max : HIGHEST_US) == h->hi &&
		    max >= rs_hist_value_at(h->hi, &width))
			h->max = max;
		err = cb(arg, &iv);
	}
	free(line);
	rs_hist_free(h);
	fclose(f);
	return err;
}

struct merge_run {
	struct rs_hist *into, *untagged;
	bool tagged, any;
};

static int merge_cb(void *arg, const struct rs_hlog_interval *iv)
{
	struct merge_run *m = arg;
	if (iv->tag && !strcmp(iv->tag, "run")) {
		rs_hist_merge(m->into, iv->h);
		m->tagged = true;
	} else if (!iv->tag) {
		rs_hist_merge(m->untagged, iv->h);
		m->any = true;
	}
	return 0;
}

int rs_hlog_merge_run(const char *path, struct rs_hist *h)
{
	struct merge_run m = { .into = h };
	if (rs_hist_new(&m.untagged))
		return -ENOMEM;
	int err = rs_hlog_read(path, merge_cb, &m);
	if (!err && !m.tagged && m.any)
		rs_hist_merge(h, m.untagged);
	if (!err && !m.tagged && !m.any)
		err = -ENODATA;
	rs_hist_free(m.untagged);
	return err;
}

int rs_hlog_load_dir(const char *dir, struct rs_hist *h)
{
	char path[4096];
	struct rs_hist *tmp;

	if (snprintf(path, sizeof path, "%s/latency.hlog", dir) >= (int)sizeof path)
		return -ENAMETOOLONG;
	int err = rs_hlog_merge_run(path, h);
	if (err != -ENOENT)
		return err;
	snprintf(path, sizeof path, "%s/latency.hist", dir);
	if (rs_hist_new(&tmp))
		return -ENOMEM;
	err = rs_hist_load_counts(path, tmp); /* replaces tmp: load, then merge */
	if (!err)
		rs_hist_merge(h, tmp);
	rs_hist_free(tmp);
	return err;
}
