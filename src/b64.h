/*
 * b64.h: base64 (RFC 4648 sections 4 and 5), encoding and decoding.
 *
 * Encoding writes the standard alphabet, with '=' padding unless
 * B64_NOPAD is given. Decoding accepts the standard and the URL-safe
 * alphabets, padded or not, because proto3 JSON allows all four; it may
 * run in place (out == in). Neither side allocates or NUL-terminates.
 */
#ifndef B64_H
#define B64_H

#include <stddef.h>

#define B64_NOPAD 1

/* Length of the encoding of n bytes. */
size_t b64_enclen(size_t n, int flags);
/* Writes the encoding of in[0..n) at out; returns b64_enclen(n, flags). */
size_t b64_encode(char *out, const void *in, size_t n, int flags);
/*
 * Decodes in[0..n) into out (room for n / 4 * 3 + 2 bytes, or out ==
 * in) and sets *len. -EINVAL on a character outside both alphabets, '='
 * anywhere but in the last two places of a multiple of 4 characters,
 * or a length that no encoding has (n % 4 == 1).
 */
int b64_decode(void *out, const char *in, size_t n, size_t *len);

#endif
