/*
 * state_test.c: the small stateful modules: auth (token), defaults (env
 * map, user, workdir), loop (timers and deferred calls), mount (mkdir_p)
 * and log (one JSON line per event).
 */
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>

#include "auth.h"
#include "defaults.h"
#include "log.h"
#include "loop.h"
#include "mount.h"
#include "testlib.h"

static void
test_auth(void)
{
	CHECK(!auth_token_set() && !auth_token_eq("", 0), "unset");
	CHECK(auth_token_install("", 0) == -EINVAL, "empty refused");
	CHECK(auth_token_install("tok123", 6) == 0 && auth_token_set(), "set");
	CHECK(auth_token_eq("tok123", 6), "equal");
	CHECK(!auth_token_eq("tok12", 5) && !auth_token_eq("tok1234", 7),
	    "length differs");
	CHECK(!auth_token_eq("tok124", 6), "content differs");
	auth_token_clear();
	CHECK(!auth_token_set() && !auth_token_eq("tok123", 6), "cleared");
}

static void
test_defaults(void)
{
	const struct env_var *v;
	size_t n;

	CHECK(env_set("A", 1, "1", 1) == 0 && env_set("B", 1, "2", 1) == 0,
	    "set");
	CHECK(env_set("A", 1, "3", 1) == 0, "replace");
	CHECK(env_set("C=D", 3, "x", 1) == -EINVAL, "= in name");
	CHECK(env_set("", 0, "x", 1) == -EINVAL, "empty name");
	v = env_list(&n);
	CHECK(n == 2 && strcmp(v[0].name, "A") == 0 &&
	    strcmp(v[0].value, "3") == 0 && strcmp(v[1].name, "B") == 0,
	    "order kept");
	CHECK(env_get("B") && strcmp(env_get("B"), "2") == 0, "get");
	CHECK(strcmp(defaults_user(), "root") == 0, "root by default");
	CHECK(defaults_set_user("user", 4) == 0 &&
	    strcmp(defaults_user(), "user") == 0, "user");
	CHECK(*defaults_workdir() == '\0', "no workdir");
	CHECK(defaults_set_workdir("/w", 2) == 0 &&
	    strcmp(defaults_workdir(), "/w") == 0, "workdir");
}

static int fired[4], nfired;

static void
on_timer(struct timer *t)
{
	fired[nfired++] = *(int *)t->arg;
	if (nfired == 4)
		loop_quit(7);
}

static void
on_defer(struct defer *d)
{
	fired[nfired++] = *(int *)d->arg;
}

static void
test_loop(void)
{
	static int ids[] = { 1, 2, 3, 4 };
	struct timer a = { .cb = on_timer, .arg = &ids[0] };
	struct timer b = { .cb = on_timer, .arg = &ids[1] };
	struct timer c = { .cb = on_timer, .arg = &ids[2] };
	struct defer d = { .cb = on_defer, .arg = &ids[3] };
	struct timer e = { .cb = on_timer, .arg = &ids[3] };
	int64_t now = loop_now();

	timer_at(&b, now + 20);
	timer_at(&a, now + 10);
	timer_at(&c, now + 5);
	timer_at(&c, now + 30);		/* moved: fires last */
	timer_at(&e, now + 1);
	timer_stop(&e);			/* never fires */
	loop_defer(&d);
	loop_defer(&d);			/* queued once */
	loop_undefer(&d);
	loop_defer(&d);
	CHECK(loop_run() == 7, "quit code");
	CHECK(fired[0] == 4 && fired[1] == 1 && fired[2] == 2 &&
	    fired[3] == 3, "order %d %d %d %d", fired[0], fired[1], fired[2],
	    fired[3]);
}

static void
test_mkdir_p(void)
{
	char dir[] = "/tmp/state_test.XXXXXX", path[128];
	struct stat st;

	CHECK(mkdtemp(dir) != NULL, "mkdtemp");
	snprintf(path, sizeof(path), "%s/a/b/c", dir);
	CHECK(mkdir_p(path, 0755) == 0 && stat(path, &st) == 0 &&
	    S_ISDIR(st.st_mode), "made");
	CHECK(mkdir_p(path, 0755) == 0, "again");
	snprintf(path, sizeof(path), "%s/f", dir);
	close(open(path, O_CREAT | O_WRONLY, 0644));
	snprintf(path, sizeof(path), "%s/f/x", dir);
	CHECK(mkdir_p(path, 0755) == -ENOTDIR, "file in the way");
}

static void
test_log(void)
{
	char buf[4096], big[3000];
	int p[2], saved;
	ssize_t n;

	CHECK(pipe(p) == 0, "pipe");
	saved = dup(1);
	dup2(p[1], 1);
	log_msg(LOG_INFO, "test", "hello \"x\"", "n=%d s=%s e=%e b=%b", 5,
	    "v", ENOENT, "ab", (size_t)1);
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	log_msg(LOG_WARN, "test", "long", "v=%s", big);
	log_msg(LOG_DEBUG, "test", "hidden", NULL);
	dup2(saved, 1);
	close(p[1]);
	n = read(p[0], buf, sizeof(buf) - 1);
	buf[n > 0 ? n : 0] = '\0';
	CHECK(strstr(buf, "\"level\":\"INFO\",\"target\":\"test\","
	    "\"message\":\"hello \\\"x\\\"\",\"n\":5,\"s\":\"v\","
	    "\"e\":\"ENOENT\",\"b\":\"a\"}\n") != NULL, "line: %s", buf);
	CHECK(strstr(buf, "\"message\":\"long\",\"truncated\":true}\n"),
	    "cut line: %s", buf);
	CHECK(strstr(buf, "hidden") == NULL, "level filter");
	CHECK(strncmp(buf, "{\"timestamp\":\"", 14) == 0 && buf[40] == 'Z',
	    "timestamp: %.42s", buf);
}

int
main(void)
{
	test_auth();
	test_defaults();
	test_loop();
	test_mkdir_p();
	test_log();
	return test_exit("state_test");
}
