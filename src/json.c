/*
 * json.c: the JSON writer and pull reader declared in json.h.
 *
 * Both sides share two scanners: utf8_seq(), which accepts exactly the
 * well-formed UTF-8 of RFC 3629 section 4, and num_scan(), which accepts
 * exactly the number grammar of RFC 8259 section 6. The reader is a state
 * machine with one small handler per state (the table step[] below);
 * nesting lives in r->stack, so no input can make it recurse.
 */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "util.h"

/* need_comma[] bits: a value was written at this level; level is an object */
#define W_COMMA		1
#define W_OBJ		2

/* Most decimals jw_fixed() writes: past 17, a double has no more digits. */
#define FIXED_MAXDEC	9

/* Exponents are clamped here: any larger one is out of range anyway. */
#define NUM_EXP_MAX	1000000000LL

/* Reader states: what the next token may be. */
enum {
	S_TOP,		/* the top-level value */
	S_DONE,		/* only whitespace, then the end */
	S_ARR_FIRST,	/* a value or ']' */
	S_ARR_NEXT,	/* ',' then a value, or ']' */
	S_OBJ_FIRST,	/* a key or '}' */
	S_OBJ_NEXT,	/* ',' then a key, or '}' */
	S_OBJ_VALUE,	/* the value after "key": */
	S_ERR		/* sticky error */
};

/* r->stack entries */
enum { K_ARR, K_OBJ };

static const char LONE[] = "lone surrogate in \\u escape";

/*
 * A JSON number (RFC 8259 section 6), split into its parts:
 *
 *	[-] int [. frac] [e|E [+|-] exp]
 *
 * int is "0" or a digit 1-9 and more digits; frac and exp have at least
 * one digit each.
 */
struct num {
	const char *ip, *fp;	/* integer and fraction digits */
	size_t in, fn;		/* their counts */
	long long exp;		/* clamped to +-NUM_EXP_MAX */
	int neg;
};

/*
 * Length of the well-formed UTF-8 sequence at p (1 to 4), or 0 if the
 * bytes there are not one: a stray continuation byte, an overlong form,
 * a surrogate (U+D800-DFFF), a value past U+10FFFF, or a cut sequence.
 */
static size_t
utf8_seq(const unsigned char *p, const unsigned char *end)
{
	unsigned char lo = 0x80, hi = 0xBF;
	size_t n, i;

	if (p[0] < 0x80)
		return 1;
	if (p[0] < 0xC2)
		return 0;
	if (p[0] < 0xE0) {
		n = 2;
	} else if (p[0] < 0xF0) {
		n = 3;
		lo = p[0] == 0xE0 ? 0xA0 : lo;	/* overlong */
		hi = p[0] == 0xED ? 0x9F : hi;	/* surrogates */
	} else if (p[0] < 0xF5) {
		n = 4;
		lo = p[0] == 0xF0 ? 0x90 : lo;	/* overlong */
		hi = p[0] == 0xF4 ? 0x8F : hi;	/* past U+10FFFF */
	} else {
		return 0;
	}
	if ((size_t)(end - p) < n || p[1] < lo || p[1] > hi)
		return 0;
	for (i = 2; i < n; i++)
		if ((p[i] & 0xC0) != 0x80)
			return 0;
	return n;
}

static const char *
digits(const char *p, const char *end)
{
	while (p < end && *p >= '0' && *p <= '9')
		p++;
	return p;
}

/* The optional exponent at p; returns the end of it, or NULL if bad. */
static const char *
scan_exp(const char *p, const char *end, long long *exp)
{
	const char *q;
	int neg = 0;

	*exp = 0;
	if (p == end || (*p != 'e' && *p != 'E'))
		return p;
	p++;
	if (p < end && (*p == '+' || *p == '-'))
		neg = *p++ == '-';
	q = digits(p, end);
	if (q == p)
		return NULL;
	for (; p < q; p++)
		if (*exp < NUM_EXP_MAX)
			*exp = *exp * 10 + (*p - '0');
	if (neg)
		*exp = -*exp;
	return q;
}

