/*
 * watch.h: directory watchers of filesystem.Filesystem on inotify (SPEC
 * 7.7, 7.8): the WatchDir stream, and the polled watchers that
 * CreateWatcher makes, GetWatcherEvents drains and RemoveWatcher ends.
 *
 * Each watcher owns one inotify descriptor in the loop.  A recursive one
 * watches every directory below the root, symlinks not followed, and adds
 * new directories as they appear.  Event names are relative to the root
 * ("." for the root itself).  A polled watcher outlives the call that
 * made it and keeps at most WATCH_POLL_MAX events between two polls; past
 * that it records an overflow, which the next poll returns once.  A
 * stream queues at most WATCH_STREAM_MAX events while its client is slow.
 * Network file systems are refused unless the request allows them.
 */
#ifndef WATCH_H
#define WATCH_H

#include <stdint.h>

struct rpc_call;

#define WATCH_NTYPES 5		/* event types one inotify event maps to */
#define WATCH_POLL_MAX 65536
#define WATCH_STREAM_MAX 4096

/*
 * The filesystem.EventType values of an inotify mask into types, in the
 * order CREATE, RENAME, CHMOD, WRITE, REMOVE; returns how many.
 */
int watch_map(uint32_t mask, int types[WATCH_NTYPES]);

/* WatchDir: start, drain and done of rpc.h's server-stream methods. */
void watch_dir_start(struct rpc_call *c, const void *in);
void watch_dir_drain(struct rpc_call *c);
void watch_dir_done(struct rpc_call *c);

/* CreateWatcher, GetWatcherEvents, RemoveWatcher (unary). */
int watch_create(struct rpc_call *c, const void *in, void *out);
int watch_get(struct rpc_call *c, const void *in, void *out);
int watch_remove(struct rpc_call *c, const void *in, void *out);

#endif
