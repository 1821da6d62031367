/*
 * conn.c: accepting, reading, writing and the HTTP/1.1 exchange.
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "conn.h"
#include "http1.h"
#include "log.h"
#include "loop.h"
#include "router.h"
#include "util.h"

#define ACCEPT_BACKOFF_MS 100	/* pause after EMFILE/ENFILE */
#define LINGER_MS 2000		/* reading leftovers before close */
#define IOV_MAX_BATCH 16

enum { C_HEAD, C_BODY, C_WAIT, C_LINGER };

/*
 * Queued output: bytes in data, or len bytes of file fd from foff.  The
 * chunk owns fd (a duplicate), since the exchange may end first.
 */
struct chunk {
	struct chunk *next;
	size_t len, off;
	int fd;
	off_t foff;
	char data[];
};

struct conn;

struct h1x {
	struct xch x;
	struct conn *c;
	struct req req;
	char head[];
};

struct conn {
	struct watch w;
	struct defer d;
	struct timer t;
	struct conn *next, *prev;
	char rbuf[CONN_RBUF];
	size_t rlen;
	struct chunk *qhead, **qtail;
	size_t qlen;
	struct h1x *hx;
	struct http1_meta m;
	struct chunked ck;
	long long left;			/* Content-Length body still due */
	int state;
	unsigned eof:1, dead:1, hold:1, close_after:1, chunked_out:1;
	unsigned no_body:1, cont_due:1, cont_sent:1, pre_snapshot:1;
};

static struct watch lw = { .fd = -1, .slot = -1 };
static struct timer accept_timer;
static int backing_off;			/* logged once per episode */
static struct conn *conns;
static int nconns;
static int keepalive_allowed = 1;

static void process(struct conn *c);

/* Reason phrases for the statuses the agent sends. */
static const char *
reason(int st)
{
	static const struct {
		int st;
		const char *r;
	} t[] = {
		{ 100, "Continue" }, { 200, "OK" }, { 204, "No Content" },
		{ 206, "Partial Content" }, { 304, "Not Modified" },
		{ 400, "Bad Request" }, { 401, "Unauthorized" },
		{ 403, "Forbidden" }, { 404, "Not Found" },
		{ 405, "Method Not Allowed" }, { 406, "Not Acceptable" },
		{ 408, "Request Timeout" }, { 409, "Conflict" },
		{ 411, "Length Required" }, { 413, "Content Too Large" },
		{ 415, "Unsupported Media Type" },
		{ 416, "Range Not Satisfiable" }, { 417, "Expectation Failed" },
		{ 422, "Unprocessable Content" }, { 429, "Too Many Requests" },
		{ 431, "Request Header Fields Too Large" },
		{ 499, "Client Closed Request" },
		{ 500, "Internal Server Error" }, { 501, "Not Implemented" },
		{ 503, "Service Unavailable" }, { 504, "Gateway Timeout" },
		{ 505, "HTTP Version Not Supported" },
		{ 507, "Insufficient Storage" },
	};
	size_t i;

	for (i = 0; i < ARRAY_LEN(t); i++)
		if (t[i].st == st)
			return t[i].r;
	return "Unknown";
}

/* Queues n bytes, as one piece, optionally between a prefix and suffix. */
static int
enqueue(struct conn *c, const char *pre, size_t pn, const void *p, size_t n,
    const char *suf, size_t sn)
{
	struct chunk *k;

	if (c->dead)
		return -EPIPE;
	if ((k = malloc(sizeof(*k) + pn + n + sn)) == NULL) {
		log_msg(LOG_ERROR, "http", "out of memory", NULL);
		c->dead = 1;
		return -ENOMEM;
	}
	k->next = NULL;
	k->off = 0;
	k->fd = -1;
	k->len = pn + n + sn;
	memcpy(k->data, pre, pn);
	memcpy(k->data + pn, p, n);
	memcpy(k->data + pn + n, suf, sn);
	*c->qtail = k;
	c->qtail = &k->next;
	c->qlen += k->len;
	loop_defer(&c->d);
	return 0;
}

/*
 * One sendfile(2) of the file piece at the head of the queue.  A file
 * that ends before the piece does cannot keep the promised length: the
 * connection is dropped.
 */
static ssize_t
send_file_piece(struct conn *c, struct chunk *k)
{
	ssize_t r = sendfile(c->w.fd, k->fd, &k->foff, k->len - k->off);

	if (r == 0) {
		log_msg(LOG_WARN, "http", "file cut short while sent", NULL);
		errno = EPIPE;
		return -1;
	}
	return r;
}

