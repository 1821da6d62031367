/*
 * files.c: /files, download and upload.  Header helpers come first, then
 * the download's state and steps, then the upload's, then the public
 * functions: the two pure ones the tests call, and the two routes.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include "defaults.h"
#include "files.h"
#include "json.h"
#include "log.h"
#include "loop.h"
#include "multipart.h"
#include "paths.h"
#include "sign.h"
#include "users.h"
#include "util.h"

#define FILES_BUF 65536		/* one disk read or write per step */
#define GZIP_WBITS (15 + 16)	/* zlib: 32 KiB window, gzip wrapper */
#define MSG_MAX 1024		/* error text; xch_error keeps 900 bytes */
#define DATE_LEN 29		/* "Sun, 06 Nov 1994 08:49:37 GMT" */
#define DATE_MAX 253402300799LL	/* 9999-12-31T23:59:59Z */
#define TMP_TRIES 16		/* names tried for a temporary file */
#define META_PREFIX "x-metadata-"
#define INFLATE_SLICE 16	/* FILES_BUF outputs per turn (1 MiB) */

static const char octet[] = "application/octet-stream";
static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";

/* Go's built-in table, a few more; the rest is octet-stream. */
static const struct {
	const char *ext, *type;
} types[] = {
	{ "txt", "text/plain; charset=utf-8" },
	{ "html", "text/html; charset=utf-8" },
	{ "htm", "text/html; charset=utf-8" },
	{ "css", "text/css; charset=utf-8" },
	{ "js", "text/javascript; charset=utf-8" },
	{ "mjs", "text/javascript; charset=utf-8" },
	{ "md", "text/markdown; charset=utf-8" },
	{ "csv", "text/csv; charset=utf-8" },
	{ "xml", "text/xml; charset=utf-8" },
	{ "json", "application/json" }, { "pdf", "application/pdf" },
	{ "zip", "application/zip" }, { "gz", "application/gzip" },
	{ "tar", "application/x-tar" }, { "wasm", "application/wasm" },
	{ "png", "image/png" }, { "jpg", "image/jpeg" },
	{ "jpeg", "image/jpeg" }, { "gif", "image/gif" },
	{ "svg", "image/svg+xml" }, { "webp", "image/webp" },
	{ "avif", "image/avif" }, { "mp4", "video/mp4" },
	{ "webm", "video/webm" }, { "mp3", "audio/mpeg" },
	{ "wav", "audio/wav" },
};

static void verror(struct xch *x, int status, const char *fmt, va_list ap);

__attribute__((format(printf, 3, 4)))
static void
errorf(struct xch *x, int status, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	verror(x, status, fmt, ap);
	va_end(ap);
}

static void
verror(struct xch *x, int status, const char *fmt, va_list ap)
{
	char msg[MSG_MAX];

	if (x->flags & XF_ENDED)
		return;
	fmt_msg(msg, sizeof(msg), fmt, ap);
	if (status >= 500)
		log_msg(LOG_WARN, "files", "request failed", "status=%d "
		    "error=%s", status, msg);
	xch_error(x, status, msg);
}

static int
is_ows(char c)
{
	return c == ' ' || c == '\t';
}

/* Trims spaces and tabs around [*s, *e). */
static void
trim(const char **s, const char **e)
{
	while (*s < *e && is_ows(**s))
		(*s)++;
	while (*e > *s && is_ows((*e)[-1]))
		(*e)--;
}

/* A header with a non-empty value, or NULL (Go's Header.Get != ""). */
static const struct hdr *
hdr_val(const struct req *r, const char *name)
{
	const struct hdr *h = req_hdr(r, name);

	return h && h->vlen ? h : NULL;
}

/* 1 if the value's first token, before any ';', is tok. */
static int
first_token_is(const struct hdr *h, const char *tok)
{
	const char *s = h->val, *e = memchr(s, ';', h->vlen);

	if (e == NULL)
		e = s + h->vlen;
	trim(&s, &e);
	return eq_ci(s, (size_t)(e - s), tok);
}

/* ------------------------------------------------- Accept-Encoding */

struct coding {
	const char *s;
	size_t n;
	int q;				/* quality in thousandths */
};

/* "0.5" -> 500; what does not read as a number keeps dflt, as in Go. */
static int
qvalue(const char *p, const char *e, int dflt)
{
	int q = 0, scale = 1000;

	if (p == e || *p < '0' || *p > '9')
		return dflt;
	for (; p < e && *p >= '0' && *p <= '9'; p++)
		q = q < 1000 ? q * 10 + (*p - '0') : q;
	q *= 1000;
	if (p < e && *p == '.')
		for (p++; p < e && *p >= '0' && *p <= '9'; p++)
			q += (scale /= 10) * (*p - '0');
	return p == e ? q : dflt;
}

/* The q of parameters ";a=b;q=0.5" in [p, e); 1000 without one. */
static int
params_q(const char *p, const char *e)
{
	const char *s, *pe;
	int q = 1000;

	while (p < e) {
		if ((pe = memchr(p, ';', (size_t)(e - p))) == NULL)
			pe = e;
		s = p;
		p = pe < e ? pe + 1 : e;
		trim(&s, &pe);
		if (pe - s >= 2 && (s[0] | 0x20) == 'q' && s[1] == '=')
			q = qvalue(s + 2, pe, q);
	}
	return q;
}

