/*
 * pb.c: the protobuf codec of pb.h. Four walks over the same tables:
 * binary decode, binary encode, proto3 JSON decode, proto3 JSON encode.
 *
 * Binary layout (protobuf encoding guide): a message is a run of
 *
 *	tag (varint: field number << 3 | wire type) then a value
 *
 * where wire type 0 is a varint of 1 to 10 bytes (7 bits each, low group
 * first, high bit = more), 1 is 8 bytes, 5 is 4 bytes, and 2 is a varint
 * length then that many bytes (strings, bytes, messages, map entries).
 * Types 3 and 4 are the deprecated groups.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include "b64.h"
#include "json.h"
#include "pb.h"
#include "util.h"

enum { WT_VARINT = 0, WT_I64 = 1, WT_LEN = 2, WT_I32 = 5 };

/* Range of google.protobuf.Timestamp: 0001-01-01 to 9999-12-31, UTC. */
#define TS_MIN (-62135596800LL)
#define TS_MAX 253402300799LL

/* A map entry: message { string key = 1; string value = 2; }. */
static const struct pb_field entry_f[] = {
	{ 1, PB_STRING, PB_ALWAYS, 0, offsetof(struct pb_kv, key), 0,
	    "key", "key", NULL, NULL },
	{ 2, PB_STRING, PB_ALWAYS, 0, offsetof(struct pb_kv, value), 0,
	    "value", "value", NULL, NULL },
};
static const struct pb_msg entry = {
	"map entry", entry_f, 2, NULL, sizeof(struct pb_kv), PB_WKT_NONE
};

/* Binary input: the bytes left of the message being read. */
struct rd {
	const uint8_t *p, *end;
};

/* Binary output; p NULL only counts. len keeps counting past cap. */
struct wr {
	uint8_t *p;
	size_t cap, len;
};

/* JSON input and the first error. */
struct jd {
	struct jr r;
	struct pb_arena *a;
	const char *err;
};

static void *
at(void *s, size_t off)
{
	return (char *)s + off;
}

static const void *
at_c(const void *s, size_t off)
{
	return (const char *)s + off;
}

/* Array pointers are copied as bytes: the C type differs per field. */
static char *
arr_get(const void *s, const struct pb_field *f)
{
	char *p;

	memcpy(&p, at_c(s, f->off), sizeof p);
	return p;
}

static size_t
count(const void *s, const struct pb_field *f)
{
	return *(const size_t *)at_c(s, f->cnt);
}

static int
has(const void *s, const struct pb_field *f)
{
	return (*(const uint32_t *)s >> f->num) & 1;
}

/* Size of one value of f in its C struct. */
static size_t
esize(const struct pb_field *f)
{
	switch (f->kind) {
	case PB_INT64:
	case PB_UINT64:
		return 8;
	case PB_BOOL:
		return sizeof(bool);
	case PB_STRING:
	case PB_BYTES:
		return sizeof(struct pb_bytes);
	case PB_MESSAGE:
		return f->msg->size;
	case PB_MAP:
		return sizeof(struct pb_kv);
	}
	return 4;
}

/* A scalar as 64 bits; signed 32-bit kinds are sign-extended. */
static uint64_t
load(int kind, const void *p)
{
	switch (kind) {
	case PB_UINT32:
		return *(const uint32_t *)p;
	case PB_INT64:
	case PB_UINT64:
		return *(const uint64_t *)p;
	case PB_BOOL:
		return *(const bool *)p;
	}
	return (uint64_t)(int64_t)*(const int32_t *)p;
}

/* The inverse of load(); 32-bit kinds keep the low 32 bits. */
static void
store(int kind, void *p, uint64_t v)
{
	switch (kind) {
	case PB_UINT32:
		*(uint32_t *)p = (uint32_t)v;
		break;
	case PB_INT64:
	case PB_UINT64:
		*(uint64_t *)p = v;
		break;
	case PB_BOOL:
		*(bool *)p = v != 0;
		break;
	default:
		*(int32_t *)p = (int32_t)(uint32_t)v;
	}
}

