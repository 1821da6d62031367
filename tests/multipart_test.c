/*
 * multipart_test.c: the multipart/form-data reader.  Every body is fed
 * whole, byte by byte, and cut in two at every point, each piece ending
 * at a guard page; the callbacks write a transcript that must come out
 * the same every time: "[name:filename]" per part ("-" when absent), the
 * data, "$" per part end.  Bodies are written as curl and browsers send
 * them (RFC 7578 section 4).
 */
#include <errno.h>

#include "multipart.h"
#include "testlib.h"
#include "util.h"

#define CT "multipart/form-data; boundary=XyZ"

struct log {
	char buf[8192];
	size_t n;
	int fail_part;			/* the part callback fails here */
	int parts;
};

static void
put(struct log *l, const char *p, size_t n)
{
	if (l->n + n > sizeof(l->buf))
		n = sizeof(l->buf) - l->n;
	memcpy(l->buf + l->n, p, n);
	l->n += n;
}

static int
on_part(void *arg, const struct mp_part *pt)
{
	struct log *l = arg;

	if (++l->parts == l->fail_part)
		return -ECANCELED;
	put(l, "[", 1);
	put(l, pt->name ? pt->name : "-", pt->name ? pt->nlen : 1);
	put(l, ":", 1);
	put(l, pt->filename ? pt->filename : "-",
	    pt->filename ? pt->flen : 1);
	put(l, "]", 1);
	return 0;
}

static int
on_data(void *arg, const char *p, size_t n)
{
	CHECK(n > 0, "empty span");
	put(arg, p, n);
	return 0;
}

static int
on_end(void *arg)
{
	put(arg, "$", 1);
	return 0;
}

static const struct mp_ops ops = { on_part, on_data, on_end };

static const struct {
	const char *what, *ct, *body, *want;
	int rc;				/* of mp_finish */
} cases[] = {
	{ "one file", CT,
	    "--XyZ\r\n"
	    "Content-Disposition: form-data; name=\"file\"; "
	    "filename=\"/tmp/a.txt\"\r\n"
	    "Content-Type: text/plain\r\n\r\n"
	    "hello\r\n--XyZ--\r\n",
	    "[file:/tmp/a.txt]hello$", 0 },
	{ "field, file, preamble, epilogue", CT,
	    "preamble\r\nline two\r\n--XyZ\r\n"
	    "Content-Disposition: form-data; name=path\r\n\r\n"
	    "x\r\n--XyZ\r\n"
	    "content-disposition: form-data; name=\"file\"; filename=a\r\n"
	    "\r\nbody\r\n--XyZ--epilogue\r\n--XyZ\r\n",
	    "[path:-]x$[file:a]body$", 0 },
	{ "delimiter look-alikes in data", CT,
	    "--XyZ\r\nContent-Disposition: form-data; name=f\r\n\r\n"
	    "\r\r\n\r\n-\r\n--\r\n--X\r\n--Xy\n--XyZ\r\n--XyZ--",
	    "[f:-]\r\r\n\r\n-\r\n--\r\n--X\r\n--Xy\n--XyZ$", 0 },
	{ "empty part, padding, no headers", CT,
	    "--XyZ \t\r\nContent-Disposition: form-data; name=a\r\n\r\n"
	    "\r\n--XyZ\r\n\r\nraw\r\n--XyZ--",
	    "[a:-]$[-:-]raw$", 0 },
	{ "quoted boundary with a space", "Multipart/Form-Data; "
	    "charset=utf-8; BOUNDARY=\"a b\"",
	    "--a b\r\nContent-Disposition: form-data; name=file\r\n\r\n"
	    "1\r\n--a b--",
	    "[file:-]1$", 0 },
	{ "filename* wins; escapes", CT,
	    "--XyZ\r\nContent-Disposition: form-data; name=\"file\"; "
	    "filename*=UTF-8''na%C3%AFve%20x.txt; filename=\"plain\"\r\n\r\n"
	    "\r\n--XyZ\r\nContent-Disposition: form-data; name=\"file\"; "
	    "filename=\"a\\\"b;c\\\\d C:\\dir\"\r\n\r\n\r\n--XyZ--",
	    "[file:na\xc3\xafve x.txt]$[file:a\"b;c\\d C:\\dir]$", 0 },
	{ "attachment: no form name", CT,
	    "--XyZ\r\nContent-Disposition: attachment; name=file\r\n\r\n"
	    "z\r\n--XyZ\r\nContent-Disposition: form-data; name=\"f\" x\r\n"
	    "\r\ny\r\n--XyZ--",
	    "[-:-]z$[-:-]y$", 0 },
	{ "truncated in data", CT,
	    "--XyZ\r\nContent-Disposition: form-data; name=f\r\n\r\nab\r\n--X",
	    "[f:-]ab", -EINVAL },
	{ "no close delimiter", CT,
	    "--XyZ\r\nContent-Disposition: form-data; name=f\r\n\r\nab"
	    "\r\n--XyZ\r\n",
	    "[f:-]ab$", -EINVAL },
	{ "empty body", CT, "", "", -EINVAL },
	{ "junk after delimiter", CT, "--XyZ\r\n\r\na\r\n--XyZx", "[-:-]a$",
	    -EINVAL },
	{ "single dash", CT, "--XyZ-x", "", -EINVAL },
	{ "LF only", CT, "--XyZ\nContent-Disposition: form-data\n\n", "",
	    -EINVAL },
	{ "header without colon", CT, "--XyZ\r\nbad\r\n\r\n", "", -EINVAL },
	{ "folded header", CT,
	    "--XyZ\r\nContent-Disposition: form-data;\r\n name=f\r\n\r\n",
	    "", -EINVAL },
};

