/*
 * json_fuzz.c: libFuzzer target for src/json.c.
 *
 * The input is copied into a heap buffer of exactly its size, so ASan
 * reports any read past the end. It is read three ways: every token to
 * the end, converting every number; again with jr_skip() on every
 * container; and as the bytes of a string, which jw_str() must turn into
 * JSON the reader accepts as exactly one string.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char *
copy(const uint8_t *data, size_t size)
{
	char *p = malloc(size ? size : 1);

	if (!p)
		abort();
	if (size)
		memcpy(p, data, size);
	return p;
}

static void
convert(const struct jtok *t)
{
	long long i;
	unsigned long long u;
	double d;

	jr_i64(t, &i);
	jr_u64(t, &u);
	jr_double(t, &d);
	jr_eq(t, "key");
}

/* Every jr_next() consumes input or ends, so size + 2 calls suffice. */
static void
read_all(const uint8_t *data, size_t size, int skip)
{
	char *buf = copy(data, size);
	struct jr r;
	struct jtok t;
	size_t calls = 0;

	jr_init(&r, buf, size);
	while (jr_next(&r, &t) > JT_END) {
		if (++calls > size + 2)
			abort();
		if (t.type == JT_NUM || t.type == JT_STR)
			convert(&t);
		if (skip && jr_skip(&r, &t))
			break;
	}
	if (t.type == JT_ERR && !r.err)
		abort();
	free(buf);
}

static void
write_read(const uint8_t *data, size_t size)
{
	size_t cap = 6 * size + 2;	/* "\u00XX" is the longest a byte gets */
	char *out = malloc(cap), *exact;
	struct jw w;
	struct jr r;
	struct jtok t;

	if (!out)
		abort();
	jw_init(&w, out, cap);
	jw_str(&w, (const char *)data, size);
	if (w.err || w.len > cap)
		abort();
	exact = copy((const uint8_t *)out, w.len);
	jr_init(&r, exact, w.len);
	if (jr_next(&r, &t) != JT_STR || jr_next(&r, &t) != JT_END)
		abort();
	free(exact);
	free(out);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	read_all(data, size, 0);
	read_all(data, size, 1);
	write_read(data, size);
	return 0;
}
