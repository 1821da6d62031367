/*
 * entry_test.c: Go's FileMode strings for every file type and special
 * bit, EntryInfo of real files, links and devices, and the inotify mask
 * to event type mapping of SPEC 7.7.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <sys/inotify.h>
#include <sys/stat.h>

#include "entry.h"
#include "testlib.h"
#include "watch.h"

/* Expected strings from Go's io/fs.FileMode.String. */
static const struct {
	mode_t m;
	const char *s;
} perms[] = {
	{ S_IFREG | 0644, "-rw-r--r--" },
	{ S_IFREG | 0, "----------" },
	{ S_IFREG | 0777, "-rwxrwxrwx" },
	{ S_IFDIR | 0755, "drwxr-xr-x" },
	{ S_IFDIR | 01777, "dtrwxrwxrwx" },
	{ S_IFDIR | 02775, "dgrwxrwxr-x" },
	{ S_IFREG | 04755, "urwxr-xr-x" },
	{ S_IFREG | 02711, "grwx--x--x" },
	{ S_IFREG | 06755, "ugrwxr-xr-x" },
	{ S_IFREG | 07777, "ugtrwxrwxrwx" },
	{ S_IFCHR | 0666, "Dcrw-rw-rw-" },
	{ S_IFCHR | 07620, "Dugctrw--w----" },
	{ S_IFBLK | 0660, "Drw-rw----" },
	{ S_IFLNK | 0777, "Lrwxrwxrwx" },
	{ S_IFIFO | 0600, "prw-------" },
	{ S_IFSOCK | 0755, "Srwxr-xr-x" },
	{ S_IFDIR | 07000, "dugt---------" },
	{ S_IFREG | 0421, "-r---w---x" },
};

static void
test_perm_string(void)
{
	char out[ENTRY_PERM_MAX];
	size_t i, n;

	for (i = 0; i < sizeof(perms) / sizeof(perms[0]); i++) {
		memset(out, 'x', sizeof(out));
		n = entry_perm_string(perms[i].m, out);
		CHECK(n == strlen(perms[i].s) && !strcmp(out, perms[i].s),
		    "mode %o: got \"%s\" (%zu), want \"%s\"",
		    (unsigned)perms[i].m, out, n, perms[i].s);
	}
}

static const struct {
	uint32_t mask;
	int n, t[WATCH_NTYPES];
} maps[] = {
	{ IN_CREATE, 1, { EVENT_TYPE_CREATE } },
	{ IN_CREATE | IN_ISDIR, 1, { EVENT_TYPE_CREATE } },
	{ IN_MOVED_TO, 1, { EVENT_TYPE_CREATE } },
	{ IN_MOVED_FROM, 1, { EVENT_TYPE_RENAME } },
	{ IN_MOVE_SELF, 1, { EVENT_TYPE_RENAME } },
	{ IN_ATTRIB, 1, { EVENT_TYPE_CHMOD } },
	{ IN_MODIFY, 1, { EVENT_TYPE_WRITE } },
	{ IN_DELETE, 1, { EVENT_TYPE_REMOVE } },
	{ IN_DELETE_SELF, 1, { EVENT_TYPE_REMOVE } },
	{ IN_MODIFY | IN_ATTRIB, 2, { EVENT_TYPE_CHMOD, EVENT_TYPE_WRITE } },
	{ IN_DELETE | IN_CREATE, 2, { EVENT_TYPE_CREATE, EVENT_TYPE_REMOVE } },
	{ IN_CREATE | IN_MOVED_FROM | IN_ATTRIB | IN_MODIFY | IN_DELETE, 5,
	    { EVENT_TYPE_CREATE, EVENT_TYPE_RENAME, EVENT_TYPE_CHMOD,
	    EVENT_TYPE_WRITE, EVENT_TYPE_REMOVE } },
	{ IN_ALL_EVENTS, 5,
	    { EVENT_TYPE_CREATE, EVENT_TYPE_RENAME, EVENT_TYPE_CHMOD,
	    EVENT_TYPE_WRITE, EVENT_TYPE_REMOVE } },
	{ IN_ACCESS, 0, { 0 } },
	{ IN_OPEN | IN_CLOSE_WRITE | IN_CLOSE_NOWRITE, 0, { 0 } },
	{ IN_IGNORED, 0, { 0 } },
	{ IN_Q_OVERFLOW, 0, { 0 } },
	{ 0, 0, { 0 } },
};

static void
test_map(void)
{
	int t[WATCH_NTYPES], n, i;
	size_t k;

	for (k = 0; k < sizeof(maps) / sizeof(maps[0]); k++) {
		n = watch_map(maps[k].mask, t);
		CHECK(n == maps[k].n, "mask %#x: %d types, want %d",
		    maps[k].mask, n, maps[k].n);
		for (i = 0; i < n && i < maps[k].n; i++)
			CHECK(t[i] == maps[k].t[i], "mask %#x: type %d is %d",
			    maps[k].mask, i, t[i]);
	}
}

static int
eq(struct pb_bytes b, const char *s)
{
	return b.n == strlen(s) && !memcmp(b.p, s, b.n);
}

/* A file, a link to it, a dangling link, a directory, a self loop. */
static void
make_tree(char *dir)
{
	char p[PATH_MAX];
	FILE *f;

	CHECK(mkdtemp(dir) != NULL, "mkdtemp");
	snprintf(p, sizeof(p), "%s/a.txt", dir);
	f = fopen(p, "w");
	CHECK(f != NULL, "create %s", p);
	if (f) {
		fputs("hello", f);
		fclose(f);
	}
	chmod(p, 0644);
	snprintf(p, sizeof(p), "%s/f.lnk", dir);
	CHECK(symlink("a.txt", p) == 0, "symlink");
	snprintf(p, sizeof(p), "%s/dangling", dir);
	CHECK(symlink("/nonexistent/x", p) == 0, "symlink");
	snprintf(p, sizeof(p), "%s/self", dir);
	CHECK(symlink("self", p) == 0, "symlink");
	snprintf(p, sizeof(p), "%s/sub", dir);
	CHECK(mkdir(p, 0750) == 0, "mkdir");
}

