/*
 * fs.c: Stat, MakeDir, Move, ListDir and Remove, and the method table of
 * filesystem.Filesystem.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "entry.h"
#include "fs.h"
#include "msg.h"
#include "paths.h"
#include "rpc.h"
#include "users.h"
#include "watch.h"

/*
 * Bound on the levels Remove descends, each holding one descriptor and a
 * small frame; a deeper tree cannot even be named within PATH_MAX.
 */
#define RM_MAXDEPTH 4096

/* A ListDir walk: the real and the reported path of the directory. */
struct walk {
	struct rpc_call *c;
	char real[PATH_MAX], shown[PATH_MAX];
	struct entry_buf b;
	uint32_t depth;
	struct filesystem_EntryInfo *e;
	size_t n, cap;
};

static int
is_dots(const char *s)
{
	return s[0] == '.' && (s[1] == '\0' || (s[1] == '.' && s[2] == '\0'));
}

static int
by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

/* The next free entry of the walk's array, grown in the call's storage. */
static struct filesystem_EntryInfo *
next_entry(struct walk *wk)
{
	struct filesystem_EntryInfo *e;
	size_t cap;

	if (wk->n < wk->cap)
		return &wk->e[wk->n];
	cap = wk->cap ? wk->cap * 2 : 64;
	e = rpc_alloc(wk->c, cap * sizeof(*e));
	if (e == NULL)
		return NULL;
	if (wk->n)
		memcpy(e, wk->e, wk->n * sizeof(*e));
	wk->e = e;
	wk->cap = cap;
	return &e[wk->n];
}

static int walk_dir(struct walk *wk, size_t rl, size_t sl, uint32_t level);

/* Appends "/name" to a path of length len; 0 or -ENAMETOOLONG. */
static int
join(char *path, size_t len, const char *name, size_t n)
{
	if (len + 1 + n >= PATH_MAX)
		return -ENAMETOOLONG;
	path[len] = '/';
	memcpy(path + len + 1, name, n + 1);
	return 0;
}

/* One entry of a directory, then what lies below it (pre-order). */
static int
walk_one(struct walk *wk, const char *name, size_t rl, size_t sl,
    uint32_t level)
{
	struct filesystem_EntryInfo *e;
	size_t n = strlen(name);
	int r;

	if (join(wk->real, rl, name, n) < 0 ||
	    join(wk->shown, sl, name, n) < 0)
		return -ENAMETOOLONG;
	if ((e = next_entry(wk)) == NULL)
		return -ENOMEM;
	r = entry_fill_as(wk->c, &wk->b, wk->real, wk->shown, e);
	if (r == -ENOENT)
		return 0;		/* gone since readdir */
	if (r < 0)
		return r;
	wk->n++;
	/* A symlink carries its target's type; never descend into one. */
	if (level < wk->depth && e->type == FILE_TYPE_DIRECTORY &&
	    !(e->has & filesystem_EntryInfo_symlink_target))
		r = walk_dir(wk, rl + 1 + n, sl + 1 + n, level + 1);
	wk->real[rl] = wk->shown[sl] = '\0';
	return r;
}

/*
 * Lists the directory wk->real, sorted by name.  Recursion is bounded:
 * each level adds at least two bytes to a PATH_MAX path.
 */
static int
walk_dir(struct walk *wk, size_t rl, size_t sl, uint32_t level)
{
	struct dirent **names;
	int n, i, r = 0;

	n = scandir(rl ? wk->real : "/", &names, NULL, by_name);
	if (n < 0) {
		if (level > 1 && (errno == ENOENT || errno == ENOTDIR))
			return 0;
		return -errno;
	}
	for (i = 0; i < n; i++) {
		if (r == 0 && !is_dots(names[i]->d_name))
			r = walk_one(wk, names[i]->d_name, rl, sl, level);
		free(names[i]);
	}
	free(names);
	return r;
}

/* Length of an absolute path with "/" counted as empty, for joining. */
static size_t
base_len(const char *path)
{
	return strcmp(path, "/") ? strlen(path) : 0;
}

static int
list_dir(struct rpc_call *c, const char *path, uint32_t depth,
    struct filesystem_ListDirResponse *rs)
{
	struct walk wk = { .c = c, .depth = depth ? depth : 1 };
	struct stat st;
	int r;