/* Length of the JSON number that starts at s, or 0 if there is none. */
static size_t
num_scan(const char *s, const char *end, struct num *m)
{
	const char *p = s;

	m->neg = p < end && *p == '-';
	p += m->neg;
	m->ip = p;
	if (p == end || *p < '0' || *p > '9')
		return 0;
	p = *p == '0' ? p + 1 : digits(p, end);
	m->in = (size_t)(p - m->ip);
	m->fp = p;
	m->fn = 0;
	if (p < end && *p == '.') {
		m->fp = ++p;
		p = digits(p, end);
		m->fn = (size_t)(p - m->fp);
		if (!m->fn)
			return 0;
	}
	p = scan_exp(p, end, &m->exp);
	return p ? (size_t)(p - s) : 0;
}

/* Digit i of the integer digits followed by the fraction digits. */
static int
num_digit(const struct num *m, size_t i)
{
	return (i < m->in ? m->ip[i] : m->fp[i - m->in]) - '0';
}

/*
 * The absolute value of the number text s[0..n) and its sign, if the text
 * is a JSON number whose value is an integer below 2^64. The value is the
 * digits times 10^e; zeros at either end of the digits are dropped first.
 */
static int
num_mag(const char *s, size_t n, int *neg, unsigned long long *v)
{
	struct num m;
	size_t i = 0, nd;
	long long e;
	unsigned long long x = 0;

	if (!n || num_scan(s, s + n, &m) != n)
		return -EINVAL;
	nd = m.in + m.fn;
	e = m.exp - (long long)m.fn;
	for (; nd > 0 && num_digit(&m, nd - 1) == 0; nd--)
		e++;
	while (i < nd && num_digit(&m, i) == 0)
		i++;
	if (i < nd && e < 0)
		return -EINVAL;	/* a fraction is left */
	for (; i < nd; i++) {
		if (x > (ULLONG_MAX - (unsigned)num_digit(&m, i)) / 10)
			return -EINVAL;
		x = x * 10 + (unsigned)num_digit(&m, i);
	}
	for (; x && e > 0; e--) {
		if (x > ULLONG_MAX / 10)
			return -EINVAL;
		x *= 10;
	}
	*neg = m.neg;
	*v = x;
	return 0;
}

static void
w_fail(struct jw *w, int err)
{
	if (!w->err)
		w->err = err;
}

/* Append s[0..n) whole, or set -ENOBUFS and append nothing. */
static void
put(struct jw *w, const void *s, size_t n)
{
	if (w->err || !n)
		return;
	if (n > w->cap - w->len) {
		w->err = -ENOBUFS;
		return;
	}
	memcpy(w->buf + w->len, s, n);
	w->len += n;
}

/* Before a value: check that one may come here, then write the comma. */
static int
value_begin(struct jw *w)
{
	unsigned char *nc = &w->need_comma[w->depth];

	if (w->err)
		return -1;
	if (((*nc & W_OBJ) && !w->after_key) ||
	    (w->depth == 0 && (*nc & W_COMMA))) {
		w_fail(w, -EINVAL);
		return -1;
	}
	if (w->after_key)
		w->after_key = 0;
	else if (*nc & W_COMMA)
		put(w, ",", 1);
	*nc |= W_COMMA;
	return w->err ? -1 : 0;
}

static void
nest(struct jw *w, unsigned char kind, char c)
{
	if (!w->err && w->depth == JSON_MAXDEPTH)
		w_fail(w, -EINVAL);
	if (value_begin(w))
		return;
	put(w, &c, 1);
	if (!w->err)
		w->need_comma[++w->depth] = kind;
}

static void
unnest(struct jw *w, unsigned char kind, char c)
{
	if (w->err)
		return;
	if (!w->depth || (w->need_comma[w->depth] & W_OBJ) != kind ||
	    w->after_key) {
		w_fail(w, -EINVAL);
		return;
	}
	put(w, &c, 1);
	if (!w->err)
		w->depth--;
}

/* One byte that cannot go into a string as is. */
static void
put_esc(struct jw *w, unsigned char c)
{
	static const char from[] = "\"\\\b\f\n\r\t", to[] = "\"\\bfnrt";
	static const char hex[] = "0123456789abcdef";
	char e[6] = { '\\', 'u', '0', '0', hex[c >> 4], hex[c & 15] };
	const char *k = memchr(from, c, sizeof from - 1);

	if (k) {
		e[1] = to[k - from];
		put(w, e, 2);
	} else if (c < 0x20) {
		put(w, e, 6);
	} else {
		put(w, "\xEF\xBF\xBD", 3);	/* U+FFFD for a bad byte */
	}
}

