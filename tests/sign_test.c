/*
 * sign_test.c: what /files decides from a request head before it touches
 * a file: the signature (SPEC 4.2, B23), the Accept-Encoding negotiation
 * (SPEC 3.5, B05) and the Range header (RFC 9110 section 14.1.2).
 *
 * The expected signatures come from Python's hashlib and base64:
 *   python3 -c "import hashlib,base64;print('v1_'+base64.b64encode(
 *     hashlib.sha256(b'/tmp/a.txt:read:user:tok123').digest())
 *     .decode().rstrip('='))"
 */
#include <errno.h>

#include "auth.h"
#include "files.h"
#include "sign.h"
#include "testlib.h"
#include "util.h"

#define A_READ "v1_rYUXFnV4aTwFDet4%2BNA2Y4rQUTKfNOqWS1YjeTjvuVc"
#define A_WRITE "v1_QrT0yqv%2BcgwpBS2Idu7xtj5BEkuPPBrGjFA3oFVaKP8"
#define A_QUERY "path=%2Ftmp%2Fa.txt&username=user&signature="
#define DENIED "access token present in header but does not match"

static const struct {
	const char *query, *header, *op;
	int rc;
	const char *msg;
} sigs[] = {
	/* "/tmp/a.txt:read:user:tok123", '+' sent as %2B. */
	{ A_QUERY A_READ, NULL, "read", 0, "" },
	{ "path=/tmp/a.txt&username=user&signature=" A_READ, NULL, "read",
	    0, "" },
	{ "path=/tmp/a.txt&username=user", NULL, "read", -EACCES,
	    "missing signature query parameter" },
	{ A_QUERY A_READ, NULL, "write", -EACCES, "invalid signature" },
	{ A_QUERY A_WRITE, NULL, "write", 0, "" },
	/* A bare '+' decodes to a space. */
	{ A_QUERY "v1_rYUXFnV4aTwFDet4+NA2Y4rQUTKfNOqWS1YjeTjvuVc", NULL,
	    "read", -EACCES, "invalid signature" },
	{ A_QUERY "v1_rYUXFnV4aTwFDet4%2BNA2Y4rQUTKfNOqWS1YjeTjvuV", NULL,
	    "read", -EACCES, "invalid signature" },
	{ A_QUERY A_READ "c", NULL, "read", -EACCES, "invalid signature" },
	{ A_QUERY "v1_rYUXFnV4aTwFDet4%2BNA2Y4rQUTKfNOqWS1YjeTjvuVcv1_rYUXFn"
	    "V4aTwFDet4%2BNA2Y4rQUTKfNOqWS1YjeTjvuVcv1_rYUXFnV4aTwFDet4%2BNA"
	    "2Y4rQUTKfNOqWS1YjeTjvuVc", NULL, "read", -EACCES,
	    "invalid signature" },
	{ A_QUERY, NULL, "read", -EACCES, "invalid signature" },
	/* "/tmp/a.txt:read:user:tok123:4102444800" (year 2100). */
	{ A_QUERY "v1_lKc2XHtz9sis3ui3rZioy4E4hAqaSLH/Q3e1A8xSyQQ"
	    "&signature_expiration=4102444800", NULL, "read", 0, "" },
	/* "...:1000000000", in 2001. */
	{ A_QUERY "v1_aTcLyLgKi/WlbV/k7r0VXKqL6cwNvAeMCunbXprC660"
	    "&signature_expiration=1000000000", NULL, "read", -EACCES,
	    "signature is already expired" },
	{ A_QUERY A_READ "&signature_expiration=1000000000", NULL, "read",
	    -EACCES, "invalid signature" },
	/* "...:-5": signed the way Go formats the integer. */
	{ A_QUERY "v1_2pb%2BcfFX1hugmrl/f8m1ya7CSTYuLb6uz3Gt0j%2BRegA"
	    "&signature_expiration=-5", NULL, "read", -EACCES,
	    "signature is already expired" },
	{ A_QUERY A_READ "&signature_expiration=soon", NULL, "read", -EINVAL,
	    NULL },
	{ A_QUERY A_READ "&signature_expiration=12x", NULL, "read", -EINVAL,
	    NULL },
	{ A_QUERY A_READ "&signature_expiration=", NULL, "read", -EINVAL,
	    NULL },
	{ A_QUERY A_READ "&signature_expiration=99999999999999999999", NULL,
	    "read", -EINVAL, NULL },
	/* "/tmp/a.txt:read::tok123": no username is "". */
	{ "path=/tmp/a.txt&signature="
	    "v1_/4w83RTHG7J2bqrGEvKOpzew3MlWhhK5CsgBpAhTMqw", NULL, "read", 0,
	    "" },
	{ "path=/tmp/a.txt&username=root&signature="
	    "v1_/4w83RTHG7J2bqrGEvKOpzew3MlWhhK5CsgBpAhTMqw", NULL, "read",
	    -EACCES, "invalid signature" },
	/* "/tmp/c++ x.txt:read:root:tok123": the decoded path is signed. */
	{ "path=/tmp/c%2B%2B+x.txt&username=root&signature="
	    "v1_Tb8yIfqYgWJROWh825/zFAqvS6Xr/exNoMmipCsd7rI", NULL, "read", 0,
	    "" },
	/* "/tmp/naïve.txt:write:user:tok123". */
	{ "path=/tmp/na%C3%AFve.txt&username=user&signature="
	    "v1_Xc7774u3YF6MhRwfxi/lttGSMsgfjd0pLLmdgexJSSk", NULL, "write",
	    0, "" },
	/* The header token wins over the signature, either way. */
	{ "path=/tmp/a.txt", "tok123", "read", 0, "" },
	{ A_QUERY A_READ, "tok12", "read", -EACCES, DENIED },
	{ A_QUERY A_READ, "tok1234", "read", -EACCES, DENIED },
	{ A_QUERY A_READ, "", "read", 0, "" },
	{ "path=%zz&signature=" A_READ, NULL, "read", -EINVAL, NULL },
};

