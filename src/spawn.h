/*
 * spawn.h: fork and exec of one user process, from the loop's own
 * process (no threads, no shell wrapper).
 *
 * The child resets signal dispositions and mask, starts a session (PTY)
 * or a process group of its own (pipes), joins its cgroup, sets its OOM
 * score adjustment to 100 and its nice value to 0, takes the user's
 * groups, gid and uid, changes to cwd, and execs argv[0] looked up on the
 * PATH of envp.  A command that cannot be run still gives a process: it
 * writes why on its stderr and exits 127 (not found) or 126 (not
 * executable), as the shell wrapper of the other agents made it do.
 */
#ifndef SPAWN_H
#define SPAWN_H

#include <sys/types.h>

#include "users.h"

#define SPAWN_OOM_SCORE_ADJ "100"

struct spawn {
	/* In. */
	char **argv;		/* argv[0] is the command */
	char **envp;
	const char *cwd;
	const struct user *user;
	int pty;		/* run under a PTY of cols x rows */
	unsigned short cols, rows;
	int want_stdin;		/* pipes only: a stdin pipe, else /dev/null */
	int cgroup;		/* CG_* */
	/* Out: non-blocking, close-on-exec descriptors of the agent's side. */
	pid_t pid;
	int in_fd;		/* stdin pipe or PTY master; -1 when none */
	int out_fd;		/* stdout pipe or PTY master (a second fd) */
	int err_fd;		/* stderr pipe; -1 under a PTY */
};

/* Starts the process; 0, or a negative errno (pipe, PTY or fork). */
int spawn_start(struct spawn *s);

/* Sets the window size of a PTY master. */
int spawn_resize(int master, unsigned short cols, unsigned short rows);

#endif