/* s[0..n) as a quoted string; runs of plain bytes are copied at once. */
static void
put_string(struct jw *w, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	const unsigned char *run = p, *end = p + n;
	size_t k;

	put(w, "\"", 1);
	while (p < end && !w->err) {
		k = utf8_seq(p, end);
		if (k && *p >= 0x20 && *p != '"' && *p != '\\') {
			p += k;
			continue;
		}
		put(w, run, (size_t)(p - run));
		put_esc(w, *p++);
		run = p;
	}
	put(w, run, (size_t)(p - run));
	put(w, "\"", 1);
}

static void
put_dec(struct jw *w, unsigned long long v, int neg)
{
	char b[21];	/* 20 digits of 2^64 - 1, and a sign */
	size_t i = sizeof b;

	do
		b[--i] = (char)('0' + v % 10);
	while (v /= 10);
	if (neg)
		b[--i] = '-';
	if (!value_begin(w))
		put(w, b + i, sizeof b - i);
}

static int
fail(struct jr *r, const char *why)
{
	r->state = S_ERR;
	r->err = why;
	return JT_ERR;
}

/* RFC 8259 section 2: only these four are whitespace. */
static void
skip_ws(struct jr *r)
{
	while (r->p < r->end && (*r->p == ' ' || *r->p == '\t' ||
	    *r->p == '\n' || *r->p == '\r'))
		r->p++;
}

/* A value of the given type is complete: what may follow it. */
static int
after_value(struct jr *r, int type)
{
	if (r->depth == 0)
		r->state = S_DONE;
	else if (r->stack[r->depth - 1] == K_OBJ)
		r->state = S_OBJ_NEXT;
	else
		r->state = S_ARR_NEXT;
	return type;
}

static int
push(struct jr *r, unsigned char kind, int type)
{
	if (r->depth == JSON_MAXDEPTH)
		return fail(r, "nesting too deep");
	r->stack[r->depth++] = kind;
	r->state = kind == K_OBJ ? S_OBJ_FIRST : S_ARR_FIRST;
	r->p++;
	return type;
}

static int
pop(struct jr *r, int type)
{
	r->p++;
	r->depth--;
	return after_value(r, type);
}

static int
hex4(const char *p, const char *end, unsigned long *v)
{
	int i, c;

	if (end - p < 4)
		return -1;
	*v = 0;
	for (i = 0; i < 4; i++) {
		c = p[i];
		if (c >= '0' && c <= '9')
			c -= '0';
		else if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f')
			c = (c | 0x20) - 'a' + 10;
		else
			return -1;
		*v = *v << 4 | (unsigned long)c;
	}
	return 0;
}

/* Code point c (not a surrogate, <= U+10FFFF) as UTF-8 at d. */
static size_t
put_utf8(char *d, unsigned long c)
{
	if (c < 0x80) {
		d[0] = (char)c;
		return 1;
	}
	if (c < 0x800) {
		d[0] = (char)(0xC0 | c >> 6);
		d[1] = (char)(0x80 | (c & 0x3F));
		return 2;
	}
	if (c < 0x10000) {
		d[0] = (char)(0xE0 | c >> 12);
		d[1] = (char)(0x80 | (c >> 6 & 0x3F));
		d[2] = (char)(0x80 | (c & 0x3F));
		return 3;
	}
	d[0] = (char)(0xF0 | c >> 18);
	d[1] = (char)(0x80 | (c >> 12 & 0x3F));
	d[2] = (char)(0x80 | (c >> 6 & 0x3F));
	d[3] = (char)(0x80 | (c & 0x3F));
	return 4;
}

/*
 * \uXXXX at r->p, or a UTF-16 surrogate pair \uD8XX\uDCXX (RFC 8259
 * section 7). At most 4 bytes come out of 6 or 12 read, so *dst never
 * passes r->p.
 */
static int
read_uescape(struct jr *r, char **dst)
{
	unsigned long c, lo;

	if (hex4(r->p + 2, r->end, &c))
		return fail(r, "invalid \\u escape");
	r->p += 6;
	if (c >= 0xDC00 && c <= 0xDFFF)
		return fail(r, LONE);
	if (c >= 0xD800 && c <= 0xDBFF) {
		if (r->end - r->p < 6 || r->p[0] != '\\' || r->p[1] != 'u' ||
		    hex4(r->p + 2, r->end, &lo) || lo < 0xDC00 || lo > 0xDFFF)
			return fail(r, LONE);
		c = 0x10000 + ((c - 0xD800) << 10) + (lo - 0xDC00);
		r->p += 6;
	}
	*dst += put_utf8(*dst, c);
	return 0;
}

