/*
 * pid1.c: init duties and signals.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/reboot.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "log.h"
#include "loop.h"
#include "pid1.h"

void (*pid1_reaped)(pid_t pid, int status);

static struct watch sigw = { .fd = -1, .slot = -1 };

/* What wrenn-init mounted before it ran the agent. */
static const struct {
	const char *src, *dir, *type, *opts;
	unsigned long flags;
} early[] = {
	{ "proc", "/proc", "proc", NULL, MS_NOSUID | MS_NODEV | MS_NOEXEC },
	{ "sysfs", "/sys", "sysfs", NULL, MS_NOSUID | MS_NODEV | MS_NOEXEC },
	{ "devtmpfs", "/dev", "devtmpfs", "mode=0755", MS_NOSUID },
	{ "devpts", "/dev/pts", "devpts", "gid=5,mode=620,ptmxmode=666",
	  MS_NOSUID | MS_NOEXEC },
	{ "tmpfs", "/dev/shm", "tmpfs", "mode=1777", MS_NOSUID | MS_NODEV },
	{ "tmpfs", "/run", "tmpfs", "mode=0755", MS_NOSUID | MS_NODEV },
	{ "tmpfs", "/tmp", "tmpfs", "mode=1777", MS_NOSUID | MS_NODEV },
	{ "cgroup2", "/sys/fs/cgroup", "cgroup2", NULL,
	  MS_NOSUID | MS_NODEV | MS_NOEXEC },
};

static void
mount_early(void)
{
	size_t i;
	int fd;

	for (i = 0; i < sizeof(early) / sizeof(early[0]); i++) {
		mkdir(early[i].dir, 0755);
		if (mount(early[i].src, early[i].dir, early[i].type,
		    early[i].flags, early[i].opts) < 0 && errno != EBUSY)
			log_msg(LOG_WARN, "init", "mount failed",
			    "path=%s errno=%e", early[i].dir, errno);
	}
	fd = open("/sys/fs/cgroup/cgroup.subtree_control",
	    O_WRONLY | O_CLOEXEC);
	if (fd >= 0) {
		if (write(fd, "+cpu +memory +io", 16) < 0)
			log_msg(LOG_WARN, "init", "cgroup controllers not "
			    "enabled", "errno=%e", errno);
		close(fd);
	}
}

/* see pid1.h */
void
pid1_setup(void)
{
	struct stat st;

	if (getpid() != 1) {
		/* Orphans of our children come back to us, as to init. */
		prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
		return;
	}
	if (stat("/proc/self", &st) < 0)
		mount_early();
}

static void
reap(void)
{
	pid_t pid;
	int st;

	while ((pid = waitpid(-1, &st, WNOHANG)) > 0)
		if (pid1_reaped)
			pid1_reaped(pid, st);
}

/* As init: stop everything, flush disks, power the VM off. */
static void
power_off(int sig)
{
	log_msg(LOG_INFO, "init", "powering off", "signal=%d", sig);
	kill(-1, SIGTERM);
	sync();
	reboot(RB_POWER_OFF);
	/* Still here (no privilege): keep serving rather than exit. */
	log_msg(LOG_ERROR, "init", "power off failed", "errno=%e", errno);
}

static void
on_signal(struct watch *w, short rev)
{
	struct signalfd_siginfo si;
	int sig;

	(void)rev;
	while (read(w->fd, &si, sizeof(si)) == sizeof(si)) {
		sig = (int)si.ssi_signo;
		if (sig == SIGCHLD)
			continue;
		if (sig == SIGHUP) {
			log_msg(LOG_INFO, "init", "SIGHUP ignored", NULL);
		} else if (getpid() == 1) {
			power_off(sig);
		} else {
			log_msg(LOG_INFO, "init", "shutting down",
			    "signal=%d", sig);
			loop_quit(0);
		}
	}
	/* One SIGCHLD may stand for many children: always sweep. */
	reap();
}

/* see pid1.h */
int
pid1_signals(void)
{
	sigset_t set;
	int fd;

	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
		return -errno;
	fd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	if (fd < 0)
		return -errno;
	sigw = (struct watch){ .fd = fd, .events = POLLIN, .cb = on_signal,
		.slot = -1 };
	reap();
	return loop_add(&sigw);
}
