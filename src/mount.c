/*
 * mount.c: background NFS mounts, and child-process hygiene.
 */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "log.h"
#include "mount.h"
#include "util.h"

#define MOUNT_OUTPUT_MAX 1024	/* bytes of mount's output logged */

/* see mount.h */
void
close_from(int fd)
{
	long max;

#ifdef SYS_close_range
	if (syscall(SYS_close_range, fd, ~0U, 0) == 0)
		return;
#endif
	max = sysconf(_SC_OPEN_MAX);
	if (max < 0 || max > 65536)
		max = 65536;
	for (; fd < max; fd++)
		close(fd);
}

/* see mount.h */
void
reset_signals(void)
{
	struct sigaction sa;
	sigset_t none;
	int s;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_DFL;
	for (s = 1; s < _NSIG; s++)
		sigaction(s, &sa, NULL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
}

/* see mount.h */
int
mkdir_p(const char *path, unsigned mode)
{
	char buf[PATH_MAX];
	size_t n = strlen(path), i;

	if (n == 0 || n >= sizeof(buf))
		return -ENAMETOOLONG;
	memcpy(buf, path, n + 1);
	for (i = 1; i <= n; i++) {
		if (buf[i] != '/' && buf[i] != '\0')
			continue;
		buf[i] = '\0';
		if (mkdir(buf, mode) < 0 && errno != EEXIST)
			return -errno;
		buf[i] = path[i];
	}
	return 0;
}

/* Runs mount(8) with its output in out; returns its wait status. */
static int
run_mount(char *const argv[], char *out, size_t cap, size_t *n)
{
	int pfd[2], st = -1;
	ssize_t r;
	char junk[256];
	pid_t pid;

	*n = 0;
	if (pipe(pfd) < 0)
		return -1;
	if ((pid = fork()) == 0) {
		dup2(pfd[1], 1);
		dup2(pfd[1], 2);
		close_from(3);
		execv(argv[0], argv);
		_exit(127);
	}
	close(pfd[1]);
	while (pid > 0) {
		r = read(pfd[0], *n < cap ? out + *n : junk,
		    *n < cap ? cap - *n : sizeof(junk));
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		if (*n < cap)
			*n += (size_t)r;
	}
	close(pfd[0]);
	if (pid > 0)
		while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
			;
	return st;
}

static void
mount_child(char *target, char *path)
{
	char *argv[] = { "/bin/mount", "-v", "-t", "nfs", "-o",
		MOUNT_NFS_OPTS, target, path, NULL };
	char out[MOUNT_OUTPUT_MAX];
	size_t n;
	int rc, st;

	if ((rc = mkdir_p(path, 0755)) < 0) {
		log_msg(LOG_ERROR, "init", "volume mount: mkdir failed",
		    "path=%s errno=%e", path, -rc);
		_exit(1);
	}
	if (access(argv[0], X_OK) < 0)
		argv[0] = "/usr/bin/mount";
	st = run_mount(argv, out, sizeof(out), &n);
	if (WIFEXITED(st) && WEXITSTATUS(st) == 0) {
		log_msg(LOG_INFO, "init", "volume mounted",
		    "path=%s target=%s output=%b", path, target, out, n);
		_exit(0);
	}
	log_msg(LOG_ERROR, "init", "volume mount failed",
	    "path=%s target=%s status=%d output=%b", path, target,
	    WIFEXITED(st) ? WEXITSTATUS(st) : -1, out, n);
	_exit(1);
}

/* see mount.h */
void
mount_nfs_background(const char *target, size_t tn, const char *path,
    size_t pn)
{
	char *t, *p;
	pid_t pid;

	if (has_nul(target, tn) || has_nul(path, pn) || pn == 0 ||
	    (t = dup_bytes(target, tn)) == NULL)
		return;
	if ((p = dup_bytes(path, pn)) == NULL) {
		free(t);
		return;
	}
	pid = fork();
	if (pid == 0) {
		/* Let go of every client socket before any slow work. */
		close_from(3);
		reset_signals();
		mount_child(t, p);
	}
	if (pid < 0)
		log_msg(LOG_ERROR, "init", "volume mount: fork failed",
		    "errno=%e", errno);
	free(t);
	free(p);
}
