/*
 * util_test.c: number formatting, comparisons and RFC 3339 times.
 */
#include <errno.h>

#include "testlib.h"
#include "util.h"

static void
test_fmt(void)
{
	char b[32];

	CHECK(fmt_u(b, 0) == 1 && b[0] == '0', "0");
	CHECK(fmt_u(b, 18446744073709551615ULL) == 20 &&
	    memcmp(b, "18446744073709551615", 20) == 0, "max");
	CHECK(fmt_i(b, -9223372036854775807LL - 1) == 20 &&
	    memcmp(b, "-9223372036854775808", 20) == 0, "min");
	CHECK(fmt_u0(b, 7, 3) == 3 && memcmp(b, "007", 3) == 0, "pad");
	CHECK(fmt_u_hex(b, 0x1a) == 2 && memcmp(b, "1a", 2) == 0, "hex");
	CHECK(fmt_u_hex(b, 0) == 1 && b[0] == '0', "hex 0");
}

static void
test_parse_u64(void)
{
	unsigned long long v;

	CHECK(parse_u64("123", 3, &v) == 0 && v == 123, "123");
	CHECK(parse_u64("18446744073709551615", 20, &v) == 0, "max");
	CHECK(parse_u64("18446744073709551616", 20, &v) == -EINVAL, "over");
	CHECK(parse_u64("", 0, &v) == -EINVAL, "empty");
	CHECK(parse_u64("1a", 2, &v) == -EINVAL, "junk");
	CHECK(parse_u64("-1", 2, &v) == -EINVAL, "sign");
}

static void
test_compare(void)
{
	CHECK(eq_ci("Content-Length", 14, "content-length"), "ci");
	CHECK(!eq_ci("Content-Lengt", 13, "content-length"), "ci short");
	CHECK(!eq_ci("Content-Lengths", 15, "content-length"), "ci long");
	CHECK(eq_s("abc", 3, "abc") && !eq_s("abc", 2, "abc"), "eq_s");
	CHECK(ct_eq("abc", "abc", 3) && !ct_eq("abc", "abd", 3), "ct_eq");
}

static const struct {
	const char *s;
	int ok;
	long long sec;
	long nsec;
} times[] = {
	{ "1970-01-01T00:00:00Z", 1, 0, 0 },
	{ "2024-05-02T12:00:00.5Z", 1, 1714651200, 500000000 },
	{ "2024-05-02T14:00:00.5+02:00", 1, 1714651200, 500000000 },
	{ "2024-05-02t12:00:00z", 1, 1714651200, 0 },
	{ "2000-02-29T23:59:59.123456789Z", 1, 951868799, 123456789 },
	{ "1969-12-31T23:59:59Z", 1, -1, 0 },
	{ "2024-05-02T12:00:00", 0, 0, 0 },
	{ "2024-13-02T12:00:00Z", 0, 0, 0 },
	{ "2024-05-02T12:00:00Zjunk", 0, 0, 0 },
	{ "2024-05-02", 0, 0, 0 },
	{ "1714651200", 0, 0, 0 },
	{ "", 0, 0, 0 },
};

static void
test_rfc3339(void)
{
	struct timespec ts;
	int64_t ns;
	size_t i, n;
	char b[40], *g;

	for (i = 0; i < ARRAY_LEN(times); i++) {
		n = strlen(times[i].s);
		g = guard_copy(times[i].s, n);
		CHECK((parse_rfc3339(g, n, &ns) == 0) == times[i].ok, "%s",
		    times[i].s);
		if (times[i].ok)
			CHECK(ns == times[i].sec * 1000000000LL + times[i].nsec,
			    "%s: %lld", times[i].s, (long long)ns);
		guard_free(g, n);
	}
	ts.tv_sec = 1714651200;
	ts.tv_nsec = 123456789;
	n = fmt_rfc3339_us(b, &ts);
	CHECK(n == 27 && memcmp(b, "2024-05-02T12:00:00.123456Z", n) == 0,
	    "format %.*s", (int)n, b);
	ts.tv_sec = 951868799;
	ts.tv_nsec = 0;
	n = fmt_rfc3339_us(b, &ts);
	CHECK(memcmp(b, "2000-02-29T23:59:59.000000Z", n) == 0, "leap day");
}

int
main(void)
{
	test_fmt();
	test_parse_u64();
	test_compare();
	test_rfc3339();
	return test_exit("util_test");
}
