/*
 * loop.c: poll() over a table of watches, with timers and deferred calls.
 */
#include <errno.h>
#include <poll.h>
#include <time.h>

#include "log.h"
#include "loop.h"

static struct watch *table[LOOP_MAXFD];
static struct pollfd pfd[LOOP_MAXFD];
static int nwatch;
static struct timer *timers;		/* sorted by deadline */
static struct defer *deferred, **deferred_tail = &deferred;
static struct defer *batch;		/* being run by run_deferred */
static int quitting, quit_code;

/* see loop.h */
int64_t
loop_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* see loop.h */
int
loop_add(struct watch *w)
{
	if (nwatch == LOOP_MAXFD)
		return -ENFILE;
	w->slot = nwatch;
	table[nwatch++] = w;
	return 0;
}

/* see loop.h */
void
loop_set(struct watch *w, short events)
{
	w->events = events;
}

/* see loop.h */
void
loop_del(struct watch *w)
{
	if (w->slot < 0)
		return;
	/* Leave a hole; the table is compacted between turns. */
	table[w->slot] = NULL;
	w->slot = -1;
}

static void
compact(void)
{
	int i, j;

	for (i = j = 0; i < nwatch; i++) {
		if (table[i] == NULL)
			continue;
		table[j] = table[i];
		table[j]->slot = j;
		j++;
	}
	nwatch = j;
}

/* see loop.h */
void
timer_stop(struct timer *t)
{
	struct timer **p;

	if (!t->armed)
		return;
	for (p = &timers; *p != t; p = &(*p)->next)
		;
	*p = t->next;
	t->armed = 0;
}

/* see loop.h */
void
timer_at(struct timer *t, int64_t at)
{
	struct timer **p;

	timer_stop(t);
	t->at = at;
	for (p = &timers; *p && (*p)->at <= at; p = &(*p)->next)
		;
	t->next = *p;
	*p = t;
	t->armed = 1;
}

/* see loop.h */
void
loop_defer(struct defer *d)
{
	if (d->queued)
		return;
	d->queued = 1;
	d->next = NULL;
	*deferred_tail = d;
	deferred_tail = &d->next;
}

/* see loop.h */
void
loop_undefer(struct defer *d)
{
	struct defer **p;

	if (!d->queued)
		return;
	d->queued = 0;
	/* It may sit in the batch being run rather than the queue. */
	for (p = &batch; *p; p = &(*p)->next)
		if (*p == d) {
			*p = d->next;
			return;
		}
	for (p = &deferred; *p != d; p = &(*p)->next)
		;
	*p = d->next;
	if (deferred_tail == &d->next)
		deferred_tail = p;
}

/* Runs what was queued before this call; later ones wait a turn. */
static void
run_deferred(void)
{
	struct defer *d;

	batch = deferred;
	deferred = NULL;
	deferred_tail = &deferred;
	while ((d = batch) != NULL) {
		batch = d->next;
		d->queued = 0;
		d->cb(d);
	}
}

static void
run_timers(void)
{
	int64_t now = loop_now();
	struct timer *t;

	while ((t = timers) != NULL && t->at <= now) {
		timers = t->next;
		t->armed = 0;
		t->cb(t);
	}
}

static int
next_timeout(void)
{
	int64_t d;

	if (deferred)
		return 0;
	if (timers == NULL)
		return -1;
	d = timers->at - loop_now();
	if (d < 0)
		return 0;
	return d > 60000 ? 60000 : (int)d;
}

static void
dispatch(int n)
{
	struct watch *w;
	int i;

	for (i = 0; i < n; i++) {
		/* A callback may have removed a later watch. */
		if (pfd[i].revents == 0 || (w = table[i]) == NULL)
			continue;
		if (w->fd != pfd[i].fd)
			continue;
		w->cb(w, pfd[i].revents);
	}
}

/* see loop.h */
int
loop_run(void)
{
	int i, n, r;

	while (!quitting) {
		run_deferred();
		compact();
		n = nwatch;
		for (i = 0; i < n; i++) {
			pfd[i].fd = table[i]->events ? table[i]->fd : -1;
			pfd[i].events = table[i]->events;
			pfd[i].revents = 0;
		}
		r = poll(pfd, n, next_timeout());
		if (r < 0 && errno != EINTR) {
			log_msg(LOG_ERROR, "loop", "poll failed", "errno=%e", errno);
			continue;
		}
		if (r > 0)
			dispatch(n);
		run_timers();
	}
	return quit_code;
}

/* see loop.h */
void
loop_quit(int code)
{
	quitting = 1;
	quit_code = code;
}
