/*
 * multipart.c: the multipart/form-data reader.
 *
 * A body, as RFC 2046 section 5.1.1 draws it:
 *
 *   preamble CRLF "--" boundary [padding] CRLF
 *   headers CRLF data CRLF "--" boundary [padding] CRLF
 *   ...
 *   headers CRLF data CRLF "--" boundary "--" epilogue
 *
 * So every delimiter is CRLF "--" boundary, with one CRLF assumed before
 * the body so that a body opening with "--" boundary matches too.  Part
 * data is scanned for a CR; bytes before it are data, bytes from it on are
 * compared with the delimiter.  The boundary holds no CR, so a failed
 * match never hides the start of another one.
 */
#include <errno.h>
#include <string.h>

#include "multipart.h"
#include "util.h"

enum { S_PREAMBLE, S_BODY, S_AFTER, S_PAD, S_DASH, S_CR, S_HEAD,
	S_EPILOGUE };

struct param {
	const char *name;
	size_t nlen;
	const char *val;		/* raw: quotes removed, escapes kept */
	size_t vlen;
	int quoted;
};

static int
is_ows(char c)
{
	return c == ' ' || c == '\t';
}

/* RFC 9110 section 5.6.2 tchar. */
static int
is_tchar(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
	    (c >= 'A' && c <= 'Z') || (c && strchr("!#$%&'*+-.^_`|~", c));
}

static const char *
skip_ows(const char *p, const char *e)
{
	while (p < e && is_ows(*p))
		p++;
	return p;
}

/* A backslash quotes only '"' and '\', so "C:\dir" keeps its slashes. */
static int
is_escape(const char *p, const char *e)
{
	return p[0] == '\\' && p + 1 < e && (p[1] == '"' || p[1] == '\\');
}

static int
quoted_value(const char **pp, const char *e, struct param *pr)
{
	const char *p = *pp + 1;

	pr->val = p;
	while (p < e && *p != '"')
		p += is_escape(p, e) ? 2 : 1;
	if (p >= e)
		return -EINVAL;
	pr->vlen = (size_t)(p - pr->val);
	pr->quoted = 1;
	*pp = p + 1;
	return 1;
}

/* Reads "; name=value" at *pp: 1 and *pr, 0 at the end, or -EINVAL. */
static int
param_next(const char **pp, const char *e, struct param *pr)
{
	const char *p = skip_ows(*pp, e);

	if (p == e)
		return 0;
	if (*p++ != ';')
		return -EINVAL;
	if ((p = skip_ows(p, e)) == e) {
		*pp = p;
		return 0;
	}
	for (pr->name = p; p < e && is_tchar(*p); p++)
		;
	pr->nlen = (size_t)(p - pr->name);
	p = skip_ows(p, e);
	if (pr->nlen == 0 || p == e || *p++ != '=')
		return -EINVAL;
	if (p < e && *p == '"') {
		*pp = p;
		return quoted_value(pp, e, pr);
	}
	for (pr->val = p; p < e && is_tchar(*p); p++)
		;
	pr->vlen = (size_t)(p - pr->val);
	pr->quoted = 0;
	*pp = p;
	return pr->vlen ? 1 : -EINVAL;
}

/* Copies a value to dst (which may be where it is), resolving escapes. */
static size_t
unquote(char *dst, const struct param *pr)
{
	const char *p = pr->val, *e = pr->val + pr->vlen;
	size_t n = 0;

	if (!pr->quoted) {
		memmove(dst, p, pr->vlen);
		return pr->vlen;
	}
	for (; p < e; p++) {
		if (is_escape(p, e))
			p++;
		dst[n++] = *p;
	}
	return n;
}

/*
 * RFC 8187 section 3.2: charset "'" [language] "'" %-encoded bytes,
 * decoded in place.  The new length, or -1 (then the parameter is
 * ignored, as Go's mime package does).
 */
static long
ext_decode(char *v, size_t n)
{
	char *q1 = memchr(v, '\'', n), *q2, *p, *e = v + n;
	long o = 0;
	int hi, lo;

	if (q1 == NULL || (!eq_ci(v, (size_t)(q1 - v), "utf-8") &&
	    !eq_ci(v, (size_t)(q1 - v), "us-ascii")))
		return -1;
	if ((q2 = memchr(q1 + 1, '\'', (size_t)(e - q1 - 1))) == NULL)
		return -1;
	for (p = q2 + 1; p < e; p++) {
		if (*p != '%') {
			v[o++] = *p;
			continue;
		}
		if (e - p < 3 || (hi = hex_digit(p[1])) < 0 ||
		    (lo = hex_digit(p[2])) < 0)
			return -1;
		v[o++] = (char)(hi << 4 | lo);
		p += 2;
	}
	return o;
}

