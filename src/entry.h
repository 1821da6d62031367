/*
 * entry.h: the EntryInfo of one path (SPEC 7.1), as Stat, MakeDir, Move,
 * ListDir and the watchers report it.  It comes from lstat(2): a symlink
 * is reported with its own size and permission letters ("L...") but with
 * the type and mode bits of its target, and with the target's resolved
 * path.  The permission string is Go's FileMode form ("dtrwxrwxrwx" for
 * /tmp, "Dcrw-rw-rw-" for /dev/null).  The user xattrs that E2B's envd
 * reports as metadata are left out.
 *
 * entry_stat() keeps the strings in a caller's struct entry_buf, for a
 * stream that sends the entry at once; entry_fill() copies them into the
 * call's storage (rpc_bytes), for a response built over many entries.
 */
#ifndef ENTRY_H
#define ENTRY_H

#include <limits.h>
#include <stddef.h>
#include <sys/types.h>

#include "msg.h"
#include "users.h"

struct rpc_call;

/* Longest Go FileMode string: five letters, nine rwx, NUL. */
#define ENTRY_PERM_MAX 16

struct entry_buf {
	char shown[PATH_MAX];		/* path and name point here */
	char perm[ENTRY_PERM_MAX];
	char owner[USER_NAME_MAX + 1], group[USER_NAME_MAX + 1];
	char target[PATH_MAX];
	/* owner is the name of uid if named & 1, group of gid if & 2. */
	uid_t uid;
	gid_t gid;
	int named;
};

/* Go's FileMode string of m into out (NUL-ended); returns its length. */
size_t entry_perm_string(mode_t m, char out[ENTRY_PERM_MAX]);

/*
 * Fills e for the file at path, reported under the name shown (the path
 * the client asked for); its strings point into b.  b->named must be 0
 * on first use; a b used again keeps the last owner and group names, so
 * a walk reads the passwd and group files once per new id, not per file.
 * 0, or the negative errno of lstat(2); -ENAMETOOLONG when shown does
 * not fit.
 */
int entry_stat(const char *path, const char *shown, struct entry_buf *b,
    struct filesystem_EntryInfo *e);

/*
 * The same with the strings copied into c's storage; b may be NULL.
 * -ENOMEM when that storage cannot be had.
 */
int entry_fill_as(struct rpc_call *c, struct entry_buf *b, const char *path,
    const char *shown, struct filesystem_EntryInfo *e);
/* entry_fill_as() with no b and shown = path. */
int entry_fill(struct rpc_call *c, const char *path,
    struct filesystem_EntryInfo *e);

/*
 * Records the negative errno err of a failed entry_fill() for path on c:
 * not_found "file not found: <path>" for a missing path, else internal
 * "error getting file info: ...".  Returns rpc_fail()'s value.
 */
int entry_fail(struct rpc_call *c, int err, const char *path);

#endif
