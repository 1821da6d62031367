/*
 * watch.c: inotify watchers for WatchDir and the polled watcher RPCs.
 */
#include <dirent.h>
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "entry.h"
#include "fs.h"
#include "log.h"
#include "loop.h"
#include "msg.h"
#include "paths.h"
#include "rpc.h"
#include "users.h"
#include "util.h"
#include "watch.h"

#define WATCH_MASK (IN_CREATE | IN_MOVED_TO | IN_MOVED_FROM | IN_MOVE_SELF | \
	IN_ATTRIB | IN_MODIFY | IN_DELETE | IN_DELETE_SELF | IN_ONLYDIR)
#define ID_LEN 37		/* "w" and 36 of [a-z0-9], as Go's envd */
#define QUEUE_BYTES_MAX (8 << 20)	/* queued names of one watcher */

/* statfs f_type of NFS, CIFS, SMB, SMB2 and FUSE (Go's envd list). */
static const uint32_t net_fs[] = {
	0x6969, 0xFF534D42, 0x517B, 0xFE534D42, 0x65735546
};

/* SPEC 7.7, in the order the messages go out. */
static const struct {
	uint32_t bits;
	int type;
} ev_map[WATCH_NTYPES] = {
	{ IN_CREATE | IN_MOVED_TO, EVENT_TYPE_CREATE },
	{ IN_MOVED_FROM | IN_MOVE_SELF, EVENT_TYPE_RENAME },
	{ IN_ATTRIB, EVENT_TYPE_CHMOD },
	{ IN_MODIFY, EVENT_TYPE_WRITE },
	{ IN_DELETE | IN_DELETE_SELF, EVENT_TYPE_REMOVE },
};

/* A watched directory: its watch descriptor and path below the root. */
struct wdir {
	int wd;
	char *rel;			/* "" for the root */
};

struct watcher {
	struct watch w;			/* the inotify descriptor */
	struct defer reap;		/* frees the watcher after the turn */
	struct watcher *next;		/* the polled watchers */
	char id[ID_LEN + 1];
	struct rpc_call *c;		/* WatchDir's call while it lasts */
	int stream, dead, recursive, include_entry;
	const char *err;		/* polled: failure not yet reported */
	struct user user;
	char root[PATH_MAX];		/* cleaned; "" for "/" */
	size_t rootlen;
	struct wdir *dirs;		/* sorted by wd */
	size_t ndirs, dcap;
	char *q;			/* events: type, 2-byte length, name */
	size_t qlen, qcap, qoff, nq;
};

static struct watcher *polled;