static const char *const bad_types[] = {
	"multipart/form-data", "multipart/form-data; boundary=",
	"multipart/form-data; boundary=\"\"", "text/plain; boundary=x",
	"multipart/form-data; boundary=\"x", "multipart/form-data; =x",
	"multipart/form-data; boundary=\"ab \"",
	"multipart/form-data; boundary=1234567890123456789012345678901234"
	    "5678901234567890123456789012345678901",
	"multipart/form-data; boundary=\"a\x01\"",
};

/* Feeds body in pieces of step bytes (0: cut once at cut). */
static int
run(const char *ct, const char *body, size_t step, size_t cut,
    struct log *l)
{
	static struct mp m;
	size_t n = strlen(body), off = 0, k;
	char *g;
	int rc;

	memset(l, 0, sizeof(*l));
	if ((rc = mp_init(&m, ct, strlen(ct), &ops, l)) < 0)
		return rc;
	while (off < n) {
		k = step ? step : off < cut ? cut : n - cut;
		if (k > n - off)
			k = n - off;
		g = guard_copy(body + off, k);
		mp_feed(&m, g, k);
		guard_free(g, k);
		off += k;
	}
	return mp_finish(&m);
}

static void
test_cases(void)
{
	struct log l;
	size_t i, n, s;
	int rc;

	for (i = 0; i < ARRAY_LEN(cases); i++) {
		n = strlen(cases[i].body);
		for (s = 0; s <= n + 1; s++) {
			/* s == 0: whole; then byte by byte; then cuts. */
			if (s == 0)
				rc = run(cases[i].ct, cases[i].body, n + 1, 0,
				    &l);
			else if (s == 1)
				rc = run(cases[i].ct, cases[i].body, 1, 0, &l);
			else
				rc = run(cases[i].ct, cases[i].body, 0, s - 1,
				    &l);
			CHECK(rc == cases[i].rc, "%s (%zu): rc %d",
			    cases[i].what, s, rc);
			if (cases[i].rc == 0 || cases[i].want[0])
				CHECK(l.n == strlen(cases[i].want) &&
				    memcmp(l.buf, cases[i].want, l.n) == 0,
				    "%s (%zu): got %.*s", cases[i].what, s,
				    (int)l.n, l.buf);
		}
	}
}

