/*
 * gz_test.c: gzip round trips, concatenated members, bounds and damage.
 */
#include <errno.h>

#include "gz.h"
#include "testlib.h"

/* "hello\n" as written by gzip(1) -n. */
static const unsigned char hello_gz[] = {
	0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03, 0xcb,
	0x48, 0xcd, 0xc9, 0xc9, 0xe7, 0x02, 0x00, 0x20, 0x30, 0x3a, 0x36,
	0x06, 0x00, 0x00, 0x00,
};

static void
test_vector(void)
{
	unsigned char two[sizeof(hello_gz) * 2];
	char *out, *g;
	size_t n, k;

	g = guard_copy(hello_gz, sizeof(hello_gz));
	CHECK(gz_inflate(g, sizeof(hello_gz), 100, &out, &n) == 0 &&
	    n == 6 && memcmp(out, "hello\n", 6) == 0, "gzip(1) vector");
	free(out);
	guard_free(g, sizeof(hello_gz));
	for (k = 0; k < sizeof(hello_gz); k++) {
		g = guard_copy(hello_gz, k);
		CHECK(gz_inflate(g, k, 100, &out, &n) < 0,
		    "truncated to %zu accepted", k);
		guard_free(g, k);
	}
	memcpy(two, hello_gz, sizeof(hello_gz));
	memcpy(two + sizeof(hello_gz), hello_gz, sizeof(hello_gz));
	CHECK(gz_inflate(two, sizeof(two), 100, &out, &n) == 0 && n == 12 &&
	    memcmp(out, "hello\nhello\n", 12) == 0, "two members");
	free(out);
	CHECK(gz_inflate(hello_gz, sizeof(hello_gz), 5, &out, &n) == -EFBIG,
	    "bound");
	two[12] ^= 0xff;
	CHECK(gz_inflate(two, sizeof(hello_gz), 100, &out, &n) == -EINVAL,
	    "damaged");
}

static void
test_roundtrip(void)
{
	static char data[300000];
	char *z, *out;
	size_t zn, n, i;

	for (i = 0; i < sizeof(data); i++)
		data[i] = (char)(i * 7 % 251);
	CHECK(gz_deflate(data, sizeof(data), &z, &zn) == 0 && zn > 18,
	    "deflate");
	CHECK(gz_inflate(z, zn, sizeof(data), &out, &n) == 0 &&
	    n == sizeof(data) && memcmp(out, data, n) == 0, "round trip");
	free(out);
	free(z);
	CHECK(gz_deflate("", 0, &z, &zn) == 0, "empty deflate");
	CHECK(gz_inflate(z, zn, 10, &out, &n) == 0 && n == 0, "empty back");
	free(out);
	free(z);
}

int
main(void)
{
	test_vector();
	test_roundtrip();
	return test_exit("gz_test");
}
