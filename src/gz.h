/*
 * gz.h: zlib glue for gzip bodies and messages.  Whole-buffer helpers for
 * RPC messages; the output is malloc'd and bounded, so a small bomb cannot
 * inflate into unbounded memory.
 */
#ifndef GZ_H
#define GZ_H

#include <stddef.h>

/*
 * Inflates the gzip data in[0..n) (one or more members) into a new buffer
 * of at most max bytes.  0, -EINVAL (bad stream), -EFBIG (over max) or
 * -ENOMEM.  The caller frees *out.
 */
int gz_inflate(const void *in, size_t n, size_t max, char **out,
    size_t *olen);

/* Deflates in[0..n) as one gzip member into a new buffer; 0 or -ENOMEM. */
int gz_deflate(const void *in, size_t n, char **out, size_t *olen);

#endif