static void
mkreq(struct req *r, const char *query, const char *token)
{
	memset(r, 0, sizeof(*r));
	r->query = query;
	r->qlen = strlen(query);
	if (token) {
		r->h[0] = (struct hdr){ "x-access-token", 14, token,
			strlen(token) };
		r->nh = 1;
	}
}

static void
test_signatures(void)
{
	static struct req r;
	char err[128];
	size_t i;
	int rc;

	CHECK(auth_token_install("tok123", 6) == 0, "install");
	for (i = 0; i < ARRAY_LEN(sigs); i++) {
		mkreq(&r, sigs[i].query, sigs[i].header);
		strcpy(err, "");
		rc = sign_check(&r, sigs[i].op, err, sizeof(err));
		CHECK(rc == sigs[i].rc, "%zu %s: rc %d (%s)", i,
		    sigs[i].query, rc, err);
		if (sigs[i].msg)
			CHECK(strcmp(err, sigs[i].msg) == 0, "%zu: %s", i,
			    err);
	}
	mkreq(&r, "path=/x", NULL);
	CHECK(sign_check(&r, "read", err, 8) == -EACCES &&
	    strcmp(err, "missing") == 0, "cut message: %s", err);
	auth_token_clear();
	CHECK(sign_check(&r, "read", err, sizeof(err)) == 0, "no token");
	mkreq(&r, "signature_expiration=x", NULL);
	CHECK(sign_check(&r, "read", err, sizeof(err)) == -EINVAL,
	    "a bad expiration is refused without a token too");
}

