/*
 * gz.c: gzip through zlib.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "gz.h"

#define GZIP_WBITS (15 + 16)	/* zlib: 32 KiB window, gzip wrapper */

static int
grow(char **buf, size_t *cap, size_t max)
{
	size_t nc = *cap ? *cap * 2 : 4096;
	char *nb;

	if (*cap >= max)
		return -EFBIG;
	if (nc > max)
		nc = max;
	if ((nb = realloc(*buf, nc)) == NULL)
		return -ENOMEM;
	*buf = nb;
	*cap = nc;
	return 0;
}

/* see gz.h */
int
gz_inflate(const void *in, size_t n, size_t max, char **out, size_t *olen)
{
	z_stream z;
	char *buf = NULL;
	size_t cap = 0, len = 0;
	int zr, rc = 0;

	memset(&z, 0, sizeof(z));
	if (inflateInit2(&z, GZIP_WBITS) != Z_OK)
		return -ENOMEM;
	z.next_in = (unsigned char *)(uintptr_t)in;
	z.avail_in = (unsigned)n;
	for (;;) {
		if (len == cap && (rc = grow(&buf, &cap, max)) < 0)
			break;
		z.next_out = (unsigned char *)buf + len;
		z.avail_out = (unsigned)(cap - len);
		zr = inflate(&z, Z_NO_FLUSH);
		len = cap - z.avail_out;
		if (zr == Z_STREAM_END && z.avail_in == 0)
			break;
		if (zr == Z_STREAM_END) {
			/* Another gzip member follows (RFC 1952 2.2). */
			inflateReset(&z);
		} else if ((zr != Z_OK && zr != Z_BUF_ERROR) ||
		    (z.avail_in == 0 && z.avail_out > 0)) {
			rc = -EINVAL;	/* damaged, or cut short */
			break;
		}
	}
	inflateEnd(&z);
	if (rc < 0) {
		free(buf);
		return rc;
	}
	*out = buf;
	*olen = len;
	return 0;
}

/* see gz.h */
int
gz_deflate(const void *in, size_t n, char **out, size_t *olen)
{
	z_stream z;
	size_t cap;
	char *buf;

	memset(&z, 0, sizeof(z));
	if (deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, GZIP_WBITS, 8,
	    Z_DEFAULT_STRATEGY) != Z_OK)
		return -ENOMEM;
	cap = deflateBound(&z, n) + 32;
	if ((buf = malloc(cap)) == NULL) {
		deflateEnd(&z);
		return -ENOMEM;
	}
	z.next_in = (unsigned char *)(uintptr_t)in;
	z.avail_in = (unsigned)n;
	z.next_out = (unsigned char *)buf;
	z.avail_out = (unsigned)cap;
	if (deflate(&z, Z_FINISH) != Z_STREAM_END) {
		deflateEnd(&z);
		free(buf);
		return -ENOMEM;
	}
	*olen = z.total_out;
	*out = buf;
	deflateEnd(&z);
	return 0;
}
