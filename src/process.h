/*
 * process.h: the process service (process.Process): a table of the
 * processes started through it, their output fanned out to every Start
 * and Connect stream that follows them, stdin, signals and PTY sizes.
 *
 * Output is read only while some follower can take it; a follower that
 * stays full while another keeps up, or makes no progress for
 * PROC_STALL_MS, is dropped; with no follower the output is read and
 * thrown away, so a detached process never blocks on a full pipe.
 */
#ifndef PROCESS_H
#define PROCESS_H

#include <sys/types.h>

#define PROC_READ_PIPE 32768		/* per read, as both other agents */
#define PROC_READ_PTY 16384
#define PROC_STDIN_HIGH (1 << 20)	/* queued input before the sender waits */
#define PROC_STDIN_MAX (8 << 20)	/* queued input refused beyond this */
#define PROC_STALL_MS 60000

/* Called by the reaper for every child. */
void process_reaped(pid_t pid, int status);

/* Starts the --cmd process: default user, no arguments, output dropped. */
void process_start_cmd(const char *cmd);

#endif
