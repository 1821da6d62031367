/*
 * fs_test.c: the unary filesystem RPCs called through fs_methods on a
 * scratch tree, as the current user: the symlink cases of B09, the
 * not_found / already_exists mapping of B07, and the polled watcher of
 * B20 with the poll loop run for a moment.  Responses are checked in
 * their proto3 JSON form.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "loop.h"
#include "msg.h"
#include "rpc.h"
#include "testlib.h"

static char dir[] = "/tmp/fs_test.XXXXXX";
static char out[1 << 16];
static int code;

/* Calls method name with the JSON request; the reply goes to out. */
static void
call(const char *name, const char *fmt, ...)
{
	static char arena[1 << 16];
	struct pb_arena a = { arena, sizeof(arena), 0 };
	const struct rpc_method *m;
	char req[1024], path[128];
	struct rpc_call *c;
	const char *err;
	void *in, *o;
	struct jw w;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(req, sizeof(req), fmt, ap);
	va_end(ap);
	snprintf(path, sizeof(path), "/filesystem.Filesystem/%s", name);
	for (m = fs_methods; m->path && strcmp(m->path, path); m++)
		;
	c = calloc(1, sizeof(*c));
	in = pb_alloc(&a, m->in->size);
	o = rpc_alloc(c, m->out->size);
	if (pb_json_decode(m->in, in, req, strlen(req), &a, &err) < 0)
		abort();
	if (user_lookup(getpwuid(geteuid())->pw_name,
	    strlen(getpwuid(geteuid())->pw_name), &c->user) < 0)
		abort();
	code = m->unary(c, in, o) < 0 ? c->code : 0;
	jw_init(&w, out, sizeof(out));
	if (code)
		snprintf(out, sizeof(out), "%s", c->errmsg);
	else if (pb_json_encode(m->out, o, &w) == 0)
		out[w.len] = '\0';
	rpc_release(c);
}