static void
free_chunk(struct chunk *k)
{
	if (k->fd >= 0)
		close(k->fd);
	free(k);
}

/* Writes what the socket takes; 0, or -1 when the peer is gone. */
static int
flush(struct conn *c)
{
	struct iovec iov[IOV_MAX_BATCH];
	struct chunk *k;
	ssize_t r;
	int n;

	while (c->qhead) {
		for (n = 0, k = c->qhead; k && k->fd < 0 && n < IOV_MAX_BATCH;
		    k = k->next) {
			iov[n].iov_base = k->data + k->off;
			iov[n++].iov_len = k->len - k->off;
		}
		r = n ? writev(c->w.fd, iov, n) : send_file_piece(c, c->qhead);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && errno == EAGAIN)
			return 0;
		if (r < 0)
			return -1;
		c->qlen -= (size_t)r;
		while ((k = c->qhead) && (size_t)r >= k->len - k->off) {
			r -= (ssize_t)(k->len - k->off);
			c->qhead = k->next;
			free_chunk(k);
		}
		if (k)
			k->off += (size_t)r;
	}
	c->qtail = &c->qhead;
	return 0;
}

static struct conn *
of_xch(struct xch *x)
{
	return ((struct h1x *)x)->c;
}

static void
put_hdr(char *buf, size_t *n, size_t cap, const char *name, size_t nl,
    const char *val, size_t vl)
{
	if (*n + nl + vl + 4 > cap)
		return;
	memcpy(buf + *n, name, nl);
	*n += nl;
	memcpy(buf + *n, ": ", 2);
	*n += 2;
	memcpy(buf + *n, val, vl);
	*n += vl;
	memcpy(buf + *n, "\r\n", 2);
	*n += 2;
}

static int
keep_alive(const struct conn *c)
{
	return c->m.keepalive && keepalive_allowed && !c->close_after;
}

static void
h1_head(struct xch *x, int status, const struct hdr *h, int nh,
    long long clen)
{
	struct conn *c = of_xch(x);
	char buf[4096], num[24];
	size_t n = 0;
	int i;

	memcpy(buf, "HTTP/1.1 ", 9);
	n = 9 + fmt_u(buf + 9, (unsigned)status);
	buf[n++] = ' ';
	n = (size_t)(stpcpy(buf + n, reason(status)) - buf);
	memcpy(buf + n, "\r\n", 2);
	n += 2;
	for (i = 0; i < nh; i++)
		put_hdr(buf, &n, sizeof(buf), h[i].name, h[i].nlen, h[i].val,
		    h[i].vlen);
	c->no_body = x->req->method == M_HEAD || status == 204 ||
	    status == 304;
	if (clen >= 0 && status != 204 && status != 304)
		put_hdr(buf, &n, sizeof(buf), "Content-Length", 14, num,
		    fmt_u(num, (unsigned long long)clen));
	else if (clen < 0 && !c->no_body && c->hx->req.version == 11) {
		put_hdr(buf, &n, sizeof(buf), "Transfer-Encoding", 17,
		    "chunked", 7);
		c->chunked_out = 1;
	} else if (clen < 0 && !c->no_body)
		c->close_after = 1;
	/* A request still owing a body we promised not to read: close. */
	if (c->cont_due && !c->cont_sent)
		c->close_after = 1;
	if (!keep_alive(c))
		put_hdr(buf, &n, sizeof(buf), "Connection", 10, "close", 5);
	else if (c->hx->req.version == 10)
		put_hdr(buf, &n, sizeof(buf), "Connection", 10, "keep-alive",
		    10);
	memcpy(buf + n, "\r\n", 2);
	enqueue(c, "", 0, buf, n + 2, "", 0);
}

static void
h1_body(struct xch *x, const void *p, size_t n)
{
	struct conn *c = of_xch(x);
	char pre[24];
	size_t pn;

	if (c->no_body)
		return;
	if (!c->chunked_out) {
		enqueue(c, "", 0, p, n, "", 0);
		return;
	}
	pn = fmt_u_hex(pre, n);
	pre[pn++] = '\r';
	pre[pn++] = '\n';
	enqueue(c, pre, pn, p, n, "\r\n", 2);
}

static void
h1_end(struct xch *x, const struct hdr *tr, int n)
{
	struct conn *c = of_xch(x);

	(void)tr;
	(void)n;
	if (c->chunked_out && !c->no_body)
		enqueue(c, "", 0, "0\r\n\r\n", 5, "", 0);
	loop_defer(&c->d);
}

