/*
 * http1.c: HTTP/1.1 request heads and chunked bodies.
 *
 *   request-line = method SP request-target SP HTTP-version CRLF
 *   field-line   = field-name ":" OWS field-value OWS CRLF
 *   chunk        = chunk-size [ chunk-ext ] CRLF chunk-data CRLF
 *   last-chunk   = 1*"0" [ chunk-ext ] CRLF, then trailer fields, CRLF
 *
 * A bare LF is taken as a line end (RFC 9112 section 2.2); a CR must be
 * followed by LF.
 */
#include <string.h>

#include "http1.h"
#include "util.h"

#define CHUNK_JUNK_MAX 16384	/* extensions and trailers per body */

static const struct {
	const char *name;
	int m;
} methods[] = {
	{ "GET", M_GET }, { "HEAD", M_HEAD }, { "POST", M_POST },
	{ "PUT", M_PUT }, { "DELETE", M_DELETE }, { "OPTIONS", M_OPTIONS },
	{ "PATCH", M_PATCH },
};

static int
is_tchar(unsigned char c)
{
	if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
	    (c >= 'A' && c <= 'Z'))
		return 1;
	return c != 0 && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

static int
is_ows(char c)
{
	return c == ' ' || c == '\t';
}

/* see http1.h */
size_t
http1_head_len(const char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (p[i] != '\n')
			continue;
		if (i + 1 < n && p[i + 1] == '\n')
			return i + 2;
		if (i + 2 < n && p[i + 1] == '\r' && p[i + 2] == '\n')
			return i + 3;
	}
	return 0;
}

/* Finds the end of the line starting at p; sets *next past its end. */
static const char *
line_end(const char *p, const char *e, const char **next)
{
	const char *lf = memchr(p, '\n', (size_t)(e - p));

	if (lf == NULL)
		return NULL;
	*next = lf + 1;
	if (lf > p && lf[-1] == '\r')
		return lf - 1;
	return lf;
}

static int
parse_method(struct req *r, const char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!is_tchar((unsigned char)p[i]))
			return 400;
	r->mname = p;
	r->mlen = n;
	r->method = M_OTHER;
	for (i = 0; i < ARRAY_LEN(methods); i++)
		if (eq_s(p, n, methods[i].name))
			r->method = methods[i].m;
	return 0;
}

/* origin-form, absolute-form (scheme and authority dropped), or "*". */
static int
parse_target(struct req *r, const char *p, size_t n)
{
	const char *q, *e = p + n;
	size_t i;

	for (i = 0; i < n; i++)
		if ((unsigned char)p[i] <= ' ' || p[i] == 0x7f)
			return 400;
	if (n > 7 && (eq_ci(p, 7, "http://") || (n > 8 &&
	    eq_ci(p, 8, "https://")))) {
		p = memchr(p, '/', n) + 2;
		p = memchr(p, '/', (size_t)(e - p));
		if (p == NULL)
			p = "/", e = p + 1;
	} else if (!(n == 1 && *p == '*') && (n == 0 || *p != '/')) {
		return 400;
	}
	r->path = p;
	q = memchr(p, '?', (size_t)(e - p));
	r->plen = (size_t)((q ? q : e) - p);
	r->query = q ? q + 1 : NULL;
	r->qlen = q ? (size_t)(e - q - 1) : 0;
	return 0;
}

static int
parse_version(struct req *r, const char *p, size_t n)
{
	if (n != 8 || memcmp(p, "HTTP/", 5) != 0 || p[6] != '.' ||
	    p[5] < '0' || p[5] > '9' || p[7] < '0' || p[7] > '9')
		return 400;
	if (p[5] != '1')
		return 505;
	r->version = p[7] == '0' ? 10 : 11;
	return 0;
}

static int
parse_request_line(struct req *r, const char *p, const char *e)
{
	const char *sp1, *sp2;
	int st;

	sp1 = memchr(p, ' ', (size_t)(e - p));
	if (sp1 == NULL)
		return 400;
	sp2 = memchr(sp1 + 1, ' ', (size_t)(e - sp1 - 1));
	if (sp2 == NULL || sp1 == p)
		return 400;
	if ((st = parse_method(r, p, (size_t)(sp1 - p))) ||
	    (st = parse_target(r, sp1 + 1, (size_t)(sp2 - sp1 - 1))) ||
	    (st = parse_version(r, sp2 + 1, (size_t)(e - sp2 - 1))))
		return st;
	return 0;
}

static int
parse_field(struct req *r, const char *p, const char *e)
{
	const char *colon = memchr(p, ':', (size_t)(e - p)), *v;
	const char *s;

	/* obs-fold, and a name with white space before the colon: 400. */
	if (colon == NULL || colon == p || is_ows(*p))
		return 400;
	for (s = p; s < colon; s++)
		if (!is_tchar((unsigned char)*s))
			return 400;
	for (v = colon + 1; v < e && is_ows(*v); v++)
		;
	while (e > v && is_ows(e[-1]))
		e--;
	for (s = v; s < e; s++)
		if (((unsigned char)*s < ' ' && *s != '\t') || *s == 0x7f)
			return 400;
	if (r->nh == REQ_MAXHDR)
		return 431;
	r->h[r->nh++] = (struct hdr){ p, (size_t)(colon - p), v,
		(size_t)(e - v) };
	return 0;
}