/* The next "coding;q=x" of a list at *pp: 1 and *c, or 0 at the end. */
static int
coding_next(const char **pp, const char *e, struct coding *c)
{
	const char *s, *t, *semi;

	while (*pp < e) {
		s = *pp;
		if ((t = memchr(s, ',', (size_t)(e - s))) == NULL)
			t = e;
		*pp = t < e ? t + 1 : e;
		if ((semi = memchr(s, ';', (size_t)(t - s))) == NULL)
			semi = t;
		c->q = params_q(semi, t);
		trim(&s, &semi);
		c->s = s;
		c->n = (size_t)(semi - s);
		if (c->n > 0)
			return 1;
	}
	return 0;
}

/* ------------------------------------------------------------ dates */

/* IMF-fixdate of t (RFC 9110 section 5.6.7), DATE_LEN bytes at p. */
static void
http_date(char *p, long long t)
{
	static const char days[] = "ThuFriSatSunMonTueWed";
	struct timespec ts = { 0, 0 };
	char r[32];
	int m;

	ts.tv_sec = (time_t)(t < 0 ? 0 : t > DATE_MAX ? DATE_MAX : t);
	fmt_rfc3339_us(r, &ts);		/* 2006-01-02T15:04:05.000000Z */
	m = (r[5] - '0') * 10 + r[6] - '0';
	memcpy(p, days + ts.tv_sec / 86400 % 7 * 3, 3);
	memcpy(p + 3, ", ", 2);
	memcpy(p + 5, r + 8, 2);
	p[7] = ' ';
	memcpy(p + 8, months + (m - 1) * 3, 3);
	p[11] = ' ';
	memcpy(p + 12, r, 4);
	p[16] = ' ';
	memcpy(p + 17, r + 11, 8);
	memcpy(p + 25, " GMT", 4);
}

/* Seconds of an IMF-fixdate, or -1; the obsolete forms are ignored. */
static long long
parse_http_date(const char *v, size_t n)
{
	char r[20];
	int64_t ns;
	int m;

	if (n != DATE_LEN || memcmp(v + 3, ", ", 2) || v[7] != ' ' ||
	    v[11] != ' ' || v[16] != ' ' || memcmp(v + 25, " GMT", 4))
		return -1;
	for (m = 0; m < 12 && memcmp(months + m * 3, v + 8, 3); m++)
		;
	if (m == 12)
		return -1;
	memcpy(r, v + 12, 4);
	r[4] = '-';
	r[5] = (char)('0' + (m + 1) / 10);
	r[6] = (char)('0' + (m + 1) % 10);
	r[7] = '-';
	memcpy(r + 8, v + 5, 2);
	r[10] = 'T';
	memcpy(r + 11, v + 17, 8);
	r[19] = 'Z';
	return parse_rfc3339(r, sizeof(r), &ns) < 0 ? -1 : ns / 1000000000;
}

/* ------------------------------------------------ response headers */

static const char *
content_type(const char *name)
{
	const char *dot = strrchr(name, '.');
	size_t i;

	for (i = 0; dot && i < ARRAY_LEN(types); i++)
		if (eq_ci(dot + 1, strlen(dot + 1), types[i].ext))
			return types[i].type;
	return octet;
}

/* RFC 8187 attr-char: what filename* carries unescaped. */
static int
attr_char(unsigned char c)
{
	return (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' &&
	    (c | 0x20) <= 'z') || (c && strchr("!#$&+-.^_`|~", c));
}

/*
 * Content-Disposition (RFC 6266): a quoted-string name when it is
 * printable ASCII, else filename* in UTF-8, as Go formats it (B06).
 * out has room for 32 + 3 * NAME_MAX bytes.  Returns the length.
 */
static size_t
disposition(char *out, const char *name)
{
	static const char hex[] = "0123456789ABCDEF";
	const unsigned char *s = (const unsigned char *)name;
	size_t n, i, plain = 1;

	for (i = 0; s[i] && i < NAME_MAX; i++)
		plain &= s[i] >= ' ' && s[i] <= '~';
	if (plain) {
		n = (size_t)(stpcpy(out, "inline; filename=\"") - out);
		for (i = 0; s[i] && i < NAME_MAX; i++) {
			if (s[i] == '"' || s[i] == '\\')
				out[n++] = '\\';
			out[n++] = (char)s[i];
		}
		out[n++] = '"';
		return n;
	}
	n = (size_t)(stpcpy(out, "inline; filename*=utf-8''") - out);
	for (i = 0; s[i] && i < NAME_MAX; i++) {
		if (attr_char(s[i])) {
			out[n++] = (char)s[i];
			continue;
		}
		out[n++] = '%';
		out[n++] = hex[s[i] >> 4];
		out[n++] = hex[s[i] & 15];
	}
	return n;
}

/* ---------------------------------------------------- both methods */

/* SPEC 3.4 steps 1 to 3: signature, then the user; -1 once answered. */
static int
request_user(struct xch *x, const char *op, struct user *u)
{
	char msg[MSG_MAX], name[USER_NAME_MAX + 1];
	int rc, n;

	if ((rc = sign_check(x->req, op, msg, sizeof(msg))) < 0) {
		xch_error(x, rc == -EACCES ? 401 : 400, msg);
		return -1;
	}
	n = req_query(x->req, "username", name, sizeof(name));
	if (n == -ENOENT || n == 0) {
		n = (int)strnlen(defaults_user(), USER_NAME_MAX);
		memcpy(name, defaults_user(), (size_t)n);
		name[n] = '\0';
	}
	if (n < 0 || user_lookup(name, (size_t)n, u) < 0) {
		errorf(x, 401, "user '%s' not found", n < 0 ? "" : name);
		return -1;
	}
	return 0;
}

