/*
 * fs.h: the filesystem.Filesystem service (SPEC 7), whose method table is
 * fs_methods in rpc.h.  fs.c has the unary file operations; the watchers
 * are in watch.c.  Every path is resolved for the call's user (paths.h),
 * and every file operation runs with that user's rights, between
 * fs_enter() and user_leave(), so new files belong to the user.
 *
 * Remove follows Go's envd: a missing path is a success, and symlinks are
 * removed, never followed.  ListDir sorts each directory by name in byte
 * order and does not descend into symlinked directories.
 */
#ifndef FS_H
#define FS_H

#include "pb.h"

struct rpc_call;

/*
 * Resolves the requested path p for c's user into out (PATH_MAX bytes).
 * 0, or rpc_fail()'s value after recording invalid_argument.
 */
int fs_resolve(struct rpc_call *c, struct pb_bytes p, char *out);

/* user_enter() for c's user; 0, or rpc_fail()'s value. */
int fs_enter(struct rpc_call *c);

#endif
