/*
 * entry.c: EntryInfo from lstat(2), with Go's FileMode letters.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "entry.h"
#include "rpc.h"

/*
 * Go's FileMode letters in Go's order ("dalTLDpSugct?"); the ones a
 * stat(2) mode can give.  A character device is both 'D' and 'c'.
 */
static const struct {
	mode_t mask, val;
	char c;
} letters[] = {
	{ S_IFMT, S_IFDIR, 'd' },
	{ S_IFMT, S_IFLNK, 'L' },
	{ S_IFMT, S_IFBLK, 'D' },
	{ S_IFMT, S_IFCHR, 'D' },
	{ S_IFMT, S_IFIFO, 'p' },
	{ S_IFMT, S_IFSOCK, 'S' },
	{ S_ISUID, S_ISUID, 'u' },
	{ S_ISGID, S_ISGID, 'g' },
	{ S_IFMT, S_IFCHR, 'c' },
	{ S_ISVTX, S_ISVTX, 't' },
};

static int
type_of(mode_t m)
{
	if (S_ISREG(m))
		return FILE_TYPE_FILE;
	if (S_ISDIR(m))
		return FILE_TYPE_DIRECTORY;
	return FILE_TYPE_UNSPECIFIED;
}

static struct pb_bytes
view(char *s)
{
	return (struct pb_bytes){ s, strlen(s) };
}

/* Go's filepath.Base: the last element, trailing slashes dropped. */
static struct pb_bytes
base_of(char *path)
{
	size_t n = strlen(path), i;

	while (n > 1 && path[n - 1] == '/')
		n--;
	if (n == 1 && path[0] == '/')
		return (struct pb_bytes){ path, 1 };
	for (i = n; i > 0 && path[i - 1] != '/'; i--)
		;
	return (struct pb_bytes){ path + i, n - i };
}

/* A symlink: type and mode of its target, and the resolved target. */
static void
link_info(const char *path, struct entry_buf *b,
    struct filesystem_EntryInfo *e)
{
	struct stat ts;

	if (stat(path, &ts) == 0) {
		e->type = type_of(ts.st_mode);
		e->mode = ts.st_mode & 0777;
	}
	if (realpath(path, b->target))
		e->symlink_target = view(b->target);
	else
		e->symlink_target = e->path;
	e->has |= filesystem_EntryInfo_symlink_target;
}

/* Owner and group names into b, unless it holds them already. */
static void
name_ids(struct entry_buf *b, uid_t uid, gid_t gid)
{
	if (!(b->named & 1) || b->uid != uid) {
		user_name_of(uid, b->owner, sizeof(b->owner));
		b->uid = uid;
	}
	if (!(b->named & 2) || b->gid != gid) {
		group_name_of(gid, b->group, sizeof(b->group));
		b->gid = gid;
	}
	b->named = 3;
}

/* Moves the string s to p; returns the end of the copy. */
static char *
keep(char *p, struct pb_bytes *s)
{
	memcpy(p, s->p, s->n);
	s->p = p;
	return p + s->n;
}

/* see entry.h */
size_t
entry_perm_string(mode_t m, char out[ENTRY_PERM_MAX])
{
	static const char rwx[] = "rwxrwxrwx";
	size_t n = 0, i;

	for (i = 0; i < sizeof(letters) / sizeof(letters[0]); i++)
		if ((m & letters[i].mask) == letters[i].val)
			out[n++] = letters[i].c;
	if (n == 0)
		out[n++] = '-';
	for (i = 0; i < 9; i++)
		out[n++] = m & (0400 >> i) ? rwx[i] : '-';
	out[n] = '\0';
	return n;
}

/* see entry.h */
int
entry_stat(const char *path, const char *shown, struct entry_buf *b,
    struct filesystem_EntryInfo *e)
{
	struct stat st;
	size_t n = strlen(shown);

	if (n >= sizeof(b->shown))
		return -ENAMETOOLONG;
	if (lstat(path, &st) < 0)
		return -errno;
	memcpy(b->shown, shown, n + 1);
	memset(e, 0, sizeof(*e));
	e->name = base_of(b->shown);
	e->path = (struct pb_bytes){ b->shown, n };
	e->size = st.st_size;
	e->permissions.p = b->perm;
	e->permissions.n = entry_perm_string(st.st_mode, b->perm);
	name_ids(b, st.st_uid, st.st_gid);
	e->owner = view(b->owner);
	e->group = view(b->group);
	e->modified_time.seconds = st.st_mtim.tv_sec;
	e->modified_time.nanos = (int32_t)st.st_mtim.tv_nsec;
	if (st.st_mtim.tv_sec || st.st_mtim.tv_nsec)
		e->has |= filesystem_EntryInfo_modified_time;
	if (S_ISLNK(st.st_mode)) {
		link_info(path, b, e);
	} else {
		e->type = type_of(st.st_mode);
		e->mode = st.st_mode & 0777;
	}
	return 0;
}

/* see entry.h */
int
entry_fill_as(struct rpc_call *c, struct entry_buf *b, const char *path,
    const char *shown, struct filesystem_EntryInfo *e)
{
	struct entry_buf own;
	char *p;
	int r;

	if (b == NULL) {
		own.named = 0;
		b = &own;
	}
	r = entry_stat(path, shown, b, e);
	if (r < 0)
		return r;
	/* One block for the six strings: a listing has many entries. */
	p = rpc_alloc(c, e->name.n + e->path.n + e->permissions.n +
	    e->owner.n + e->group.n + e->symlink_target.n + 1);
	if (p == NULL)
		return -ENOMEM;
	p = keep(p, &e->name);
	p = keep(p, &e->path);
	p = keep(p, &e->permissions);
	p = keep(p, &e->owner);
	p = keep(p, &e->group);
	if (e->has & filesystem_EntryInfo_symlink_target)
		keep(p, &e->symlink_target);
	return 0;
}

/* see entry.h */
int
entry_fill(struct rpc_call *c, const char *path,
    struct filesystem_EntryInfo *e)
{
	return entry_fill_as(c, NULL, path, path, e);
}

/* see entry.h */
int
entry_fail(struct rpc_call *c, int err, const char *path)
{
	if (err == -ENOENT || err == -ENOTDIR)
		return rpc_fail(c, RPC_NOT_FOUND, "file not found: %s", path);
	return rpc_fail(c, RPC_INTERNAL, "error getting file info: %s",
	    strerror(-err));
}
