/*
 * users.h: the Unix user a request acts as.  Looked up by name in the
 * passwd and group files (musl's getpwnam and getgrouplist); file work is
 * done with that user's rights by switching the file-system ids and the
 * supplementary groups of this one-threaded process around it.
 */
#ifndef USERS_H
#define USERS_H

#include <limits.h>
#include <sys/types.h>

#define USER_NAME_MAX 256	/* longest user name accepted */
#define USER_GROUPS_MAX 64	/* supplementary groups kept */

struct user {
	char name[USER_NAME_MAX + 1];
	uid_t uid;
	gid_t gid;
	char home[PATH_MAX];
	char shell[PATH_MAX];
	int ngroups;
	gid_t groups[USER_GROUPS_MAX];
};

/* Fills u for name (n bytes); 0, -ENOENT for an unknown user, -EINVAL. */
int user_lookup(const char *name, size_t n, struct user *u);

/*
 * Acts as u for file-system calls until user_leave(): file-system uid and
 * gid, and supplementary groups.  Calls do not nest.  0 or negative errno.
 */
int user_enter(const struct user *u);
void user_leave(void);

/* Name of a uid or gid into buf, falling back to the decimal id. */
void user_name_of(uid_t uid, char *buf, size_t cap);
void group_name_of(gid_t gid, char *buf, size_t cap);

#endif
