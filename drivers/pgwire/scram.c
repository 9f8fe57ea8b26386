/* scram.c - SCRAM-SHA-256 client exchange and Postgres MD5 password hashing, on libcrypto. */
#include "scram.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

enum { STEP_NEW, STEP_FIRST_SENT, STEP_FINAL_SENT, STEP_DONE };

static int hmac(const unsigned char *key, size_t keylen, const void *msg, size_t len,
		unsigned char out[RS_SCRAM_KEY_LEN])
{
	unsigned int n = RS_SCRAM_KEY_LEN;

	return HMAC(EVP_sha256(), key, (int)keylen, msg, len, out, &n) ? 0 : -EIO;
}

static int b64_append(struct rs_buf *b, const unsigned char *p, size_t n)
{
	size_t out = 4 * ((n + 2) / 3);
	int err = rs_buf_reserve(b, out + 1);

	if (err)
		return err;
	EVP_EncodeBlock((unsigned char *)rs_buf_tail(b), p, (int)n);
	b->len += out;
	return 0;
}

/* Decode base64 of length n into out (cap bytes); *outlen is the real length without padding. */
static int b64_decode(const char *s, size_t n, unsigned char *out, size_t cap, size_t *outlen)
{
	int got;
	size_t pad = 0;

	if (n % 4 || n / 4 * 3 > cap)
		return -EBADMSG;
	got = EVP_DecodeBlock(out, (const unsigned char *)s, (int)n);
	if (got < 0)
		return -EBADMSG;
	/* EVP_DecodeBlock counts the '=' padding as zero bytes. */
	while (pad < 2 && n > pad && s[n - 1 - pad] == '=')
		pad++;
	*outlen = (size_t)got - pad;
	return 0;
}

int rs_scram_start(struct rs_scram *s, const char *user, const char *nonce, struct rs_buf *out)
{
	unsigned char raw[18];
	size_t start;
	int err;

	memset(s, 0, sizeof(*s));
	if (nonce) {
		if (strlen(nonce) > RS_SCRAM_NONCE_LEN || !*nonce || strchr(nonce, ','))
			return -EINVAL;
		strcpy(s->nonce, nonce);
	} else {
		if (RAND_bytes(raw, sizeof(raw)) != 1)
			return -EIO;
		EVP_EncodeBlock((unsigned char *)s->nonce, raw, sizeof(raw));
	}
	/* SCRAM escapes ',' and '=' in the name; Postgres ignores it anyway. */
	if (strpbrk(user, ",="))
		user = "";
	err = rs_buf_printf(&s->auth_message, "n=%s,r=%s", user, s->nonce);
	start = out->len;
	if (!err)
		err = rs_buf_puts(out, "n,,");
	if (!err)
		err = rs_buf_append(out, rs_buf_head(&s->auth_message), s->auth_message.len);
	if (err) {
		out->len = start;
		rs_scram_clear(s);
		return err;
	}
	s->step = STEP_FIRST_SENT;
	return 0;
}

/* The server-first attributes: r=nonce,s=salt,i=count (no mandatory extensions). */
struct server_first {
	const char *nonce, *salt;
	size_t nonce_len, salt_len;
	long iter;
};

/* Next "x=value" of a comma-separated SCRAM message, in the expected order. */
static int attr(const char **p, const char *end, char name, const char **val, size_t *len)
{
	const char *comma;

	if (end - *p < 2 || (*p)[0] != name || (*p)[1] != '=')
		return -EBADMSG;
	*val = *p + 2;
	comma = memchr(*val, ',', (size_t)(end - *val));
	*len = (size_t)((comma ? comma : end) - *val);
	*p = comma ? comma + 1 : end;
	return 0;
}

