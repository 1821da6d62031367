/*
 * rpc.c: the Connect protocol (unary and streaming) over an exchange.
 *
 * Streaming bodies are envelopes (Connect spec "Streaming RPCs"):
 *
 *   +-------+-------------------+----------------------+
 *   | flags | length (4, BE)    | payload (length)     |
 *   +-------+-------------------+----------------------+
 *   flags: 0x01 payload compressed, 0x02 end of stream (JSON payload)
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "b64.h"
#include "defaults.h"
#include "gz.h"
#include "log.h"
#include "rpc.h"
#include "util.h"

#define ENV_HDR 5		/* envelope prefix */
#define EF_COMPRESSED 0x01
#define EF_END 0x02
#define GZIP_MIN 1024		/* smaller unary bodies go out plain */
#define KEEPALIVE_DEFAULT_MS 90000
#define ARENA_MIN 4096
#define BUFFERED_MAX (64 << 20)	/* request bytes held by all calls */

enum { CODEC_PROTO, CODEC_JSON };

struct rpc_block {
	struct rpc_block *next;
	char data[];
};

static const char *const code_names[] = {
	"ok", "canceled", "unknown", "invalid_argument", "deadline_exceeded",
	"not_found", "already_exists", "permission_denied",
	"resource_exhausted", "failed_precondition", "aborted",
	"out_of_range", "unimplemented", "internal", "unavailable",
	"data_loss", "unauthenticated",
};

static const short code_status[] = {
	200, 499, 500, 400, 504, 404, 409, 403, 429, 400, 409, 400, 501, 500,
	503, 500, 401,
};

static void start_call(struct rpc_call *c);

static size_t buffered;			/* sum of every call's incap */

/* see rpc.h */
int
rpc_fail(struct rpc_call *c, int code, const char *fmt, ...)
{
	va_list ap;

	/* The first error wins. */
	if (c->code != RPC_OK)
		return -1;
	c->code = code;
	va_start(ap, fmt);
	fmt_msg(c->errmsg, sizeof(c->errmsg), fmt, ap);
	va_end(ap);
	return -1;
}

/* see rpc.h */
int
rpc_fail_errno(struct rpc_call *c, int err, const char *what)
{
	int code;

	switch (err) {
	case ENOENT:
		code = RPC_NOT_FOUND;
		break;
	case EEXIST:
		code = RPC_ALREADY_EXISTS;
		break;
	case EACCES:
	case EPERM:
		code = RPC_PERMISSION_DENIED;
		break;
	case ENOTDIR:
	case EISDIR:
	case EINVAL:
	case ENAMETOOLONG:
	case ELOOP:
		code = RPC_INVALID_ARGUMENT;
		break;
	case ENOSPC:
	case EDQUOT:
		code = RPC_RESOURCE_EXHAUSTED;
		break;
	default:
		code = RPC_INTERNAL;
	}
	return rpc_fail(c, code, "%s: %s", what, strerror(err));
}

/* see rpc.h */
void *
rpc_alloc(struct rpc_call *c, size_t n)
{
	struct rpc_block *b = calloc(1, sizeof(*b) + n);

	if (b == NULL)
		return NULL;
	b->next = c->blocks;
	c->blocks = b;
	return b->data;
}

/* see rpc.h */
struct pb_bytes
rpc_bytes(struct rpc_call *c, const void *p, size_t n)
{
	struct pb_bytes b = { rpc_alloc(c, n + 1), n };

	if (b.p == NULL)
		b.n = 0;
	else if (n)
		memcpy(b.p, p, n);
	return b;
}

static const struct rpc_method *
find_method(const char *path, size_t n)
{
	static const struct rpc_method *const services[] = {
		fs_methods, process_methods,
	};
	const struct rpc_method *m;
	size_t i;

	for (i = 0; i < ARRAY_LEN(services); i++)
		for (m = services[i]; m->path; m++)
			if (eq_s(path, n, m->path))
				return m;
	return NULL;
}

