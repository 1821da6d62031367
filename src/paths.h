/*
 * paths.h: the one path resolution of the agent (files, process cwd and
 * the filesystem service): "~" and "~/x" become the user's home, an
 * absolute path is kept as it is, a relative one is joined to the home
 * and cleaned lexically ("." and ".." removed, symlinks not followed), and
 * an empty one is the default workdir, or the home without one.
 */
#ifndef PATHS_H
#define PATHS_H

#include <stddef.h>

#include "users.h"

/*
 * Resolves the n bytes at p for user u into out (NUL-ended).  Returns 0,
 * -EINVAL for "~name" ("cannot expand user-specific home dir") or a NUL
 * byte in p, -ENAMETOOLONG when the result does not fit in cap.
 */
int path_resolve(const char *p, size_t n, const struct user *u, char *out,
    size_t cap);

/* Lexical clean of an absolute path in place ("/a/./b/../c" -> "/a/c"). */
void path_clean(char *path);

/*
 * Creates the missing directories of path, one component at a time, mode
 * 0755, each new one owned by uid:gid.  With parents_only, the last
 * component is not made.  0, -ENOTDIR when a component is not a
 * directory, or another negative errno.
 */
int path_mkdirs(const char *path, int parents_only, uid_t uid, gid_t gid);

#endif
