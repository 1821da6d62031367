/*
 * paths.c: path resolution and parent creation.
 */
#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "defaults.h"
#include "paths.h"
#include "util.h"

/* see paths.h */
void
path_clean(char *path)
{
	char *r = path, *w = path;

	/* Invariant: w ends without a slash, except for the root itself. */
	while (*r) {
		while (*r == '/')
			r++;
		if (*r == '\0')
			break;
		if (r[0] == '.' && (r[1] == '/' || r[1] == '\0')) {
			r++;
		} else if (r[0] == '.' && r[1] == '.' &&
		    (r[2] == '/' || r[2] == '\0')) {
			r += 2;
			while (w > path && *--w != '/')
				;
		} else {
			*w++ = '/';
			while (*r && *r != '/')
				*w++ = *r++;
		}
	}
	if (w == path)
		*w++ = '/';
	*w = '\0';
}

static int
join(char *out, size_t cap, const char *a, const char *b, size_t bn)
{
	size_t an = strlen(a);

	if (an + 1 + bn + 1 > cap)
		return -ENAMETOOLONG;
	memmove(out, a, an);
	out[an] = '/';
	memcpy(out + an + 1, b, bn);
	out[an + 1 + bn] = '\0';
	return 0;
}

/* see paths.h */
int
path_resolve(const char *p, size_t n, const struct user *u, char *out,
    size_t cap)
{
	int rc;

	if (has_nul(p, n))
		return -EINVAL;
	if (n == 0) {
		p = *defaults_workdir() ? defaults_workdir() : u->home;
		n = strlen(p);
	}
	if (p[0] == '~') {
		if (n > 1 && p[1] != '/')
			return -EINVAL;
		rc = join(out, cap, u->home, p + 1, n - 1);
	} else if (p[0] == '/') {
		/* Absolute paths are kept as they are (no cleaning). */
		if (n + 1 > cap)
			return -ENAMETOOLONG;
		memcpy(out, p, n);
		out[n] = '\0';
		return 0;
	} else {
		rc = join(out, cap, u->home, p, n);
	}
	if (rc == 0)
		path_clean(out);
	return rc;
}

/* see paths.h */
int
path_mkdirs(const char *path, int parents_only, uid_t uid, gid_t gid)
{
	char buf[PATH_MAX];
	size_t n = strlen(path), i, end;
	struct stat st;

	if (n == 0 || n >= sizeof(buf))
		return -ENAMETOOLONG;
	memcpy(buf, path, n + 1);
	end = n;
	if (parents_only)
		while (end > 0 && buf[end - 1] != '/')
			end--;
	for (i = 1; i <= end && i <= n; i++) {
		if (i < n && buf[i] != '/')
			continue;
		buf[i] = '\0';
		if (mkdir(buf, 0755) == 0) {
			if (lchown(buf, uid, gid) < 0 && errno != EPERM)
				return -errno;
		} else if (errno != EEXIST) {
			return -errno;
		} else if (stat(buf, &st) < 0 || !S_ISDIR(st.st_mode)) {
			return -ENOTDIR;
		}
		buf[i] = path[i];
	}
	return 0;
}