static int parse_server_first(const char *msg, size_t len, struct server_first *sf)
{
	const char *p = msg, *end = msg + len, *it;
	size_t itlen;
	char num[16];

	if (memchr(msg, '\0', len))
		return -EBADMSG;
	if (attr(&p, end, 'r', &sf->nonce, &sf->nonce_len) ||
	    attr(&p, end, 's', &sf->salt, &sf->salt_len) ||
	    attr(&p, end, 'i', &it, &itlen))
		return -EBADMSG;
	/* Anything after i= would be an extension we cannot honour. */
	if (p != end || !itlen || itlen >= sizeof(num) || it + itlen != end)
		return -EBADMSG;
	memcpy(num, it, itlen);
	num[itlen] = '\0';
	for (size_t i = 0; i < itlen; i++)
		if (num[i] < '0' || num[i] > '9')
			return -EBADMSG;
	sf->iter = strtol(num, NULL, 10);
	return 0;
}

/* SaltedPassword -> ClientKey, StoredKey, ServerKey. */
static int derive_keys(const char *password, const unsigned char *salt, size_t saltlen, long iter,
		       unsigned char client_key[RS_SCRAM_KEY_LEN],
		       unsigned char stored_key[RS_SCRAM_KEY_LEN],
		       unsigned char server_key[RS_SCRAM_KEY_LEN])
{
	unsigned char salted[RS_SCRAM_KEY_LEN];
	int err = -EIO;

	if (!PKCS5_PBKDF2_HMAC(password, (int)strlen(password), salt, (int)saltlen, (int)iter,
			       EVP_sha256(), sizeof(salted), salted))
		goto out;
	if (hmac(salted, sizeof(salted), "Client Key", 10, client_key) ||
	    hmac(salted, sizeof(salted), "Server Key", 10, server_key))
		goto out;
	if (!EVP_Digest(client_key, RS_SCRAM_KEY_LEN, stored_key, NULL, EVP_sha256(), NULL))
		goto out;
	err = 0;
out:
	OPENSSL_cleanse(salted, sizeof(salted));
	return err;
}

/* ClientProof = ClientKey XOR HMAC(StoredKey, AuthMessage); also keeps the expected ServerSignature. */
static int make_proof(struct rs_scram *s, const char *password, const struct server_first *sf,
		      unsigned char proof[RS_SCRAM_KEY_LEN])
{
	unsigned char salt[256], ck[RS_SCRAM_KEY_LEN], sk[RS_SCRAM_KEY_LEN], svk[RS_SCRAM_KEY_LEN];
	unsigned char sig[RS_SCRAM_KEY_LEN];
	size_t saltlen;
	int err = b64_decode(sf->salt, sf->salt_len, salt, sizeof(salt), &saltlen);

	if (err)
		return err;
	err = derive_keys(password, salt, saltlen, sf->iter, ck, sk, svk);
	if (!err)
		err = hmac(sk, sizeof(sk), rs_buf_head(&s->auth_message), s->auth_message.len, sig);
	if (!err)
		err = hmac(svk, sizeof(svk), rs_buf_head(&s->auth_message), s->auth_message.len,
			   s->server_signature);
	for (int i = 0; i < RS_SCRAM_KEY_LEN; i++)
		proof[i] = ck[i] ^ sig[i];
	OPENSSL_cleanse(ck, sizeof(ck));
	OPENSSL_cleanse(sk, sizeof(sk));
	OPENSSL_cleanse(svk, sizeof(svk));
	return err;
}