static const char *
resolve_error(int rc, const char *p)
{
	if (rc == -ENAMETOOLONG)
		return "path too long";
	return p[0] == '~' ? "cannot expand user-specific home dir" :
	    "invalid path";
}

/* The path query into out: its length, -ENOENT, or -1 once answered. */
static int
path_query(struct xch *x, char *out)
{
	int n = req_query(x->req, "path", out, PATH_MAX);

	if (n == -ENOENT)
		out[0] = '\0';
	else if (n < 0)
		errorf(x, 400, "invalid path query parameter");
	return n < 0 && n != -ENOENT ? -1 : n;
}

/* ----------------------------------------------------------- GET */

struct dl {
	int fd;
	int gzip;
	int cut;			/* the file ended early */
	int no_sendfile;		/* the transport reads through us */
	long long off;			/* file offset of the next piece */
	long long left;			/* file bytes still to send */
	z_stream z;
	unsigned char *zout;		/* FILES_BUF after buf, for gzip */
	unsigned char buf[];
};

/*
 * Reads the next piece.  A file that shrank since its head went out ends
 * a gzip answer early; an identity answer, owed its Content-Length, is
 * aborted by the caller.
 */
static size_t
dl_read(struct dl *d)
{
	size_t want = d->left < FILES_BUF ? (size_t)d->left : FILES_BUF;
	size_t got = 0;
	ssize_t r;

	while (got < want && !d->cut) {
		r = read(d->fd, d->buf + got, want - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r > 0) {
			got += (size_t)r;
			continue;
		}
		log_msg(LOG_WARN, "files", "file cut short while sent",
		    "errno=%e", r < 0 ? errno : 0);
		d->cut = 1;
	}
	if (d->cut) {
		d->left = 0;
		return got;
	}
	d->left -= (long long)want;
	return want;
}

/* Compresses n bytes of buf; the last piece finishes the stream. */
static void
dl_deflate(struct xch *x, struct dl *d, size_t n)
{
	int flush = d->left == 0 ? Z_FINISH : Z_NO_FLUSH, zr;

	d->z.next_in = d->buf;
	d->z.avail_in = (unsigned)n;
	do {
		d->z.next_out = d->zout;
		d->z.avail_out = FILES_BUF;
		zr = deflate(&d->z, flush);
		xch_body(x, d->zout, FILES_BUF - d->z.avail_out);
	} while (zr == Z_OK && (d->z.avail_out == 0 || flush == Z_FINISH));
}

/* Sends while the transport has room; called again on drain. */
static void
dl_pump(struct xch *x)
{
	struct dl *d = x->st;
	size_t n;

	/* Identity: straight from the page cache when the transport can. */
	while (!d->gzip && !d->no_sendfile && d->left > 0 &&
	    (n = xch_room(x)) > 0) {
		if ((long long)n > d->left)
			n = (size_t)d->left;
		if (xch_sendfile(x, d->fd, d->off, n) == 0) {
			d->no_sendfile = 1;
			if (lseek(d->fd, (off_t)d->off, SEEK_SET) < 0)
				d->cut = 1;
			break;
		}
		d->off += (long long)n;
		d->left -= (long long)n;
	}
	if (!d->gzip && !d->no_sendfile && d->left == 0)
		xch_end(x, NULL, 0);
	while (!(x->flags & XF_ENDED) && xch_room(x) > 0) {
		n = dl_read(d);
		if (d->gzip)
			dl_deflate(x, d, n);
		else
			xch_body(x, d->buf, n);
		if (d->cut && !d->gzip)
			xch_abort(x);
		else if (d->left == 0)
			xch_end(x, NULL, 0);
	}
}

static void
dl_done(struct xch *x)
{
	struct dl *d = x->st;

	close(d->fd);
	if (d->gzip)
		deflateEnd(&d->z);
	free(d);
}

static const struct handler dl_handler = {
	.drain = dl_pump,
	.done = dl_done,
};

/* SPEC 3.4 steps 4 to 6: resolve, stat; -1 once answered. */
static int
locate(struct xch *x, const struct user *u, char *path, struct stat *st)
{
	char q[PATH_MAX];
	int n, rc;

	if ((n = path_query(x, q)) == -1)
		return -1;
	if ((rc = path_resolve(q, n < 0 ? 0 : (size_t)n, u, path,
	    PATH_MAX)) < 0) {
		errorf(x, 400, "error resolving path '%s': %s", q,
		    resolve_error(rc, q));
		return -1;
	}
	rc = stat(path, st) < 0 ? errno : 0;
	if (rc == ENOENT || rc == ENOTDIR)
		errorf(x, 404, "path '%s' does not exist", path);
	else if (rc)
		errorf(x, 500, "error checking path: %s", strerror(rc));
	else if (S_ISDIR(st->st_mode))
		errorf(x, 400, "path '%s' is a directory", path);
	else if (!S_ISREG(st->st_mode))
		errorf(x, 400, "path '%s' is not a regular file", path);
	else
		return 0;
	return -1;
}

/* 1 when Range or a conditional header asks for identity (step 8). */
static int
conditional(const struct req *r)
{
	return hdr_val(r, "range") || hdr_val(r, "if-modified-since") ||
	    hdr_val(r, "if-none-match") || hdr_val(r, "if-range");
}