static int
read_escape(struct jr *r, char **dst)
{
	static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
	const char *k;

	if (r->end - r->p < 2)
		return fail(r, "unterminated string");
	if (r->p[1] == 'u')
		return read_uescape(r, dst);
	k = memchr(from, r->p[1], sizeof from - 1);
	if (!k)
		return fail(r, "invalid escape");
	*(*dst)++ = to[k - from];
	r->p += 2;
	return 0;
}

/* The string at r->p (on its '"'), decoded in place behind r->p. */
static int
read_string(struct jr *r, struct jtok *t, int type)
{
	char *start = ++r->p, *dst = start;
	size_t n;

	while (r->p < r->end) {
		if (*r->p == '"') {
			t->s = start;
			t->n = (size_t)(dst - start);
			r->p++;
			return type;
		}
		if (*r->p == '\\') {
			if (read_escape(r, &dst))
				return JT_ERR;
			continue;
		}
		if ((unsigned char)*r->p < 0x20)
			return fail(r, "control character in string");
		n = utf8_seq((const unsigned char *)r->p,
		    (const unsigned char *)r->end);
		if (!n)
			return fail(r, "invalid UTF-8 in string");
		while (n--)
			*dst++ = *r->p++;
	}
	return fail(r, "unterminated string");
}

/* Characters that may not directly follow a number. */
static int
num_tail(char c)
{
	return (c >= '0' && c <= '9') || c == '.' || c == '+' ||
	    c == '-' || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z');
}

static int
read_number(struct jr *r, struct jtok *t)
{
	struct num m;
	size_t n;

	if (*r->p != '-' && (*r->p < '0' || *r->p > '9'))
		return fail(r, "unexpected character");
	n = num_scan(r->p, r->end, &m);
	if (!n || (r->p + n < r->end && num_tail(r->p[n])))
		return fail(r, "invalid number");
	t->s = r->p;
	t->n = n;
	r->p += n;
	return JT_NUM;
}

static int
read_literal(struct jr *r, const char *lit, int type)
{
	size_t n = strlen(lit);

	if ((size_t)(r->end - r->p) < n || memcmp(r->p, lit, n))
		return fail(r, "invalid literal");
	r->p += n;
	return type;
}

static int
read_value(struct jr *r, struct jtok *t)
{
	int type;

	if (r->p == r->end)
		return fail(r, "unexpected end of input");
	switch (*r->p) {
	case '{':
		return push(r, K_OBJ, JT_OBJ);
	case '[':
		return push(r, K_ARR, JT_ARR);
	case '"':
		type = read_string(r, t, JT_STR);
		break;
	case 't':
		type = read_literal(r, "true", JT_TRUE);
		break;
	case 'f':
		type = read_literal(r, "false", JT_FALSE);
		break;
	case 'n':
		type = read_literal(r, "null", JT_NULL);
		break;
	default:
		type = read_number(r, t);
		break;
	}
	return type == JT_ERR ? JT_ERR : after_value(r, type);
}

/* A key and its ':'; the value is read by the next call. */
static int
read_key(struct jr *r, struct jtok *t)
{
	if (r->p == r->end)
		return fail(r, "unexpected end of input");
	if (*r->p != '"')
		return fail(r, "expected string key");
	if (read_string(r, t, JT_KEY) == JT_ERR)
		return JT_ERR;
	skip_ws(r);
	if (r->p == r->end)
		return fail(r, "unexpected end of input");
	if (*r->p != ':')
		return fail(r, "expected ':' after key");
	r->p++;
	r->state = S_OBJ_VALUE;
	return JT_KEY;
}

static int
h_top(struct jr *r, struct jtok *t)
{
	if (r->p == r->end)
		return fail(r, "empty input");
	return read_value(r, t);
}

static int
h_done(struct jr *r, struct jtok *t)
{
	(void)t;
	if (r->p < r->end)
		return fail(r, "trailing data after JSON value");
	return JT_END;
}

static int
h_arr_first(struct jr *r, struct jtok *t)
{
	if (r->p < r->end && *r->p == ']')
		return pop(r, JT_ARR_END);
	return read_value(r, t);
}