/* The media type of Content-Type, without parameters, lowercased. */
static size_t
media_type(const struct req *r, char *out, size_t cap)
{
	const struct hdr *h = req_hdr(r, "content-type");
	size_t i, n = 0;

	if (h == NULL)
		return 0;
	for (i = 0; i < h->vlen && h->val[i] != ';' && n + 1 < cap; i++)
		if (h->val[i] != ' ' && h->val[i] != '\t')
			out[n++] = (char)(h->val[i] | (h->val[i] >= 'A' &&
			    h->val[i] <= 'Z' ? 0x20 : 0));
	out[n] = '\0';
	return n;
}

/* Picks codec and framing; 0, or -1 when no protocol matches. */
static int
pick_protocol(struct rpc_call *c)
{
	char mt[64];

	media_type(c->x->req, mt, sizeof(mt));
	if (strcmp(mt, "application/proto") == 0)
		c->codec = CODEC_PROTO;
	else if (strcmp(mt, "application/json") == 0)
		c->codec = CODEC_JSON;
	else if (strcmp(mt, "application/connect+proto") == 0)
		c->codec = CODEC_PROTO, c->stream = 1;
	else if (strcmp(mt, "application/connect+json") == 0)
		c->codec = CODEC_JSON, c->stream = 1;
	else
		return -1;
	/* Unary content types for unary methods, envelopes for streams. */
	return c->stream == (c->m->kind != RPC_UNARY) ? 0 : -1;
}

/* Authorization: Basic base64(user:password) names the user (SPEC 4.4). */
static int
pick_user(struct rpc_call *c)
{
	const struct hdr *h = req_hdr(c->x->req, "authorization");
	char buf[USER_NAME_MAX * 2 + 8], *colon;
	const char *name = defaults_user();
	size_t n = strlen(name);
	int rc;

	if (h && h->vlen > 6 && eq_ci(h->val, 6, "basic ")) {
		if (h->vlen - 6 > sizeof(buf) / 4 * 3 ||
		    b64_decode(buf, h->val + 6, h->vlen - 6, &n) < 0)
			return rpc_fail(c, RPC_UNAUTHENTICATED,
			    "invalid authorization header");
		colon = memchr(buf, ':', n);
		name = buf;
		n = colon ? (size_t)(colon - buf) : n;
	}
	rc = user_lookup(name, n, &c->user);
	if (rc < 0)
		return rpc_fail(c, RPC_UNAUTHENTICATED, "invalid username: '%.*s'",
		    (int)(n > 256 ? 256 : n), name);
	return 0;
}

static int
header_has_gzip(const struct req *r, const char *name)
{
	return req_hdr_has(r, name, "gzip");
}

/* Compression, deadline and keepalive headers; 0 or -1 (failed). */
static int
read_headers(struct rpc_call *c)
{
	const struct req *r = c->x->req;
	const char *enc = c->stream ? "connect-content-encoding" :
	    "content-encoding";
	const struct hdr *h = req_hdr(r, enc);
	unsigned long long v;

	if (h && !eq_ci(h->val, h->vlen, "identity")) {
		if (!eq_ci(h->val, h->vlen, "gzip"))
			return rpc_fail(c, RPC_UNIMPLEMENTED,
			    "unknown compression \"%.*s\": supported encodings "
			    "are gzip", (int)(h->vlen > 64 ? 64 : h->vlen),
			    h->val);
		c->gzip_in = 1;
	}
	h = req_hdr(r, "connect-protocol-version");
	if (h && !eq_s(h->val, h->vlen, "1"))
		return rpc_fail(c, RPC_INVALID_ARGUMENT,
		    "connect-protocol-version must be \"1\"");
	c->gzip_out = header_has_gzip(r, c->stream ?
	    "connect-accept-encoding" : "accept-encoding");
	if ((h = req_hdr(r, "connect-timeout-ms")) != NULL) {
		if (h->vlen > 10 || parse_u64(h->val, h->vlen, &v))
			return rpc_fail(c, RPC_INVALID_ARGUMENT,
			    "invalid timeout \"%.*s\"", (int)(h->vlen > 16 ?
			    16 : h->vlen), h->val);
		c->deadline = loop_now() + (int64_t)v;
	}
	c->keepalive_ms = KEEPALIVE_DEFAULT_MS;
	if ((h = req_hdr(r, "keepalive-ping-interval")) != NULL &&
	    parse_u64(h->val, h->vlen, &v) == 0 && v > 0 && v < 86400)
		c->keepalive_ms = (int64_t)v * 1000;
	return 0;
}