/* SPEC 3.4 steps 7 and 8: the coding, or -1 once answered 406. */
static int
negotiate(struct xch *x)
{
	const struct hdr *h = req_hdr(x->req, "accept-encoding");
	int ok, enc;

	enc = files_pick_encoding(h ? h->val : NULL, h ? h->vlen : 0, &ok);
	if (enc < 0) {
		xch_error(x, 406, "no acceptable encoding found, supported: "
		    "[gzip]");
		return -1;
	}
	if (!conditional(x->req))
		return enc;
	if (!ok) {
		xch_error(x, 406, "identity encoding not acceptable for Range "
		    "or conditional request");
		return -1;
	}
	return FILES_IDENTITY;
}

/* An identity answer: 200, 206 (*start, *len), 304 or 416. */
static int
precondition(const struct req *r, const struct stat *st, const char *date,
    long long *start, long long *len)
{
	const struct hdr *ims = hdr_val(r, "if-modified-since");
	const struct hdr *rg = hdr_val(r, "range");
	const struct hdr *ir = hdr_val(r, "if-range");
	long long t;
	int rc;

	/* RFC 9110 13.2.2: If-None-Match first; with no ETag only * hits. */
	if (hdr_val(r, "if-none-match")) {
		if (req_hdr_has(r, "if-none-match", "*"))
			return 304;
	} else if (ims && (t = parse_http_date(ims->val, ims->vlen)) >= 0 &&
	    (long long)st->st_mtime <= t) {
		return 304;
	}
	/* If-Range keeps the range only for our exact Last-Modified. */
	if (rg == NULL || (ir && (ir->vlen != DATE_LEN ||
	    memcmp(ir->val, date, DATE_LEN) != 0)))
		return 200;
	rc = files_range(rg->val, rg->vlen, (long long)st->st_size, start,
	    len);
	return rc > 0 ? 206 : rc == 0 ? 200 : 416;
}

/* "bytes a-b/size", or with "*" for a-b when len is 0; the length. */
static size_t
content_range(char *p, long long start, long long len, long long size)
{
	size_t n = (size_t)(stpcpy(p, "bytes ") - p);

	if (len == 0) {
		p[n++] = '*';
	} else {
		n += fmt_u(p + n, (unsigned long long)start);
		p[n++] = '-';
		n += fmt_u(p + n, (unsigned long long)(start + len - 1));
	}
	p[n++] = '/';
	return n + fmt_u(p + n, (unsigned long long)size);
}

static void
range_refused(struct xch *x, long long size)
{
	static const char body[] = "{\"code\":416,\"message\":\"requested "
	    "range not satisfiable\"}";
	char cr[64];
	struct hdr h[2] = {
		HDR_LIT("Content-Type", "application/json"),
		{ "Content-Range", 13, cr, 0 },
	};

	h[1].vlen = content_range(cr, 0, 0, size);
	xch_head(x, 416, h, 2, sizeof(body) - 1);
	xch_body(x, body, sizeof(body) - 1);
	xch_end(x, NULL, 0);
}

