/*
 * http1.h: HTTP/1.1 request parsing (RFC 9112), as pure functions over
 * bytes, so the parser is tested and fuzzed apart from any socket.
 *
 * http1_parse() reads a complete request head in place: the views it puts
 * in struct req point into the caller's buffer.  http1_chunked() walks a
 * chunked body incrementally, handing back the data spans it finds and
 * consuming sizes, extensions and trailers.  Neither allocates.
 */
#ifndef HTTP1_H
#define HTTP1_H

#include <stddef.h>

#include "stream.h"

#define HTTP1_HEAD_MAX 16384	/* request line and header fields */

struct http1_meta {
	unsigned chunked:1;	/* Transfer-Encoding: chunked */
	unsigned keepalive:1;	/* persistent after this exchange */
	unsigned expect100:1;	/* Expect: 100-continue */
	unsigned expect_other:1; /* an Expect we do not know: 417 */
	unsigned upgrade_h2c:1;	/* Upgrade: h2c with HTTP2-Settings */
};

/*
 * Length of the head at p, through the empty line, once it is all there;
 * 0 while more bytes are needed.
 */
size_t http1_head_len(const char *p, size_t n);

/*
 * Parses the head p[0..n) (as measured by http1_head_len).  Returns 0, or
 * the HTTP status to answer with: 400 malformed, 431 too many fields,
 * 501 a transfer coding other than chunked, 505 a version other than 1.x.
 */
int http1_parse(const char *p, size_t n, struct req *r,
    struct http1_meta *m);

enum { CK_SIZE, CK_EXT, CK_SIZE_LF, CK_DATA, CK_DATA_CR, CK_DATA_LF,
	CK_TRAILER, CK_TRAILER_LINE, CK_TRAILER_LF, CK_DONE };

struct chunked {
	int state;
	int digits;
	unsigned long long left;
	size_t junk;		/* bytes of extensions and trailers seen */
};

/*
 * Walks n bytes of a chunked body.  Returns the bytes consumed (<= n), or
 * -1 when malformed (a chunk size of more than 16 hex digits or none, a bad
 * line ending, over 16 KiB of extensions and trailers).  When a data span
 * is met, it stops at its end: the span is in[*doff .. *doff + *dlen), and
 * *dlen is 0 when there is none.  c->state is CK_DONE after the trailers.
 */
long http1_chunked(struct chunked *c, const char *in, size_t n,
    size_t *doff, size_t *dlen);

#endif