/* Encodes msg with the call's codec into a new buffer. */
static int
encode(struct rpc_call *c, const struct pb_msg *m, const void *msg,
    char **out, size_t *len)
{
	struct jw w;
	size_t cap;
	char *buf;

	if (c->codec == CODEC_PROTO) {
		cap = pb_encoded_size(m, msg);
		if ((buf = malloc(cap ? cap : 1)) == NULL)
			return -ENOMEM;
		pb_encode(m, msg, (uint8_t *)buf, cap, len);
		*out = buf;
		return 0;
	}
	for (cap = 2 * pb_encoded_size(m, msg) + 256;; cap *= 2) {
		if ((buf = malloc(cap)) == NULL)
			return -ENOMEM;
		jw_init(&w, buf, cap);
		if (pb_json_encode(m, msg, &w) == 0)
			break;
		free(buf);
		if (w.err != -ENOBUFS)
			return -EINVAL;
	}
	*out = buf;
	*len = w.len;
	return 0;
}

static size_t
error_json(const struct rpc_call *c, char *buf, size_t cap, int wrap)
{
	struct jw w;

	jw_init(&w, buf, cap);
	jw_obj(&w);
	if (wrap) {
		jw_keyz(&w, "error");
		jw_obj(&w);
	}
	jw_keyz(&w, "code");
	jw_strz(&w, code_names[c->code]);
	if (c->errmsg[0]) {
		jw_keyz(&w, "message");
		jw_strz(&w, c->errmsg);
	}
	jw_obj_end(&w);
	if (wrap)
		jw_obj_end(&w);
	return w.len;
}

static void
unary_error(struct rpc_call *c)
{
	char buf[RPC_ERRMSG_MAX * 2];

	xch_reply(c->x, code_status[c->code], "application/json", buf,
	    error_json(c, buf, sizeof(buf), 0));
	c->closed = 1;
}

static void
stream_head(struct rpc_call *c)
{
	struct hdr h[2];
	int n = 0;

	if (c->x->flags & XF_HEAD_SENT)
		return;
	h[n++] = c->codec == CODEC_JSON ?
	    (struct hdr)HDR_LIT("Content-Type", "application/connect+json") :
	    (struct hdr)HDR_LIT("Content-Type", "application/connect+proto");
	if (c->gzip_out)
		h[n++] = (struct hdr)HDR_LIT("Connect-Content-Encoding",
		    "gzip");
	xch_head(c->x, 200, h, n, -1);
}

/* One envelope, flushed as one chunk. */
static void
send_envelope(struct rpc_call *c, int flags, const char *p, size_t n)
{
	char *z = NULL, *buf;
	size_t zn;

	if (c->gzip_out && !(flags & EF_END) && n >= GZIP_MIN &&
	    gz_deflate(p, n, &z, &zn) == 0) {
		p = z;
		n = zn;
		flags |= EF_COMPRESSED;
	}
	if ((buf = malloc(ENV_HDR + n)) != NULL) {
		buf[0] = (char)flags;
		buf[1] = (char)(n >> 24);
		buf[2] = (char)(n >> 16);
		buf[3] = (char)(n >> 8);
		buf[4] = (char)n;
		memcpy(buf + ENV_HDR, p, n);
		xch_body(c->x, buf, ENV_HDR + n);
		free(buf);
	}
	free(z);
}

/* see rpc.h */
void
rpc_send(struct rpc_call *c, const void *msg)
{
	char *buf;
	size_t n;

	if (c->closed)
		return;
	if (encode(c, c->m->out, msg, &buf, &n) < 0) {
		rpc_fail(c, RPC_INTERNAL, "cannot encode response");
		rpc_close(c);
		return;
	}
	stream_head(c);
	send_envelope(c, 0, buf, n);
	free(buf);
	if (c->m->keepalive && c->keepalive_ms)
		timer_at(&c->keepalive_timer, loop_now() + c->keepalive_ms);
}

