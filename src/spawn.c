/*
 * spawn.c: fork/exec with pipes or a PTY.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <unistd.h>

#include "cgroup.h"
#include "mount.h"
#include "spawn.h"
#include "util.h"

/* see spawn.h */
int
spawn_resize(int master, unsigned short cols, unsigned short rows)
{
	struct winsize ws = { .ws_row = rows, .ws_col = cols };

	return ioctl(master, TIOCSWINSZ, &ws) < 0 ? -errno : 0;
}

static void
say(const char *a, const char *b, const char *c)
{
	char buf[512];
	size_t n = 0, k;
	const char *parts[3] = { a, b, c };
	int i;

	for (i = 0; i < 3; i++) {
		k = strnlen(parts[i], sizeof(buf) - 2 - n);
		memcpy(buf + n, parts[i], k);
		n += k;
	}
	buf[n++] = '\n';
	(void)!write(2, buf, n);
}

static const char *
env_path(char **envp)
{
	for (; *envp; envp++)
		if (strncmp(*envp, "PATH=", 5) == 0)
			return *envp + 5;
	return "/usr/local/bin:/usr/bin:/bin";
}

/* execve on each PATH entry in turn; returns only on failure. */
static void
exec_search(char **argv, char **envp)
{
	const char *p, *e;
	char path[PATH_MAX];
	int denied = 0;
	size_t dn, cn = strlen(argv[0]);

	if (strchr(argv[0], '/')) {
		execve(argv[0], argv, envp);
		say("envd: ", argv[0], errno == EACCES ?
		    ": Permission denied" : ": No such file or directory");
		_exit(errno == EACCES ? 126 : 127);
	}
	for (p = env_path(envp); *p; p = *e ? e + 1 : e) {
		e = strchrnul(p, ':');
		dn = (size_t)(e - p);
		if (dn + cn + 2 > sizeof(path) || cn == 0)
			continue;
		memcpy(path, dn ? p : ".", dn ? dn : 1);
		dn = dn ? dn : 1;
		path[dn] = '/';
		memcpy(path + dn + 1, argv[0], cn + 1);
		execve(path, argv, envp);
		denied |= errno == EACCES;
	}
	say("envd: ", argv[0], denied ? ": Permission denied" :
	    ": command not found");
	_exit(denied ? 126 : 127);
}

/* The child, from fork to exec. */
static void
child(struct spawn *s, int in, int out, int err)
{
	const struct user *u = s->user;
	int fd;

	reset_signals();
	if (s->pty) {
		setsid();
		ioctl(in, TIOCSCTTY, 0);
	} else {
		setpgid(0, 0);
	}
	cgroup_enter(s->cgroup);
	if ((fd = open("/proc/self/oom_score_adj", O_WRONLY)) >= 0) {
		(void)!write(fd, SPAWN_OOM_SCORE_ADJ, 3);
		close(fd);
	}
	setpriority(PRIO_PROCESS, 0, 0);
	if (dup2(in, 0) < 0 || dup2(out, 1) < 0 || dup2(err, 2) < 0)
		_exit(127);
	close_from(3);
	if (getuid() == 0 && (setgroups((size_t)u->ngroups, u->groups) < 0 ||
	    setgid(u->gid) < 0 || setuid(u->uid) < 0)) {
		say("envd: cannot switch to user ", u->name, "");
		_exit(126);
	}
	if (chdir(s->cwd) < 0) {
		say("envd: cannot change directory to ", s->cwd, "");
		_exit(126);
	}
	exec_search(s->argv, s->envp);
}

static int
nonblock(int fd)
{
	int fl = fcntl(fd, F_GETFL);

	return fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0 ? -errno : 0;
}

/* A PTY pair by hand: openpty(3) would bring in printf. */
static int
open_pty(int *master, int *slave, const struct winsize *ws)
{
	char path[32] = "/dev/pts/";
	unsigned n;
	int unlock = 0;

	*master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (*master < 0 || ioctl(*master, TIOCSPTLCK, &unlock) < 0)
		return -errno;
	*slave = ioctl(*master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (*slave < 0) {
		/* Kernels before 4.13: open the slave by its name. */
		if (ioctl(*master, TIOCGPTN, &n) < 0)
			return -errno;
		path[9 + fmt_u(path + 9, n)] = '\0';
		*slave = open(path, O_RDWR | O_NOCTTY | O_CLOEXEC);
		if (*slave < 0)
			return -errno;
	}
	return ioctl(*master, TIOCSWINSZ, ws) < 0 ? -errno : 0;
}

/*
 * The three child-side descriptors in cfd and the agent's ends in s; on
 * failure whatever was opened is left there for the caller to close.
 */
static int
make_fds(struct spawn *s, int cfd[3])
{
	struct winsize ws = { .ws_row = s->rows, .ws_col = s->cols };
	int p[2], rc;

	if (s->pty) {
		if ((rc = open_pty(&s->in_fd, &cfd[0], &ws)) < 0)
			return rc;
		cfd[1] = cfd[2] = cfd[0];
		s->out_fd = fcntl(s->in_fd, F_DUPFD_CLOEXEC, 3);
		return s->out_fd < 0 ? -errno : 0;
	}
	if (s->want_stdin) {
		if (pipe2(p, O_CLOEXEC) < 0)
			return -errno;
		cfd[0] = p[0];
		s->in_fd = p[1];
	} else if ((cfd[0] = open("/dev/null", O_RDONLY | O_CLOEXEC)) < 0) {
		return -errno;
	}
	if (pipe2(p, O_CLOEXEC) < 0)
		return -errno;
	s->out_fd = p[0];
	cfd[1] = p[1];
	if (pipe2(p, O_CLOEXEC) < 0)
		return -errno;
	s->err_fd = p[0];
	cfd[2] = p[1];
	return 0;
}

static void
close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

/* see spawn.h */
int
spawn_start(struct spawn *s)
{
	int cfd[3] = { -1, -1, -1 }, rc, i;

	s->in_fd = s->out_fd = s->err_fd = -1;
	if ((rc = make_fds(s, cfd)) == 0 && (s->pid = fork()) == 0)
		child(s, cfd[0], cfd[1], cfd[2]);
	if (rc == 0 && s->pid < 0)
		rc = -errno;
	for (i = 0; i < 3; i++)
		if (i == 0 || cfd[i] != cfd[i - 1])
			close_fd(&cfd[i]);
	if (rc == 0 && ((s->in_fd >= 0 && nonblock(s->in_fd) < 0) ||
	    nonblock(s->out_fd) < 0 || (s->err_fd >= 0 &&
	    nonblock(s->err_fd) < 0)))
		rc = -errno;
	if (rc < 0) {
		close_fd(&s->in_fd);
		close_fd(&s->out_fd);
		close_fd(&s->err_fd);
	}
	return rc;
}
