/*
 * cgroup.h: the cgroup v2 groups of the agent under --cgroup-root:
 * wrenn/pty, wrenn/user and wrenn/socat (the Rust agent's names), with
 * cpu and memory enabled below wrenn/ and the Go agent's weights written
 * where the kernel has them.  Everything is best effort: a failure is
 * logged once and processes then stay in the agent's own group.
 */
#ifndef CGROUP_H
#define CGROUP_H

enum { CG_PTY, CG_USER, CG_SOCAT, CG_COUNT };

/* Creates the groups under root; call once at start. */
void cgroup_setup(const char *root);

/*
 * In a child before exec: moves the calling process into group g.
 * Async-signal-safe; silently does nothing when the group is missing.
 */
void cgroup_enter(int g);

#endif