/* see rpc.h */
void
rpc_close(struct rpc_call *c)
{
	char buf[RPC_ERRMSG_MAX * 2];
	size_t n;

	if (c->closed)
		return;
	c->closed = 1;
	timer_stop(&c->keepalive_timer);
	timer_stop(&c->deadline_timer);
	if (!c->stream) {
		unary_error(c);
		return;
	}
	stream_head(c);
	if (c->code == RPC_OK)
		n = (size_t)(stpcpy(buf, "{}") - buf);
	else
		n = error_json(c, buf, sizeof(buf), 1);
	send_envelope(c, EF_END, buf, n);
	xch_end(c->x, NULL, 0);
}

/* see rpc.h */
size_t
rpc_room(const struct rpc_call *c)
{
	return c->closed ? 0 : xch_room(c->x);
}

/* see rpc.h */
void
rpc_hold(struct rpc_call *c, int on)
{
	xch_hold(c->x, on);
}

/* Keeps a malloc'd buffer alive until the call ends. */
static char *
keep(struct rpc_call *c, char *buf, size_t n)
{
	char *p = rpc_alloc(c, n + 1);

	if (p)
		memcpy(p, buf, n);
	free(buf);
	return p;
}

/* Decodes one request message; NULL after rpc_fail(). */
static void *
decode(struct rpc_call *c, char *p, size_t n, int compressed)
{
	static char empty_json[3];
	const struct pb_msg *m = c->m->in;
	const char *err = "malformed message";
	size_t need;
	char *z;
	void *msg;
	int rc;

	if (compressed) {
		if ((rc = gz_inflate(p, n, RPC_MSG_MAX, &z, &n)) < 0) {
			rpc_fail(c, rc == -EFBIG ? RPC_RESOURCE_EXHAUSTED :
			    RPC_INVALID_ARGUMENT, "bad gzip message");
			return NULL;
		}
		if ((p = keep(c, z, n)) == NULL)
			goto nomem;
	}
	/* An array element takes at most 16 times its smallest encoding. */
	need = m->size + 16 * n + ARENA_MIN;
	if (c->arena.cap < need) {
		free(c->arena.buf);
		c->arena.cap = 0;
		if ((c->arena.buf = malloc(need)) == NULL)
			goto nomem;
		c->arena.cap = need;
	}
	c->arena.used = 0;
	if ((msg = pb_alloc(&c->arena, m->size)) == NULL)
		goto nomem;
	if (c->codec == CODEC_JSON && n == 0) {
		memcpy(empty_json, "{}", 2);
		p = empty_json;
		n = 2;
	}
	rc = c->codec == CODEC_PROTO ?
	    pb_decode(m, msg, (const uint8_t *)p, n, &c->arena) :
	    pb_json_decode(m, msg, p, n, &c->arena, &err);
	if (rc == 0)
		return msg;
	rpc_fail(c, RPC_INVALID_ARGUMENT, "unmarshal into %s: %s", m->name,
	    rc == -ENOMEM ? "message too large" : err);
	return NULL;
nomem:
	rpc_fail(c, RPC_RESOURCE_EXHAUSTED, "out of memory");
	return NULL;
}

static void
unary_reply(struct rpc_call *c, const void *out)
{
	struct hdr h[2];
	char *buf, *z;
	size_t n, zn;
	int k = 0;

	if (encode(c, c->m->out, out, &buf, &n) < 0) {
		rpc_fail(c, RPC_INTERNAL, "cannot encode response");
		unary_error(c);
		return;
	}
	h[k++] = c->codec == CODEC_JSON ?
	    (struct hdr)HDR_LIT("Content-Type", "application/json") :
	    (struct hdr)HDR_LIT("Content-Type", "application/proto");
	if (c->gzip_out && n >= GZIP_MIN && gz_deflate(buf, n, &z, &zn) == 0) {
		free(buf);
		buf = z;
		n = zn;
		h[k++] = (struct hdr)HDR_LIT("Content-Encoding", "gzip");
	}
	xch_head(c->x, 200, h, k, (long long)n);
	xch_body(c->x, buf, n);
	xch_end(c->x, NULL, 0);
	c->closed = 1;
	free(buf);
}