static void
test_bad_types(void)
{
	struct mp *m = malloc(sizeof(*m));
	size_t i;

	for (i = 0; i < ARRAY_LEN(bad_types); i++)
		CHECK(mp_init(m, bad_types[i], strlen(bad_types[i]), &ops,
		    NULL) == -EINVAL, "%s accepted", bad_types[i]);
	CHECK(mp_init(m, "multipart/mixed;boundary=b", 26, &ops, NULL) == 0,
	    "multipart/mixed refused");
	free(m);
}

static void
test_limits(void)
{
	static char body[MP_HEAD_MAX + 64];
	struct log l;
	size_t n;

	/* A header block of exactly MP_HEAD_MAX bytes passes, one more not. */
	n = (size_t)sprintf(body, "--XyZ\r\nX: ");
	memset(body + n, 'a', MP_HEAD_MAX - 7);
	memcpy(body + n + MP_HEAD_MAX - 7, "\r\n\r\n\r\n--XyZ--", 14);
	CHECK(run(CT, body, 4096, 0, &l) == 0, "header block at the bound");
	body[n + MP_HEAD_MAX - 7] = 'a';
	memcpy(body + n + MP_HEAD_MAX - 6, "\r\n\r\n\r\n--XyZ--", 14);
	CHECK(run(CT, body, 1000, 0, &l) == -EMSGSIZE, "header block over");
}

static void
test_callback_error(void)
{
	static struct mp m;
	static const char body[] =
	    "--XyZ\r\n\r\na\r\n--XyZ\r\n\r\nb\r\n--XyZ--";
	struct log l;

	memset(&l, 0, sizeof(l));
	l.fail_part = 2;
	CHECK(mp_init(&m, CT, strlen(CT), &ops, &l) == 0, "init");
	CHECK(mp_feed(&m, body, sizeof(body) - 1) == -ECANCELED, "stops");
	CHECK(mp_feed(&m, "x", 1) == -ECANCELED, "sticky");
	CHECK(mp_finish(&m) == -ECANCELED, "finish keeps the error");
	CHECK(l.n == 7 && memcmp(l.buf, "[-:-]a$", 7) == 0, "got %.*s",
	    (int)l.n, l.buf);
}

/* A 64 KiB part of every byte value, with many CRs, fed in odd pieces. */
static char data[65536];
static size_t seen;

static int
cmp_data(void *arg, const char *p, size_t n)
{
	CHECK(seen + n <= sizeof(data) && memcmp(data + seen, p, n) == 0,
	    "binary data differs at %zu", seen);
	seen += n;
	return 0;
}

static int
no_part(void *arg, const struct mp_part *pt)
{
	return 0;
}

static int
no_part_end(void *arg)
{
	return 0;
}

static void
test_binary(void)
{
	static const struct mp_ops bops = { no_part, cmp_data, no_part_end };
	static char body[70000];
	static struct mp m;
	size_t n, i, off, k;

	for (i = 0; i < sizeof(data); i++)
		data[i] = (char)(i % 7 == 0 ? '\r' : i * 31 % 251);
	n = (size_t)sprintf(body, "--XyZ\r\n\r\n");
	memcpy(body + n, data, sizeof(data));
	n += sizeof(data);
	memcpy(body + n, "\r\n--XyZ--", 9);
	n += 9;
	CHECK(mp_init(&m, CT, strlen(CT), &bops, NULL) == 0, "init");
	for (off = 0, k = 1; off < n; off += k, k = k * 3 % 1021 + 1)
		CHECK(mp_feed(&m, body + off, k < n - off ? k : n - off) == 0,
		    "feed at %zu", off);
	CHECK(mp_finish(&m) == 0, "finish");
	CHECK(seen == sizeof(data), "%zu bytes of data", seen);
}

int
main(void)
{
	test_cases();
	test_bad_types();
	test_limits();
	test_callback_error();
	test_binary();
	return test_exit("multipart_test");
}