static void
check_file(const char *dir)
{
	struct filesystem_EntryInfo e;
	struct entry_buf b = { .named = 0 };
	char p[PATH_MAX], real[PATH_MAX], tmp[PATH_MAX];
	char owner[USER_NAME_MAX + 1];

	snprintf(p, sizeof(p), "%s/a.txt", dir);
	CHECK(entry_stat(p, p, &b, &e) == 0, "stat a.txt");
	CHECK(eq(e.name, "a.txt") && eq(e.path, p), "a.txt names");
	CHECK(e.type == FILE_TYPE_FILE && e.size == 5 && e.mode == 0644,
	    "a.txt type %d size %lld mode %o", e.type, (long long)e.size,
	    e.mode);
	CHECK(eq(e.permissions, "-rw-r--r--"), "a.txt perms");
	CHECK(e.owner.n > 0 && e.group.n > 0, "a.txt owner");
	CHECK(e.has & filesystem_EntryInfo_modified_time, "a.txt mtime");
	CHECK(!(e.has & filesystem_EntryInfo_symlink_target), "a.txt link");
	memcpy(owner, e.owner.p, e.owner.n);
	owner[e.owner.n] = '\0';
	/* The names kept in b follow a change of owner. */
	if (geteuid() == 0 && chown(p, 65534, 65534) == 0) {
		CHECK(entry_stat(p, p, &b, &e) == 0, "stat a.txt again");
		CHECK(e.owner.n && !eq(e.owner, owner), "owner kept: %s",
		    owner);
		CHECK(chown(p, 0, 0) == 0, "chown back");
	}

	/* A link: its own size and letters, the target's type and mode. */
	snprintf(p, sizeof(p), "%s/f.lnk", dir);
	CHECK(entry_stat(p, p, &b, &e) == 0, "stat f.lnk");
	snprintf(tmp, sizeof(tmp), "%s/a.txt", dir);
	CHECK(realpath(tmp, real) != NULL, "realpath");
	CHECK(e.type == FILE_TYPE_FILE && e.mode == 0644 && e.size == 5,
	    "f.lnk type %d mode %o size %lld", e.type, e.mode,
	    (long long)e.size);
	CHECK(eq(e.permissions, "Lrwxrwxrwx"), "f.lnk perms");
	CHECK((e.has & filesystem_EntryInfo_symlink_target) &&
	    eq(e.symlink_target, real), "f.lnk target %.*s",
	    (int)e.symlink_target.n, e.symlink_target.p);
}

static void
check_links(const char *dir)
{
	struct filesystem_EntryInfo e;
	struct entry_buf b = { .named = 0 };
	char p[PATH_MAX];

	snprintf(p, sizeof(p), "%s/dangling", dir);
	CHECK(entry_stat(p, "/shown/dangling", &b, &e) == 0, "dangling");
	CHECK(e.type == FILE_TYPE_UNSPECIFIED && e.mode == 0, "dangling");
	CHECK(eq(e.symlink_target, "/shown/dangling") &&
	    eq(e.path, "/shown/dangling") && eq(e.name, "dangling"),
	    "dangling target falls back to the shown path");
	snprintf(p, sizeof(p), "%s/self", dir);
	CHECK(entry_stat(p, p, &b, &e) == 0, "self loop");
	CHECK(e.type == FILE_TYPE_UNSPECIFIED && eq(e.symlink_target, p),
	    "self loop");
	snprintf(p, sizeof(p), "%s/sub/", dir);
	CHECK(entry_stat(p, p, &b, &e) == 0, "sub/");
	CHECK(e.type == FILE_TYPE_DIRECTORY && e.mode == 0750 &&
	    eq(e.name, "sub") && eq(e.permissions, "drwxr-x---"), "sub/");
	snprintf(p, sizeof(p), "%s/nope", dir);
	CHECK(entry_stat(p, p, &b, &e) == -ENOENT, "missing");
}

static void
check_system(void)
{
	struct filesystem_EntryInfo e;
	struct entry_buf b = { .named = 0 };

	CHECK(entry_stat("/", "/", &b, &e) == 0 && eq(e.name, "/") &&
	    e.type == FILE_TYPE_DIRECTORY, "/");
	if (entry_stat("/dev/null", "/dev/null", &b, &e) == 0)
		CHECK(eq(e.permissions, "Dcrw-rw-rw-") &&
		    e.type == FILE_TYPE_UNSPECIFIED && e.mode == 0666,
		    "/dev/null: %.*s", (int)e.permissions.n,
		    e.permissions.p);
}

static void
rm_tree(const char *dir)
{
	static const char *names[] = { "a.txt", "f.lnk", "dangling", "self" };
	char p[PATH_MAX];
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(p, sizeof(p), "%s/%s", dir, names[i]);
		unlink(p);
	}
	snprintf(p, sizeof(p), "%s/sub", dir);
	rmdir(p);
	rmdir(dir);
}

int
main(void)
{
	char dir[] = "/tmp/entry_test.XXXXXX";

	test_perm_string();
	test_map();
	umask(022);
	make_tree(dir);
	check_file(dir);
	check_links(dir);
	check_system();
	rm_tree(dir);
	return test_exit("entry_test");
}