static void
run_unary(struct rpc_call *c)
{
	void *in, *out;

	if ((in = decode(c, c->in, c->inlen, c->gzip_in)) == NULL ||
	    (out = rpc_alloc(c, c->m->out->size)) == NULL) {
		rpc_fail(c, RPC_RESOURCE_EXHAUSTED, "out of memory");
		unary_error(c);
		return;
	}
	if (c->m->unary(c, in, out) < 0 || c->code != RPC_OK)
		unary_error(c);
	else
		unary_reply(c, out);
}

static size_t
envelope_payload(const char *p)
{
	return (size_t)(unsigned char)p[1] << 24 |
	    (size_t)(unsigned char)p[2] << 16 |
	    (size_t)(unsigned char)p[3] << 8 | (unsigned char)p[4];
}

/* Length of the envelope at p if it is all there, else 0. */
static size_t
envelope_len(const char *p, size_t n)
{
	if (n < ENV_HDR || n - ENV_HDR < envelope_payload(p))
		return 0;
	return ENV_HDR + envelope_payload(p);
}

/* Decodes the envelope at p; NULL after rpc_fail(). */
static void *
open_envelope(struct rpc_call *c, char *p)
{
	if ((p[0] & EF_COMPRESSED) && !c->gzip_in) {
		rpc_fail(c, RPC_INTERNAL, "protocol error: compressed message "
		    "without Connect-Content-Encoding");
		return NULL;
	}
	return decode(c, p + ENV_HDR, envelope_payload(p),
	    p[0] & EF_COMPRESSED);
}

static void
run_server_stream(struct rpc_call *c)
{
	size_t n = envelope_len(c->in, c->inlen);
	void *in;

	if (n == 0 || n != c->inlen) {
		rpc_fail(c, RPC_INVALID_ARGUMENT, "protocol error: the request "
		    "must hold exactly one message");
		rpc_close(c);
		return;
	}
	if ((in = open_envelope(c, c->in)) == NULL) {
		rpc_close(c);
		return;
	}
	stream_head(c);
	if (c->m->keepalive && c->keepalive_ms)
		timer_at(&c->keepalive_timer, loop_now() + c->keepalive_ms);
	c->m->start(c, in);
}

/* Hands each complete envelope of a client stream to the method. */
static void
client_messages(struct rpc_call *c)
{
	size_t n;
	void *in;

	while (!c->closed && (n = envelope_len(c->in, c->inlen)) > 0) {
		if ((in = open_envelope(c, c->in)) == NULL) {
			rpc_close(c);
			return;
		}
		c->m->message(c, in);
		memmove(c->in, c->in + n, c->inlen - n);
		c->inlen -= n;
	}
}

static void
on_body(struct xch *x, const char *p, size_t n)
{
	struct rpc_call *c = x->st;
	size_t cap;
	char *nb;

	if (c->closed)
		return;
	if (c->inlen + n > RPC_MSG_MAX + ENV_HDR) {
		rpc_fail(c, RPC_RESOURCE_EXHAUSTED, "message larger than %d "
		    "bytes", RPC_MSG_MAX);
		rpc_close(c);
		return;
	}
	if (c->inlen + n > c->incap) {
		for (cap = c->incap ? c->incap : 4096; cap < c->inlen + n;)
			cap *= 2;
		if (buffered - c->incap + cap > BUFFERED_MAX) {
			rpc_fail(c, RPC_RESOURCE_EXHAUSTED, "too many large "
			    "requests at once");
			rpc_close(c);
			return;
		}
		if ((nb = realloc(c->in, cap)) == NULL) {
			rpc_fail(c, RPC_RESOURCE_EXHAUSTED, "out of memory");
			rpc_close(c);
			return;
		}
		buffered += cap - c->incap;
		c->in = nb;
		c->incap = cap;
	}
	memcpy(c->in + c->inlen, p, n);
	c->inlen += n;
	if (c->m->kind == RPC_CLIENT_STREAM)
		client_messages(c);
}