static const struct {
	const char *v;
	int enc, identity_ok;
} codings[] = {
	{ NULL, FILES_IDENTITY, 1 },
	{ "", FILES_IDENTITY, 1 },
	{ "  ", FILES_IDENTITY, 1 },
	/* SPEC 3.5 examples. */
	{ "gzip, deflate, br", FILES_GZIP, 1 },
	{ "br", FILES_IDENTITY, 1 },
	{ "identity;q=0", -EINVAL, 0 },
	{ "*;q=0, gzip", FILES_GZIP, 0 },
	/* B05 3, 4, 5, 7, 8. */
	{ "gzip;q=1.0, identity;q=0.5", FILES_GZIP, 1 },
	{ "br", FILES_IDENTITY, 1 },
	{ "br, identity;q=0", -EINVAL, 0 },
	{ "gzip, identity;q=0", FILES_GZIP, 0 },
	{ "GZIP", FILES_GZIP, 1 },
	/* Wildcards. */
	{ "*", FILES_IDENTITY, 1 },
	{ "*;q=0", -EINVAL, 0 },
	{ "*;q=0, identity", FILES_IDENTITY, 1 },
	{ "identity;q=0, *", FILES_GZIP, 0 },
	{ "*;q=0, identity;q=0.5, gzip;q=0.4", FILES_IDENTITY, 1 },
	/* Qualities, ties and parameters. */
	{ "gzip;q=0", FILES_IDENTITY, 1 },
	{ "gzip;Q=0", FILES_IDENTITY, 1 },
	{ "gzip;q=0.5, identity", FILES_IDENTITY, 1 },
	{ "deflate, gzip;q=0.1", FILES_GZIP, 1 },
	{ "gzip, identity", FILES_GZIP, 1 },
	{ "identity, gzip", FILES_IDENTITY, 1 },
	{ " gzip ; q=0.8 , br", FILES_GZIP, 1 },
	{ "gzip;q=abc", FILES_GZIP, 1 },
	{ "gzip;level=1;q=0.3, identity;q=0.2", FILES_GZIP, 1 },
	{ "identity;q=0.0, gzip;q=0.000", -EINVAL, 0 },
	{ "identity;q=0.001, gzip;q=0.0005", FILES_IDENTITY, 1 },
	{ ",,, gzip ,,", FILES_GZIP, 1 },
	{ "x-gzip", FILES_IDENTITY, 1 },
	{ "Identity;q=0, GZip;q=0.9", FILES_GZIP, 0 },
};

static void
test_codings(void)
{
	size_t i;
	int enc, ok;

	for (i = 0; i < ARRAY_LEN(codings); i++) {
		ok = -1;
		enc = files_pick_encoding(codings[i].v, codings[i].v ?
		    strlen(codings[i].v) : 0, &ok);
		CHECK(enc == codings[i].enc && ok == codings[i].identity_ok,
		    "\"%s\": %d, identity %d", codings[i].v ? codings[i].v :
		    "(none)", enc, ok);
	}
}

static const struct {
	const char *v;
	long long size;
	int rc;
	long long start, len;
} ranges[] = {
	{ "bytes=0-1", 6, 1, 0, 2 },		/* B05 6 */
	{ "bytes=1-", 6, 1, 1, 5 },
	{ "bytes=-2", 6, 1, 4, 2 },
	{ "bytes=-10", 6, 1, 0, 6 },
	{ "bytes=0-100", 6, 1, 0, 6 },
	{ "bytes=5-5", 6, 1, 5, 1 },
	{ "Bytes=0-0", 6, 1, 0, 1 },
	{ "bytes= 2-3 ", 6, 1, 2, 2 },
	{ "bytes=6-", 6, -EINVAL, 0, 0 },
	{ "bytes=6-7", 6, -EINVAL, 0, 0 },
	{ "bytes=3-2", 6, -EINVAL, 0, 0 },
	{ "bytes=-0", 6, -EINVAL, 0, 0 },
	{ "bytes=x-1", 6, -EINVAL, 0, 0 },
	{ "bytes=1-x", 6, -EINVAL, 0, 0 },
	{ "bytes=", 6, -EINVAL, 0, 0 },
	{ "bytes=--1", 6, -EINVAL, 0, 0 },
	{ "bytes=99999999999999999999-", 6, -EINVAL, 0, 0 },
	{ "bytes=0-", 0, -EINVAL, 0, 0 },	/* empty files: 416 */
	{ "bytes=-1", 0, -EINVAL, 0, 0 },
	{ "bytes=0-1,3-4", 6, 0, 0, 0 },	/* several: whole file */
	{ "items=0-1", 6, 0, 0, 0 },
	{ "bytes", 6, 0, 0, 0 },
	{ "bytes=4294967296-", 8589934592LL, 1, 4294967296LL, 4294967296LL },
};

static void
test_ranges(void)
{
	long long start, len;
	size_t i;
	int rc;

	for (i = 0; i < ARRAY_LEN(ranges); i++) {
		start = len = -1;
		rc = files_range(ranges[i].v, strlen(ranges[i].v),
		    ranges[i].size, &start, &len);
		CHECK(rc == ranges[i].rc, "\"%s\": rc %d", ranges[i].v, rc);
		if (rc == 1)
			CHECK(start == ranges[i].start && len == ranges[i].len,
			    "\"%s\": %lld+%lld", ranges[i].v, start, len);
	}
}

int
main(void)
{
	test_signatures();
	test_codings();
	test_ranges();
	return test_exit("sign_test");
}
