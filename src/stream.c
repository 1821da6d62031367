/*
 * stream.c: the transport-neutral half of an exchange: header lookup,
 * query parameters, CORS, whole responses and the body collector.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "stream.h"
#include "util.h"

#define HDR_OUT_MAX 32		/* response header fields per head */

static const struct hdr cors_headers[] = {
	HDR_LIT("Access-Control-Allow-Origin", "*"),
	HDR_LIT("Access-Control-Expose-Headers",
	    "Location, Cache-Control, X-Content-Type-Options, "
	    "Connect-Content-Encoding, Connect-Protocol-Version, "
	    "Grpc-Encoding, Grpc-Message, Grpc-Status, "
	    "Grpc-Status-Details-Bin"),
};

/* see stream.h */
const struct hdr *
req_hdr(const struct req *r, const char *name)
{
	int i;

	for (i = 0; i < r->nh; i++)
		if (eq_ci(r->h[i].name, r->h[i].nlen, name))
			return &r->h[i];
	return NULL;
}

static int
is_ows(char c)
{
	return c == ' ' || c == '\t';
}

/* see stream.h */
int
req_hdr_has(const struct req *r, const char *name, const char *tok)
{
	const char *p, *e, *s, *t;
	int i;

	for (i = 0; i < r->nh; i++) {
		if (!eq_ci(r->h[i].name, r->h[i].nlen, name))
			continue;
		p = r->h[i].val;
		e = p + r->h[i].vlen;
		while (p < e) {
			while (p < e && (is_ows(*p) || *p == ','))
				p++;
			s = p;
			while (p < e && *p != ',' && *p != ';')
				p++;
			t = p;
			while (t > s && is_ows(t[-1]))
				t--;
			if (t > s && eq_ci(s, (size_t)(t - s), tok))
				return 1;
			while (p < e && *p != ',')
				p++;
		}
	}
	return 0;
}

/* %-decodes s (with '+' as space) into out; length or negative errno. */
static int
url_decode(const char *s, size_t n, char *out, size_t cap)
{
	size_t i, o = 0;
	int hi, lo;

	for (i = 0; i < n; i++) {
		char c = s[i];

		if (c == '%') {
			if (i + 2 >= n)
				return -EINVAL;
			hi = hex_digit(s[i + 1]);
			lo = hex_digit(s[i + 2]);
			if (hi < 0 || lo < 0)
				return -EINVAL;
			c = (char)(hi << 4 | lo);
			i += 2;
		} else if (c == '+') {
			c = ' ';
		}
		if (o + 1 >= cap)
			return -ENAMETOOLONG;
		out[o++] = c;
	}
	out[o] = '\0';
	return (int)o;
}

/* see stream.h */
int
req_query(const struct req *r, const char *key, char *out, size_t cap)
{
	const char *p = r->query, *e, *amp, *eq;
	char name[64];
	int n;

	if (p == NULL)
		return -ENOENT;
	e = p + r->qlen;
	for (; p < e; p = amp + 1) {
		amp = memchr(p, '&', (size_t)(e - p));
		if (amp == NULL)
			amp = e;
		eq = memchr(p, '=', (size_t)(amp - p));
		if (eq == NULL)
			eq = amp;
		n = url_decode(p, (size_t)(eq - p), name, sizeof(name));
		if (n < 0 || strcmp(name, key) != 0)
			continue;
		if (eq == amp)
			return url_decode("", 0, out, cap);
		return url_decode(eq + 1, (size_t)(amp - eq - 1), out, cap);
	}
	return -ENOENT;
}

/* see stream.h */
void
xch_head(struct xch *x, int status, const struct hdr *h, int n,
    long long clen)
{
	struct hdr all[HDR_OUT_MAX];
	int k = 0, i;

	if (x->flags & XF_HEAD_SENT)
		return;
	for (i = 0; i < n && k < HDR_OUT_MAX - 2; i++)
		all[k++] = h[i];
	if (x->flags & XF_CORS)
		for (i = 0; i < 2; i++)
			all[k++] = cors_headers[i];
	x->flags |= XF_HEAD_SENT;
	x->status = status;
	x->ops->head(x, status, all, k, clen);
}

