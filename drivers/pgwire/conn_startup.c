/* conn_startup.c - the pgwire connection's startup phase: authentication (cleartext, MD5, SCRAM-SHA-256), BackendKeyData, ParameterStatus, and the asynchronous messages of any phase. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conn_int.h"

static int auth_password(struct rs_pgw_conn *c, const struct rs_pgw_auth *a)
{
	char md5[RS_PG_MD5_LEN + 1];
	int err;

	if (!c->password)
		return rs_pgwc_fail(c, -EACCES, "server asks for a password and none was given");
	if (a->code == RS_PGW_AUTH_CLEARTEXT)
		return rs_pgw_put_password(&c->out, c->password);
	err = rs_pg_md5_password(c->user, c->password, a->salt, md5);
	if (!err)
		err = rs_pgw_put_password(&c->out, md5);
	return err ? rs_pgwc_fail(c, err, "md5 password hashing failed") : 0;
}

static int auth_sasl_start(struct rs_pgw_conn *c, const struct rs_pgw_auth *a)
{
	struct rs_buf first = { 0 };
	int err;

	if (c->sasl || !rs_pgw_auth_has_mech(a, RS_SCRAM_MECH))
		return rs_pgwc_fail(c, -EPROTONOSUPPORT,
				 "server offers no supported SASL mechanism (need %s)", RS_SCRAM_MECH);
	if (!c->password)
		return rs_pgwc_fail(c, -EACCES, "server asks for a password and none was given");
	err = rs_scram_start(&c->scram, "", c->nonce, &first);
	if (!err) {
		c->sasl = true;
		err = rs_pgw_put_sasl_initial(&c->out, RS_SCRAM_MECH, first.data, first.len);
	}
	rs_buf_free(&first);
	return err ? rs_pgwc_fail(c, err, "cannot start SCRAM exchange") : 0;
}

static int auth_sasl_continue(struct rs_pgw_conn *c, const struct rs_pgw_auth *a)
{
	struct rs_buf final = { 0 };
	int err;

	if (!c->sasl)
		return rs_pgwc_fail(c, -EPROTO, "SASLContinue without a SASL exchange");
	err = rs_scram_continue(&c->scram, c->password, a->data, a->len, &final);
	if (!err)
		err = rs_pgw_put_sasl_response(&c->out, final.data, final.len);
	rs_buf_free(&final);
	if (err)
		return rs_pgwc_fail(c, err, "%s", c->scram.why ? c->scram.why : "SCRAM failed");
	return 0;
}

static int auth_sasl_final(struct rs_pgw_conn *c, const struct rs_pgw_auth *a)
{
	int err;

	if (!c->sasl)
		return rs_pgwc_fail(c, -EPROTO, "SASLFinal without a SASL exchange");
	err = rs_scram_finish(&c->scram, a->data, a->len);
	if (err)
		return rs_pgwc_fail(c, err, "%s", c->scram.why ? c->scram.why : "SCRAM failed");
	/* The server proved it knows the password; AuthenticationOk follows. */
	rs_scram_clear(&c->scram);
	c->sasl = false;
	return 0;
}

static int on_auth(struct rs_pgw_conn *c, const struct rs_pgw_msg *m)
{
	struct rs_pgw_auth a;

	if (rs_pgw_auth(m, &a))
		return rs_pgwc_violation(c, m, "malformed Authentication message");
	switch (a.code) {
	case RS_PGW_AUTH_OK:
		/* A server that skips SASLFinal has not proved it knows the password. */
		if (c->sasl)
			return rs_pgwc_fail(c, -EBADMSG, "server ended SCRAM without its signature");
		c->authed = true;
		return 0;
	case RS_PGW_AUTH_CLEARTEXT:
	case RS_PGW_AUTH_MD5:
		return auth_password(c, &a);
	case RS_PGW_AUTH_SASL:
		return auth_sasl_start(c, &a);
	case RS_PGW_AUTH_SASL_CONTINUE:
		return auth_sasl_continue(c, &a);
	case RS_PGW_AUTH_SASL_FINAL:
		return auth_sasl_final(c, &a);
	}
	return rs_pgwc_fail(c, -EPROTONOSUPPORT,
			 "authentication method %d not supported (trust, password, md5 and "
			 "scram-sha-256 are)", (int)a.code);
}

