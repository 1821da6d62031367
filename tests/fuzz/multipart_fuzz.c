/*
 * multipart_fuzz.c: libFuzzer target for the multipart reader.  Input:
 * one byte choosing the piece size, a Content-Type value up to the first
 * LF, then the body.  The body is read twice, whole and in pieces; both
 * readings must agree on the result and on every event (a hash of part
 * names, file names, data bytes and part ends), and no span may be empty.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "multipart.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint64_t
mix(uint64_t h, const char *p, size_t n)
{
	while (n--)
		h = (h ^ (unsigned char)*p++) * 0x100000001b3ULL;
	return h;
}

static int
on_part(void *arg, const struct mp_part *pt)
{
	uint64_t *h = arg;

	*h = mix(*h, "\1", 1);
	if (pt->name)
		*h = mix(mix(*h, pt->name, pt->nlen), "\2", 1);
	if (pt->filename)
		*h = mix(mix(*h, pt->filename, pt->flen), "\3", 1);
	return 0;
}

static int
on_data(void *arg, const char *p, size_t n)
{
	uint64_t *h = arg;

	if (n == 0)
		abort();
	*h = mix(*h, p, n);
	return 0;
}

static int
on_end(void *arg)
{
	uint64_t *h = arg;

	*h = mix(*h, "\4", 1);
	return 0;
}

static const struct mp_ops ops = { on_part, on_data, on_end };

static int
read_body(const char *ct, size_t cn, const char *p, size_t n, size_t step,
    uint64_t *h)
{
	static struct mp m;
	size_t off, k;
	char *piece;

	*h = 0xcbf29ce484222325ULL;
	if (mp_init(&m, ct, cn, &ops, h) < 0)
		return 1;
	for (off = 0; off < n; off += k) {
		k = n - off < step ? n - off : step;
		/* An exact-size heap copy: ASan sees a read past the end. */
		if ((piece = malloc(k)) == NULL)
			abort();
		memcpy(piece, p + off, k);
		mp_feed(&m, piece, k);
		free(piece);
	}
	return mp_finish(&m);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *in = (const char *)data, *lf;
	uint64_t h1, h2;
	size_t step, cn;
	int r1, r2;

	if (size < 1)
		return 0;
	step = (size_t)(data[0] % 32) + 1;
	in++;
	size--;
	if ((lf = memchr(in, '\n', size)) == NULL)
		return 0;
	cn = (size_t)(lf - in);
	r1 = read_body(in, cn, lf + 1, size - cn - 1, size + 1, &h1);
	r2 = read_body(in, cn, lf + 1, size - cn - 1, step, &h2);
	if (r1 != r2 || h1 != h2)
		abort();
	return 0;
}
