/*
 * pid1.h: what the agent does as init, or as a child subreaper when it is
 * not PID 1: mounting the early filesystems on a bare rootfs, reaping every
 * child, and turning SIGCHLD, SIGTERM, SIGINT and SIGHUP into loop events
 * through a signalfd.  As PID 1 it never exits: a stop request syncs and
 * powers the VM off.
 */
#ifndef PID1_H
#define PID1_H

#include <sys/types.h>

/* Called for every reaped child with its wait status. */
extern void (*pid1_reaped)(pid_t pid, int status);

/* Mounts (PID 1 on a bare rootfs) or becomes a subreaper. */
void pid1_setup(void);
/* Blocks the handled signals and watches them; 0 or negative errno. */
int pid1_signals(void);

#endif