/* Content-Disposition: form-data; name="..."; filename="..." */
static int
disposition(struct mp *m, const char *p, const char *e, struct mp_part *pt)
{
	const char *t;
	struct param pr;
	char *v;
	long n;
	int rc, form, star = 0;

	for (t = p = skip_ows(p, e); p < e && is_tchar(*p); p++)
		;
	form = eq_ci(t, (size_t)(p - t), "form-data");
	while ((rc = param_next(&p, e, &pr)) > 0) {
		v = m->head + (pr.val - m->head);
		n = (long)unquote(v, &pr);
		if (eq_ci(pr.name, pr.nlen, "name") && form) {
			pt->name = v;
			pt->nlen = (size_t)n;
		} else if (eq_ci(pr.name, pr.nlen, "filename") && !star) {
			pt->filename = v;
			pt->flen = (size_t)n;
		} else if (eq_ci(pr.name, pr.nlen, "filename*") &&
		    (n = ext_decode(v, (size_t)n)) >= 0) {
			pt->filename = v;
			pt->flen = (size_t)n;
			star = 1;
		}
	}
	return rc;
}

/* The header block head[0..hlen) ends in CRLF CRLF (or is one CRLF). */
static int
parse_headers(struct mp *m, struct mp_part *pt)
{
	const char *p = m->head, *e = m->head + m->hlen - 2;
	const char *eol, *colon;

	memset(pt, 0, sizeof(*pt));
	for (; p < e; p = eol + 2) {
		eol = memchr(p, '\r', (size_t)(e - p));
		if (eol == NULL || eol[1] != '\n' ||
		    memchr(p, '\n', (size_t)(eol - p)) != NULL)
			return -EINVAL;
		/* Folded lines are obsolete (RFC 9112 section 5.2). */
		if (is_ows(*p))
			return -EINVAL;
		colon = memchr(p, ':', (size_t)(eol - p));
		if (colon == NULL || colon == p)
			return -EINVAL;
		/* A bad value leaves the part nameless, so it is skipped. */
		if (eq_ci(p, (size_t)(colon - p), "content-disposition") &&
		    disposition(m, colon + 1, eol, pt) < 0)
			memset(pt, 0, sizeof(*pt));
	}
	return 0;
}

/* Bytes at p, from delimiter byte i on, that match it. */
static size_t
match(const struct mp *m, const char *p, size_t n, size_t i)
{
	size_t k = 0;

	while (k < n && i + k < m->dlen && p[k] == m->delim[i + k])
		k++;
	return k;
}

static int
emit(struct mp *m, const char *p, size_t n)
{
	if (m->state == S_PREAMBLE || n == 0)
		return 0;
	return m->ops->data(m->arg, p, n);
}

static int
found(struct mp *m)
{
	int body = m->state == S_BODY;

	m->state = S_AFTER;
	m->mlen = 0;
	return body ? m->ops->part_end(m->arg) : 0;
}

/* A delimiter prefix left by the last piece: complete it, or it is data. */
static int
carried(struct mp *m, const char *p, size_t n, size_t *used)
{
	size_t k = match(m, p, n, m->mlen);
	int rc;

	if (m->mlen + k == m->dlen) {
		*used = k;
		return found(m);
	}
	if (k == n) {
		m->mlen += k;
		*used = n;
		return 0;
	}
	rc = emit(m, m->delim, m->mlen);
	m->mlen = 0;
	*used = 0;
	return rc;
}

/* Preamble and part data: hand over the bytes before the delimiter. */
static int
scan(struct mp *m, const char *p, size_t n, size_t *used)
{
	const char *q = p, *e = p + n;
	size_t k;
	int rc;

	if (m->mlen > 0)
		return carried(m, p, n, used);
	while ((q = memchr(q, '\r', (size_t)(e - q))) != NULL) {
		k = match(m, q, (size_t)(e - q), 0);
		if (k == m->dlen) {
			*used = (size_t)(q - p) + k;
			rc = emit(m, p, (size_t)(q - p));
			return rc < 0 ? rc : found(m);
		}
		if (q + k == e) {
			m->mlen = k;
			*used = n;
			return emit(m, p, (size_t)(q - p));
		}
		q++;
	}
	*used = n;
	return emit(m, p, n);
}

