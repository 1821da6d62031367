/*
 * http1_test.c: request heads and chunked bodies (RFC 9112), each vector
 * whole, at a guard page, and prefix by prefix.
 */
#include "http1.h"
#include "testlib.h"
#include "util.h"

struct head_case {
	const char *in;
	int status;		/* http1_parse result */
	int method;
	const char *path, *query;
	long long clen;
	int chunked, keepalive, expect100, version;
};

static const struct head_case heads[] = {
	{ "GET /health HTTP/1.1\r\nHost: x\r\n\r\n", 0, M_GET, "/health",
	  NULL, -1, 0, 1, 0, 11 },
	{ "GET /files?path=%2Ftmp&u=1 HTTP/1.1\r\nHost: x\r\n\r\n", 0, M_GET,
	  "/files", "path=%2Ftmp&u=1", -1, 0, 1, 0, 11 },
	{ "POST /init HTTP/1.1\nHost: x\nContent-Length: 12\n\n", 0, M_POST,
	  "/init", NULL, 12, 0, 1, 0, 11 },
	{ "POST /init HTTP/1.1\r\nHost: x\r\nTransfer-Encoding:  chunked \r\n"
	  "\r\n", 0, M_POST, "/init", NULL, -1, 1, 1, 0, 11 },
	{ "POST /init HTTP/1.1\r\nHost: x\r\nTRANSFER-ENCODING: Chunked\r\n"
	  "Expect: 100-continue\r\n\r\n", 0, M_POST, "/init", NULL, -1, 1, 1,
	  1, 11 },
	{ "GET / HTTP/1.0\r\n\r\n", 0, M_GET, "/", NULL, -1, 0, 0, 0, 10 },
	{ "GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n", 0, M_GET, "/",
	  NULL, -1, 0, 1, 0, 10 },
	{ "GET / HTTP/1.1\r\nHost: x\r\nConnection: foo, close\r\n\r\n", 0,
	  M_GET, "/", NULL, -1, 0, 0, 0, 11 },
	{ "GET http://example.com/health?a HTTP/1.1\r\nHost: x\r\n\r\n", 0,
	  M_GET, "/health", "a", -1, 0, 1, 0, 11 },
	{ "GET http://example.com HTTP/1.1\r\nHost: x\r\n\r\n", 0, M_GET, "/",
	  NULL, -1, 0, 1, 0, 11 },
	{ "\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n", 0, M_GET, "/", NULL, -1, 0,
	  1, 0, 11 },
	{ "BREW /pot HTTP/1.1\r\nHost: x\r\n\r\n", 0, M_OTHER, "/pot", NULL,
	  -1, 0, 1, 0, 11 },
	{ "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5, 5\r\n\r\n", 0,
	  M_POST, "/", NULL, 5, 0, 1, 0, 11 },
	{ "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n"
	  "Content-Length: 5\r\n\r\n", 0, M_POST, "/", NULL, 5, 0, 1, 0, 11 },
	/* Errors. */
	{ "GET / HTTP/1.1\r\n\r\n", 400 },			/* no Host */
	{ "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400 },
	{ "GET / HTTP/1.1\r\nHost: x\r\nX-A: 1\r\n  folded\r\n\r\n", 400 },
	{ "GET / HTTP/1.1\r\nHost: x\r\nContent-Type : a\r\n\r\n", 400 },
	{ "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n"
	  "Transfer-Encoding: chunked\r\n\r\n", 400 },
	{ "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n"
	  "Content-Length: 4\r\n\r\n", 400 },
	{ "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n", 400 },
	{ "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1x\r\n\r\n", 400 },
	{ "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n"
	  "\r\n", 501 },
	{ "GET / HTTP/2.0\r\nHost: x\r\n\r\n", 505 },
	{ "GET / HTTP/1.1 \r\nHost: x\r\n\r\n", 400 },
	{ "GET  / HTTP/1.1\r\nHost: x\r\n\r\n", 400 },
	{ "GET /a b HTTP/1.1\r\nHost: x\r\n\r\n", 400 },
	{ "GET health HTTP/1.1\r\nHost: x\r\n\r\n", 400 },
	{ "G(T / HTTP/1.1\r\nHost: x\r\n\r\n", 400 },
	{ "GET / HTTP/1.1\r\nHost: x\r\nBad\x01: v\r\n\r\n", 400 },
	{ "GET / HTTP/1.1\r\nHost: x\r\nA: v\x7f\r\n\r\n", 400 },
	{ "GET / HTTP/1.1\r\nHost: x\r\nNoColon\r\n\r\n", 400 },
	{ "GET / HTTP/1.1\rHost: x\r\n\r\n", 400 },
	{ "GET / HTTP/1.1\r\nHost: x\r\nA: b\rc\r\n\r\n", 400 },
	{ "GET / FTP/1.1\r\nHost: x\r\n\r\n", 400 },
};

static void
check_head(const struct head_case *c, const char *p, size_t n)
{
	struct req r;
	struct http1_meta m;
	int st;

	memset(&r, 0xa5, sizeof(r));
	st = http1_parse(p, n, &r, &m);
	CHECK(st == c->status, "%s: status %d", c->in, st);
	if (st || c->status)
		return;
	CHECK(r.method == c->method, "%s: method %d", c->in, r.method);
	CHECK(eq_s(r.path, r.plen, c->path), "%s: path", c->in);
	CHECK(c->query ? r.query && eq_s(r.query, r.qlen, c->query) :
	    r.query == NULL, "%s: query", c->in);
	CHECK(r.clen == c->clen, "%s: clen %lld", c->in, r.clen);
	CHECK(m.chunked == c->chunked, "%s: chunked", c->in);
	CHECK(m.keepalive == c->keepalive, "%s: keepalive", c->in);
	CHECK(m.expect100 == c->expect100, "%s: expect", c->in);
	CHECK(r.version == c->version, "%s: version", c->in);
}

static void
test_heads(void)
{
	size_t i, n, k, len;
	char *g;

	for (i = 0; i < ARRAY_LEN(heads); i++) {
		n = strlen(heads[i].in);
		len = http1_head_len(heads[i].in, n);
		/* Every prefix is incomplete, and parsing it never crashes. */
		for (k = 1; k < len; k++) {
			struct req r;
			struct http1_meta m;

			g = guard_copy(heads[i].in, k);
			CHECK(http1_head_len(g, k) == 0, "%s: prefix %zu",
			    heads[i].in, k);
			http1_parse(g, k, &r, &m);
			guard_free(g, k);
		}
		if (heads[i].status == 0)
			CHECK(len == n, "%s: head_len %zu", heads[i].in, len);
		if (len == 0)
			len = n;
		g = guard_copy(heads[i].in, len);
		check_head(&heads[i], g, len);
		guard_free(g, len);
	}
}

/* Prefixes of a head: whole at a guard page, then each incomplete one. */
static void
test_head_prefixes(void)
{
	static const char in[] = "POST /x HTTP/1.1\r\nHost: h\r\n"
	    "Content-Length: 3\r\n\r\n";
	size_t n = sizeof(in) - 1, k;
	char *g;

	for (k = 1; k <= n; k++) {
		g = guard_copy(in, k);
		CHECK(http1_head_len(g, k) == (k == n ? n : 0), "prefix %zu",
		    k);
		guard_free(g, k);
	}
}

static void
test_header_values(void)
{
	static const char in[] = "GET / HTTP/1.1\r\nHost: x\r\n"
	    "Content-Type:   application/json  \r\n"
	    "connect-protocol-version:1\r\nEmpty:\r\n\r\n";
	struct req r;
	struct http1_meta m;
	const struct hdr *h;

	CHECK(http1_parse(in, sizeof(in) - 1, &r, &m) == 0, "parse");
	h = req_hdr(&r, "content-type");
	CHECK(h && eq_s(h->val, h->vlen, "application/json"), "OWS trimmed");
	h = req_hdr(&r, "Connect-Protocol-Version");
	CHECK(h && eq_s(h->val, h->vlen, "1"), "no space after colon");
	h = req_hdr(&r, "empty");
	CHECK(h && h->vlen == 0, "empty value");
	CHECK(r.nh == 4, "count %d", r.nh);
}

static void
test_too_many_fields(void)
{
	char buf[8192];
	size_t n = 0;
	int i;
	struct req r;
	struct http1_meta m;

	n += (size_t)sprintf(buf, "GET / HTTP/1.1\r\nHost: x\r\n");
	for (i = 0; i < REQ_MAXHDR; i++)
		n += (size_t)sprintf(buf + n, "X-%d: v\r\n", i);
	n += (size_t)sprintf(buf + n, "\r\n");
	CHECK(http1_parse(buf, n, &r, &m) == 431, "too many fields");
}

struct chunk_case {
	const char *in;
	size_t n;		/* 0: strlen */
	int ok;			/* 1 complete, 0 malformed, 2 incomplete */
	const char *data;	/* expected body when ok */
	size_t used;		/* bytes consumed, 0: all */
};

static const struct chunk_case chunks[] = {
	{ "5\r\nhello\r\n0\r\n\r\n", 0, 1, "hello", 0 },
	{ "1A;foo=bar\r\nabcdefghijklmnopqrstuvwxyz\r\n0000a\r\n0123456789"
	  "\r\n0\r\nX-Trailer: v\r\n\r\n", 0, 1,
	  "abcdefghijklmnopqrstuvwxyz0123456789", 0 },
	{ "a\r\n0123456789\r\nA\r\nabcdefghij\r\n0\r\n\r\n", 0, 1,
	  "0123456789abcdefghij", 0 },
	{ "3\nabc\n0\n\n", 0, 1, "abc", 0 },
	{ "0\r\n\r\nGET / HTTP/1.1\r\n", 0, 1, "", 5 },
	{ "3 ; ext\r\nabc\r\n0\r\n\r\n", 0, 1, "abc", 0 },
	{ "00000000000000003\r\nabc\r\n0\r\n\r\n", 0, 0, NULL, 0 },
	{ "x\r\nabc\r\n0\r\n\r\n", 0, 0, NULL, 0 },
	{ "\r\nabc\r\n", 0, 0, NULL, 0 },
	{ "3\r\nabcX\r\n0\r\n\r\n", 0, 0, NULL, 0 },
	{ "3\rX", 0, 0, NULL, 0 },
	{ "5\r\nhel", 0, 2, NULL, 0 },
	{ "0\r\n\rX", 0, 0, NULL, 0 },
};

/* Feeds in steps of step bytes; returns 1 when done, 0 more, -1 bad. */
static int
feed(const char *p, size_t n, size_t step, char *out, size_t *olen,
    size_t *used)
{
	struct chunked c = { 0 };
	size_t off = 0, avail = 0, doff, dlen;
	long r;

	*olen = 0;
	while (off < n && c.state != CK_DONE) {
		avail += step;
		if (off + avail > n)
			avail = n - off;
		r = http1_chunked(&c, p + off, avail, &doff, &dlen);
		if (r < 0)
			return -1;
		if (r == 0 && off + avail == n)
			break;
		memcpy(out + *olen, p + off + doff, dlen);
		*olen += dlen;
		off += (size_t)r;
		avail -= (size_t)r;
	}
	*used = off;
	return c.state == CK_DONE;
}

static void
test_chunks(void)
{
	char out[256], *g;
	size_t i, n, olen, used, step;
	int r;

	for (i = 0; i < ARRAY_LEN(chunks); i++) {
		const struct chunk_case *c = &chunks[i];

		n = c->n ? c->n : strlen(c->in);
		g = guard_copy(c->in, n);
		for (step = 1; step <= n; step = step < 4 && step < n ?
		    step + 1 : n + 1) {
			r = feed(g, n, step, out, &olen, &used);
			CHECK(r == (c->ok == 2 ? 0 : c->ok ? 1 : -1),
			    "%s step %zu: %d", c->in, step, r);
			if (!c->ok || r != 1)
				continue;
			CHECK(olen == strlen(c->data) &&
			    memcmp(out, c->data, olen) == 0, "%s: data", c->in);
			CHECK(used == (c->used ? c->used : n), "%s: used %zu",
			    c->in, used);
		}
		guard_free(g, n);
	}
}

/* Extensions or trailers without end are cut off at 16 KiB. */
static void
test_chunk_junk_bound(void)
{
	static char in[20000];
	char out[16];
	size_t olen, used;

	memcpy(in, "1;", 2);
	memset(in + 2, 'x', sizeof(in) - 2);
	CHECK(feed(in, sizeof(in), sizeof(in), out, &olen, &used) == -1,
	    "extension bound");
}

int
main(void)
{
	test_heads();
	test_head_prefixes();
	test_header_values();
	test_too_many_fields();
	test_chunks();
	test_chunk_junk_bound();
	return test_exit("http1_test");
}