/* see pb.h */
void *
pb_alloc(struct pb_arena *a, size_t n)
{
	size_t pad;
	char *p;

	if (!a || !a->buf)
		return NULL;
	pad = -(uintptr_t)(a->buf + a->used) & 7;
	if (pad > a->cap - a->used || n > a->cap - a->used - pad)
		return NULL;
	p = a->buf + a->used + pad;
	a->used += pad + n;
	return p;
}

/*
 * A new zeroed element at the end of the array of f. The capacity is not
 * stored: it is the count rounded up to a power of 2, at least 4, so the
 * array moves when the count reaches 0, 4, 8, 16...
 */
static void *
append(const struct pb_field *f, void *s, struct pb_arena *a)
{
	size_t *n = at(s, f->cnt), sz = esize(f), cap;
	char *p = arr_get(s, f), *q;

	if (*n == 0 || (*n >= 4 && !(*n & (*n - 1)))) {
		cap = *n ? *n * 2 : 4;
		if (cap > SIZE_MAX / sz || !(q = pb_alloc(a, cap * sz)))
			return NULL;
		if (*n)
			memcpy(q, p, *n * sz);
		p = q;
		memcpy(at(s, f->off), &p, sizeof p);
	}
	q = p + (*n)++ * sz;
	memset(q, 0, sz);
	return q;
}

/*
 * Makes f the set member of its oneof: the other members' bits are
 * cleared, and a member not already set starts from zero.
 */
static void
oneof_take(const struct pb_msg *m, const struct pb_field *f, void *s)
{
	uint32_t *h = s;
	size_t i;

	if (*h & PB_BIT(f->num))
		return;
	for (i = 0; i < m->nf; i++)
		if (m->f[i].label == PB_ONEOF && m->f[i].oneof == f->oneof)
			*h &= ~PB_BIT(m->f[i].num);
	memset(at(s, f->off), 0, esize(f));
	*h |= PB_BIT(f->num);
}

/* Where the next value of f in s goes; NULL when the arena is full. */
static void *
slot(const struct pb_msg *m, const struct pb_field *f, void *s,
    struct pb_arena *a)
{
	if (f->label == PB_REPEATED)
		return append(f, s, a);
	if (f->label == PB_ONEOF)
		oneof_take(m, f, s);
	else if (f->label == PB_OPTIONAL || f->kind == PB_MESSAGE)
		*(uint32_t *)s |= PB_BIT(f->num);
	return at(s, f->off);
}

static const struct pb_field *
find(const struct pb_msg *m, uint64_t num)
{
	size_t i;

	for (i = 0; i < m->nf; i++)
		if (m->f[i].num == num)
			return &m->f[i];
	return NULL;
}

static int empty(const struct pb_msg *m, const void *s);

/* 1 if f of s is to be written: set, or not at its default. */
static int
present(const struct pb_field *f, const void *s)
{
	const void *v = at_c(s, f->off);

	switch (f->label) {
	case PB_OPTIONAL:
	case PB_ONEOF:
		return has(s, f);
	case PB_REPEATED:
		return count(s, f) != 0;
	case PB_ALWAYS:
		return 1;
	}
	if (f->kind == PB_STRING || f->kind == PB_BYTES)
		return ((const struct pb_bytes *)v)->n != 0;
	if (f->kind == PB_MESSAGE)
		return has(s, f) || !empty(f->msg, v);
	return load(f->kind, v) != 0;
}

static int
empty(const struct pb_msg *m, const void *s)
{
	size_t i;

	for (i = 0; i < m->nf; i++)
		if (present(&m->f[i], s))
			return 0;
	return 1;
}

/*
 * 1 if s[0..n) is UTF-8 as RFC 3629 defines it: shortest form, no
 * surrogates, nothing past U+10FFFF.
 */