static int
h_arr_next(struct jr *r, struct jtok *t)
{
	if (r->p == r->end)
		return fail(r, "unexpected end of input");
	if (*r->p == ']')
		return pop(r, JT_ARR_END);
	if (*r->p != ',')
		return fail(r, "expected ',' or ']'");
	r->p++;
	skip_ws(r);
	if (r->p < r->end && *r->p == ']')
		return fail(r, "trailing comma");
	return read_value(r, t);
}

static int
h_obj_first(struct jr *r, struct jtok *t)
{
	if (r->p < r->end && *r->p == '}')
		return pop(r, JT_OBJ_END);
	return read_key(r, t);
}

static int
h_obj_next(struct jr *r, struct jtok *t)
{
	if (r->p == r->end)
		return fail(r, "unexpected end of input");
	if (*r->p == '}')
		return pop(r, JT_OBJ_END);
	if (*r->p != ',')
		return fail(r, "expected ',' or '}'");
	r->p++;
	skip_ws(r);
	if (r->p < r->end && *r->p == '}')
		return fail(r, "trailing comma");
	return read_key(r, t);
}

static int
h_err(struct jr *r, struct jtok *t)
{
	(void)r;
	(void)t;
	return JT_ERR;
}

/* One handler per reader state; each is entered after whitespace. */
static int (*const step[])(struct jr *, struct jtok *) = {
	[S_TOP] = h_top,
	[S_DONE] = h_done,
	[S_ARR_FIRST] = h_arr_first,
	[S_ARR_NEXT] = h_arr_next,
	[S_OBJ_FIRST] = h_obj_first,
	[S_OBJ_NEXT] = h_obj_next,
	[S_OBJ_VALUE] = read_value,
	[S_ERR] = h_err,
};

/* see json.h */
void
jw_init(struct jw *w, char *buf, size_t cap)
{
	w->buf = buf;
	w->cap = cap;
	w->len = 0;
	w->err = 0;
	w->depth = 0;
	w->need_comma[0] = 0;
	w->after_key = 0;
}

/* see json.h */
void
jw_obj(struct jw *w)
{
	nest(w, W_OBJ, '{');
}

/* see json.h */
void
jw_obj_end(struct jw *w)
{
	unnest(w, W_OBJ, '}');
}

/* see json.h */
void
jw_arr(struct jw *w)
{
	nest(w, 0, '[');
}

/* see json.h */
void
jw_arr_end(struct jw *w)
{
	unnest(w, 0, ']');
}

/* see json.h */
void
jw_key(struct jw *w, const char *k, size_t n)
{
	unsigned char *nc = &w->need_comma[w->depth];

	if (w->err)
		return;
	if (!(*nc & W_OBJ) || w->after_key) {
		w_fail(w, -EINVAL);
		return;
	}
	if (*nc & W_COMMA)
		put(w, ",", 1);
	*nc |= W_COMMA;
	put_string(w, k ? k : "", k ? n : 0);
	put(w, ":", 1);
	w->after_key = 1;
}

/* see json.h */
void
jw_keyz(struct jw *w, const char *k)
{
	jw_key(w, k, k ? strlen(k) : 0);
}

/* see json.h */
void
jw_str(struct jw *w, const char *s, size_t n)
{
	if (!value_begin(w))
		put_string(w, s ? s : "", s ? n : 0);
}

/* see json.h */
void
jw_strz(struct jw *w, const char *s)
{
	jw_str(w, s, s ? strlen(s) : 0);
}

/* see json.h */
void
jw_int(struct jw *w, long long v)
{
	if (v < 0)
		put_dec(w, 0ULL - (unsigned long long)v, 1);
	else
		put_dec(w, (unsigned long long)v, 0);
}

/* see json.h */
void
jw_uint(struct jw *w, unsigned long long v)
{
	put_dec(w, v, 0);
}