/* Index of wd in the sorted table, or where it would go. */
static size_t
wd_index(const struct watcher *w, int wd)
{
	size_t lo = 0, hi = w->ndirs, mid;

	while (lo < hi) {
		mid = (lo + hi) / 2;
		if (w->dirs[mid].wd < wd)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static void
drop_dir(struct watcher *w, size_t i)
{
	free(w->dirs[i].rel);
	memmove(&w->dirs[i], &w->dirs[i + 1],
	    (w->ndirs - i - 1) * sizeof(w->dirs[0]));
	w->ndirs--;
}

/* Records wd for rel; a directory seen again gets its new path. */
static int
keep_dir(struct watcher *w, int wd, const char *rel)
{
	size_t i = wd_index(w, wd);
	struct wdir *d;
	char *copy;

	if ((copy = strdup(rel)) == NULL)
		return -ENOMEM;
	if (i < w->ndirs && w->dirs[i].wd == wd) {
		free(w->dirs[i].rel);
		w->dirs[i].rel = copy;
		return 0;
	}
	if (w->ndirs == w->dcap) {
		d = realloc(w->dirs, (w->dcap ? w->dcap * 2 : 16) * sizeof(*d));
		if (d == NULL) {
			free(copy);
			return -ENOMEM;
		}
		w->dirs = d;
		w->dcap = w->dcap ? w->dcap * 2 : 16;
	}
	memmove(&w->dirs[i + 1], &w->dirs[i],
	    (w->ndirs - i) * sizeof(w->dirs[0]));
	w->dirs[i] = (struct wdir){ wd, copy };
	w->ndirs++;
	return 0;
}

/* Watches the directory at path, which is the root or below it. */
static int
add_watch(struct watcher *w, const char *path)
{
	const char *rel = "";
	int wd;

	if (path[w->rootlen] == '/')
		rel = path + w->rootlen + 1;
	wd = inotify_add_watch(w->w.fd, path,
	    WATCH_MASK | (*rel ? IN_DONT_FOLLOW : 0));
	if (wd < 0)
		return -errno;
	return keep_dir(w, wd, rel);
}

static int
is_dir(const char *path, unsigned char dtype)
{
	struct stat st;

	if (dtype != DT_UNKNOWN)
		return dtype == DT_DIR;
	return lstat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/*
 * Watches path (len bytes in a PATH_MAX buffer, "/" counted as 0) and,
 * when recursive, the directories below it, symlinks not followed.
 * Subdirectories that vanish or cannot be read are left out.
 */
static int
add_tree(struct watcher *w, char *path, size_t len)
{
	struct dirent *de;
	size_t n;
	DIR *d;
	int r;

	if ((r = add_watch(w, len ? path : "/")) < 0 || !w->recursive)
		return r;
	if ((d = opendir(len ? path : "/")) == NULL)
		return 0;
	while (r == 0 && (de = readdir(d)) != NULL) {
		n = strlen(de->d_name);
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..") ||
		    len + 1 + n >= PATH_MAX)
			continue;
		path[len] = '/';
		memcpy(path + len + 1, de->d_name, n + 1);
		if (is_dir(path, de->d_type))
			r = add_tree(w, path, len + 1 + n);
		path[len] = '\0';
		if (r == -ENOENT || r == -EACCES || r == -ENOTDIR)
			r = 0;
	}
	closedir(d);
	return r;
}

/* root + "/" + rel into out ("." is the root); the length, or -1. */
static int
full_path(const struct watcher *w, const char *rel, size_t n, char *out)
{
	if (n == 1 && rel[0] == '.')
		n = 0;
	if (w->rootlen + 1 + n >= PATH_MAX)
		return -1;
	memcpy(out, w->root, w->rootlen);
	out[w->rootlen] = '/';
	memcpy(out + w->rootlen + 1, rel, n);
	out[w->rootlen + 1 + n] = '\0';
	if (n == 0 && w->rootlen)
		out[w->rootlen] = '\0';
	return (int)(w->rootlen + (n ? 1 + n : 0));
}

/* A directory that appeared below a recursive watch. */
static void
watch_new_dir(struct watcher *w, const char *rel, size_t n)
{
	char path[PATH_MAX];
	int len, r;

	if ((len = full_path(w, rel, n, path)) < 0 ||
	    user_enter(&w->user) < 0)
		return;
	r = add_tree(w, path, (size_t)len);
	user_leave();
	if (r < 0 && r != -ENOENT)
		log_msg(LOG_WARN, "watch", "cannot watch new directory",
		    "path=%s errno=%e", path, -r);
}

/* Forgets the watches of a directory moved away, and those below it. */
static void
forget_tree(struct watcher *w, const char *rel, size_t n)
{
	size_t i = 0;

	while (i < w->ndirs) {
		const char *r = w->dirs[i].rel;

		if (!strncmp(r, rel, n) && (r[n] == '\0' || r[n] == '/')) {
			inotify_rm_watch(w->w.fd, w->dirs[i].wd);
			drop_dir(w, i);
		} else {
			i++;
		}
	}
}

/* Ends a stream with an error, or keeps it for a polled watcher. */
static void
fail(struct watcher *w, int code, const char *why)
{
	if (!w->stream) {
		if (w->err == NULL)
			w->err = why;
		return;
	}
	if (w->dead)
		return;
	w->dead = 1;
	loop_set(&w->w, 0);
	rpc_fail(w->c, code, "watcher error: %s", why);
	rpc_close(w->c);
}

static void
send_event(struct watcher *w, int type, char *name, size_t n)
{
	struct filesystem_WatchDirResponse r = { 0 };
	struct filesystem_FilesystemEvent *ev = &r.filesystem;
	char path[PATH_MAX];
	struct entry_buf b;

	r.has = filesystem_WatchDirResponse_filesystem;
	ev->name = (struct pb_bytes){ name, n };
	ev->type = type;
	b.named = 0;
	if (w->include_entry && full_path(w, name, n, path) >= 0 &&
	    user_enter(&w->user) == 0) {
		if (entry_stat(path, path, &b, &ev->entry) == 0)
			ev->has |= filesystem_FilesystemEvent_entry;
		user_leave();
	}
	rpc_send(w->c, &r);
}

/* Queues one event: a type byte, a 2-byte length, the name. */
static int
push(struct watcher *w, int type, const char *name, size_t n)
{
	size_t need = w->qlen + 3 + n, cap;
	uint16_t len = (uint16_t)n;
	char *q;

	if (w->nq >= (w->stream ? WATCH_STREAM_MAX : WATCH_POLL_MAX) ||
	    need > QUEUE_BYTES_MAX)
		return -ENOBUFS;
	if (need > w->qcap) {
		for (cap = w->qcap ? w->qcap : 4096; cap < need; cap *= 2)
			;
		if ((q = realloc(w->q, cap)) == NULL)
			return -ENOMEM;
		w->q = q;
		w->qcap = cap;
	}
	w->q[w->qlen] = (char)type;
	memcpy(w->q + w->qlen + 1, &len, 2);
	memcpy(w->q + w->qlen + 3, name, n);
	w->qlen = need;
	w->nq++;
	return 0;
}

/* The queued event at off in q; returns the offset of the next one. */
static size_t
peek(char *q, size_t off, int *type, struct pb_bytes *name)
{
	uint16_t len;

	*type = (unsigned char)q[off];
	memcpy(&len, q + off + 1, 2);
	*name = (struct pb_bytes){ q + off + 3, len };
	return off + 3 + len;
}

static void
emit(struct watcher *w, int type, char *name, size_t n)
{
	if (w->dead)
		return;
	if (w->stream && w->nq == 0 && rpc_room(w->c) > 0) {
		send_event(w, type, name, n);
		return;
	}
	if (w->err == NULL && push(w, type, name, n) == 0)
		return;
	/*
	 * XXX: a stream whose client reads slower than the files change
	 * is ended once WATCH_STREAM_MAX events wait for it.
	 */
	fail(w, w->stream ? RPC_RESOURCE_EXHAUSTED : RPC_INTERNAL,
	    "event queue overflow");
}

/* The name of an event relative to the root, into out (PATH_MAX). */
static int
event_name(const char *rel, const struct inotify_event *ev, char *out,
    size_t *len)
{
	size_t rl = strlen(rel), n = ev->len ? strlen(ev->name) : 0;

	if (rl == 0 && n == 0) {
		memcpy(out, ".", 2);
		*len = 1;
		return 0;
	}
	if (rl + 1 + n >= PATH_MAX)
		return -1;
	memcpy(out, rel, rl);
	out[rl] = '/';
	memcpy(out + (rl ? rl + 1 : 0), ev->name, n);
	*len = (rl ? rl + 1 : 0) + n;
	out[*len] = '\0';
	return 0;
}

/* One inotify event: its messages, then the directories to (un)watch. */
static void
on_event(struct watcher *w, const struct inotify_event *ev)
{
	int types[WATCH_NTYPES], n, i;
	char name[PATH_MAX];
	size_t at, len;

	if (ev->mask & IN_Q_OVERFLOW) {
		fail(w, RPC_INTERNAL, "event queue overflow");
		return;
	}
	at = wd_index(w, ev->wd);
	if (at == w->ndirs || w->dirs[at].wd != ev->wd)
		return;
	if (ev->mask & IN_IGNORED) {
		drop_dir(w, at);
		return;
	}
	/* A subdirectory's own events repeat what its parent reports. */
	if (ev->len == 0 && w->dirs[at].rel[0])
		return;
	if (event_name(w->dirs[at].rel, ev, name, &len) < 0)
		return;
	n = watch_map(ev->mask, types);
	for (i = 0; i < n; i++)
		emit(w, types[i], name, len);
	if (!w->recursive || w->dead || !(ev->mask & IN_ISDIR))
		return;
	if (ev->mask & IN_MOVED_FROM)
		forget_tree(w, name, len);
	if (ev->mask & (IN_CREATE | IN_MOVED_TO))
		watch_new_dir(w, name, len);
}

static void
on_readable(struct watch *wa, short revents)
{
	struct watcher *w = wa->arg;
	union {
		struct inotify_event ev;
		char b[16 * (sizeof(struct inotify_event) + NAME_MAX + 1)];
	} buf;
	const struct inotify_event *ev;
	ssize_t n;
	size_t off;

	n = read(wa->fd, buf.b, sizeof(buf.b));
	if (n < 0) {
		if (errno != EAGAIN && errno != EINTR)
			fail(w, RPC_INTERNAL, strerror(errno));
		return;
	}
	for (off = 0; off + sizeof(*ev) <= (size_t)n && !w->dead;
	    off += sizeof(*ev) + ev->len) {
		ev = (const struct inotify_event *)(buf.b + off);
		on_event(w, ev);
	}
}

static void
reap(struct defer *d)
{
	struct watcher *w = d->arg;

	while (w->ndirs)
		drop_dir(w, w->ndirs - 1);
	free(w->dirs);
	free(w->q);
	free(w);
}

/* Stops watching now and frees the watcher after this turn. */
static void
watcher_close(struct watcher *w)
{
	w->dead = 1;
	loop_del(&w->w);
	if (w->w.fd >= 0)
		close(w->w.fd);
	w->w.fd = -1;
	w->reap.cb = reap;
	w->reap.arg = w;
	loop_defer(&w->reap);
}

/* The inotify descriptor and the watches of a checked directory. */
static struct watcher *
watcher_new(struct rpc_call *c, const char *path, int recursive)
{
	struct watcher *w;
	char buf[PATH_MAX];
	int r;

	if ((w = calloc(1, sizeof(*w))) == NULL) {
		rpc_fail(c, RPC_RESOURCE_EXHAUSTED, "out of memory");
		return NULL;
	}
	w->w = (struct watch){ .events = POLLIN, .cb = on_readable,
	    .arg = w, .slot = -1 };
	w->user = c->user;
	w->recursive = recursive;
	strcpy(w->root, path);
	path_clean(w->root);
	if (!strcmp(w->root, "/"))
		w->root[0] = '\0';
	w->rootlen = strlen(w->root);
	memcpy(buf, w->root, w->rootlen + 1);
	w->w.fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	r = w->w.fd < 0 ? -errno : add_tree(w, buf, w->rootlen);
	if (r == 0 && (r = loop_add(&w->w)) == 0)
		return w;
	/* Out of inotify instances or watches: the client can free some. */
	if (r == -EMFILE || r == -ENOSPC || r == -ENFILE)
		rpc_fail(c, RPC_RESOURCE_EXHAUSTED, "too many watchers: %s "
		    "(remove unused ones)", strerror(-r));
	else
		rpc_fail(c, RPC_INTERNAL, "error adding path %s to watcher: "
		    "%s", path, strerror(-r));
	watcher_close(w);
	return NULL;
}

/* Go's envd checks: an existing directory, not on a network mount. */
static int
check_path(struct rpc_call *c, const char *path, int allow_net)
{
	struct statfs sf;
	struct stat st;
	size_t i;

	if (stat(path, &st) < 0) {
		if (errno == ENOENT || errno == ENOTDIR)
			return rpc_fail(c, RPC_NOT_FOUND,
			    "path %s not found: %s", path, strerror(errno));
		return rpc_fail(c, RPC_INTERNAL, "error statting path %s: %s",
		    path, strerror(errno));
	}
	if (!S_ISDIR(st.st_mode))
		return rpc_fail(c, RPC_INVALID_ARGUMENT,
		    "path %s not a directory", path);
	if (statfs(path, &sf) < 0)
		return rpc_fail(c, RPC_INTERNAL,
		    "error checking mount status: %s", strerror(errno));
	for (i = 0; !allow_net && i < ARRAY_LEN(net_fs); i++)
		if ((uint32_t)sf.f_type == net_fs[i])
			return rpc_fail(c, RPC_INVALID_ARGUMENT,
			    "cannot watch path on network filesystem: %s",
			    path);
	return 0;
}

/* Resolves, checks and watches a path as c's user; NULL after failing. */
static struct watcher *
watcher_open(struct rpc_call *c, struct pb_bytes p, int recursive,
    int include_entry, int allow_net)
{
	char path[PATH_MAX];
	struct watcher *w = NULL;

	if (fs_resolve(c, p, path) < 0 || fs_enter(c) < 0)
		return NULL;
	if (check_path(c, path, allow_net) == 0)
		w = watcher_new(c, path, recursive);
	user_leave();
	if (w)
		w->include_entry = include_entry;
	return w;
}

/* "w" and 36 characters of [a-z0-9], drawn without modulo bias. */
static int
new_id(char *id)
{
	static const char abc[] = "abcdefghijklmnopqrstuvwxyz0123456789";
	unsigned char rnd[64];
	size_t n = 0, i;

	id[n++] = 'w';
	while (n < ID_LEN) {
		if (getrandom(rnd, sizeof(rnd), GRND_NONBLOCK) !=
		    (ssize_t)sizeof(rnd))
			return -1;
		for (i = 0; i < sizeof(rnd) && n < ID_LEN; i++)
			if (rnd[i] < 252)
				id[n++] = abc[rnd[i] % 36];
	}
	id[n] = '\0';
	return 0;
}

/* The link pointing at the polled watcher with this id, or NULL. */
static struct watcher **
find_id(struct pb_bytes id)
{
	struct watcher **p;

	for (p = &polled; *p; p = &(*p)->next)
		if (id.n == ID_LEN && !memcmp((*p)->id, id.p, id.n))
			return p;
	return NULL;
}

static int
not_found(struct rpc_call *c, struct pb_bytes id)
{
	return rpc_fail(c, RPC_NOT_FOUND, "watcher with id %.*s not found",
	    (int)id.n, id.p);
}

/* Moves the queued events of w into the response. */
static int
take_events(struct rpc_call *c, struct watcher *w,
    struct filesystem_GetWatcherEventsResponse *rs, int with_entry)
{
	struct filesystem_FilesystemEvent *ev;
	char *q, path[PATH_MAX];
	size_t i, off = 0;

	ev = rpc_alloc(c, w->nq * sizeof(*ev));
	q = rpc_alloc(c, w->qlen);
	if (ev == NULL || q == NULL)
		return rpc_fail(c, RPC_RESOURCE_EXHAUSTED, "out of memory");
	memcpy(q, w->q, w->qlen);
	memset(ev, 0, w->nq * sizeof(*ev));
	for (i = 0; i < w->nq; i++) {
		off = peek(q, off, &ev[i].type, &ev[i].name);
		if (with_entry &&
		    full_path(w, ev[i].name.p, ev[i].name.n, path) >= 0 &&
		    entry_fill(c, path, &ev[i].entry) == 0)
			ev[i].has |= filesystem_FilesystemEvent_entry;
	}
	rs->events = ev;
	rs->n_events = w->nq;
	w->nq = w->qlen = 0;
	return 0;
}

/* see watch.h */
int
watch_map(uint32_t mask, int types[WATCH_NTYPES])
{
	int i, n = 0;

	for (i = 0; i < WATCH_NTYPES; i++)
		if (mask & ev_map[i].bits)
			types[n++] = ev_map[i].type;
	return n;
}

/* see watch.h */
void
watch_dir_start(struct rpc_call *c, const void *in)
{
	static const struct filesystem_WatchDirResponse start = {
		.has = filesystem_WatchDirResponse_start,
	};
	const struct filesystem_WatchDirRequest *rq = in;
	struct watcher *w;

	w = watcher_open(c, rq->path, rq->recursive, rq->include_entry,
	    rq->allow_network_mounts);
	if (w == NULL) {
		rpc_close(c);
		return;
	}
	w->stream = 1;
	w->c = c;
	c->st = w;
	rpc_send(c, &start);
}

/* see watch.h */
void
watch_dir_drain(struct rpc_call *c)
{
	struct watcher *w = c->st;
	struct pb_bytes name;
	int type;

	while (w && !w->dead && w->nq && rpc_room(c) > 0) {
		w->qoff = peek(w->q, w->qoff, &type, &name);
		w->nq--;
		send_event(w, type, name.p, name.n);
	}
	if (w && w->nq == 0)
		w->qlen = w->qoff = 0;
}

/* see watch.h */
void
watch_dir_done(struct rpc_call *c)
{
	struct watcher *w = c->st;

	if (w == NULL)
		return;
	c->st = NULL;
	w->c = NULL;
	watcher_close(w);
}

/* see watch.h */
int
watch_create(struct rpc_call *c, const void *in, void *out)
{
	const struct filesystem_CreateWatcherRequest *rq = in;
	struct filesystem_CreateWatcherResponse *rs = out;
	struct watcher *w;
	char id[ID_LEN + 1];

	if (new_id(id) < 0)
		return rpc_fail(c, RPC_UNAVAILABLE,
		    "error generating watcher id: %s", strerror(errno));
	w = watcher_open(c, rq->path, rq->recursive, rq->include_entry,
	    rq->allow_network_mounts);
	if (w == NULL)
		return -1;
	memcpy(w->id, id, sizeof(id));
	w->next = polled;
	polled = w;
	rs->watcher_id = rpc_bytes(c, id, ID_LEN);
	return 0;
}

/* see watch.h */
int
watch_get(struct rpc_call *c, const void *in, void *out)
{
	const struct filesystem_GetWatcherEventsRequest *rq = in;
	struct watcher **p = find_id(rq->watcher_id), *w;
	const char *err;
	int r, entered;

	if (p == NULL)
		return not_found(c, rq->watcher_id);
	w = *p;
	if ((err = w->err) != NULL) {
		w->err = NULL;
		w->nq = w->qlen = 0;
		return rpc_fail(c, RPC_INTERNAL, "watcher error: %s", err);
	}
	if (w->nq == 0)
		return 0;
	entered = w->include_entry && user_enter(&w->user) == 0;
	r = take_events(c, w, out, entered);
	if (entered)
		user_leave();
	return r;
}

/* see watch.h */
int
watch_remove(struct rpc_call *c, const void *in, void *out)
{
	const struct filesystem_RemoveWatcherRequest *rq = in;
	struct watcher **p = find_id(rq->watcher_id), *w;

	if (p == NULL)
		return not_found(c, rq->watcher_id);
	w = *p;
	*p = w->next;
	watcher_close(w);
	return 0;
}