/* Content-Length: digits, or a list of equal values (RFC 9112 6.3). */
static int
content_length(struct req *r, const struct hdr *h)
{
	const char *p = h->val, *e = p + h->vlen, *s;
	unsigned long long v;

	while (p < e) {
		for (s = p; p < e && *p != ','; p++)
			;
		while (s < p && is_ows(*s))
			s++;
		while (p > s && is_ows(p[-1]))
			p--;
		if (parse_u64(s, (size_t)(p - s), &v) || v > (1ULL << 62))
			return 400;
		if (r->clen >= 0 && (unsigned long long)r->clen != v)
			return 400;
		r->clen = (long long)v;
		while (p < e && *p != ',')
			p++;
		if (p < e)
			p++;
	}
	return r->clen < 0 ? 400 : 0;
}

static int
framing(struct req *r, struct http1_meta *m)
{
	const struct hdr *te = NULL;
	int i, st, hosts = 0;

	r->clen = -1;
	for (i = 0; i < r->nh; i++) {
		const struct hdr *h = &r->h[i];

		if (eq_ci(h->name, h->nlen, "content-length")) {
			if ((st = content_length(r, h)))
				return st;
		} else if (eq_ci(h->name, h->nlen, "transfer-encoding")) {
			if (te)
				return 501;
			te = h;
		} else if (eq_ci(h->name, h->nlen, "host")) {
			hosts++;
		}
	}
	if (r->version == 11 && hosts != 1)
		return 400;
	if (te == NULL)
		return 0;
	/* Both framings: refuse rather than guess (request smuggling). */
	if (r->clen >= 0)
		return 400;
	if (!eq_ci(te->val, te->vlen, "chunked"))
		return 501;
	m->chunked = 1;
	return 0;
}

static void
semantics(const struct req *r, struct http1_meta *m)
{
	const struct hdr *h;

	m->keepalive = r->version == 11 ?
	    !req_hdr_has(r, "connection", "close") :
	    req_hdr_has(r, "connection", "keep-alive");
	if ((h = req_hdr(r, "expect")) != NULL) {
		if (eq_ci(h->val, h->vlen, "100-continue"))
			m->expect100 = r->version == 11;
		else
			m->expect_other = 1;
	}
	m->upgrade_h2c = req_hdr_has(r, "upgrade", "h2c") &&
	    req_hdr(r, "http2-settings") != NULL;
}

/* see http1.h */
int
http1_parse(const char *p, size_t n, struct req *r, struct http1_meta *m)
{
	const char *e = p + n, *le, *next;
	int st;

	memset(m, 0, sizeof(*m));
	r->nh = 0;
	/* Empty lines before the request line are ignored (RFC 9112 2.2). */
	while (p < e && (*p == '\r' || *p == '\n'))
		p++;
	if ((le = line_end(p, e, &next)) == NULL ||
	    memchr(p, '\r', (size_t)(le - p)))
		return 400;
	if ((st = parse_request_line(r, p, le)))
		return st;
	for (p = next; p < e; p = next) {
		if ((le = line_end(p, e, &next)) == NULL)
			return 400;
		if (le == p)
			break;
		if (memchr(p, '\r', (size_t)(le - p)))
			return 400;
		if ((st = parse_field(r, p, le)))
			return st;
	}
	if ((st = framing(r, m)))
		return st;
	semantics(r, m);
	return 0;
}

/* One framing byte; returns 0, or -1 when malformed. */
static int
chunk_byte(struct chunked *c, char b)
{
	int d;

	switch (c->state) {
	case CK_SIZE:
		if ((d = hex_digit(b)) >= 0) {
			if (++c->digits > 16)
				return -1;
			c->left = c->left << 4 | (unsigned)d;
			return 0;
		}
		if (c->digits == 0)
			return -1;
		if (b == '\r') {
			c->state = CK_SIZE_LF;
			return 0;
		}
		if (b == '\n')
			goto size_done;
		if (b != ';' && !is_ows(b))
			return -1;
		c->state = CK_EXT;
		return 0;
	case CK_EXT:
		if (b == '\n')
			goto size_done;
		if (b == '\r')
			c->state = CK_SIZE_LF;
		return ++c->junk > CHUNK_JUNK_MAX ? -1 : 0;
	case CK_SIZE_LF:
		if (b != '\n')
			return -1;
		goto size_done;
	case CK_DATA_CR:
		if (b == '\n') {
			c->state = CK_SIZE;
			return 0;
		}
		if (b != '\r')
			return -1;
		c->state = CK_DATA_LF;
		return 0;
	case CK_DATA_LF:
		if (b != '\n')
			return -1;
		c->state = CK_SIZE;
		return 0;
	case CK_TRAILER:
		if (b == '\n') {
			c->state = CK_DONE;
			return 0;
		}
		c->state = b == '\r' ? CK_TRAILER_LF : CK_TRAILER_LINE;
		return ++c->junk > CHUNK_JUNK_MAX ? -1 : 0;
	case CK_TRAILER_LINE:
		if (b == '\n')
			c->state = CK_TRAILER;
		return ++c->junk > CHUNK_JUNK_MAX ? -1 : 0;
	case CK_TRAILER_LF:
		if (b != '\n')
			return -1;
		c->state = CK_DONE;
		return 0;
	}
	return -1;
size_done:
	c->digits = 0;
	c->state = c->left ? CK_DATA : CK_TRAILER;
	return 0;
}

/* see http1.h */
long
http1_chunked(struct chunked *c, const char *in, size_t n, size_t *doff,
    size_t *dlen)
{
	size_t i = 0, take;

	*doff = 0;
	*dlen = 0;
	while (i < n && c->state != CK_DONE) {
		if (c->state == CK_DATA) {
			take = n - i;
			if (take > c->left)
				take = (size_t)c->left;
			*doff = i;
			*dlen = take;
			c->left -= take;
			if (c->left == 0)
				c->state = CK_DATA_CR;
			return (long)(i + take);
		}
		if (chunk_byte(c, in[i++]) < 0)
			return -1;
	}
	return (long)i;
}
