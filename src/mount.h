/*
 * mount.h: NFS volume mounts asked for by /init.  Each runs in a child of
 * its own (mkdir -p, then mount(8)), so /init never waits on a slow server;
 * the child logs the outcome and the main loop reaps it.
 */
#ifndef MOUNT_H
#define MOUNT_H

#include <stddef.h>

#define MOUNT_NFS_OPTS \
	"mountproto=tcp,mountport=2049,proto=tcp,port=2049,nfsvers=3,noacl"

void mount_nfs_background(const char *target, size_t tn, const char *path,
    size_t pn);

/* Closes every descriptor from fd up; used in children before work. */
void close_from(int fd);
/* Default dispositions and an empty mask, for a child before exec. */
void reset_signals(void);
/* mkdir -p with mode for the new components; 0 or negative errno. */
int mkdir_p(const char *path, unsigned mode);

#endif