static size_t
h1_room(struct xch *x)
{
	struct conn *c = of_xch(x);

	if (c->dead || c->qlen >= CONN_QSOFT)
		return 0;
	return CONN_QSOFT - c->qlen;
}

static void
h1_hold(struct xch *x, int on)
{
	struct conn *c = of_xch(x);

	c->hold = on != 0;
	if (!on)
		loop_defer(&c->d);
}

/*
 * The client must not take a cut response for a whole one: what is
 * queued goes out, then the connection closes short of the promised
 * length or the last chunk.
 */
static void
h1_abort(struct xch *x)
{
	struct conn *c = of_xch(x);

	c->close_after = 1;
	loop_defer(&c->d);
}

static size_t
h1_sendfile(struct xch *x, int fd, long long off, size_t n)
{
	struct conn *c = of_xch(x);
	struct chunk *k;

	/* Chunked framing and HEAD keep to the plain path. */
	if (c->chunked_out || c->no_body || c->dead || n == 0 ||
	    (k = calloc(1, sizeof(*k))) == NULL)
		return 0;
	if ((k->fd = fcntl(fd, F_DUPFD_CLOEXEC, 3)) < 0) {
		free(k);
		return 0;
	}
	k->foff = (off_t)off;
	k->len = n;
	*c->qtail = k;
	c->qtail = &k->next;
	c->qlen += n;
	loop_defer(&c->d);
	return n;
}

static const struct xch_ops h1_ops = {
	.head = h1_head,
	.body = h1_body,
	.end = h1_end,
	.room = h1_room,
	.hold = h1_hold,
	.abort = h1_abort,
	.sendfile = h1_sendfile,
};

/* The exchange is over: tell the handler and free it. */
static void
finish_exchange(struct conn *c)
{
	struct h1x *hx = c->hx;

	if (hx == NULL)
		return;
	c->hx = NULL;
	if (hx->x.h && hx->x.h->done)
		hx->x.h->done(&hx->x);
	free(hx);
}

static void
teardown(struct conn *c)
{
	struct chunk *k;

	finish_exchange(c);
	while ((k = c->qhead) != NULL) {
		c->qhead = k->next;
		free_chunk(k);
	}
	loop_del(&c->w);
	loop_undefer(&c->d);
	timer_stop(&c->t);
	close(c->w.fd);
	if (c->prev)
		c->prev->next = c->next;
	else
		conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	nconns--;
	free(c);
}

static void
kill_conn(struct conn *c)
{
	c->dead = 1;
	loop_defer(&c->d);
}

/* Closes after the queue drains, reading and dropping what still comes. */
static void
linger(struct conn *c)
{
	if (c->state == C_LINGER)
		return;
	finish_exchange(c);
	c->state = C_LINGER;
	c->close_after = 1;
	timer_at(&c->t, loop_now() + LINGER_MS);
}

/* Answers a request that never reached a handler, then closes. */
static void
early_error(struct conn *c, int status, const char *msg)
{
	struct xch *x = &c->hx->x;

	c->close_after = 1;
	c->m.keepalive = 0;
	xch_error(x, status, msg);
	linger(c);
}

static const char *
parse_error_text(int st)
{
	switch (st) {
	case 431:
		return "request header fields too large";
	case 501:
		return "unsupported transfer coding";
	case 505:
		return "HTTP version not supported";
	}
	return "malformed request";
}

static struct h1x *
new_exchange(struct conn *c, const char *head, size_t n)
{
	struct h1x *hx = calloc(1, sizeof(*hx) + n);

	if (hx == NULL)
		return NULL;
	memcpy(hx->head, head, n);
	hx->c = c;
	hx->x.req = &hx->req;
	hx->x.ops = &h1_ops;
	hx->x.tp = c;
	hx->req.version = 11;
	hx->req.clen = -1;
	return hx;
}

static void
consume(struct conn *c, size_t n)
{
	memmove(c->rbuf, c->rbuf + n, c->rlen - n);
	c->rlen -= n;
}

