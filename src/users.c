/*
 * users.c: user lookup and acting as a user for file-system calls.
 */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <string.h>
#include <sys/fsuid.h>
#include <unistd.h>

#include "log.h"
#include "users.h"
#include "util.h"

static int entered;

static int
copy_str(char *dst, size_t cap, const char *s)
{
	size_t n = strlen(s);

	if (n >= cap)
		return -ENAMETOOLONG;
	memcpy(dst, s, n + 1);
	return 0;
}

/* see users.h */
int
user_lookup(const char *name, size_t n, struct user *u)
{
	struct passwd *pw;
	int ng = USER_GROUPS_MAX;

	if (n == 0 || n > USER_NAME_MAX || has_nul(name, n))
		return -EINVAL;
	memcpy(u->name, name, n);
	u->name[n] = '\0';
	errno = 0;
	if ((pw = getpwnam(u->name)) == NULL)
		return errno && errno != ENOENT ? -errno : -ENOENT;
	u->uid = pw->pw_uid;
	u->gid = pw->pw_gid;
	if (copy_str(u->home, sizeof(u->home), pw->pw_dir) ||
	    copy_str(u->shell, sizeof(u->shell), pw->pw_shell))
		return -ENAMETOOLONG;
	/* XXX: a user in more than USER_GROUPS_MAX groups keeps the first. */
	if (getgrouplist(u->name, u->gid, u->groups, &ng) < 0)
		ng = USER_GROUPS_MAX;
	u->ngroups = ng;
	return 0;
}

/* see users.h */
int
user_enter(const struct user *u)
{
	if (geteuid() != 0 || u->uid == 0)
		return 0;
	if (setgroups((size_t)u->ngroups, u->groups) < 0)
		return -errno;
	setfsgid(u->gid);
	setfsuid(u->uid);
	entered = 1;
	return 0;
}

/* see users.h */
void
user_leave(void)
{
	if (!entered)
		return;
	setfsuid(0);
	setfsgid(0);
	if (setgroups(0, NULL) < 0)
		log_msg(LOG_ERROR, "users", "setgroups failed", "errno=%e",
		    errno);
	entered = 0;
}

/* see users.h */
void
user_name_of(uid_t uid, char *buf, size_t cap)
{
	struct passwd *pw = getpwuid(uid);

	if (pw == NULL || copy_str(buf, cap, pw->pw_name) < 0)
		buf[fmt_u(buf, uid)] = '\0';
}

/* see users.h */
void
group_name_of(gid_t gid, char *buf, size_t cap)
{
	struct group *gr = getgrgid(gid);

	if (gr == NULL || copy_str(buf, cap, gr->gr_name) < 0)
		buf[fmt_u(buf, gid)] = '\0';
}