	if (realpath(path, wk.real) == NULL || stat(wk.real, &st) < 0) {
		if (errno == ENOENT || errno == ENOTDIR)
			return rpc_fail(c, RPC_NOT_FOUND,
			    "path not found: %s", path);
		if (errno == ELOOP)
			return rpc_fail(c, RPC_FAILED_PRECONDITION,
			    "cyclic symlink: %s", path);
		return rpc_fail_errno(c, errno, "error resolving path");
	}
	if (!S_ISDIR(st.st_mode))
		return rpc_fail(c, RPC_INVALID_ARGUMENT,
		    "path is not a directory: %s", path);
	strcpy(wk.shown, path);
	path_clean(wk.shown);
	r = walk_dir(&wk, base_len(wk.real), base_len(wk.shown), 1);
	if (r == -ENOMEM)
		return rpc_fail(c, RPC_RESOURCE_EXHAUSTED,
		    "out of memory listing %s", path);
	if (r < 0)
		return rpc_fail(c, RPC_INTERNAL,
		    "error reading directory %s: %s", path, strerror(-r));
	rs->entries = wk.e;
	rs->n_entries = wk.n;
	return 0;
}

static int rm_at(int dfd, const char *name, int depth);

/* Removes everything in the directory open at fd, then closes fd. */
static int
rm_children(int fd, int depth)
{
	struct dirent *de;
	DIR *d;
	int r, err = 0;

	if ((d = fdopendir(fd)) == NULL) {
		err = -errno;
		close(fd);
		return err;
	}
	while ((de = readdir(d)) != NULL) {
		if (is_dots(de->d_name))
			continue;
		r = rm_at(dirfd(d), de->d_name, depth + 1);
		if (r < 0 && err == 0)
			err = r;
	}
	closedir(d);
	return err;
}

/* Removes name in the directory dfd, and what is below it. */
static int
rm_at(int dfd, const char *name, int depth)
{
	int fd, e, r;

	if (unlinkat(dfd, name, 0) == 0 || errno == ENOENT)
		return 0;
	e = errno;
	if (e != EISDIR && e != EPERM)
		return -e;
	if (depth >= RM_MAXDEPTH)
		return -ELOOP;
	/* O_NOFOLLOW: a symlink swapped in now is not followed either. */
	fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? 0 :
		    errno == ENOTDIR || errno == ELOOP ? -e : -errno;
	r = rm_children(fd, depth);
	if (unlinkat(dfd, name, AT_REMOVEDIR) == 0 || errno == ENOENT)
		return 0;
	return r < 0 ? r : -errno;
}

