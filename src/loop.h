/*
 * loop.h: the one poll() loop of the agent.
 *
 * Every descriptor the agent waits on is a struct watch owned by its
 * module; the loop only keeps pointers to them.  Timers are absolute
 * deadlines on CLOCK_MONOTONIC in milliseconds, so a wall-clock jump after
 * a snapshot restore moves nothing.  Deferred calls run after the current
 * turn's callbacks, which lets a module finish an exchange or free an
 * object outside the call stack that asked for it.
 *
 * Nothing here allocates; the number of watches is bounded by LOOP_MAXFD.
 */
#ifndef LOOP_H
#define LOOP_H

#include <stdint.h>

/* Bound on watched descriptors: connections, pipes, PTYs, inotify. */
#define LOOP_MAXFD 4096

struct watch {
	int fd;
	short events;			/* POLLIN | POLLOUT, or 0 for paused */
	void (*cb)(struct watch *w, short revents);
	void *arg;
	int slot;			/* private: index in the table, or -1 */
};

struct timer {
	int64_t at;			/* deadline in ms, loop_now() clock */
	void (*cb)(struct timer *t);
	void *arg;
	struct timer *next;		/* private: armed list */
	int armed;
};

struct defer {
	void (*cb)(struct defer *d);
	void *arg;
	struct defer *next;		/* private: pending list */
	int queued;
};

/* Milliseconds on CLOCK_MONOTONIC. */
int64_t loop_now(void);

/* Starts watching w->fd for w->events. 0, or -ENFILE when full. */
int loop_add(struct watch *w);
/* Changes the events of a watch already added. */
void loop_set(struct watch *w, short events);
/* Stops watching; safe from inside any callback, also the watch's own. */
void loop_del(struct watch *w);

/* Arms t to fire at the absolute time at; re-arming moves it. */
void timer_at(struct timer *t, int64_t at);
void timer_stop(struct timer *t);

/* Runs d->cb once after the callbacks of this turn; queuing twice is one. */
void loop_defer(struct defer *d);
void loop_undefer(struct defer *d);

/* Runs until loop_quit(); returns the code given to it. */
int loop_run(void);
void loop_quit(int code);

#endif