/* Starts the next request if its head is in; 0 when it needs more. */
static int
start_request(struct conn *c)
{
	size_t n = http1_head_len(c->rbuf, c->rlen);
	int st;

	if (n == 0 || n > HTTP1_HEAD_MAX) {
		if (c->rlen < HTTP1_HEAD_MAX && n == 0)
			return 0;
		n = 0;
	}
	if ((c->hx = new_exchange(c, c->rbuf, n)) == NULL) {
		kill_conn(c);
		return 0;
	}
	timer_stop(&c->t);
	consume(c, n);
	st = n ? http1_parse(c->hx->head, n, &c->hx->req, &c->m) : 431;
	if (st) {
		early_error(c, st, parse_error_text(st));
		return 0;
	}
	c->state = C_BODY;
	c->left = c->hx->req.clen > 0 ? c->hx->req.clen : 0;
	memset(&c->ck, 0, sizeof(c->ck));
	c->chunked_out = c->no_body = c->cont_sent = 0;
	c->cont_due = c->m.expect100 && (c->m.chunked || c->left > 0);
	if (c->m.expect_other) {
		early_error(c, 417, "unsupported expectation");
		return 0;
	}
	router_dispatch(&c->hx->x);
	return 1;
}

/* Hands body bytes to the handler; returns 1 if it made progress. */
static int
feed_body(struct conn *c)
{
	struct xch *x = &c->hx->x;
	size_t off, len, used;
	long r;

	if (c->rlen == 0 || (c->hold && !(x->flags & XF_ENDED)))
		return 0;
	if (c->m.chunked) {
		r = http1_chunked(&c->ck, c->rbuf, c->rlen, &off, &len);
		if (r < 0) {
			if (!(x->flags & XF_HEAD_SENT))
				xch_error(x, 400, "malformed chunked body");
			c->m.keepalive = 0;
			linger(c);
			return 0;
		}
		used = (size_t)r;
	} else {
		off = 0;
		len = used = c->rlen < (unsigned long long)c->left ?
		    c->rlen : (size_t)c->left;
		c->left -= (long long)len;
	}
	if (len && !(x->flags & XF_ENDED) && x->h && x->h->body)
		x->h->body(x, c->rbuf + off, len);
	consume(c, used);
	return used > 0;
}

static int
body_done(const struct conn *c)
{
	return c->m.chunked ? c->ck.state == CK_DONE : c->left == 0;
}

static void
send_continue(struct conn *c)
{
	struct xch *x = &c->hx->x;

	if (!c->cont_due || c->cont_sent || (x->flags & XF_HEAD_SENT))
		return;
	c->cont_sent = 1;
	enqueue(c, "", 0, "HTTP/1.1 100 Continue\r\n\r\n", 25, "", 0);
}

/* One step of the request state machine; returns 1 to go on. */
static int
step(struct conn *c)
{
	struct xch *x;

	if (c->state == C_HEAD)
		return c->rlen > 0 && start_request(c);
	if (c->state != C_BODY && c->state != C_WAIT)
		return 0;
	x = &c->hx->x;
	if (c->state == C_BODY) {
		/* A held handler has not finished with the body it got. */
		if (body_done(c) && !(c->hold && !(x->flags & XF_ENDED))) {
			c->state = C_WAIT;
			x->flags |= XF_REQ_DONE;
			if (!(x->flags & XF_ENDED) && x->h && x->h->end)
				x->h->end(x);
			return 1;
		}
		/* Refused before the body was sent: do not wait for it. */
		if ((x->flags & XF_ENDED) && c->cont_due && !c->cont_sent) {
			linger(c);
			return 0;
		}
		send_continue(c);
		return feed_body(c);
	}
	if (!(x->flags & XF_ENDED))
		return 0;
	finish_exchange(c);
	if (!keep_alive(c)) {
		linger(c);
		return 0;
	}
	c->state = C_HEAD;
	timer_at(&c->t, loop_now() + CONN_IDLE_MS);
	return 1;
}

static void
want_events(struct conn *c)
{
	short ev = 0;

	if (c->qhead)
		ev |= POLLOUT;
	/* Keep reading while there is room: it also tells us of a hangup. */
	if (c->rlen < sizeof(c->rbuf) && !c->eof && !(c->hold &&
	    c->state == C_BODY))
		ev |= POLLIN;
	loop_set(&c->w, ev);
}

static void
after_flush(struct conn *c, size_t before)
{
	struct xch *x;

	if (c->hx == NULL || c->qlen >= before)
		return;
	x = &c->hx->x;
	if (!(x->flags & XF_ENDED) && x->h && x->h->drain &&
	    c->qlen < CONN_QSOFT)
		x->h->drain(x);
}

