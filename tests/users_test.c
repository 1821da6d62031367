/*
 * users_test.c: user lookup from the passwd and group files, names of
 * ids, and acting as a user for file-system calls (needs root for the
 * last part; as another user it checks only that nothing changes).
 */
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>

#include "testlib.h"
#include "users.h"

static void
test_lookup(void)
{
	struct user u;
	char buf[64];

	CHECK(user_lookup("root", 4, &u) == 0 && u.uid == 0 && u.gid == 0 &&
	    strcmp(u.home, "/root") == 0 && strcmp(u.name, "root") == 0,
	    "root");
	CHECK(u.ngroups >= 1 && u.groups[0] == 0, "root's groups");
	CHECK(user_lookup("rootx", 4, &u) == 0 && strcmp(u.name, "root") ==
	    0, "length, not NUL, ends the name");
	CHECK(user_lookup("no-such-user-here", 17, &u) == -ENOENT, "unknown");
	CHECK(user_lookup("", 0, &u) == -EINVAL, "empty");
	CHECK(user_lookup("ro\0t", 4, &u) == -EINVAL, "NUL inside");
	user_name_of(0, buf, sizeof(buf));
	CHECK(strcmp(buf, "root") == 0, "uid 0: %s", buf);
	user_name_of(4000123, buf, sizeof(buf));
	CHECK(strcmp(buf, "4000123") == 0, "unknown uid: %s", buf);
	group_name_of(4000123, buf, sizeof(buf));
	CHECK(strcmp(buf, "4000123") == 0, "unknown gid: %s", buf);
}

static void
test_enter(void)
{
	struct user u = { .name = "nobody", .uid = 65534, .gid = 65534,
		.ngroups = 1, .groups = { 65534 } };
	char dir[] = "/tmp/users_test.XXXXXX", path[64];
	struct stat st;
	int fd;

	if (geteuid() != 0)
		return;
	CHECK(mkdtemp(dir) != NULL, "mkdtemp");
	chmod(dir, 0777);
	snprintf(path, sizeof(path), "%s/f", dir);
	CHECK(user_enter(&u) == 0, "enter");
	fd = open(path, O_CREAT | O_WRONLY, 0644);
	CHECK(fd >= 0, "create as nobody");
	close(fd);
	CHECK(open("/root/.users_test", O_CREAT | O_WRONLY, 0644) < 0 &&
	    errno == EACCES, "no rights in /root as nobody");
	user_leave();
	CHECK(stat(path, &st) == 0 && st.st_uid == 65534 &&
	    st.st_gid == 65534, "owned by nobody: %u", (unsigned)st.st_uid);
	fd = open("/root/.users_test", O_CREAT | O_WRONLY, 0644);
	CHECK(fd >= 0, "root again after leave");
	close(fd);
	unlink("/root/.users_test");
	unlink(path);
	rmdir(dir);
}

int
main(void)
{
	test_lookup();
	test_enter();
	return test_exit("users_test");
}
