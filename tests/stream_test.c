/*
 * stream_test.c: header lookup, token lists and query parameters.
 */
#include <errno.h>

#include "stream.h"
#include "testlib.h"
#include "util.h"

static struct req
make_req(const char *query)
{
	struct req r;

	memset(&r, 0, sizeof(r));
	r.query = query;
	r.qlen = query ? strlen(query) : 0;
	r.h[0] = (struct hdr)HDR_LIT("Connection", "keep-alive, Upgrade");
	r.h[1] = (struct hdr)HDR_LIT("accept-encoding", "gzip;q=1 , br");
	r.h[2] = (struct hdr)HDR_LIT("X-Access-Token", "t");
	r.nh = 3;
	return r;
}

static void
test_headers(void)
{
	struct req r = make_req(NULL);
	const struct hdr *h = req_hdr(&r, "x-access-token");

	CHECK(h && eq_s(h->val, h->vlen, "t"), "lookup");
	CHECK(req_hdr(&r, "host") == NULL, "absent");
	CHECK(req_hdr_has(&r, "connection", "upgrade"), "token ci");
	CHECK(req_hdr_has(&r, "Accept-Encoding", "gzip"), "param dropped");
	CHECK(req_hdr_has(&r, "Accept-Encoding", "br"), "last token");
	CHECK(!req_hdr_has(&r, "Accept-Encoding", "gz"), "no prefix match");
}

static void
test_query(void)
{
	struct req r = make_req("path=%2Ftmp%2Fa+b.txt&username=user&"
	    "empty=&flag&bad=%zz&signature=v1_a%2Bb");
	char out[64];

	CHECK(req_query(&r, "path", out, sizeof(out)) == 12 &&
	    strcmp(out, "/tmp/a b.txt") == 0, "decoded: %s", out);
	CHECK(req_query(&r, "username", out, sizeof(out)) == 4, "user");
	CHECK(req_query(&r, "empty", out, sizeof(out)) == 0, "empty");
	CHECK(req_query(&r, "flag", out, sizeof(out)) == 0, "no =");
	CHECK(req_query(&r, "bad", out, sizeof(out)) == -EINVAL, "bad %%");
	CHECK(req_query(&r, "nope", out, sizeof(out)) == -ENOENT, "absent");
	CHECK(req_query(&r, "path", out, 5) == -ENAMETOOLONG, "too long");
	CHECK(req_query(&r, "signature", out, sizeof(out)) == 6 &&
	    strcmp(out, "v1_a+b") == 0, "plus encoded");
	r = make_req(NULL);
	CHECK(req_query(&r, "path", out, sizeof(out)) == -ENOENT, "none");
}

int
main(void)
{
	test_headers();
	test_query();
	return test_exit("stream_test");
}