/* The state of a download from start on; NULL (errno set) on failure. */
static struct dl *
dl_new(int fd, int gzip, long long start, long long len)
{
	struct dl *d;

	if (start && lseek(fd, (off_t)start, SEEK_SET) < 0)
		return NULL;
	if ((d = malloc(sizeof(*d) + (gzip ? 2 : 1) * FILES_BUF)) == NULL)
		return NULL;
	memset(d, 0, sizeof(*d));
	if (gzip && deflateInit2(&d->z, Z_DEFAULT_COMPRESSION, Z_DEFLATED,
	    GZIP_WBITS, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
		free(d);
		errno = ENOMEM;
		return NULL;
	}
	d->zout = d->buf + FILES_BUF;
	d->fd = fd;
	d->gzip = gzip;
	d->off = start;
	d->left = len;
	return d;
}

/* What every answer for a file carries; returns the count (5). */
static int
file_headers(struct hdr *h, const char *name, char *disp, const char *date)
{
	const char *type = content_type(name);

	h[0] = (struct hdr){ "Content-Type", 12, type, strlen(type) };
	h[1] = (struct hdr){ "Content-Disposition", 19, disp,
		disposition(disp, name) };
	h[2] = (struct hdr)HDR_LIT("Vary", "Accept-Encoding");
	h[3] = (struct hdr){ "Last-Modified", 13, date, DATE_LEN };
	h[4] = (struct hdr)HDR_LIT("Accept-Ranges", "bytes");
	return 5;
}

/* Heads and body of a located, negotiated file. */
static void
respond(struct xch *x, const char *path, const struct stat *st, int fd,
    int gzip)
{
	char disp[32 + 3 * NAME_MAX], date[DATE_LEN], cr[64];
	long long start = 0, len = (long long)st->st_size;
	struct hdr h[8];
	struct dl *d;
	int n, status = 200;

	http_date(date, (long long)st->st_mtime);
	n = file_headers(h, strrchr(path, '/') + 1, disp, date);
	if (gzip)
		h[n++] = (struct hdr)HDR_LIT("Content-Encoding", "gzip");
	else
		status = precondition(x->req, st, date, &start, &len);
	if (status == 206)
		h[n++] = (struct hdr){ "Content-Range", 13, cr,
			content_range(cr, start, len, (long long)st->st_size) };
	if (status == 416)
		range_refused(x, (long long)st->st_size);
	else if (status == 304 || x->req->method == M_HEAD) {
		xch_head(x, status, status == 304 ? h + 2 : h,
		    status == 304 ? 2 : n, gzip ? -1 : len);
		xch_end(x, NULL, 0);
	} else if ((d = dl_new(fd, gzip, start, len)) == NULL) {
		errorf(x, 500, "error reading file: %s", strerror(errno));
	} else {
		xch_head(x, status, h, n, gzip ? -1 : len);
		x->st = d;
		x->h = &dl_handler;
		dl_pump(x);
		return;
	}
	close(fd);
}

/* ---------------------------------------------------------- POST */

struct up {
	struct xch *x;
	struct user user;
	int raw, gzip, zend, skip, has_qpath;
	int fd;				/* the temporary file, or -1 */
	char qpath[PATH_MAX];		/* the path query */
	char dst[PATH_MAX];		/* the resolved target, reported */
	char file[PATH_MAX];		/* what is replaced: links read */
	char tmp[PATH_MAX];
	char *res, *seen;		/* JSON so far; targets, NUL-ended */
	size_t rlen, rcap, slen, scap;
	size_t *slot, nslot, nseen;	/* hash of seen: offset + 1, or 0 */
	z_stream z;
	unsigned char *zbuf;		/* FILES_BUF of inflated bytes */
	char *pend;			/* compressed input for later turns */
	size_t plen;
	struct defer more;		/* inflates pend in slices */
	struct mp mp;
};

static void
target_abort(struct up *u)
{
	if (u->fd < 0)
		return;
	close(u->fd);
	unlink(u->tmp);
	u->fd = -1;
}

/* Drops the file in progress and answers; returns -ECANCELED. */
__attribute__((format(printf, 3, 4)))
static int
fail(struct up *u, int status, const char *fmt, ...)
{
	va_list ap;

	target_abort(u);
	va_start(ap, fmt);
	verror(u->x, status, fmt, ap);
	va_end(ap);
	return -ECANCELED;
}

static int
io_fail(struct up *u, int e, const char *what)
{
	if (e == ENOSPC || e == EDQUOT)
		return fail(u, 507, "not enough disk space available");
	return fail(u, 500, "%s: %s", what, strerror(e));
}

/* Room for need more bytes in a growing buffer; 0 or -ENOMEM. */
static int
reserve(char **buf, size_t len, size_t *cap, size_t need)
{
	size_t nc = *cap ? *cap : 256;
	char *nb;

	while (nc < len + need)
		nc *= 2;
	if (nc == *cap)
		return 0;
	if ((nb = realloc(*buf, nc)) == NULL)
		return -ENOMEM;
	*buf = nb;
	*cap = nc;
	return 0;
}

/* FNV-1a, for the set of targets an upload has written. */
static size_t
path_hash(const char *p)
{
	uint64_t h = 14695981039346656037ULL;

	while (*p)
		h = (h ^ (unsigned char)*p++) * 1099511628211ULL;
	return (size_t)h;
}

static int
seen(const struct up *u, const char *path)
{
	size_t i, mask = u->nslot - 1;

	if (u->nslot == 0)
		return 0;
	for (i = path_hash(path) & mask; u->slot[i]; i = (i + 1) & mask)
		if (strcmp(u->seen + u->slot[i] - 1, path) == 0)
			return 1;
	return 0;
}

/* Puts the target at offset off into a table of n slots. */
static void
slot_put(size_t *t, size_t n, const char *seen_base, size_t off)
{
	size_t i = path_hash(seen_base + off) & (n - 1);

	while (t[i])
		i = (i + 1) & (n - 1);
	t[i] = off + 1;
}

/* Indexes the target at offset off; the table doubles at half full. */
static int
index_target(struct up *u, size_t off)
{
	size_t n, i, *t;

	if (2 * (u->nseen + 1) > u->nslot) {
		n = u->nslot ? 2 * u->nslot : 64;
		if ((t = calloc(n, sizeof(*t))) == NULL)
			return -ENOMEM;
		for (i = 0; i < u->nslot; i++)
			if (u->slot[i])
				slot_put(t, n, u->seen, u->slot[i] - 1);
		free(u->slot);
		u->slot = t;
		u->nslot = n;
	}
	slot_put(u->slot, u->nslot, u->seen, off);
	u->nseen++;
	return 0;
}

/* Adds the written file to the answer and to the targets seen. */
static int
record(struct up *u)
{
	size_t pn = strlen(u->dst);
	struct jw w;

	/* A string escapes to at most 6 bytes a byte; it is written twice. */
	if (reserve(&u->seen, u->slen, &u->scap, pn + 1) < 0 ||
	    reserve(&u->res, u->rlen, &u->rcap, 12 * pn + 64) < 0)
		return fail(u, 500, "out of memory");
	memcpy(u->seen + u->slen, u->dst, pn + 1);
	if (index_target(u, u->slen) < 0)
		return fail(u, 500, "out of memory");
	u->slen += pn + 1;
	if (u->rlen > 1)
		u->res[u->rlen++] = ',';
	jw_init(&w, u->res + u->rlen, u->rcap - u->rlen);
	jw_obj(&w);
	jw_keyz(&w, "path");
	jw_str(&w, u->dst, pn);
	jw_keyz(&w, "name");
	jw_strz(&w, strrchr(u->dst, '/') + 1);
	jw_keyz(&w, "type");
	jw_strz(&w, "file");
	jw_obj_end(&w);
	u->rlen += w.len;
	return 0;
}

/* ".<name>.envd-" and six random letters, beside the file, exclusively. */
static int
tmp_create(struct up *u)
{
	static unsigned long long seq;
	const char *base = strrchr(u->file, '/') + 1;
	size_t dl = (size_t)(base - u->file), bl = strnlen(base, 200), i;
	unsigned long long v;
	struct timespec ts;
	char *p;
	int k;

	if (dl + bl + 14 > sizeof(u->tmp))
		return -ENAMETOOLONG;
	memcpy(u->tmp, u->file, dl);
	p = u->tmp + dl;
	*p++ = '.';
	memcpy(p, base, bl);
	p = stpcpy(p + bl, ".envd-");
	clock_gettime(CLOCK_MONOTONIC, &ts);
	for (k = 0; k < TMP_TRIES; k++) {
		v = ((unsigned long long)ts.tv_nsec + ++seq) *
		    0x9e3779b97f4a7c15ULL;
		for (i = 0; i < 6; i++, v <<= 5)
			p[i] = "0123456789abcdefghijklmnopqrstuv"[v >> 59 & 31];
		p[6] = '\0';
		u->fd = open(u->tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
		    0600);
		if (u->fd >= 0)
			return 0;
		if (errno != EEXIST)
			return -errno;
	}
	return -EEXIST;
}

/* X-Metadata-<Key> as user.<key> xattrs, best effort; first one wins. */
static void
set_metadata(struct up *u)
{
	const struct req *r = u->x->req;
	const size_t pl = sizeof(META_PREFIX) - 1;
	char name[5 + 256], c;
	size_t k, kl;
	int i;

	for (i = r->nh - 1; i >= 0; i--) {
		kl = r->h[i].nlen - pl;
		if (r->h[i].nlen <= pl || kl >= sizeof(name) - 5 ||
		    !eq_ci(r->h[i].name, pl, META_PREFIX))
			continue;
		memcpy(name, "user.", 5);
		for (k = 0; k < kl; k++) {
			c = r->h[i].name[pl + k];
			name[5 + k] = c >= 'A' && c <= 'Z' ? c + 32 : c;
		}
		name[5 + kl] = '\0';
		if (fsetxattr(u->fd, name, r->h[i].val, r->h[i].vlen, 0) < 0 &&
		    errno != ENOTSUP)
			log_msg(LOG_DEBUG, "files", "setxattr failed",
			    "key=%s errno=%e", name, errno);
	}
}

/* The file behind dst: a symbolic link is written through, as Go did. */
static int
target_file(struct up *u)
{
	struct stat st;

	if (lstat(u->dst, &st) == 0 && S_ISLNK(st.st_mode) &&
	    realpath(u->dst, u->file) != NULL)
		return 0;
	memcpy(u->file, u->dst, strlen(u->dst) + 1);
	return 0;
}

/* Gets a part's target ready: parents, checks, temporary file. */
static int
target_open(struct up *u, const char *p, size_t n)
{
	uid_t uid = u->user.uid;
	gid_t gid = u->user.gid;
	mode_t mode = 0644;
	struct stat st;
	int rc;

	if ((rc = path_resolve(p, n, &u->user, u->dst, PATH_MAX)) < 0)
		return fail(u, 400, "error resolving path: %s",
		    resolve_error(rc, p));
	if (seen(u, u->dst))
		return fail(u, 400, "cannot upload multiple files to same "
		    "path '%s'", u->dst);
	if ((rc = path_mkdirs(u->dst, 1, uid, gid)) == -ENOTDIR)
		return fail(u, 500, "error ensuring directories: path is a "
		    "file");
	if (rc < 0)
		return io_fail(u, -rc, "error ensuring directories");
	if (stat(u->dst, &st) == 0) {
		if (S_ISDIR(st.st_mode))
			return fail(u, 400, "path is a directory: %s", u->dst);
		/* Replacing keeps what the old file had. */
		mode = st.st_mode & 07777;
		uid = st.st_uid;
		gid = st.st_gid;
	} else if (errno != ENOENT) {
		return io_fail(u, errno, "error getting file info");
	}
	target_file(u);
	if ((rc = tmp_create(u)) < 0)
		return io_fail(u, -rc, "error opening file");
	if ((fchown(u->fd, uid, gid) < 0 && errno != EPERM) ||
	    fchmod(u->fd, mode) < 0)
		return io_fail(u, errno, "error changing file ownership");
	set_metadata(u);
	return 0;
}

static int
target_write(struct up *u, const char *p, size_t n)
{
	ssize_t w;

	while (n > 0) {
		w = write(u->fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return io_fail(u, errno, "error writing file");
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* The file is complete: it replaces the target. */
static int
target_commit(struct up *u)
{
	int fd = u->fd, e;

	u->fd = -1;
	if (close(fd) < 0 || rename(u->tmp, u->file) < 0) {
		e = errno;
		unlink(u->tmp);
		return io_fail(u, e, "error writing file");
	}
	return record(u);
}

static int
on_part(void *arg, const struct mp_part *pt)
{
	struct up *u = arg;

	u->skip = pt->name == NULL || !eq_s(pt->name, pt->nlen, "file");
	if (u->skip)
		return 0;
	if (u->has_qpath)
		return target_open(u, u->qpath, strlen(u->qpath));
	if (pt->filename == NULL || pt->flen == 0)
		return fail(u, 400, "missing filename in part 'file'");
	return target_open(u, pt->filename, pt->flen);
}

static int
on_data(void *arg, const char *p, size_t n)
{
	struct up *u = arg;

	return u->skip ? 0 : target_write(u, p, n);
}

static int
on_part_end(void *arg)
{
	struct up *u = arg;

	return u->skip ? 0 : target_commit(u);
}

static const struct mp_ops up_parts = { on_part, on_data, on_part_end };

/* Decoded body bytes go to the raw file or to the multipart reader. */
static int
sink(struct up *u, const char *p, size_t n)
{
	if (u->raw)
		return target_write(u, p, n);
	return mp_feed(&u->mp, p, n);
}

/*
 * Inflates as bytes come; members may follow members (RFC 1952 2.2).  At
 * most INFLATE_SLICE buffers come out per call; *used says how much input
 * was taken.  Returns 1 when another call must go on (input left, or
 * output still inside zlib), 0 when done, or a negative errno.
 */
static int
gunzip(struct up *u, const char *p, size_t n, size_t *used)
{
	z_stream *z = &u->z;
	int zr = Z_OK, rc, k = 0;

	z->next_in = (unsigned char *)(uintptr_t)p;
	z->avail_in = (unsigned)n;
	do {
		if (u->zend && z->avail_in == 0)
			break;
		if (u->zend)
			inflateReset(z);
		u->zend = 0;
		z->next_out = u->zbuf;
		z->avail_out = FILES_BUF;
		zr = inflate(z, Z_NO_FLUSH);
		if (zr != Z_OK && zr != Z_STREAM_END && zr != Z_BUF_ERROR)
			return -EBADMSG;
		rc = sink(u, (const char *)u->zbuf, FILES_BUF - z->avail_out);
		if (rc < 0)
			return rc;
		u->zend = zr == Z_STREAM_END;
	} while (++k < INFLATE_SLICE && zr != Z_BUF_ERROR &&
	    (z->avail_in > 0 || z->avail_out == 0));
	*used = n - z->avail_in;
	return z->avail_in > 0 || (z->avail_out == 0 && zr == Z_OK);
}

/* Answers a body error that has not been answered yet. */
static void
up_fail(struct up *u, int rc)
{
	if (rc == -EBADMSG)
		fail(u, 400, "error decompressing request body: invalid or "
		    "truncated gzip data");
	else if (rc == -EMSGSIZE)
		fail(u, 500, "error reading form: part headers too large");
	else
		fail(u, 500, "error reading form: malformed multipart body");
}

/* Keeps what one turn did not inflate, and holds the body meanwhile. */
static void
keep_pending(struct up *u, const char *p, size_t n)
{
	char *np = malloc(n ? n : 1);

	if (np == NULL) {
		fail(u, 500, "out of memory");
		return;
	}
	memcpy(np, p, n);
	free(u->pend);
	u->pend = np;
	u->plen = n;
	xch_hold(u->x, 1);
	loop_defer(&u->more);
}

static void
inflate_some(struct up *u, const char *p, size_t n)
{
	size_t used;
	int rc = gunzip(u, p, n, &used);

	if (rc < 0) {
		up_fail(u, rc);
		return;
	}
	if (rc > 0) {
		keep_pending(u, p + used, n - used);
		return;
	}
	free(u->pend);
	u->pend = NULL;
	u->plen = 0;
	xch_hold(u->x, 0);
}

static void
on_more(struct defer *d)
{
	struct up *u = d->arg;

	char *p = u->pend;

	/* inflate_some() may replace u->pend: keep this copy until then. */
	if (p && !(u->x->flags & XF_ENDED)) {
		u->pend = NULL;
		inflate_some(u, p, u->plen);
		free(p);
	}
}

static void
up_body(struct xch *x, const char *p, size_t n)
{
	struct up *u = x->st;
	int rc;

	if (u->gzip) {
		inflate_some(u, p, n);
		return;
	}
	if ((rc = sink(u, p, n)) < 0)
		up_fail(u, rc);
}

static void
up_end(struct xch *x)
{
	struct up *u = x->st;
	int rc;

	if (u->gzip && !u->zend)
		rc = -EBADMSG;
	else
		rc = u->raw ? target_commit(u) : mp_finish(&u->mp);
	if (rc < 0) {
		up_fail(u, rc);
		return;
	}
	if (reserve(&u->res, u->rlen, &u->rcap, 1) < 0) {
		fail(u, 500, "out of memory");
		return;
	}
	u->res[u->rlen++] = ']';
	xch_reply(x, 200, "application/json", u->res, u->rlen);
}

static void
up_done(struct xch *x)
{
	struct up *u = x->st;

	target_abort(u);
	loop_undefer(&u->more);
	free(u->pend);
	if (u->gzip)
		inflateEnd(&u->z);
	free(u->zbuf);
	free(u->res);
	free(u->seen);
	free(u->slot);
	free(u);
}

static const struct handler up_handler = {
	.body = up_body,
	.end = up_end,
	.done = up_done,
};

/* Content-Encoding of the whole body: identity or gzip. */
static int
body_coding(struct up *u)
{
	const struct hdr *h = hdr_val(u->x->req, "content-encoding");

	if (h == NULL || first_token_is(h, "identity"))
		return 0;
	if (!first_token_is(h, "gzip"))
		return fail(u, 400, "unsupported Content-Encoding: %.*s, "
		    "supported: [gzip]", (int)h->vlen, h->val);
	if ((u->zbuf = malloc(FILES_BUF)) == NULL ||
	    inflateInit2(&u->z, GZIP_WBITS) != Z_OK)
		return fail(u, 500, "out of memory");
	u->gzip = 1;
	return 0;
}

/* Content-Type: a raw body (E2B) or multipart. */
static int
body_type(struct up *u)
{
	const struct hdr *h = hdr_val(u->x->req, "content-type");
	int n;

	if ((n = path_query(u->x, u->qpath)) == -1)
		return -1;
	u->has_qpath = n >= 0;
	if (h && first_token_is(h, "application/octet-stream")) {
		if (!u->has_qpath)
			return fail(u, 400, "path query parameter is required "
			    "for raw body upload");
		u->raw = 1;
		return target_open(u, u->qpath, (size_t)n);
	}
	if (h && h->vlen >= 10 && eq_ci(h->val, 10, "multipart/")) {
		if (mp_init(&u->mp, h->val, h->vlen, &up_parts, u) < 0)
			return fail(u, 500, "error parsing multipart form: "
			    "bad or missing boundary");
		return 0;
	}
	return fail(u, 400, "unsupported content type: %.*s, expected "
	    "multipart/form-data or application/octet-stream",
	    h ? (int)h->vlen : 0, h ? h->val : "");
}

/* ----------------------------------------------------------- public */

/* see files.h */
int
files_pick_encoding(const char *v, size_t n, int *identity_ok)
{
	const char *p, *e = v ? v + n : NULL;
	struct coding c;
	int id_zero = 0, id_pos = 0, star_zero = 0, enc = -1, best = 0;

	for (p = v; v && coding_next(&p, e, &c);) {
		if (eq_ci(c.s, c.n, "identity") && c.q > 0)
			id_pos = 1;
		else if (eq_ci(c.s, c.n, "identity"))
			id_zero = 1;
		else if (eq_s(c.s, c.n, "*") && c.q == 0)
			star_zero = 1;
	}
	*identity_ok = !id_zero && !(star_zero && !id_pos);
	/* Highest quality first, the earliest on a tie; q=0 never. */
	for (p = v; v && coding_next(&p, e, &c);) {
		if (c.q <= best)
			continue;
		if (eq_ci(c.s, c.n, "identity"))
			enc = FILES_IDENTITY;
		else if (eq_s(c.s, c.n, "*"))
			enc = *identity_ok ? FILES_IDENTITY : FILES_GZIP;
		else if (eq_ci(c.s, c.n, "gzip"))
			enc = FILES_GZIP;
		else
			continue;
		best = c.q;
	}
	if (enc >= 0)
		return enc;
	return *identity_ok ? FILES_IDENTITY : -EINVAL;
}

/* see files.h */
int
files_range(const char *v, size_t n, long long size, long long *start,
    long long *len)
{
	const char *e = v + n, *dash;
	unsigned long long a, b, sz = (unsigned long long)size;

	if (n < 6 || !eq_ci(v, 6, "bytes="))
		return 0;
	v += 6;
	trim(&v, &e);
	/* XXX: several ranges get the whole file, not multipart/byteranges. */
	if (memchr(v, ',', (size_t)(e - v)))
		return 0;
	if ((dash = memchr(v, '-', (size_t)(e - v))) == NULL)
		return -EINVAL;
	if (dash == v) {
		if (parse_u64(dash + 1, (size_t)(e - dash - 1), &b) < 0 ||
		    b == 0 || sz == 0)
			return -EINVAL;
		a = b > sz ? 0 : sz - b;
		b = sz - 1;
	} else {
		if (parse_u64(v, (size_t)(dash - v), &a) < 0 || a >= sz)
			return -EINVAL;
		if (dash + 1 == e)
			b = sz - 1;
		else if (parse_u64(dash + 1, (size_t)(e - dash - 1), &b) < 0 ||
		    b < a)
			return -EINVAL;
		if (b >= sz)
			b = sz - 1;
	}
	*start = (long long)a;
	*len = (long long)(b - a + 1);
	return 1;
}

/* see files.h */
void
files_get(struct xch *x)
{
	char path[PATH_MAX];
	struct user u;
	struct stat st;
	int gzip, fd;

	if (request_user(x, "read", &u) < 0 || locate(x, &u, path, &st) < 0 ||
	    (gzip = negotiate(x)) < 0)
		return;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		errorf(x, 500, "error opening file '%s': %s", path,
		    fd < 0 ? strerror(errno) : "not a regular file");
		if (fd >= 0)
			close(fd);
		return;
	}
	respond(x, path, &st, fd, gzip);
}

/* see files.h */
void
files_post(struct xch *x)
{
	struct up *u = calloc(1, sizeof(*u));

	if (u == NULL || reserve(&u->res, 0, &u->rcap, 2) < 0) {
		free(u);
		xch_error(x, 500, "out of memory");
		return;
	}
	u->res[u->rlen++] = '[';
	u->x = x;
	u->fd = -1;
	u->more = (struct defer){ .cb = on_more, .arg = u };
	x->st = u;
	x->h = &up_handler;
	if (request_user(x, "write", &u->user) < 0 || body_coding(u) < 0)
		return;
	body_type(u);
}
