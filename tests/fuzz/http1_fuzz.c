/*
 * http1_fuzz.c: libFuzzer target for the request-head parser and the
 * chunked-body walker.  The first byte picks how the input is cut into
 * reads for the chunked walker, so split points are explored too.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http1.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
walk_chunked(const char *p, size_t n, size_t step)
{
	struct chunked c = { 0 };
	size_t off = 0, avail = 0, doff, dlen;
	long r;

	while (off < n && c.state != CK_DONE) {
		avail = avail + step > n - off ? n - off : avail + step;
		r = http1_chunked(&c, p + off, avail, &doff, &dlen);
		if (r < 0)
			return;
		if (doff + dlen > (size_t)r || (size_t)r > avail)
			abort();
		off += (size_t)r;
		avail -= (size_t)r;
		if (r == 0 && off + avail == n)
			return;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct http1_meta m;
	struct req r;
	size_t step, hl;
	char *p;

	if (size < 1)
		return 0;
	step = (size_t)(data[0] % 16) + 1;
	/* An exact-size heap copy: ASan sees any read past the end. */
	if ((p = malloc(size - 1 ? size - 1 : 1)) == NULL)
		return 0;
	memcpy(p, data + 1, size - 1);
	hl = http1_head_len(p, size - 1);
	if (hl > size - 1)
		abort();
	if (http1_parse(p, hl ? hl : size - 1, &r, &m) == 0 &&
	    (r.plen > size || r.nh > REQ_MAXHDR))
		abort();
	walk_chunked(p, size - 1, step);
	free(p);
	return 0;
}