/* Go's RemoveAll: 0 also when nothing is there. */
static int
remove_all(char *path)
{
	size_t n = strlen(path);
	char *slash, *base;
	int dfd, r;

	while (n > 1 && path[n - 1] == '/')
		path[--n] = '\0';
	slash = strrchr(path, '/');
	if (slash == NULL || slash[1] == '\0')
		return -EBUSY;		/* "/" itself */
	base = slash + 1;
	if (is_dots(base))
		return -EINVAL;
	*slash = '\0';
	dfd = open(slash == path ? "/" : path,
	    O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	*slash = '/';
	if (dfd < 0)
		return errno == ENOENT || errno == ENOTDIR ? 0 : -errno;
	r = rm_at(dfd, base, 0);
	close(dfd);
	return r;
}

static int
move(struct rpc_call *c, const char *src, const char *dst,
    struct filesystem_EntryInfo *e)
{
	struct stat st;
	int r;

	if (lstat(src, &st) < 0 && (errno == ENOENT || errno == ENOTDIR))
		return rpc_fail(c, RPC_NOT_FOUND, "source not found: %s", src);
	r = path_mkdirs(dst, 1, c->user.uid, c->user.gid);
	if (r < 0)
		return rpc_fail_errno(c, -r, "error creating parent directory");
	if (rename(src, dst) < 0) {
		if (errno == ENOENT)
			return rpc_fail(c, RPC_NOT_FOUND,
			    "source not found: %s", src);
		return rpc_fail(c, RPC_INTERNAL, "error renaming: %s",
		    strerror(errno));
	}
	r = entry_fill(c, dst, e);
	return r < 0 ? entry_fail(c, r, dst) : 0;
}

static int
make_dir(struct rpc_call *c, const char *path,
    struct filesystem_EntryInfo *e)
{
	struct stat st;
	int r;

	if (stat(path, &st) == 0) {
		if (S_ISDIR(st.st_mode))
			return rpc_fail(c, RPC_ALREADY_EXISTS,
			    "directory already exists: %s", path);
		return rpc_fail(c, RPC_INVALID_ARGUMENT,
		    "path already exists but is not a directory: %s", path);
	}
	r = path_mkdirs(path, 0, c->user.uid, c->user.gid);
	if (r < 0)
		return rpc_fail_errno(c, -r, "error creating directory");
	r = entry_fill(c, path, e);
	return r < 0 ? entry_fail(c, r, path) : 0;
}

static int
fs_stat(struct rpc_call *c, const void *in, void *out)
{
	const struct filesystem_StatRequest *rq = in;
	struct filesystem_StatResponse *rs = out;
	char path[PATH_MAX];
	int r;

	if (fs_resolve(c, rq->path, path) < 0 || fs_enter(c) < 0)
		return -1;
	r = entry_fill(c, path, &rs->entry);
	user_leave();
	if (r < 0)
		return entry_fail(c, r, path);
	rs->has = filesystem_StatResponse_entry;
	return 0;
}

static int
fs_make_dir(struct rpc_call *c, const void *in, void *out)
{
	const struct filesystem_MakeDirRequest *rq = in;
	struct filesystem_MakeDirResponse *rs = out;
	char path[PATH_MAX];
	int r;

	if (fs_resolve(c, rq->path, path) < 0 || fs_enter(c) < 0)
		return -1;
	r = make_dir(c, path, &rs->entry);
	user_leave();
	if (r == 0)
		rs->has = filesystem_MakeDirResponse_entry;
	return r;
}

static int
fs_move(struct rpc_call *c, const void *in, void *out)
{
	const struct filesystem_MoveRequest *rq = in;
	struct filesystem_MoveResponse *rs = out;
	char src[PATH_MAX], dst[PATH_MAX];
	int r;

	if (fs_resolve(c, rq->source, src) < 0 ||
	    fs_resolve(c, rq->destination, dst) < 0 || fs_enter(c) < 0)
		return -1;
	r = move(c, src, dst, &rs->entry);
	user_leave();
	if (r == 0)
		rs->has = filesystem_MoveResponse_entry;
	return r;
}

static int
fs_list_dir(struct rpc_call *c, const void *in, void *out)
{
	const struct filesystem_ListDirRequest *rq = in;
	char path[PATH_MAX];
	int r;

	if (fs_resolve(c, rq->path, path) < 0 || fs_enter(c) < 0)
		return -1;
	r = list_dir(c, path, rq->depth, out);
	user_leave();
	return r;
}

static int
fs_remove(struct rpc_call *c, const void *in, void *out)
{
	const struct filesystem_RemoveRequest *rq = in;
	char path[PATH_MAX];
	int r;

	if (fs_resolve(c, rq->path, path) < 0 || fs_enter(c) < 0)
		return -1;
	r = remove_all(path);
	user_leave();
	if (r < 0)
		return rpc_fail(c, r == -EINVAL ? RPC_INVALID_ARGUMENT :
		    RPC_INTERNAL, "error removing file or directory %s: %s",
		    path, strerror(-r));
	return 0;
}

/* see fs.h */
int
fs_resolve(struct rpc_call *c, struct pb_bytes p, char *out)
{
	int r;

	r = path_resolve(p.p, p.n, &c->user, out, PATH_MAX);
	if (r == 0)
		return 0;
	if (r == -EINVAL && p.n > 1 && p.p[0] == '~' && p.p[1] != '/')
		return rpc_fail(c, RPC_INVALID_ARGUMENT,
		    "cannot expand user-specific home dir");
	return rpc_fail(c, RPC_INVALID_ARGUMENT, "invalid path: %s",
	    strerror(-r));
}

/* see fs.h */
int
fs_enter(struct rpc_call *c)
{
	int r;

	r = user_enter(&c->user);
	if (r < 0)
		return rpc_fail_errno(c, -r, "cannot act as the user");
	return 0;
}

/* Sent by the RPC layer after a silent interval (SPEC 5.5). */
static const struct filesystem_WatchDirResponse keepalive = {
	.has = filesystem_WatchDirResponse_keepalive,
};

#define SVC "/filesystem.Filesystem/"
#define UNARY(name, fn) {						\
	.path = SVC #name, .kind = RPC_UNARY,				\
	.in = &pbm_filesystem_##name##Request,				\
	.out = &pbm_filesystem_##name##Response, .unary = fn }

/* see rpc.h */
const struct rpc_method fs_methods[] = {
	UNARY(Stat, fs_stat),
	UNARY(MakeDir, fs_make_dir),
	UNARY(Move, fs_move),
	UNARY(ListDir, fs_list_dir),
	UNARY(Remove, fs_remove),
	{
		.path = SVC "WatchDir", .kind = RPC_SERVER_STREAM,
		.in = &pbm_filesystem_WatchDirRequest,
		.out = &pbm_filesystem_WatchDirResponse,
		.start = watch_dir_start, .drain = watch_dir_drain,
		.done = watch_dir_done, .keepalive = &keepalive,
	},
	UNARY(CreateWatcher, watch_create),
	UNARY(GetWatcherEvents, watch_get),
	UNARY(RemoveWatcher, watch_remove),
	{ .path = NULL },
};