/* After a delimiter: "--" closes, else optional padding and CRLF. */
static int
after(struct mp *m, const char *p, size_t n, size_t *used)
{
	char c = *p;

	*used = 1;
	if (m->state == S_AFTER && c == '-')
		m->state = S_DASH;
	else if (m->state == S_DASH && c == '-')
		m->state = S_EPILOGUE;
	else if ((m->state == S_AFTER || m->state == S_PAD) && is_ows(c))
		m->state = S_PAD;
	else if ((m->state == S_AFTER || m->state == S_PAD) && c == '\r')
		m->state = S_CR;
	else if (m->state == S_CR && c == '\n') {
		m->state = S_HEAD;
		m->hlen = 0;
	} else
		return -EINVAL;
	return 0;
}

static int
head_done(const struct mp *m)
{
	const char *h = m->head;
	size_t n = m->hlen;

	if (n < 2 || h[n - 2] != '\r' || h[n - 1] != '\n')
		return 0;
	return n == 2 || (n >= 4 && h[n - 4] == '\r' && h[n - 3] == '\n');
}

/* Collects a part's header block, then announces the part. */
static int
head(struct mp *m, const char *p, size_t n, size_t *used)
{
	struct mp_part pt;
	size_t i;
	int rc;

	for (i = 0; i < n; i++) {
		if (m->hlen == sizeof(m->head))
			return -EMSGSIZE;
		m->head[m->hlen++] = p[i];
		if (!head_done(m))
			continue;
		*used = i + 1;
		if ((rc = parse_headers(m, &pt)) < 0)
			return rc;
		m->state = S_BODY;
		m->mlen = 0;
		return m->ops->part(m->arg, &pt);
	}
	*used = n;
	return 0;
}

static int
epilogue(struct mp *m, const char *p, size_t n, size_t *used)
{
	*used = n;
	return 0;
}

static int (*const steps[])(struct mp *, const char *, size_t, size_t *) = {
	[S_PREAMBLE] = scan, [S_BODY] = scan, [S_AFTER] = after,
	[S_PAD] = after, [S_DASH] = after, [S_CR] = after, [S_HEAD] = head,
	[S_EPILOGUE] = epilogue,
};

/* RFC 2046 bchars, loosely: printable ASCII, not ending in a space. */
static int
boundary_ok(const char *b, size_t n)
{
	size_t i;

	if (n == 0 || b[n - 1] == ' ')
		return 0;
	for (i = 0; i < n; i++)
		if (b[i] < ' ' || b[i] > '~')
			return 0;
	return 1;
}

/* see multipart.h */
int
mp_init(struct mp *m, const char *ct, size_t n, const struct mp_ops *ops,
    void *arg)
{
	const char *p = skip_ows(ct, ct + n), *e = ct + n;
	struct param pr;
	size_t bl = 0;
	int rc;

	m->ops = ops;
	m->arg = arg;
	m->err = 0;
	m->hlen = 0;
	if (e - p < 10 || !eq_ci(p, 10, "multipart/"))
		return -EINVAL;
	while (p < e && *p != ';')
		p++;
	while ((rc = param_next(&p, e, &pr)) > 0) {
		if (!eq_ci(pr.name, pr.nlen, "boundary"))
			continue;
		if (pr.vlen > MP_BOUNDARY_MAX)
			return -EINVAL;
		bl = unquote(m->delim + 4, &pr);
	}
	if (rc < 0 || !boundary_ok(m->delim + 4, bl))
		return -EINVAL;
	memcpy(m->delim, "\r\n--", 4);
	m->dlen = 4 + bl;
	/* As if the body followed a CRLF: it may open with the delimiter. */
	m->state = S_PREAMBLE;
	m->mlen = 2;
	return 0;
}

/* see multipart.h */
int
mp_feed(struct mp *m, const char *p, size_t n)
{
	size_t used;
	int rc;

	while (n > 0 && m->err == 0) {
		used = 0;
		rc = steps[m->state](m, p, n, &used);
		if (rc < 0)
			m->err = rc;
		p += used;
		n -= used;
	}
	return m->err;
}

/* see multipart.h */
int
mp_finish(const struct mp *m)
{
	if (m->err)
		return m->err;
	return m->state == S_EPILOGUE ? 0 : -EINVAL;
}