static int
utf8_ok(const unsigned char *s, size_t n)
{
	size_t i = 0, k, j;
	unsigned c, lo, hi;

	while (i < n) {
		c = s[i];
		if (c < 0x80) {
			i++;
			continue;
		}
		/* continuation bytes by lead byte: C2-DF 1, E0-EF 2, F0-F4 3 */
		k = c < 0xC2 || c > 0xF4 ? 0 : c < 0xE0 ? 1 : c < 0xF0 ? 2 : 3;
		lo = c == 0xE0 ? 0xA0 : c == 0xF0 ? 0x90 : 0x80;
		hi = c == 0xED ? 0x9F : c == 0xF4 ? 0x8F : 0xBF;
		if (!k || n - i <= k || s[i + 1] < lo || s[i + 1] > hi)
			return 0;
		for (j = 2; j <= k; j++)
			if ((s[i + j] & 0xC0) != 0x80)
				return 0;
		i += k + 1;
	}
	return 1;
}

/* A varint of at most 10 bytes whose value fits in 64 bits. */
static int
get_varint(struct rd *r, uint64_t *v)
{
	uint64_t x = 0;
	unsigned s;
	uint8_t b;

	for (s = 0; s < 64; s += 7) {
		if (r->p == r->end)
			return -EINVAL;
		b = *r->p++;
		if (s == 63 && b > 1)
			return -EINVAL;
		x |= (uint64_t)(b & 0x7f) << s;
		if (!(b & 0x80)) {
			*v = x;
			return 0;
		}
	}
	return -EINVAL;
}

/* A length-delimited value: sub covers it, r moves past it. */
static int
get_len(struct rd *r, struct rd *sub)
{
	uint64_t n;

	if (get_varint(r, &n) || n > (uint64_t)(r->end - r->p))
		return -EINVAL;
	sub->p = r->p;
	sub->end = r->p + n;
	r->p = sub->end;
	return 0;
}

/* Skips one value of an unknown field; groups are refused. */
static int
skip(struct rd *r, unsigned wt)
{
	struct rd sub;
	uint64_t v;
	size_t n;

	if (wt == WT_VARINT)
		return get_varint(r, &v);
	if (wt == WT_LEN)
		return get_len(r, &sub);
	if (wt != WT_I64 && wt != WT_I32)
		return -EINVAL;
	n = wt == WT_I64 ? 8 : 4;
	if (n > (size_t)(r->end - r->p))
		return -EINVAL;
	r->p += n;
	return 0;
}

static int dec_msg(const struct pb_msg *m, void *s, struct rd *r,
    struct pb_arena *a, int depth);

/* ZigZag (sint32): 0 -> 0, 1 -> -1, 2 -> 1; the low 32 bits count. */
static uint64_t
unzigzag(uint64_t v)
{
	uint32_t u = (uint32_t)v;

	return u >> 1 ^ (0u - (u & 1));
}

/* One value of known field f, with wire type wt, into s. */
static int
dec_field(const struct pb_msg *m, const struct pb_field *f, void *s,
    unsigned wt, struct rd *r, struct pb_arena *a, int depth)
{
	struct pb_bytes *b;
	struct rd sub;
	uint64_t v = 0;
	void *p;

	if (wt != (f->kind >= PB_STRING ? WT_LEN : WT_VARINT))
		return -EINVAL;
	if (wt == WT_LEN ? get_len(r, &sub) : get_varint(r, &v))
		return -EINVAL;
	if ((f->kind == PB_STRING &&
	    !utf8_ok(sub.p, (size_t)(sub.end - sub.p))) ||
	    (f->kind >= PB_MESSAGE && depth >= PB_MAXDEPTH))
		return -EINVAL;
	if (!(p = slot(m, f, s, a)))
		return -ENOMEM;
	if (f->kind >= PB_MESSAGE)
		return dec_msg(f->kind == PB_MAP ? &entry : f->msg, p, &sub,
		    a, depth + 1);
	if (wt == WT_LEN) {
		b = p;
		b->p = (char *)(uintptr_t)sub.p;	/* see pb.h: Memory */
		b->n = (size_t)(sub.end - sub.p);
	} else {
		store(f->kind, p, f->kind == PB_SINT32 ? unzigzag(v) : v);
	}
	return 0;
}