/* see stream.h */
void
xch_body(struct xch *x, const void *p, size_t n)
{
	if (n > 0 && !(x->flags & XF_ENDED))
		x->ops->body(x, p, n);
}

/* see stream.h */
void
xch_end(struct xch *x, const struct hdr *tr, int n)
{
	if (x->flags & XF_ENDED)
		return;
	x->flags |= XF_ENDED;
	x->ops->end(x, tr, n);
}

/* see stream.h */
size_t
xch_room(struct xch *x)
{
	return x->ops->room(x);
}

/* see stream.h */
void
xch_hold(struct xch *x, int on)
{
	x->ops->hold(x, on);
}

/* see stream.h */
size_t
xch_sendfile(struct xch *x, int fd, long long off, size_t n)
{
	if (x->ops->sendfile == NULL || (x->flags & XF_ENDED))
		return 0;
	return x->ops->sendfile(x, fd, off, n);
}

/* see stream.h */
void
xch_abort(struct xch *x)
{
	x->flags |= XF_ENDED;
	x->ops->abort(x);
}

static void
reply(struct xch *x, int status, const char *ctype, int nostore,
    const char *body, size_t n)
{
	struct hdr h[2];
	int k = 0;

	if (ctype)
		h[k++] = (struct hdr){ "Content-Type", 12, ctype,
			strlen(ctype) };
	if (nostore)
		h[k++] = (struct hdr)HDR_LIT("Cache-Control", "no-store");
	xch_head(x, status, h, k, (long long)n);
	xch_body(x, body, n);
	xch_end(x, NULL, 0);
}

/* see stream.h */
void
xch_reply(struct xch *x, int status, const char *ctype, const char *body,
    size_t n)
{
	reply(x, status, ctype, 0, body, n);
}

/* see stream.h */
void
xch_reply_nostore(struct xch *x, int status, const char *ctype,
    const char *body, size_t n)
{
	reply(x, status, ctype, 1, body, n);
}

/* see stream.h */
void
xch_error(struct xch *x, int status, const char *msg)
{
	char buf[1024];
	struct jw w;

	jw_init(&w, buf, sizeof(buf));
	jw_obj(&w);
	jw_keyz(&w, "code");
	jw_int(&w, status);
	jw_keyz(&w, "message");
	jw_str(&w, msg, strnlen(msg, 900));
	jw_obj_end(&w);
	xch_reply(x, status, "application/json", buf, w.len);
}

static void
collect_body(struct xch *x, const char *p, size_t n)
{
	char *nb;
	size_t cap;

	if (x->flags & XF_ENDED)
		return;
	if (n > x->bmax - x->blen) {
		xch_error(x, 413, "request body too large");
		return;
	}
	if (x->blen + n > 0 && x->buf == NULL) {
		cap = x->bmax < 4096 ? x->bmax : 4096;
		if (cap < n)
			cap = n;
		if ((x->buf = malloc(cap + 1)) == NULL)
			goto nomem;
		x->bcap = cap;
	} else if (x->blen + n > x->bcap) {
		cap = x->bcap * 2 > x->blen + n ? x->bcap * 2 : x->blen + n;
		if (cap > x->bmax)
			cap = x->bmax;
		if ((nb = realloc(x->buf, cap + 1)) == NULL)
			goto nomem;
		x->buf = nb;
		x->bcap = cap;
	}
	memcpy(x->buf + x->blen, p, n);
	x->blen += n;
	return;
nomem:
	xch_error(x, 500, "out of memory");
}

static void
collect_end(struct xch *x)
{
	static char empty[1];

	if (x->flags & XF_ENDED)
		return;
	if (x->buf)
		x->buf[x->blen] = '\0';
	x->whole(x, x->buf ? x->buf : empty, x->blen);
}

static void
collect_done(struct xch *x)
{
	free(x->buf);
	x->buf = NULL;
}

static const struct handler collector = {
	.body = collect_body,
	.end = collect_end,
	.done = collect_done,
};

/* see stream.h */
void
xch_collect(struct xch *x, size_t max,
    void (*whole)(struct xch *x, char *body, size_t n))
{
	x->h = &collector;
	x->bmax = max;
	x->whole = whole;
}
