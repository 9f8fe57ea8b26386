/* scram.h - SCRAM-SHA-256 client (RFC 5802/7677, no channel binding) and Postgres MD5 hashing. */
#ifndef RS_PGW_SCRAM_H
#define RS_PGW_SCRAM_H

#include <stddef.h>

#include "buf.h"

#define RS_SCRAM_MECH "SCRAM-SHA-256"
#define RS_SCRAM_KEY_LEN 32
/* 18 random bytes, base64: the nonce length libpq uses too. */
#define RS_SCRAM_NONCE_LEN 24
/* A higher count than this is treated as hostile (it would stall the reactor).
 * The fuzz build defines a lower one, to keep every input fast. */
#ifndef RS_SCRAM_MAX_ITER
#define RS_SCRAM_MAX_ITER 1000000
#endif

/*
 * One exchange: start -> client-first; continue(server-first) ->
 * client-final; finish(server-final) -> 0 only when the server proved it
 * knows the password. The struct holds secrets; rs_scram_clear wipes it.
 */
struct rs_scram {
	int step;
	char nonce[RS_SCRAM_NONCE_LEN + 1];
	struct rs_buf auth_message;        /* client-first-bare "," server-first "," final-without-proof */
	unsigned char server_signature[RS_SCRAM_KEY_LEN];
	const char *why;                   /* static text explaining the last failure */
};

/*
 * Begin: appends the client-first-message ("n,,n=<user>,r=<nonce>") to out.
 * user may be "" (Postgres takes the name from the startup packet); nonce
 * NULL draws one from RAND_bytes, tests pass a fixed printable one without
 * ','. 0, -ENOMEM, -EIO (no randomness), -EINVAL.
 */
int rs_scram_start(struct rs_scram *s, const char *user, const char *nonce, struct rs_buf *out);
/*
 * Take the server-first-message, append client-final-message to out. The
 * password is used as is: SASLprep is the identity for ASCII passwords,
 * and non-ASCII ones are not normalised (a server that stored the
 * normalised form then refuses them). 0, -EBADMSG (malformed, nonce
 * mismatch, iteration count out of range), -ENOMEM, -EIO.
 */
int rs_scram_continue(struct rs_scram *s, const char *password, const char *server_first,
		      size_t len, struct rs_buf *out);
/* Check the server-final-message: 0, -EBADMSG (malformed or "e=" error), -EACCES (wrong signature). */
int rs_scram_finish(struct rs_scram *s, const char *server_final, size_t len);
void rs_scram_clear(struct rs_scram *s);

/* Postgres MD5: "md5" + hex(md5(hex(md5(password + user)) + salt)), NUL-terminated. */
#define RS_PG_MD5_LEN 35
int rs_pg_md5_password(const char *user, const char *password, const unsigned char salt[4],
		       char out[RS_PG_MD5_LEN + 1]);

#endif