static int
dec_msg(const struct pb_msg *m, void *s, struct rd *r, struct pb_arena *a,
    int depth)
{
	const struct pb_field *f;
	uint64_t tag;
	unsigned wt;
	int rc;

	while (r->p < r->end) {
		if (get_varint(r, &tag) || tag >> 3 == 0 || tag > UINT32_MAX)
			return -EINVAL;
		wt = (unsigned)(tag & 7);
		f = find(m, tag >> 3);
		rc = f ? dec_field(m, f, s, wt, r, a, depth) : skip(r, wt);
		if (rc)
			return rc;
	}
	return 0;
}

/* see pb.h */
int
pb_decode(const struct pb_msg *m, void *out, const uint8_t *p, size_t n,
    struct pb_arena *a)
{
	struct rd r = { p, n ? p + n : p };

	memset(out, 0, m->size);
	return dec_msg(m, out, &r, a, 0);
}

static void
put(struct wr *w, const void *s, size_t n)
{
	if (n && w->p && w->len <= w->cap && n <= w->cap - w->len)
		memcpy(w->p + w->len, s, n);
	w->len += n;
}

static void
put_varint(struct wr *w, uint64_t v)
{
	uint8_t b[10];
	size_t n = 0;

	while (v >= 0x80) {
		b[n++] = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	b[n++] = (uint8_t)v;
	put(w, b, n);
}

static void enc_msg(const struct pb_msg *m, const void *s, struct wr *w);

/* Tag and value of f, the value at v. */
static void
enc_value(const struct pb_field *f, const void *v, struct wr *w)
{
	const struct pb_bytes *b = v;
	const struct pb_msg *m = f->kind == PB_MAP ? &entry : f->msg;
	struct wr c = { NULL, 0, 0 };
	uint32_t u;

	put_varint(w, (uint64_t)f->num << 3 |
	    (f->kind >= PB_STRING ? WT_LEN : WT_VARINT));
	switch (f->kind) {
	case PB_STRING:
	case PB_BYTES:
		put_varint(w, b->n);
		put(w, b->p, b->n);
		return;
	case PB_MESSAGE:
	case PB_MAP:
		enc_msg(m, v, &c);
		put_varint(w, c.len);
		enc_msg(m, v, w);
		return;
	case PB_SINT32:
		u = (uint32_t)load(f->kind, v);
		put_varint(w, u << 1 ^ (0u - (u >> 31)));
		return;
	}
	put_varint(w, load(f->kind, v));
}

static void
enc_msg(const struct pb_msg *m, const void *s, struct wr *w)
{
	const struct pb_field *f;
	size_t i, j, sz;
	const char *a;

	for (i = 0; i < m->nf; i++) {
		f = &m->f[i];
		if (f->label == PB_REPEATED) {
			a = arr_get(s, f);
			sz = esize(f);
			for (j = 0; j < count(s, f); j++)
				enc_value(f, a + j * sz, w);
		} else if (present(f, s)) {
			enc_value(f, at_c(s, f->off), w);
		}
	}
}

/* see pb.h */
int
pb_encode(const struct pb_msg *m, const void *in, uint8_t *out, size_t cap,
    size_t *len)
{
	struct wr w = { out, cap, 0 };

	enc_msg(m, in, &w);
	*len = w.len;
	return w.len > cap ? -ENOBUFS : 0;
}

/* see pb.h */
size_t
pb_encoded_size(const struct pb_msg *m, const void *in)
{
	struct wr w = { NULL, 0, 0 };

	enc_msg(m, in, &w);
	return w.len;
}

/*
 * parse_rfc3339() counts nanoseconds in an int64_t, which spans only the
 * years 1678 to 2261, and a Timestamp spans 0001 to 9999. The Gregorian
 * calendar repeats every 400 years (146097 days), so the year is moved
 * into 1800-2199 for the parse and the shift is added back in seconds.
 */
static int
ts_parse(const char *s, size_t n, int64_t *sec, int32_t *nsec)
{
	char b[64];
	unsigned long long y;
	int64_t k, t, ns;

	if (n < 4 || n > sizeof b || parse_u64(s, 4, &y) || y == 0)
		return -EINVAL;
	k = ((int64_t)y + 2200) / 400 - 10;	/* floor((y - 1800) / 400) */
	memcpy(b, s, n);
	fmt_u0(b, (unsigned long long)((int64_t)y - 400 * k), 4);
	if (parse_rfc3339(b, n, &t))
		return -EINVAL;
	ns = t % 1000000000;
	t = t / 1000000000 - (ns < 0);
	ns += ns < 0 ? 1000000000 : 0;
	t += k * 146097 * 86400;
	if (t < TS_MIN || t > TS_MAX)
		return -EINVAL;
	*sec = t;
	*nsec = (int32_t)ns;
	return 0;
}

/* "2006-01-02T15:04:05[.fff[fff[fff]]]Z"; b has room for 32 bytes. */
static size_t
ts_fmt(char *b, int64_t sec, int32_t nsec)
{
	struct timespec ts = { .tv_sec = (time_t)sec };
	size_t n = fmt_rfc3339_us(b, &ts) - 8;	/* drop ".uuuuuuZ" */
	int digits = 9;

	if (nsec) {
		b[n++] = '.';
		while (nsec % 1000 == 0) {
			nsec /= 1000;
			digits -= 3;
		}
		n += fmt_u0(b + n, (unsigned long long)nsec, digits);
	}
	b[n++] = 'Z';
	return n;
}

static int
jfail(struct jd *d, const char *why)
{
	d->err = why;
	return -EINVAL;
}

static int
jnomem(struct jd *d)
{
	d->err = "arena full";
	return -ENOMEM;
}

static int
next(struct jd *d, struct jtok *t)
{
	if (jr_next(&d->r, t) == JT_ERR)
		return jfail(d, d->r.err);
	return 0;
}

static const struct pb_field *
find_name(const struct pb_msg *m, const struct jtok *k)
{
	size_t i;

	for (i = 0; i < m->nf; i++)
		if (jr_eq(k, m->f[i].json) || jr_eq(k, m->f[i].name))
			return &m->f[i];
	return NULL;
}

static int jd_sub(struct jd *d, const struct pb_msg *m, void *s,
    const struct jtok *t, int depth);

/* An integer in the range of f's kind, from a number or a string. */
static int
jd_int(struct jd *d, const struct pb_field *f, void *p,
    const struct jtok *t)
{
	unsigned long long u = 0;
	long long i = 0;
	int ok;

	if (f->kind == PB_UINT32 || f->kind == PB_UINT64) {
		ok = !jr_u64(t, &u) && (f->kind == PB_UINT64 ||
		    u <= UINT32_MAX);
	} else {
		ok = !jr_i64(t, &i) && (f->kind == PB_INT64 ||
		    (i >= INT32_MIN && i <= INT32_MAX));
		u = (unsigned long long)i;
	}
	if (!ok)
		return jfail(d, "invalid integer");
	store(f->kind, p, u);
	return 0;
}

/* An enum by name, or by number. */
static int
jd_enum(struct jd *d, const struct pb_field *f, void *p,
    const struct jtok *t)
{
	long long i;
	size_t k;

	if (t->type == JT_NUM) {
		if (jr_i64(t, &i) || i < INT32_MIN || i > INT32_MAX)
			return jfail(d, "invalid enum number");
		*(int32_t *)p = (int32_t)i;
		return 0;
	}
	for (k = 0; t->type == JT_STR && k < f->en->n; k++)
		if (jr_eq(t, f->en->v[k].name)) {
			*(int32_t *)p = f->en->v[k].num;
			return 0;
		}
	return jfail(d, "unknown enum value");
}

/* One value of f at p from token t (not null). */
static int
jd_one(struct jd *d, const struct pb_field *f, void *p,
    const struct jtok *t, int depth)
{
	struct pb_bytes *b = p;

	switch (f->kind) {
	case PB_MESSAGE:
		return jd_sub(d, f->msg, p, t, depth + 1);
	case PB_STRING:
	case PB_BYTES:
		if (t->type != JT_STR)
			return jfail(d, "expected a string");
		b->p = t->s;
		b->n = t->n;
		if (f->kind == PB_BYTES && b64_decode(t->s, t->s, t->n, &b->n))
			return jfail(d, "invalid base64");
		return 0;
	case PB_BOOL:
		if (t->type != JT_TRUE && t->type != JT_FALSE)
			return jfail(d, "expected true or false");
		*(bool *)p = t->type == JT_TRUE;
		return 0;
	case PB_ENUM:
		return jd_enum(d, f, p, t);
	}
	return jd_int(d, f, p, t);
}

/* A map<string,string> from an object. */
static int
jd_map(struct jd *d, const struct pb_field *f, void *s, const struct jtok *t)
{
	struct pb_kv *kv;
	struct jtok k, v;

	if (t->type != JT_OBJ)
		return jfail(d, "expected an object");
	for (;;) {
		if (next(d, &k))
			return -EINVAL;
		if (k.type == JT_OBJ_END)
			return 0;
		if (next(d, &v))
			return -EINVAL;
		if (v.type != JT_STR)
			return jfail(d, "map value is not a string");
		if (!(kv = append(f, s, d->a)))
			return jnomem(d);
		kv->key = (struct pb_bytes){ k.s, k.n };
		kv->value = (struct pb_bytes){ v.s, v.n };
	}
}

/* A repeated field from an array. */
static int
jd_list(struct jd *d, const struct pb_field *f, void *s,
    const struct jtok *t, int depth)
{
	struct jtok e;
	void *p;
	int rc;

	if (t->type != JT_ARR)
		return jfail(d, "expected an array");
	for (;;) {
		if (next(d, &e))
			return -EINVAL;
		if (e.type == JT_ARR_END)
			return 0;
		if (!(p = append(f, s, d->a)))
			return jnomem(d);
		if ((rc = jd_one(d, f, p, &e, depth)))
			return rc;
	}
}

/* The members of an object, its '{' read, into message s. */
static int
jd_msg(struct jd *d, const struct pb_msg *m, void *s, int depth)
{
	const struct pb_field *f;
	struct jtok k, v;
	int rc;

	for (;;) {
		if (next(d, &k))
			return -EINVAL;
		if (k.type == JT_OBJ_END)
			return 0;
		f = find_name(m, &k);
		if (next(d, &v))
			return -EINVAL;
		if (!f || v.type == JT_NULL) {
			if (jr_skip(&d->r, &v))
				return jfail(d, d->r.err);
			continue;
		}
		if (f->kind == PB_MAP)
			rc = jd_map(d, f, s, &v);
		else if (f->label == PB_REPEATED)
			rc = jd_list(d, f, s, &v, depth);
		else
			rc = jd_one(d, f, slot(m, f, s, NULL), &v, depth);
		if (rc)
			return rc;
	}
}

/* A message value starting at token t: an object, or a wkt's string. */
static int
jd_sub(struct jd *d, const struct pb_msg *m, void *s, const struct jtok *t,
    int depth)
{
	int64_t sec;
	int32_t nsec;

	if (depth > PB_MAXDEPTH)
		return jfail(d, "nesting too deep");
	if (m->wkt == PB_WKT_TIMESTAMP) {
		if (t->type != JT_STR || ts_parse(t->s, t->n, &sec, &nsec))
			return jfail(d, "invalid timestamp");
		store(PB_INT64, at(s, m->f[0].off), (uint64_t)sec);
		store(PB_INT32, at(s, m->f[1].off), (uint64_t)nsec);
		return 0;
	}
	if (t->type != JT_OBJ)
		return jfail(d, "expected an object");
	return jd_msg(d, m, s, depth);
}

/* see pb.h */
int
pb_json_decode(const struct pb_msg *m, void *out, char *json, size_t n,
    struct pb_arena *a, const char **err)
{
	struct jd d = { .a = a };
	struct jtok t;
	int rc;

	memset(out, 0, m->size);
	jr_init(&d.r, json, n);
	rc = next(&d, &t) ? -EINVAL : jd_sub(&d, m, out, &t, 0);
	if (!rc && next(&d, &t))
		rc = -EINVAL;
	if (err)
		*err = d.err;
	return rc;
}

static void
je_fail(struct jw *w, int err)
{
	if (!w->err)
		w->err = err;
}

/* Base64 straight into the writer's buffer: no copy of a large value. */
static void
je_b64(struct jw *w, const struct pb_bytes *b)
{
	size_t n = b64_enclen(b->n, 0);

	jw_raw(w, "\"", 1);
	if (w->err)
		return;
	if (n >= w->cap - w->len) {
		je_fail(w, -ENOBUFS);
		return;
	}
	w->len += b64_encode(w->buf + w->len, b->p, b->n, 0);
	w->buf[w->len++] = '"';
}

static void
je_ts(struct jw *w, const struct pb_msg *m, const void *s)
{
	int64_t sec = (int64_t)load(PB_INT64, at_c(s, m->f[0].off));
	int32_t nsec = (int32_t)load(PB_INT32, at_c(s, m->f[1].off));
	char b[40];

	if (sec < TS_MIN || sec > TS_MAX || nsec < 0 || nsec > 999999999) {
		je_fail(w, -EINVAL);
		return;
	}
	jw_str(w, b, ts_fmt(b, sec, nsec));
}

static void
je_enum(struct jw *w, const struct pb_enum *e, int32_t v)
{
	size_t i;

	for (i = 0; i < e->n; i++)
		if (e->v[i].num == v) {
			jw_strz(w, e->v[i].name);
			return;
		}
	jw_int(w, v);
}

static void je_msg(struct jw *w, const struct pb_msg *m, const void *s);

/* One value of f, at v. */
static void
je_one(struct jw *w, const struct pb_field *f, const void *v)
{
	const struct pb_bytes *b = v;
	uint64_t x = f->kind < PB_STRING ? load(f->kind, v) : 0;
	char t[24];

	switch (f->kind) {
	case PB_UINT32:
		jw_uint(w, x);
		break;
	case PB_INT32:
	case PB_SINT32:
		jw_int(w, (int32_t)x);
		break;
	case PB_INT64:
		jw_str(w, t, fmt_i(t, (int64_t)x));
		break;
	case PB_UINT64:
		jw_str(w, t, fmt_u(t, x));
		break;
	case PB_BOOL:
		jw_bool(w, (int)x);
		break;
	case PB_ENUM:
		je_enum(w, f->en, (int32_t)x);
		break;
	case PB_STRING:
		jw_str(w, b->p, b->n);
		break;
	case PB_BYTES:
		je_b64(w, b);
		break;
	case PB_MESSAGE:
		je_msg(w, f->msg, v);
	}
}

/* A repeated field as an array, a map as an object. */
static void
je_list(struct jw *w, const struct pb_field *f, const void *s)
{
	const char *a = arr_get(s, f);
	const struct pb_kv *kv = (const struct pb_kv *)(const void *)a;
	size_t i, n = count(s, f), sz = esize(f);

	if (f->kind == PB_MAP) {
		jw_obj(w);
		for (i = 0; i < n; i++) {
			jw_key(w, kv[i].key.p, kv[i].key.n);
			jw_str(w, kv[i].value.p, kv[i].value.n);
		}
		jw_obj_end(w);
		return;
	}
	jw_arr(w);
	for (i = 0; i < n; i++)
		je_one(w, f, a + i * sz);
	jw_arr_end(w);
}

static void
je_msg(struct jw *w, const struct pb_msg *m, const void *s)
{
	const struct pb_field *f;
	size_t i;

	if (m->wkt == PB_WKT_TIMESTAMP) {
		je_ts(w, m, s);
		return;
	}
	jw_obj(w);
	for (i = 0; i < m->nf; i++) {
		f = &m->f[i];
		if (!present(f, s))
			continue;
		jw_keyz(w, f->json);
		if (f->label == PB_REPEATED)
			je_list(w, f, s);
		else
			je_one(w, f, at_c(s, f->off));
	}
	jw_obj_end(w);
}

/* see pb.h */
int
pb_json_encode(const struct pb_msg *m, const void *in, struct jw *w)
{
	je_msg(w, m, in);
	return w->err;
}