/* out holds the formatted string. */
static int
has(const char *fmt, ...)
{
	char s[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(s, sizeof(s), fmt, ap);
	va_end(ap);
	return strstr(out, s) != NULL;
}

static void
sh(const char *fmt, ...)
{
	char cmd[2048];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	if (system(cmd) != 0)
		CHECK(0, "%s", cmd);
}

/* B09: links are reported, not followed; the requested prefix stays. */
static void
test_links(void)
{
	sh("cd %s && mkdir -p s/real/d && echo hi >s/real/a.txt && "
	    "ln -s %s/s/real s/link && ln -s %s/s/real/a.txt s/f.lnk && "
	    "ln -s /nonexistent s/dangling && ln -s %s/s s/real/up && "
	    "ln -s self s/self && touch s/B s/_", dir, dir, dir, dir);
	call("ListDir", "{\"path\":\"%s/s/link\"}", dir);
	CHECK(has("\"path\":\"%s/s/link/a.txt\"", dir), "%s", out);
	call("ListDir", "{\"path\":\"%s/s/./\",\"depth\":3}", dir);
	CHECK(has("{\"entries\":[{\"name\":\"B\""), "sorted: %s", out);
	CHECK(has("\"path\":\"%s/s/real/up\",\"size\"", dir), "%s", out);
	CHECK(!has("/up/") && !has("link/"), "descended a link: %s", out);
	CHECK(has("\"name\":\"up\",\"type\":\"FILE_TYPE_DIRECTORY\""),
	    "%s", out);
	call("Stat", "{\"path\":\"%s/s/f.lnk\"}", dir);
	CHECK(has("\"type\":\"FILE_TYPE_FILE\"") && has("\"mode\":420") &&
	    has("\"symlinkTarget\":\"%s/s/real/a.txt\"", dir) &&
	    has("\"permissions\":\"Lrwxrwxrwx\""), "%s", out);
	call("Stat", "{\"path\":\"%s/s/dangling\"}", dir);
	CHECK(!has("\"type\"") && has("\"symlinkTarget\":\"%s/s/dangling\"",
	    dir), "%s", out);
	call("ListDir", "{\"path\":\"%s/s/self\"}", dir);
	CHECK(code == RPC_FAILED_PRECONDITION, "self loop: %d %s", code, out);
}

/* B07: missing paths are not_found, existing ones already_exists. */
static void
test_errors(void)
{
	call("Move", "{\"source\":\"%s/nope\",\"destination\":\"%s/x\"}",
	    dir, dir);
	CHECK(code == RPC_NOT_FOUND, "move: %d %s", code, out);
	call("Stat", "{\"path\":\"%s/nope\"}", dir);
	CHECK(code == RPC_NOT_FOUND, "stat: %d %s", code, out);
	call("ListDir", "{\"path\":\"%s/nope\"}", dir);
	CHECK(code == RPC_NOT_FOUND, "listdir: %d %s", code, out);
	call("CreateWatcher", "{\"path\":\"%s/nope\"}", dir);
	CHECK(code == RPC_NOT_FOUND, "watcher: %d %s", code, out);
	call("MakeDir", "{\"path\":\"%s\"}", dir);
	CHECK(code == RPC_ALREADY_EXISTS, "mkdir dir: %d %s", code, out);
	call("MakeDir", "{\"path\":\"%s/s/B\"}", dir);
	CHECK(code == RPC_INVALID_ARGUMENT, "mkdir file: %d %s", code, out);
	call("ListDir", "{\"path\":\"%s/s/B\"}", dir);
	CHECK(code == RPC_INVALID_ARGUMENT, "list file: %d %s", code, out);
	call("Remove", "{\"path\":\"%s/nope\"}", dir);
	CHECK(code == 0 && !strcmp(out, "{}"), "remove: %d %s", code, out);
	call("Stat", "{\"path\":\"~nobody/x\"}");
	CHECK(code == RPC_INVALID_ARGUMENT, "~name: %d %s", code, out);
}

static void
test_changes(void)
{
	char p[PATH_MAX];
	struct stat st;

	call("MakeDir", "{\"path\":\"%s/m/n/o\"}", dir);
	CHECK(code == 0 && has("\"name\":\"o\",\"type\":"
	    "\"FILE_TYPE_DIRECTORY\""), "mkdir: %s", out);
	call("Move", "{\"source\":\"%s/s/B\",\"destination\":\"%s/p/q/B2\"}",
	    dir, dir);
	CHECK(code == 0 && has("\"path\":\"%s/p/q/B2\"", dir), "%s", out);
	/* Removing the link leaves its target; removing a tree is whole. */
	call("Remove", "{\"path\":\"%s/s/link/\"}", dir);
	snprintf(p, sizeof(p), "%s/s/link", dir);
	CHECK(code == 0 && lstat(p, &st) < 0, "remove link: %s", out);
	call("Stat", "{\"path\":\"%s/s/real/a.txt\"}", dir);
	CHECK(code == 0, "link target removed: %s", out);
	call("Remove", "{\"path\":\"%s/s/..\"}", dir);
	CHECK(code == RPC_INVALID_ARGUMENT, "remove ..: %d %s", code, out);
	call("Remove", "{\"path\":\"%s/s\"}", dir);
	CHECK(code == 0 && lstat(dir, &st) == 0, "remove tree: %s", out);
	call("Stat", "{\"path\":\"%s/s\"}", dir);
	CHECK(code == RPC_NOT_FOUND, "tree still there: %s", out);
}

static void
quit(struct timer *t)
{
	loop_quit(0);
}

/* B20: a polled watcher outlives CreateWatcher and drains on a poll. */
static void
test_watcher(void)
{
	struct timer t = { .cb = quit };
	char id[64], *p;

	call("MakeDir", "{\"path\":\"%s/w/sub\"}", dir);
	call("CreateWatcher", "{\"path\":\"%s/w\",\"recursive\":true}", dir);
	p = strstr(out, "\"watcherId\":\"");
	CHECK(code == 0 && p, "create: %s", out);
	if (p == NULL)
		return;
	snprintf(id, sizeof(id), "%.37s", p + 13);
	call("GetWatcherEvents", "{\"watcherId\":\"%s\"}", id);
	CHECK(code == 0 && !strcmp(out, "{}"), "first poll: %s", out);
	sh("echo hello >%s/w/test.txt && echo x >%s/w/sub/y", dir, dir);
	timer_at(&t, loop_now() + 200);
	loop_run();
	call("GetWatcherEvents", "{\"watcherId\":\"%s\"}", id);
	CHECK(has("{\"events\":[{\"name\":\"test.txt\","
	    "\"type\":\"EVENT_TYPE_CREATE\"}") &&
	    has("{\"name\":\"sub/y\",\"type\":\"EVENT_TYPE_CREATE\"}"),
	    "events: %s", out);
	call("GetWatcherEvents", "{\"watcherId\":\"%s\"}", id);
	CHECK(code == 0 && !strcmp(out, "{}"), "drained: %s", out);
	call("RemoveWatcher", "{\"watcherId\":\"%s\"}", id);
	CHECK(code == 0, "remove: %s", out);
	call("GetWatcherEvents", "{\"watcherId\":\"%s\"}", id);
	CHECK(code == RPC_NOT_FOUND, "removed: %d %s", code, out);
}

int
main(void)
{
	if (mkdtemp(dir) == NULL)
		return 2;
	test_links();
	test_errors();
	test_changes();
	test_watcher();
	sh("rm -rf %s", dir);
	return test_exit("fs_test");
}
