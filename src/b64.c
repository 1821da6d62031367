/*
 * b64.c: base64 encoding and decoding; see b64.h.
 */
#include <errno.h>
#include <stdint.h>

#include "b64.h"

static const char alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* The 6-bit value of c in either alphabet, or -1. */
static int
value(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+' || c == '-')
		return 62;
	if (c == '/' || c == '_')
		return 63;
	return -1;
}

/* see b64.h */
size_t
b64_enclen(size_t n, int flags)
{
	if (flags & B64_NOPAD)
		return n / 3 * 4 + (n % 3 ? n % 3 + 1 : 0);
	return (n + 2) / 3 * 4;
}

/* see b64.h */
size_t
b64_encode(char *out, const void *in, size_t n, int flags)
{
	const unsigned char *s = in;
	size_t i, o = 0;
	uint32_t v;

	for (i = 0; i + 3 <= n; i += 3) {
		v = (uint32_t)s[i] << 16 | (uint32_t)s[i + 1] << 8 | s[i + 2];
		out[o++] = alphabet[v >> 18];
		out[o++] = alphabet[v >> 12 & 63];
		out[o++] = alphabet[v >> 6 & 63];
		out[o++] = alphabet[v & 63];
	}
	if (i == n)
		return o;
	v = (uint32_t)s[i] << 16 | (i + 1 < n ? (uint32_t)s[i + 1] << 8 : 0);
	out[o++] = alphabet[v >> 18];
	out[o++] = alphabet[v >> 12 & 63];
	if (i + 1 < n)
		out[o++] = alphabet[v >> 6 & 63];
	else if (!(flags & B64_NOPAD))
		out[o++] = '=';
	if (!(flags & B64_NOPAD))
		out[o++] = '=';
	return o;
}

/* see b64.h */
int
b64_decode(void *out, const char *in, size_t n, size_t *len)
{
	unsigned char *d = out;
	uint32_t acc = 0;
	size_t i, o = 0;
	int v;

	/* Padding only completes a multiple of 4: "QQ==", "QUI=". */
	if (n % 4 == 0 && n && in[n - 1] == '=')
		n -= in[n - 2] == '=' ? 2 : 1;
	if (n % 4 == 1)
		return -EINVAL;
	for (i = 0; i < n; i++) {
		v = value((unsigned char)in[i]);
		if (v < 0)
			return -EINVAL;
		acc = acc << 6 | (uint32_t)v;
		if (i % 4 == 3) {
			d[o++] = (unsigned char)(acc >> 16);
			d[o++] = (unsigned char)(acc >> 8);
			d[o++] = (unsigned char)acc;
		}
	}
	if (n % 4 >= 2)
		d[o++] = (unsigned char)(acc >> (n % 4 == 2 ? 4 : 10));
	if (n % 4 == 3)
		d[o++] = (unsigned char)(acc >> 2);
	*len = o;
	return 0;
}