int rs_scram_continue(struct rs_scram *s, const char *password, const char *server_first,
		      size_t len, struct rs_buf *out)
{
	unsigned char proof[RS_SCRAM_KEY_LEN];
	struct server_first sf;
	size_t start = out->len, nlen = strlen(s->nonce);
	int err;

	if (s->step != STEP_FIRST_SENT)
		return -EINVAL;
	if (parse_server_first(server_first, len, &sf)) {
		s->why = "malformed SCRAM server-first-message";
		return -EBADMSG;
	}
	if (sf.nonce_len <= nlen || memcmp(sf.nonce, s->nonce, nlen)) {
		s->why = "SCRAM server nonce does not extend the client nonce";
		return -EBADMSG;
	}
	if (sf.iter < 1 || sf.iter > RS_SCRAM_MAX_ITER) {
		s->why = "SCRAM iteration count out of range";
		return -EBADMSG;
	}
	/* AuthMessage = client-first-bare "," server-first "," client-final-without-proof */
	err = rs_buf_append(&s->auth_message, ",", 1);
	if (!err)
		err = rs_buf_append(&s->auth_message, server_first, len);
	if (!err)
		err = rs_buf_printf(&s->auth_message, ",c=biws,r=%.*s", (int)sf.nonce_len, sf.nonce);
	if (!err)
		err = make_proof(s, password, &sf, proof);
	if (!err)
		err = rs_buf_printf(out, "c=biws,r=%.*s,p=", (int)sf.nonce_len, sf.nonce);
	if (!err)
		err = b64_append(out, proof, sizeof(proof));
	OPENSSL_cleanse(proof, sizeof(proof));
	if (err) {
		out->len = start;
		s->why = err == -EBADMSG ? "malformed SCRAM salt" : "SCRAM computation failed";
		return err;
	}
	s->step = STEP_FINAL_SENT;
	return 0;
}

int rs_scram_finish(struct rs_scram *s, const char *server_final, size_t len)
{
	unsigned char sig[64];
	size_t siglen;
	const char *p = server_final, *v;
	size_t vlen;

	if (s->step != STEP_FINAL_SENT)
		return -EINVAL;
	if (len > 2 && !memcmp(server_final, "e=", 2)) {
		s->why = "SCRAM server reported an error";
		return -EBADMSG;
	}
	if (attr(&p, server_final + len, 'v', &v, &vlen) ||
	    b64_decode(v, vlen, sig, sizeof(sig), &siglen)) {
		s->why = "malformed SCRAM server-final-message";
		return -EBADMSG;
	}
	if (siglen != RS_SCRAM_KEY_LEN || CRYPTO_memcmp(sig, s->server_signature, siglen)) {
		s->why = "SCRAM server signature mismatch: the server does not know the password";
		return -EACCES;
	}
	s->step = STEP_DONE;
	return 0;
}

void rs_scram_clear(struct rs_scram *s)
{
	if (s->auth_message.data)
		OPENSSL_cleanse(s->auth_message.data, s->auth_message.cap);
	rs_buf_free(&s->auth_message);
	OPENSSL_cleanse(s->server_signature, sizeof(s->server_signature));
	s->step = STEP_NEW;
}

static int md5_hex(const void *a, size_t alen, const void *b, size_t blen, char out[33])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char d[16];
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	int ok;

	if (!ctx)
		return -ENOMEM;
	ok = EVP_DigestInit_ex(ctx, EVP_md5(), NULL) && EVP_DigestUpdate(ctx, a, alen) &&
	     EVP_DigestUpdate(ctx, b, blen) && EVP_DigestFinal_ex(ctx, d, NULL);
	EVP_MD_CTX_free(ctx);
	if (!ok)
		return -EIO; /* e.g. MD5 disabled by a FIPS provider */
	for (int i = 0; i < 16; i++) {
		out[2 * i] = hex[d[i] >> 4];
		out[2 * i + 1] = hex[d[i] & 15];
	}
	out[32] = '\0';
	return 0;
}

int rs_pg_md5_password(const char *user, const char *password, const unsigned char salt[4],
		       char out[RS_PG_MD5_LEN + 1])
{
	char inner[33];
	int err = md5_hex(password, strlen(password), user, strlen(user), inner);

	if (!err) {
		memcpy(out, "md5", 3);
		err = md5_hex(inner, 32, salt, 4, out + 3);
	}
	OPENSSL_cleanse(inner, sizeof(inner));
	return err;
}