static int fields_to_error(const struct rs_pgw_fields *f, struct rs_pg_error *e)
{
	const char *sev = f->severity_nl ? f->severity_nl : f->severity;

	memset(e, 0, sizeof(*e));
	snprintf(e->severity, sizeof(e->severity), "%s", sev ? sev : "ERROR");
	snprintf(e->sqlstate, sizeof(e->sqlstate), "%s", f->sqlstate ? f->sqlstate : "XX000");
	e->message = strdup(f->message ? f->message : "");
	e->detail = f->detail ? strdup(f->detail) : NULL;
	e->hint = f->hint ? strdup(f->hint) : NULL;
	if (!e->message || (f->detail && !e->detail) || (f->hint && !e->hint)) {
		rs_pg_error_clear(e);
		return -ENOMEM;
	}
	return 0;
}

static int on_startup_error(struct rs_pgw_conn *c, const struct rs_pgw_msg *m)
{
	struct rs_pgw_fields f;

	if (rs_pgw_parse_fields(m, &f))
		return rs_pgwc_violation(c, m, "malformed ErrorResponse");
	if (!fields_to_error(&f, &c->startup_err))
		c->have_startup_err = true;
	return rs_pgwc_fail(c, rs_pg_sqlstate_errno(f.sqlstate ? f.sqlstate : ""),
			 "server refused the connection: %s (SQLSTATE %s)",
			 f.message ? f.message : "", f.sqlstate ? f.sqlstate : "?");
}

static int on_backend_key(struct rs_pgw_conn *c, const struct rs_pgw_msg *m)
{
	const char *key;

	if (rs_pgw_backend_key(m, &c->pid, &key, &c->keylen))
		return rs_pgwc_violation(c, m, "malformed BackendKeyData");
	memcpy(c->key, key, c->keylen);
	return 0;
}

int rs_pgwc_on_startup(struct rs_pgw_conn *c, const struct rs_pgw_msg *m)
{
	struct rs_pgw_cur names;
	int32_t minor, nopts;

	switch (m->type) {
	case RS_PGW_AUTH:
		if (c->authed)
			return rs_pgwc_violation(c, m, "authentication after AuthenticationOk");
		return on_auth(c, m);
	case RS_PGW_ERROR:
		return on_startup_error(c, m);
	case RS_PGW_BACKEND_KEY:
		return on_backend_key(c, m);
	case RS_PGW_NEGOTIATE_VERSION:
		/* We ask for 3.0 without options: any answer is one we can live with. */
		return rs_pgw_negotiate(m, &minor, &nopts, &names) ?
		       rs_pgwc_violation(c, m, "malformed NegotiateProtocolVersion") : 0;
	case RS_PGW_READY:
		if (!c->authed || rs_pgw_ready(m, &c->txstatus))
			return rs_pgwc_violation(c, m, "ReadyForQuery before authentication");
		c->phase = PH_READY;
		return 0;
	}
	return rs_pgwc_violation(c, m, "unexpected message during startup");
}

/* ---- asynchronous messages, valid in any phase ---- */

static int on_param_status(struct rs_pgw_conn *c, const struct rs_pgw_msg *m)
{
	const char *name, *value;
	struct param *p;
	char *v;

	if (rs_pgw_param_status(m, &name, &value))
		return rs_pgwc_violation(c, m, "malformed ParameterStatus");
	for (size_t i = 0; i < c->nparams; i++) {
		if (!strcmp(c->params[i].name, name)) {
			v = strdup(value);
			if (!v)
				return 0; /* keep the old value: losing one is harmless */
			free(c->params[i].value);
			c->params[i].value = v;
			return 0;
		}
	}
	p = realloc(c->params, (c->nparams + 1) * sizeof(*p));
	if (!p)
		return 0;
	c->params = p;
	p[c->nparams].name = strdup(name);
	p[c->nparams].value = strdup(value);
	if (!p[c->nparams].name || !p[c->nparams].value) {
		free(p[c->nparams].name);
		free(p[c->nparams].value);
		return 0;
	}
	c->nparams++;
	return 0;
}

/* 1 when m was asynchronous (and handled), 0 when not, <0 on a violation. */
int rs_pgwc_on_async(struct rs_pgw_conn *c, const struct rs_pgw_msg *m)
{
	struct rs_pgw_fields f;
	const char *chan, *payload;
	int32_t pid;

	switch (m->type) {
	case RS_PGW_NOTICE:
		if (rs_pgw_parse_fields(m, &f))
			return rs_pgwc_violation(c, m, "malformed NoticeResponse");
		c->stats.notices++;
		return 1;
	case RS_PGW_NOTIFICATION:
		if (rs_pgw_notification(m, &pid, &chan, &payload))
			return rs_pgwc_violation(c, m, "malformed NotificationResponse");
		c->stats.notifications++;
		return 1;
	case RS_PGW_PARAM_STATUS:
		return on_param_status(c, m) < 0 ? -EPROTO : 1;
	}
	return 0;
}

