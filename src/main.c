/*
 * main.c: envd, the agent inside every sandbox VM.
 *
 * Reads as the table of contents: flags, logging, PID 1 duties, defaults,
 * the listening socket, the samplers, then the one loop.  Every endpoint is
 * reached from router.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cgroup.h"
#include "conn.h"
#include "defaults.h"
#include "host.h"
#include "log.h"
#include "loop.h"
#include "pid1.h"
#include "process.h"
#include "util.h"

#ifndef ENVD_COMMIT
#define ENVD_COMMIT "unknown"
#endif

#define RUN_DIR "/run/wrenn"
#define CGROUP_ROOT "/sys/fs/cgroup"

struct opts {
	int port;
	int version, commit, isnotfc;
	const char *cmd;
	const char *cgroup_root;
};

static const char usage[] =
    "usage: envd [--port N] [--cmd CMD] [--cgroup-root DIR] [--version] "
    "[--commit]\n";

static void
say(int fd, const char *s)
{
	size_t n = strlen(s);

	while (n > 0) {
		ssize_t r = write(fd, s, n);

		if (r <= 0 && errno != EINTR)
			return;
		if (r > 0) {
			s += r;
			n -= (size_t)r;
		}
	}
}

static void
bad_usage(const char *why, const char *arg)
{
	say(2, "envd: ");
	say(2, why);
	say(2, arg);
	say(2, "\n");
	say(2, usage);
	exit(2);
}

/* A boolean flag: "-f", or "-f=true|false|1|0" as Go's flag package. */
static int
bool_value(const char *name, const char *v)
{
	if (v == NULL || strcmp(v, "true") == 0 || strcmp(v, "1") == 0)
		return 1;
	if (strcmp(v, "false") == 0 || strcmp(v, "0") == 0)
		return 0;
	bad_usage("invalid boolean value for flag: ", name);
	return 0;
}

static int
port_value(const char *v)
{
	unsigned long long p;

	if (parse_u64(v, strlen(v), &p) || p == 0 || p > 65535)
		bad_usage("invalid port: ", v);
	return (int)p;
}

/* Takes the value of a string flag, inline or from the next argument. */
static const char *
str_value(const char *name, const char *inl, char **argv, int *i)
{
	if (inl)
		return inl;
	if (argv[*i + 1] == NULL)
		bad_usage("flag needs an argument: ", name);
	return argv[++*i];
}

static void
parse_flags(int argc, char **argv, struct opts *o)
{
	char name[32];
	const char *a, *eq;
	size_t len;
	int i;

	for (i = 1; i < argc; i++) {
		a = argv[i];
		if (a[0] != '-' || a[1] == '\0')
			bad_usage("unexpected argument: ", a);
		a += a[1] == '-' ? 2 : 1;
		eq = strchr(a, '=');
		len = eq ? (size_t)(eq - a) : strlen(a);
		if (len >= sizeof(name))
			bad_usage("unknown flag: ", argv[i]);
		memcpy(name, a, len);
		name[len] = '\0';
		eq = eq ? eq + 1 : NULL;
		if (strcmp(name, "h") == 0 || strcmp(name, "help") == 0) {
			say(1, usage);
			exit(0);
		} else if (strcmp(name, "port") == 0) {
			o->port = port_value(str_value(name, eq, argv, &i));
		} else if (strcmp(name, "cmd") == 0) {
			o->cmd = str_value(name, eq, argv, &i);
		} else if (strcmp(name, "cgroup-root") == 0) {
			o->cgroup_root = str_value(name, eq, argv, &i);
		} else if (strcmp(name, "version") == 0) {
			o->version = bool_value(name, eq);
		} else if (strcmp(name, "commit") == 0) {
			o->commit = bool_value(name, eq);
		} else if (strcmp(name, "isnotfc") == 0) {
			o->isnotfc = bool_value(name, eq);
		} else {
			bad_usage("unknown flag: ", argv[i]);
		}
	}
}

/* Best effort, as the Rust agent: failures are only logged. */
static void
write_run_files(void)
{
	int fd;

	if (mkdir(RUN_DIR, 0755) < 0 && errno != EEXIST) {
		log_msg(LOG_WARN, "main", "mkdir failed", "path=%s errno=%e",
		    RUN_DIR, errno);
		return;
	}
	unlink(RUN_DIR "/.WRENN_SANDBOX");
	fd = open(RUN_DIR "/.WRENN_SANDBOX",
	    O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0444);
	if (fd < 0 || write(fd, "true", 4) != 4)
		log_msg(LOG_WARN, "main", "write failed", "path=%s errno=%e",
		    RUN_DIR "/.WRENN_SANDBOX", errno);
	if (fd >= 0)
		close(fd);
}

/* Descriptors 0-2 stay taken, so no pipe of ours ever lands there. */
static void
keep_std_fds(void)
{
	int fd;

	while ((fd = open("/dev/null", O_RDWR)) >= 0 && fd <= 2)
		;
	if (fd > 2)
		close(fd);
}

int
main(int argc, char **argv)
{
	struct opts o = { .port = 49983 };
	int rc;

	parse_flags(argc, argv, &o);
	if (o.version || o.commit) {
		say(1, o.version ? ENVD_VERSION "\n" : ENVD_COMMIT "\n");
		return 0;
	}
	log_init();
	keep_std_fds();
	pid1_setup();
	pid1_reaped = process_reaped;
	if ((rc = pid1_signals()) < 0)
		log_msg(LOG_ERROR, "main", "signal setup failed", "errno=%e",
		    -rc);
	env_set("WRENN_SANDBOX", 13, "true", 4);
	write_run_files();
	/* Outside a VM only an explicit --cgroup-root is written to. */
	if (o.cgroup_root || getpid() == 1)
		cgroup_setup(o.cgroup_root ? o.cgroup_root : CGROUP_ROOT);
	else
		log_msg(LOG_INFO, "cgroup", "cgroups off: not PID 1 and no "
		    "--cgroup-root", NULL);
	host_start();
	if (o.cmd && *o.cmd)
		process_start_cmd(o.cmd);
	if ((rc = conn_listen(o.port)) < 0) {
		log_msg(LOG_ERROR, "main", "listen failed", "port=%d errno=%e",
		    o.port, -rc);
		return 1;
	}
	log_msg(LOG_INFO, "main", "envd started",
	    "port=%d version=%s commit=%s pid=%d", o.port, ENVD_VERSION,
	    ENVD_COMMIT, (int)getpid());
	return loop_run();
}
