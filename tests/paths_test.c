/*
 * paths_test.c: path resolution (SPEC 3.2), lexical clean, parents.
 */
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>

#include "defaults.h"
#include "paths.h"
#include "testlib.h"
#include "util.h"

static const struct {
	const char *in, *out;
	int rc;
} cases[] = {
	{ "/etc/hosts", "/etc/hosts", 0 },
	{ "/a/../b", "/a/../b", 0 },		/* absolute: kept as it is */
	{ "~", "/home/u", 0 },
	{ "~/", "/home/u", 0 },
	{ "~/x/./y/../z", "/home/u/x/z", 0 },
	{ "~root/x", NULL, -EINVAL },
	{ "rel/file", "/home/u/rel/file", 0 },
	{ "../../..", "/", 0 },
	{ "./a//b/", "/home/u/a/b", 0 },
	{ "", "/home/u", 0 },			/* no workdir: home */
};

static const struct {
	const char *in, *out;
} cleans[] = {
	{ "/", "/" }, { "//", "/" }, { "/a/./b/../c", "/a/c" },
	{ "/..", "/" }, { "/a/b/../../..", "/" }, { "/a//b///", "/a/b" },
	{ "/.a/..b/...", "/.a/..b/..." },
};

static void
test_resolve(void)
{
	struct user u = { .name = "u", .home = "/home/u" };
	char out[64];
	size_t i;
	int rc;

	for (i = 0; i < ARRAY_LEN(cases); i++) {
		rc = path_resolve(cases[i].in, strlen(cases[i].in), &u, out,
		    sizeof(out));
		CHECK(rc == cases[i].rc, "%s: rc %d", cases[i].in, rc);
		if (rc == 0)
			CHECK(strcmp(out, cases[i].out) == 0, "%s: %s",
			    cases[i].in, out);
	}
	CHECK(path_resolve("a\0b", 3, &u, out, sizeof(out)) == -EINVAL,
	    "NUL refused");
	CHECK(path_resolve("/aaaaaaaaaaaaaaaaaaaa", 21, &u, out, 8) ==
	    -ENAMETOOLONG, "too long");
	defaults_set_workdir("/work", 5);
	CHECK(path_resolve("", 0, &u, out, sizeof(out)) == 0 &&
	    strcmp(out, "/work") == 0, "workdir: %s", out);
	CHECK(path_resolve("x", 1, &u, out, sizeof(out)) == 0 &&
	    strcmp(out, "/home/u/x") == 0, "relative is to home: %s", out);
}

static void
test_clean(void)
{
	char buf[64];
	size_t i;

	for (i = 0; i < ARRAY_LEN(cleans); i++) {
		strcpy(buf, cleans[i].in);
		path_clean(buf);
		CHECK(strcmp(buf, cleans[i].out) == 0, "%s: %s",
		    cleans[i].in, buf);
	}
}

static void
test_mkdirs(void)
{
	char dir[] = "/tmp/paths_test.XXXXXX", p[128];
	struct stat st;

	CHECK(mkdtemp(dir) != NULL, "mkdtemp");
	snprintf(p, sizeof(p), "%s/a/b/file.txt", dir);
	CHECK(path_mkdirs(p, 1, getuid(), getgid()) == 0, "parents");
	snprintf(p, sizeof(p), "%s/a/b", dir);
	CHECK(stat(p, &st) == 0 && S_ISDIR(st.st_mode) &&
	    (st.st_mode & 0777) == 0755, "made 0755");
	snprintf(p, sizeof(p), "%s/a/b/file.txt", dir);
	CHECK(stat(p, &st) < 0, "last component not made");
	CHECK(path_mkdirs(p, 0, getuid(), getgid()) == 0 &&
	    stat(p, &st) == 0 && S_ISDIR(st.st_mode), "whole path");
	snprintf(p, sizeof(p), "%s/f", dir);
	close(open(p, O_CREAT | O_WRONLY, 0644));
	snprintf(p, sizeof(p), "%s/f/g/h", dir);
	CHECK(path_mkdirs(p, 1, getuid(), getgid()) == -ENOTDIR,
	    "file in the way");
}

int
main(void)
{
	test_resolve();
	test_clean();
	test_mkdirs();
	return test_exit("paths_test");
}