static void
on_end(struct xch *x)
{
	struct rpc_call *c = x->st;

	if (c->closed)
		return;
	/* A deadline that passed before the request was read: too late. */
	if (c->deadline && loop_now() >= c->deadline)
		rpc_fail(c, RPC_DEADLINE_EXCEEDED, "deadline exceeded");
	if (c->code != RPC_OK) {
		rpc_close(c);
		return;
	}
	switch (c->m->kind) {
	case RPC_UNARY:
		run_unary(c);
		break;
	case RPC_SERVER_STREAM:
		run_server_stream(c);
		break;
	default:
		if (c->inlen > 0)
			rpc_fail(c, RPC_INVALID_ARGUMENT, "protocol error: "
			    "incomplete envelope");
		if (c->code != RPC_OK) {
			rpc_close(c);
			return;
		}
		stream_head(c);
		c->m->finish(c);
	}
}

static void
on_drain(struct xch *x)
{
	struct rpc_call *c = x->st;

	if (!c->closed && c->m->drain)
		c->m->drain(c);
}

/* see rpc.h */
void
rpc_release(struct rpc_call *c)
{
	struct rpc_block *b;

	while ((b = c->blocks) != NULL) {
		c->blocks = b->next;
		free(b);
	}
	buffered -= c->incap;
	free(c->in);
	free(c->arena.buf);
	free(c);
}

static void
on_done(struct xch *x)
{
	struct rpc_call *c = x->st;

	timer_stop(&c->deadline_timer);
	timer_stop(&c->keepalive_timer);
	c->closed = 1;
	if (c->m->done)
		c->m->done(c);
	rpc_release(c);
}

static const struct handler rpc_handler = {
	.body = on_body,
	.end = on_end,
	.drain = on_drain,
	.done = on_done,
};

static void
on_deadline(struct timer *t)
{
	struct rpc_call *c = t->arg;

	rpc_fail(c, RPC_DEADLINE_EXCEEDED, "deadline exceeded");
	rpc_close(c);
}

static void
on_keepalive(struct timer *t)
{
	struct rpc_call *c = t->arg;

	rpc_send(c, c->m->keepalive);
}

static void
not_found(struct xch *x)
{
	static const char pre[] = "method not found: ";
	const struct req *r = x->req;
	char buf[1280], msg[sizeof(pre) + 512];
	size_t n = r->plen > 512 ? 512 : r->plen;
	struct jw w;

	memcpy(msg, pre, sizeof(pre) - 1);
	memcpy(msg + sizeof(pre) - 1, r->path, n);
	jw_init(&w, buf, sizeof(buf));
	jw_obj(&w);
	jw_keyz(&w, "code");
	jw_strz(&w, "unimplemented");
	jw_keyz(&w, "message");
	jw_str(&w, msg, sizeof(pre) - 1 + n);
	jw_obj_end(&w);
	xch_reply(x, 404, "application/json", buf, w.len);
}

/* see rpc.h */
void
rpc_dispatch(struct xch *x)
{
	const struct req *r = x->req;
	const struct rpc_method *m = find_method(r->path, r->plen);
	struct rpc_call *c;

	if (m == NULL) {
		not_found(x);
		return;
	}
	if (r->method != M_POST) {
		xch_head(x, 405, (struct hdr[]){ HDR_LIT("Allow", "POST") }, 1,
		    0);
		xch_end(x, NULL, 0);
		return;
	}
	if ((c = calloc(1, sizeof(*c))) == NULL) {
		xch_error(x, 500, "out of memory");
		return;
	}
	c->x = x;
	c->m = m;
	x->st = c;
	x->h = &rpc_handler;
	c->deadline_timer = (struct timer){ .cb = on_deadline, .arg = c };
	c->keepalive_timer = (struct timer){ .cb = on_keepalive, .arg = c };
	if (pick_protocol(c) < 0) {
		c->closed = 1;
		xch_head(x, 415, (struct hdr[]){ HDR_LIT("Accept-Post",
		    "application/json, application/proto, "
		    "application/connect+json, application/connect+proto") },
		    1, 0);
		xch_end(x, NULL, 0);
		return;
	}
	start_call(c);
}

static void
start_call(struct rpc_call *c)
{
	if (read_headers(c) < 0 || pick_user(c) < 0) {
		rpc_close(c);
		return;
	}
	if (c->deadline)
		timer_at(&c->deadline_timer, c->deadline);
}
