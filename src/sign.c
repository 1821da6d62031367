/*
 * sign.c: /files signatures over BearSSL's SHA-256.
 */
#include <errno.h>
#include <limits.h>
#include <string.h>
#include <time.h>

#include "auth.h"
#include "b64.h"
#include "bearssl_hash.h"
#include "sign.h"
#include "users.h"
#include "util.h"

#define SIG_LEN (3 + 43)	/* "v1_" and 32 bytes in unpadded base64 */
#define SIG_QUERY_MAX 128	/* a longer signature cannot match */

static int
deny(char *err, size_t cap, int rc, const char *msg)
{
	size_t n = strlen(msg);

	if (cap == 0)
		return rc;
	if (n >= cap)
		n = cap - 1;
	memcpy(err, msg, n);
	err[n] = '\0';
	return rc;
}

/* signature_expiration: 1 and *exp, 0 when absent, -EINVAL. */
static int
expiration(const struct req *r, long long *exp)
{
	unsigned long long v;
	char buf[32];
	int n, neg;

	n = req_query(r, "signature_expiration", buf, sizeof(buf));
	if (n == -ENOENT)
		return 0;
	if (n < 0)
		return -EINVAL;
	neg = buf[0] == '-';
	if (parse_u64(buf + neg, (size_t)n - (size_t)neg, &v) < 0 ||
	    v > (unsigned long long)LLONG_MAX)
		return -EINVAL;
	*exp = neg ? -(long long)v : (long long)v;
	return 1;
}

/* A query value for the signed string: "" when absent. */
static int
raw_query(const struct req *r, const char *key, char *out, size_t cap)
{
	int n = req_query(r, key, out, cap);

	if (n == -ENOENT) {
		out[0] = '\0';
		return 0;
	}
	return n;
}

/* The signature r should carry, into out[SIG_LEN]. */
static int
expected(const struct req *r, const char *op, int has_exp, long long exp,
    char *out)
{
	char path[PATH_MAX], user[USER_NAME_MAX + 1], num[24];
	unsigned char sum[32];
	br_sha256_context c;
	const char *tok;
	size_t tn;
	int pn, un;

	if ((pn = raw_query(r, "path", path, sizeof(path))) < 0 ||
	    (un = raw_query(r, "username", user, sizeof(user))) < 0)
		return -EINVAL;
	tok = auth_token(&tn);
	br_sha256_init(&c);
	br_sha256_update(&c, path, (size_t)pn);
	br_sha256_update(&c, ":", 1);
	br_sha256_update(&c, op, strlen(op));
	br_sha256_update(&c, ":", 1);
	br_sha256_update(&c, user, (size_t)un);
	br_sha256_update(&c, ":", 1);
	br_sha256_update(&c, tok, tn);
	if (has_exp) {
		br_sha256_update(&c, ":", 1);
		br_sha256_update(&c, num, fmt_i(num, exp));
	}
	br_sha256_out(&c, sum);
	memcpy(out, "v1_", 3);
	b64_encode(out + 3, sum, sizeof(sum), B64_NOPAD);
	explicit_bzero(&c, sizeof(c));
	explicit_bzero(sum, sizeof(sum));
	return 0;
}

/* Compares over SIG_LEN bytes whatever the length of the one given. */
static int
same(const char *sig, int n, const char *want)
{
	char pad[SIG_LEN];
	int i;

	for (i = 0; i < SIG_LEN; i++)
		pad[i] = i < n ? sig[i] : 0;
	return ct_eq(pad, want, SIG_LEN) & (n == SIG_LEN);
}

/* see sign.h */
int
sign_check(const struct req *r, const char *op, char *err, size_t cap)
{
	char sig[SIG_QUERY_MAX], want[SIG_LEN];
	const struct hdr *h;
	long long exp = 0;
	int has_exp, n, ok;

	if ((has_exp = expiration(r, &exp)) < 0)
		return deny(err, cap, -EINVAL, "invalid signature_expiration: "
		    "not an integer");
	if (!auth_token_set())
		return 0;
	h = req_hdr(r, "x-access-token");
	if (h && h->vlen > 0)
		return auth_token_eq(h->val, h->vlen) ? 0 : deny(err, cap,
		    -EACCES, "access token present in header but does not "
		    "match");
	n = req_query(r, "signature", sig, sizeof(sig));
	if (n == -ENOENT)
		return deny(err, cap, -EACCES,
		    "missing signature query parameter");
	if (expected(r, op, has_exp, exp, want) < 0)
		return deny(err, cap, -EINVAL, "invalid query parameter");
	ok = same(sig, n, want);
	explicit_bzero(want, sizeof(want));
	if (!ok)
		return deny(err, cap, -EACCES, "invalid signature");
	if (has_exp && exp < (long long)time(NULL))
		return deny(err, cap, -EACCES, "signature is already expired");
	return 0;
}
