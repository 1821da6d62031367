/*
 * cgroup.c: group creation and placement.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "cgroup.h"
#include "log.h"

static const char *const names[CG_COUNT] = { "pty", "user", "socat" };

/* The Go agent's weights; missing files (no controller) are fine. */
static const struct {
	int g;
	const char *file, *value;
} props[] = {
	{ CG_PTY, "cpu.weight", "200" },
	{ CG_SOCAT, "cpu.weight", "150" },
	{ CG_SOCAT, "memory.min", "5242880" },
	{ CG_SOCAT, "memory.low", "8388608" },
	{ CG_USER, "cpu.weight", "50" },
};

#define CGROUP2_MAGIC 0x63677270	/* statfs f_type of cgroup2 */

static int dirfd_of[CG_COUNT] = { -1, -1, -1 };

static int
write_at(int dir, const char *file, const char *value)
{
	int fd = openat(dir, file, O_WRONLY | O_CLOEXEC);
	ssize_t n = -1;

	if (fd >= 0) {
		n = write(fd, value, strlen(value));
		close(fd);
	}
	return n < 0 ? -1 : 0;
}

/* see cgroup.h */
void
cgroup_setup(const char *root)
{
	char path[PATH_MAX];
	struct statfs sf;
	int base, g;
	size_t i;

	if (strlen(root) + 16 >= sizeof(path))
		return;
	strcpy(stpcpy(path, root), "/wrenn");
	if ((mkdir(path, 0755) < 0 && errno != EEXIST) ||
	    (base = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
		log_msg(LOG_WARN, "cgroup", "cgroups disabled",
		    "path=%s errno=%e", path, errno);
		return;
	}
	/* A plain directory (a local run's --cgroup-root): groups only. */
	if (fstatfs(base, &sf) < 0 || sf.f_type != CGROUP2_MAGIC)
		log_msg(LOG_INFO, "cgroup", "not a cgroup2 mount: no "
		    "controllers", "path=%s", root);
	else if (write_at(base, "cgroup.subtree_control", "+cpu +memory") < 0)
		log_msg(LOG_WARN, "cgroup", "controllers not enabled",
		    "path=%s errno=%e", path, errno);
	for (g = 0; g < CG_COUNT; g++) {
		if (mkdirat(base, names[g], 0755) < 0 && errno != EEXIST)
			log_msg(LOG_WARN, "cgroup", "mkdir failed",
			    "group=%s errno=%e", names[g], errno);
		dirfd_of[g] = openat(base, names[g],
		    O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	}
	close(base);
	for (i = 0; i < sizeof(props) / sizeof(props[0]); i++)
		if (dirfd_of[props[i].g] >= 0)
			write_at(dirfd_of[props[i].g], props[i].file,
			    props[i].value);
}

/* see cgroup.h */
void
cgroup_enter(int g)
{
	if (g >= 0 && g < CG_COUNT && dirfd_of[g] >= 0)
		write_at(dirfd_of[g], "cgroup.procs", "0");
}
