/*
 * stream.h: one request/response exchange, the seam between a transport
 * (HTTP/1.1 in conn.c, HTTP/2 later) and the handlers.
 *
 * The transport parses a request head into a struct req, whose views stay
 * valid for the whole exchange, then calls router_dispatch().  The router
 * picks a handler and may answer at once.  Request body bytes arrive through
 * handler->body, the end through handler->end.  The handler answers with
 * xch_head(), any number of xch_body() calls (each one is sent as soon as
 * the socket takes it: one HTTP/1.1 chunk each) and one xch_end().  A
 * producer keeps its output within xch_room() and resumes in handler->drain.
 *
 * handler->done is called exactly once when the exchange is over, finished
 * or aborted (peer gone); after it the handler must not touch the xch.
 * The transport owns the xch and frees it.
 */
#ifndef STREAM_H
#define STREAM_H

#include <stddef.h>

#define REQ_MAXHDR 64		/* header fields kept per request */

struct hdr {
	const char *name;
	size_t nlen;
	const char *val;
	size_t vlen;
};

/* A header from two string literals. */
#define HDR_LIT(n, v) { n, sizeof(n) - 1, v, sizeof(v) - 1 }

enum { M_OTHER, M_GET, M_HEAD, M_POST, M_PUT, M_DELETE, M_OPTIONS,
	M_PATCH };

struct req {
	int method;
	const char *mname;
	size_t mlen;
	const char *path;		/* target up to '?', still %-encoded */
	size_t plen;
	const char *query;		/* after '?', or NULL */
	size_t qlen;
	int version;			/* 10, 11 or 20 */
	long long clen;			/* Content-Length, or -1 */
	int nh;
	struct hdr h[REQ_MAXHDR];
};

struct xch;

struct handler {
	void (*body)(struct xch *x, const char *p, size_t n);
	void (*end)(struct xch *x);
	void (*drain)(struct xch *x);
	void (*done)(struct xch *x);
};

struct xch_ops {
	void (*head)(struct xch *x, int status, const struct hdr *h, int n,
	    long long clen);
	void (*body)(struct xch *x, const void *p, size_t n);
	void (*end)(struct xch *x, const struct hdr *tr, int n);
	size_t (*room)(struct xch *x);
	void (*hold)(struct xch *x, int on);
	void (*abort)(struct xch *x);
	size_t (*sendfile)(struct xch *x, int fd, long long off, size_t n);
};

/* Flags kept by the exchange. */
#define XF_CORS		0x01	/* request had an Origin: add CORS headers */
#define XF_HEAD_SENT	0x02
#define XF_ENDED	0x04
#define XF_REQ_DONE	0x08	/* request body fully delivered */

#define COLLECT_MAX (1 << 20)	/* bound on a buffered request body */

struct xch {
	const struct req *req;
	const struct handler *h;
	void *st;			/* handler state */
	const struct xch_ops *ops;
	void *tp;			/* transport private */
	unsigned flags;
	int status;
	/* Body collector (xch_collect). */
	char *buf;
	size_t blen, bcap, bmax;
	void (*whole)(struct xch *x, char *body, size_t n);
};

/* Looks up a header by name, case-insensitively; NULL when absent. */
const struct hdr *req_hdr(const struct req *r, const char *name);
/* 1 if the header's comma-separated value list holds the token tok. */
int req_hdr_has(const struct req *r, const char *name, const char *tok);
/*
 * Copies the %-decoded value of query parameter key into out (NUL-ended).
 * Returns its length, -ENOENT when absent, -ENAMETOOLONG when it does not
 * fit, -EINVAL for a bad %-escape.
 */
int req_query(const struct req *r, const char *key, char *out, size_t cap);

void xch_head(struct xch *x, int status, const struct hdr *h, int n,
    long long clen);
void xch_body(struct xch *x, const void *p, size_t n);
void xch_end(struct xch *x, const struct hdr *tr, int n);
size_t xch_room(struct xch *x);
void xch_hold(struct xch *x, int on);
/*
 * Ends the exchange as a failure the peer can see: HTTP/1.1 drops the
 * connection, so a response cut short never passes for a whole one.
 * handler->done follows, as for any end.
 */
void xch_abort(struct xch *x);
/*
 * Queues n bytes of file fd from offset off as body, to be sent straight
 * from the page cache (sendfile(2)) where the transport can.  Returns n,
 * or 0 when it cannot: then the caller reads and uses xch_body().  fd must
 * stay open until handler->done; a file found shorter than promised when
 * it is sent aborts the exchange.
 */
size_t xch_sendfile(struct xch *x, int fd, long long off, size_t n);

/* A whole response: head, the n bytes of body, end. */
void xch_reply(struct xch *x, int status, const char *ctype,
    const char *body, size_t n);
/* The same with Cache-Control: no-store. */
void xch_reply_nostore(struct xch *x, int status, const char *ctype,
    const char *body, size_t n);
/* {"code":status,"message":msg} as application/json. */
void xch_error(struct xch *x, int status, const char *msg);

/*
 * Buffers the request body (at most max bytes, else 413) and calls whole
 * once it is complete.  The buffer is freed after whole returns.
 */
void xch_collect(struct xch *x, size_t max,
    void (*whole)(struct xch *x, char *body, size_t n));

#endif