/* see json.h */
void
jw_fixed(struct jw *w, double v, int decimals)
{
	char b[48];
	unsigned long long scale = 1, x;
	size_t n = 0;
	int d;

	if (isnan(v) || isinf(v))
		v = 0;
	decimals = decimals < 0 ? 0 : decimals > FIXED_MAXDEC ?
	    FIXED_MAXDEC : decimals;
	for (d = 0; d < decimals; d++)
		scale *= 10;
	if (fabs(v) * (double)scale >= 9e18) {
		w_fail(w, -EINVAL);
		return;
	}
	x = (unsigned long long)(fabs(v) * (double)scale + 0.5);
	if (v < 0 && x > 0)
		b[n++] = '-';
	n += fmt_u(b + n, x / scale);
	if (x % scale) {
		b[n++] = '.';
		for (d = decimals - 1, x %= scale; d >= 0; d--, x %= scale) {
			scale /= 10;
			b[n++] = (char)('0' + x / scale);
		}
		while (b[n - 1] == '0')
			n--;
	}
	if (!value_begin(w))
		put(w, b, n);
}

/* see json.h */
void
jw_bool(struct jw *w, int v)
{
	if (!value_begin(w))
		put(w, v ? "true" : "false", v ? 4 : 5);
}

/* see json.h */
void
jw_null(struct jw *w)
{
	if (!value_begin(w))
		put(w, "null", 4);
}

/* see json.h */
void
jw_raw(struct jw *w, const char *s, size_t n)
{
	if (!value_begin(w))
		put(w, s, n);
}

/* see json.h */
void
jr_init(struct jr *r, char *buf, size_t len)
{
	r->p = buf;
	r->end = len ? buf + len : buf;
	r->depth = 0;
	r->state = S_TOP;
	r->err = NULL;
}

/* see json.h */
int
jr_next(struct jr *r, struct jtok *t)
{
	t->s = NULL;
	t->n = 0;
	skip_ws(r);
	t->type = step[r->state](r, t);
	if (t->type == JT_ERR) {
		t->s = NULL;
		t->n = 0;
	}
	return t->type;
}

/* see json.h */
int
jr_skip(struct jr *r, const struct jtok *t)
{
	struct jtok u;
	int depth = r->depth - 1;

	if (t->type == JT_ERR)
		return JT_ERR;
	if (t->type != JT_OBJ && t->type != JT_ARR)
		return 0;
	if (r->depth == 0)
		return fail(r, "jr_skip: no open object or array");
	do {
		if (jr_next(r, &u) == JT_ERR)
			return JT_ERR;
	} while (r->depth > depth);
	return 0;
}

/* see json.h */
int
jr_i64(const struct jtok *t, long long *v)
{
	unsigned long long x;
	int neg;

	if ((t->type != JT_NUM && t->type != JT_STR) ||
	    num_mag(t->s, t->n, &neg, &x))
		return -EINVAL;
	if (x > (unsigned long long)LLONG_MAX + (neg ? 1u : 0u))
		return -EINVAL;
	if (neg && x)
		*v = -(long long)(x - 1) - 1;
	else
		*v = (long long)x;
	return 0;
}

/* see json.h */
int
jr_u64(const struct jtok *t, unsigned long long *v)
{
	unsigned long long x;
	int neg;

	if ((t->type != JT_NUM && t->type != JT_STR) ||
	    num_mag(t->s, t->n, &neg, &x) || (neg && x))
		return -EINVAL;
	*v = x;
	return 0;
}

/* see json.h */
int
jr_double(const struct jtok *t, double *v)
{
	/* XXX: number text of 512 bytes or more is refused, not converted. */
	char b[512];
	struct num m;
	double d;
	int saved = errno, range;

	if (t->type == JT_STR && (jr_eq(t, "NaN") || jr_eq(t, "Infinity") ||
	    jr_eq(t, "-Infinity"))) {
		*v = t->s[0] == 'N' ? NAN : t->s[0] == '-' ? -INFINITY :
		    INFINITY;
		return 0;
	}
	if ((t->type != JT_NUM && t->type != JT_STR) || !t->n ||
	    t->n >= sizeof b || num_scan(t->s, t->s + t->n, &m) != t->n)
		return -EINVAL;
	memcpy(b, t->s, t->n);
	b[t->n] = '\0';
	errno = 0;
	d = strtod(b, NULL);
	range = errno == ERANGE && (d == HUGE_VAL || d == -HUGE_VAL);
	errno = saved;
	if (range)
		return -EINVAL;
	*v = d;
	return 0;
}

/* see json.h */
int
jr_eq(const struct jtok *t, const char *lit)
{
	size_t n = strlen(lit);

	return n == t->n && (n == 0 || memcmp(t->s, lit, n) == 0);
}