static void
process(struct conn *c)
{
	size_t before;

	while (!c->dead && step(c))
		;
	if (c->dead) {
		teardown(c);
		return;
	}
	before = c->qlen;
	if (flush(c) < 0) {
		teardown(c);
		return;
	}
	after_flush(c, before);
	if (c->dead) {
		teardown(c);
		return;
	}
	if (c->state == C_LINGER && c->qhead == NULL)
		shutdown(c->w.fd, SHUT_WR);
	/* Served all that came before the peer's EOF: close. */
	if (c->eof && c->qhead == NULL &&
	    (c->state == C_HEAD || c->state == C_LINGER)) {
		teardown(c);
		return;
	}
	want_events(c);
}

static void
on_defer(struct defer *d)
{
	process(d->arg);
}

static void
on_timer(struct timer *t)
{
	struct conn *c = t->arg;

	/* Idle keep-alive expired, or lingering took too long. */
	if ((c->state == C_HEAD && c->hx == NULL) || c->state == C_LINGER)
		kill_conn(c);
}

static void
read_some(struct conn *c)
{
	ssize_t r;

	if (c->rlen == sizeof(c->rbuf))
		return;
	r = read(c->w.fd, c->rbuf + c->rlen, sizeof(c->rbuf) - c->rlen);
	if (r > 0) {
		if (c->state == C_LINGER)
			return;
		c->rlen += (size_t)r;
	} else if (r == 0 || (errno != EAGAIN && errno != EINTR)) {
		c->eof = 1;
	}
}

static void
on_io(struct watch *w, short rev)
{
	struct conn *c = w->arg;

	if (rev & (POLLIN | POLLHUP | POLLERR))
		read_some(c);
	/* The peer is gone mid-exchange: abort it (Go cancels likewise). */
	if (c->eof && c->state != C_HEAD && c->state != C_LINGER)
		c->dead = 1;
	process(c);
}

static void
set_socket_opts(int fd)
{
	int one = 1;

	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

static void
new_conn(int fd)
{
	struct conn *c = calloc(1, sizeof(*c));

	if (c == NULL) {
		close(fd);
		return;
	}
	c->w = (struct watch){ .fd = fd, .events = POLLIN, .cb = on_io,
		.arg = c, .slot = -1 };
	if (loop_add(&c->w) < 0) {
		free(c);
		close(fd);
		return;
	}
	set_socket_opts(fd);
	c->d.cb = on_defer;
	c->d.arg = c;
	c->t.cb = on_timer;
	c->t.arg = c;
	c->qtail = &c->qhead;
	c->next = conns;
	if (conns)
		conns->prev = c;
	conns = c;
	nconns++;
	timer_at(&c->t, loop_now() + CONN_IDLE_MS);
}

static void
on_accept_timer(struct timer *t)
{
	(void)t;
	loop_set(&lw, POLLIN);
}

static void
on_accept(struct watch *w, short rev)
{
	int fd, i;

	(void)rev;
	for (i = 0; i < 64; i++) {
		fd = accept4(w->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd >= 0) {
			backing_off = 0;
			new_conn(fd);
			continue;
		}
		if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS ||
		    errno == ENOMEM) {
			/* Out of descriptors: stop polling a while, no spin. */
			if (!backing_off++)
				log_msg(LOG_WARN, "http", "accept failed",
				    "errno=%e", errno);
			loop_set(&lw, 0);
			timer_at(&accept_timer, loop_now() + ACCEPT_BACKOFF_MS);
		}
		return;
	}
}

/* see conn.h */
int
conn_listen(int port)
{
	struct sockaddr_in sa;
	int fd, one = 1;

	fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)port);
	sa.sin_addr.s_addr = htonl(INADDR_ANY);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    listen(fd, 1024) < 0) {
		int e = errno;

		close(fd);
		return -e;
	}
	lw = (struct watch){ .fd = fd, .events = POLLIN, .cb = on_accept,
		.slot = -1 };
	accept_timer.cb = on_accept_timer;
	return loop_add(&lw);
}

/* see conn.h */
void
conn_snapshot_prepare(void)
{
	struct conn *c;

	keepalive_allowed = 0;
	for (c = conns; c; c = c->next) {
		if (c->state == C_HEAD && c->hx == NULL && c->rlen == 0)
			kill_conn(c);
		else
			c->pre_snapshot = 1;
	}
}

/* see conn.h */
void
conn_snapshot_restore(void)
{
	struct conn *c;

	for (c = conns; c; c = c->next)
		if (c->pre_snapshot)
			kill_conn(c);
	keepalive_allowed = 1;
}

/* see conn.h */
int
conn_count(void)
{
	return nconns;
}
