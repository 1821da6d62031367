/*
 * multipart.h: an incremental reader of multipart/form-data bodies
 * (RFC 7578 over the framing of RFC 2046 section 5.1).
 *
 * The body is fed in pieces of any size, down to one byte; a delimiter
 * split across any number of pieces is still found.  For each part the
 * reader calls ops->part once the part's header block is in, then
 * ops->data with the part's bytes as they arrive, then ops->part_end when
 * the delimiter after it is seen.  Spans point into the caller's piece,
 * or into the reader itself when a delimiter prefix cut between two
 * pieces turned out to be data; they are valid during the call only.
 *
 * The preamble and the epilogue are skipped.  Of a part's headers only
 * Content-Disposition is read (name, filename, and filename* of RFC 8187,
 * which wins).  A header block is bounded by MP_HEAD_MAX.  Line ends must
 * be CRLF.  Nothing here allocates or does I/O; a struct mp is about
 * 8 KiB, so it belongs on the heap of whoever owns the body.
 */
#ifndef MULTIPART_H
#define MULTIPART_H

#include <stddef.h>

#define MP_BOUNDARY_MAX 70	/* RFC 2046 section 5.1.1 */
#define MP_HEAD_MAX 8192	/* header block of one part, CRLFs included */

/* A part's form name and file name; NULL when absent.  Not NUL-ended. */
struct mp_part {
	const char *name;
	size_t nlen;
	const char *filename;
	size_t flen;
};

/* Callbacks: 0 to go on, or a negative errno that stops the reader. */
struct mp_ops {
	int (*part)(void *arg, const struct mp_part *pt);
	int (*data)(void *arg, const char *p, size_t n);
	int (*part_end)(void *arg);
};

/* All fields are private. */
struct mp {
	const struct mp_ops *ops;
	void *arg;
	int state;
	int err;			/* sticky: the first error */
	size_t mlen;			/* delimiter bytes matched so far */
	size_t dlen;
	char delim[4 + MP_BOUNDARY_MAX];	/* CRLF "--" boundary */
	size_t hlen;
	char head[MP_HEAD_MAX];
};

/*
 * Starts reading a body whose Content-Type value is ctype[0..n): a
 * multipart/ media type with a boundary parameter (quoted or not, 1 to
 * 70 characters).  0, or -EINVAL.
 */
int mp_init(struct mp *m, const char *ctype, size_t n,
    const struct mp_ops *ops, void *arg);

/*
 * Reads the next n bytes of the body.  0, -EINVAL for malformed framing
 * or part headers, -EMSGSIZE for a header block over MP_HEAD_MAX, or the
 * first callback error.  Errors are sticky.
 */
int mp_feed(struct mp *m, const char *p, size_t n);

/* At the end of the body: 0 if the close delimiter was seen, else -EINVAL
 * (or the sticky error). */
int mp_finish(const struct mp *m);

#endif
