/*
 * process.c: the process service.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cgroup.h"
#include "defaults.h"
#include "log.h"
#include "msg.h"
#include "paths.h"
#include "process.h"
#include "rpc.h"
#include "spawn.h"
#include "util.h"

#define DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:" \
	"/sbin:/bin:/usr/games:/usr/local/games"

struct proc;

/* One Start or Connect stream following a process. */
struct sub {
	struct sub *next;
	struct proc *p;
	struct rpc_call *c;
};

struct proc {
	struct proc *next;
	unsigned long long id;		/* never reused, unlike pids */
	pid_t pid;
	int pty, hidden, reaped, status, signaled, paused;
	struct pb_bytes tag;		/* tag.p NULL when untagged */
	uint8_t *config;		/* the ProcessConfig as sent */
	size_t config_len;
	struct watch out_w, err_w, in_w;
	char *inq;			/* stdin bytes waiting for the pipe */
	size_t inq_len;
	int close_after;		/* close stdin once inq is written */
	struct rpc_call *held;		/* a StreamInput waiting on inq */
	struct sub *subs;
	struct timer stall;
	struct timer deadline;		/* Connect-Timeout-Ms of the Start */
};

static struct proc *procs;
static unsigned long long last_id;

static const struct process_StartResponse keepalive = {
	.has = process_StartResponse_event,
	.event = { .has = process_ProcessEvent_keepalive },
};

static void finish_if_done(struct proc *p);
static void update_reading(struct proc *p);

/* Go's names for the usual signals, for "signal: <name>". */
static const char *
signal_name(int sig, char *buf)
{
	static const char *const names[] = {
		[SIGHUP] = "hangup", [SIGINT] = "interrupt",
		[SIGQUIT] = "quit", [SIGILL] = "illegal instruction",
		[SIGTRAP] = "trace/breakpoint trap", [SIGABRT] = "aborted",
		[SIGBUS] = "bus error", [SIGFPE] = "floating point exception",
		[SIGKILL] = "killed", [SIGUSR1] = "user defined signal 1",
		[SIGSEGV] = "segmentation fault",
		[SIGUSR2] = "user defined signal 2",
		[SIGPIPE] = "broken pipe", [SIGALRM] = "alarm clock",
		[SIGTERM] = "terminated",
	};

	if (sig > 0 && sig < (int)ARRAY_LEN(names) && names[sig])
		return names[sig];
	strcpy(buf, "signal ");
	buf[7 + fmt_u(buf + 7, (unsigned)sig)] = '\0';
	return buf;
}

/* Sends ev to one follower as the right response type. */
static void
send_event(struct sub *s, const struct process_ProcessEvent *ev)
{
	struct process_StartResponse r = {
		.has = process_StartResponse_event, .event = *ev,
	};

	/* StartResponse and ConnectResponse have the same layout. */
	rpc_send(s->c, &r);
}

static void
drop_sub(struct sub *s, const char *why)
{
	rpc_fail(s->c, RPC_RESOURCE_EXHAUSTED, "%s", why);
	rpc_close(s->c);
}

/* Hands one data event to every follower that can take it. */
static void
fan_out(struct proc *p, const struct process_ProcessEvent *ev)
{
	struct sub *s, *next;
	int any_room = 0;

	for (s = p->subs; s; s = s->next)
		any_room |= rpc_room(s->c) > 0;
	for (s = p->subs; s; s = next) {
		next = s->next;
		if (rpc_room(s->c) > 0)
			send_event(s, ev);
		else if (any_room)
			drop_sub(s, "client too slow: output dropped");
	}
}

static int
all_full(const struct proc *p)
{
	const struct sub *s;

	if (p->subs == NULL)
		return 0;
	for (s = p->subs; s; s = s->next)
		if (rpc_room(s->c) > 0)
			return 0;
	return 1;
}

/* Reads output only while someone can take it (or no one follows). */
static void
update_reading(struct proc *p)
{
	int full = all_full(p);

	if (p->out_w.fd >= 0)
		loop_set(&p->out_w, full ? 0 : POLLIN);
	if (p->err_w.fd >= 0)
		loop_set(&p->err_w, full ? 0 : POLLIN);
	if (full && !p->paused)
		timer_at(&p->stall, loop_now() + PROC_STALL_MS);
	else if (!full)
		timer_stop(&p->stall);
	p->paused = full;
}

static void
on_stall(struct timer *t)
{
	struct proc *p = t->arg;
	struct sub *s;

	for (s = p->subs; s; s = s->next)
		drop_sub(s, "client made no progress: output dropped");
}

static void
close_watch(struct watch *w)
{
	if (w->fd < 0)
		return;
	loop_del(w);
	close(w->fd);
	w->fd = -1;
}

/* One read of stdout, stderr or the PTY; 0 at end of output. */
static ssize_t
read_output(struct proc *p, struct watch *w)
{
	static char buf[PROC_READ_PIPE];
	struct process_ProcessEvent ev = { .has = process_ProcessEvent_data };
	ssize_t r;

	r = read(w->fd, buf, p->pty ? PROC_READ_PTY : PROC_READ_PIPE);
	if (r < 0 && (errno == EAGAIN || errno == EINTR))
		return -1;
	/* EIO is how a PTY master says the last slave is gone. */
	if (r <= 0) {
		close_watch(w);
		return 0;
	}
	if (p->pty) {
		ev.data.has = process_ProcessEvent_DataEvent_pty;
		ev.data.pty = (struct pb_bytes){ buf, (size_t)r };
	} else if (w == &p->out_w) {
		ev.data.has = process_ProcessEvent_DataEvent_stdout;
		ev.data.stdout_ = (struct pb_bytes){ buf, (size_t)r };
	} else {
		ev.data.has = process_ProcessEvent_DataEvent_stderr;
		ev.data.stderr_ = (struct pb_bytes){ buf, (size_t)r };
	}
	fan_out(p, &ev);
	update_reading(p);
	return r;
}

static void
on_output(struct watch *w, short rev)
{
	if (read_output(w->arg, w) == 0)
		finish_if_done(w->arg);
}

static void
send_end(struct proc *p)
{
	struct process_ProcessEvent ev = { .has = process_ProcessEvent_end };
	struct process_ProcessEvent_EndEvent *e = &ev.end;
	char status[64], tmp[24];
	struct sub *s;
	int st = p->status;

	if (WIFEXITED(st)) {
		e->exited = true;
		e->exit_code = WEXITSTATUS(st);
		strcpy(status, "exit status ");
		status[12 + fmt_u(status + 12, (unsigned)e->exit_code)] = 0;
	} else {
		e->exit_code = -1;
		strcpy(stpcpy(status, "signal: "),
		    signal_name(WTERMSIG(st), tmp));
		if (WCOREDUMP(st))
			strcat(status, " (core dumped)");
	}
	e->status = (struct pb_bytes){ status, strlen(status) };
	log_msg(LOG_INFO, "process", "process ended", "pid=%d status=%s",
	    (int)p->pid, status);
	for (s = p->subs; s; s = s->next) {
		send_event(s, &ev);
		rpc_close(s->c);
	}
}

static void
free_proc(struct proc *p)
{
	struct proc **pp;
	struct sub *s;

	for (pp = &procs; *pp && *pp != p; pp = &(*pp)->next)
		;
	if (*pp)
		*pp = p->next;
	for (s = p->subs; s; s = s->next)
		s->p = NULL;
	if (p->held)
		rpc_hold(p->held, 0);
	close_watch(&p->out_w);
	close_watch(&p->err_w);
	close_watch(&p->in_w);
	timer_stop(&p->stall);
	timer_stop(&p->deadline);
	free(p->inq);
	free(p->config);
	free(p->tag.p);
	free(p);
}

/*
 * The end comes after the exit and the end of output.  After SendSignal
 * TERM or KILL, output still held open by stray descendants is not
 * waited for.
 */
static void
finish_if_done(struct proc *p)
{
	int i;

	if (!p->reaped)
		return;
	if (p->signaled) {
		/* What is already in the pipes still goes out, bounded. */
		for (i = 0; i < 16 && p->out_w.fd >= 0; i++)
			if (read_output(p, &p->out_w) <= 0)
				break;
		for (i = 0; i < 16 && p->err_w.fd >= 0; i++)
			if (read_output(p, &p->err_w) <= 0)
				break;
		close_watch(&p->out_w);
		close_watch(&p->err_w);
	}
	if (p->out_w.fd >= 0 || p->err_w.fd >= 0)
		return;
	send_end(p);
	free_proc(p);
}

/* see process.h */
void
process_reaped(pid_t pid, int status)
{
	struct proc *p;

	for (p = procs; p; p = p->next)
		if (p->pid == pid && !p->reaped)
			break;
	if (p == NULL)
		return;
	p->reaped = 1;
	p->status = status;
	finish_if_done(p);
}

/* Finds the process a selector names; NULL after rpc_fail(). */
static struct proc *
select_proc(struct rpc_call *c, const struct process_ProcessSelector *sel,
    int present)
{
	struct proc *p;

	if (!present || !(sel->has & (process_ProcessSelector_pid |
	    process_ProcessSelector_tag))) {
		rpc_fail(c, RPC_INVALID_ARGUMENT, "process selector required");
		return NULL;
	}
	for (p = procs; p; p = p->next) {
		if (p->hidden)
			continue;
		if (sel->has & process_ProcessSelector_pid) {
			if ((uint32_t)p->pid == sel->pid)
				return p;
		} else if (p->tag.p && p->tag.n == sel->tag.n &&
		    memcmp(p->tag.p, sel->tag.p, sel->tag.n) == 0) {
			return p;
		}
	}
	if (sel->has & process_ProcessSelector_pid)
		rpc_fail(c, RPC_NOT_FOUND, "process with pid %u not found",
		    sel->pid);
	else
		rpc_fail(c, RPC_NOT_FOUND, "process with tag %.*s not found",
		    (int)(sel->tag.n > 256 ? 256 : sel->tag.n), sel->tag.p);
	return NULL;
}

/* Writes queued stdin as the pipe takes it; 0 or -errno of a failure. */
static int
flush_stdin(struct proc *p)
{
	ssize_t r;
	int err = 0;

	while (p->inq_len > 0) {
		r = write(p->in_w.fd, p->inq, p->inq_len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && errno == EAGAIN)
			break;
		if (r < 0) {
			/* The reader is gone: what is queued is lost. */
			err = -errno;
			p->inq_len = 0;
			p->close_after = 1;
			break;
		}
		memmove(p->inq, p->inq + r, p->inq_len - (size_t)r);
		p->inq_len -= (size_t)r;
	}
	if (p->inq_len == 0 && p->close_after)
		close_watch(&p->in_w);
	else
		loop_set(&p->in_w, p->inq_len ? POLLOUT : 0);
	if (p->held && p->inq_len < PROC_STDIN_HIGH) {
		rpc_hold(p->held, 0);
		p->held = NULL;
	}
	return err;
}

static void
on_stdin(struct watch *w, short rev)
{
	flush_stdin(w->arg);
}

static int
queue_input(struct rpc_call *c, struct proc *p, const struct pb_bytes *b)
{
	char *nq;
	int rc;

	if (b->n == 0)
		return 0;
	if (p->in_w.fd < 0 || p->close_after)
		return rpc_fail(c, RPC_FAILED_PRECONDITION,
		    "stdin not enabled or closed");
	if (p->inq_len + b->n > PROC_STDIN_MAX)
		return rpc_fail(c, RPC_RESOURCE_EXHAUSTED,
		    "too much input waiting for the process");
	if ((nq = realloc(p->inq, p->inq_len + b->n + 1)) == NULL)
		return rpc_fail(c, RPC_RESOURCE_EXHAUSTED, "out of memory");
	p->inq = nq;
	memcpy(p->inq + p->inq_len, b->p, b->n);
	p->inq_len += b->n;
	if ((rc = flush_stdin(p)) < 0)
		return rpc_fail_errno(c, -rc, p->pty ? "error writing to pty" :
		    "error writing to stdin");
	return 0;
}

/* SendInput's and StreamInput's write: stdin pipe or PTY master. */
static int
write_input(struct rpc_call *c, struct proc *p,
    const struct process_ProcessInput *in)
{
	if (in->has & process_ProcessInput_pty) {
		if (!p->pty)
			return rpc_fail(c, RPC_FAILED_PRECONDITION,
			    "pty not assigned to process");
		return queue_input(c, p, &in->pty);
	}
	if (in->has & process_ProcessInput_stdin) {
		if (p->pty)
			return rpc_fail(c, RPC_FAILED_PRECONDITION,
			    "stdin not enabled or closed");
		return queue_input(c, p, &in->stdin_);
	}
	return 0;
}

/* A NUL-ended copy in call storage; NULL for a NUL inside. */
static char *
cstr(struct rpc_call *c, const struct pb_bytes *b)
{
	if (has_nul(b->p, b->n))
		return NULL;
	return rpc_bytes(c, b->p, b->n).p;
}

/* Adds "name=value", replacing an earlier entry of the same name. */
static void
env_put(char **env, size_t *n, char *kv)
{
	size_t i, k = strcspn(kv, "=");

	for (i = 0; i < *n; i++)
		if (strncmp(env[i], kv, k + 1) == 0) {
			env[i] = kv;
			return;
		}
	env[(*n)++] = kv;
}

static char *
env_join(struct rpc_call *c, const char *k, size_t kn, const char *v,
    size_t vn)
{
	char *s = rpc_alloc(c, kn + vn + 2);

	if (s) {
		memcpy(s, k, kn);
		s[kn] = '=';
		memcpy(s + kn + 1, v, vn);
	}
	return s;
}

/*
 * PATH, HOME, USER, LOGNAME, the defaults, then the request's envs; a
 * later entry wins.  Nothing else is inherited.
 */
static char **
build_env(struct rpc_call *c, const struct user *u,
    const struct process_ProcessConfig *cfg)
{
	const struct env_var *dv;
	const char *path = getenv("PATH");
	size_t nd, n = 0, i;
	char **env, *kv;

	dv = env_list(&nd);
	if ((env = rpc_alloc(c, (nd + cfg->n_envs + 5) * sizeof(*env))) ==
	    NULL)
		return NULL;
	path = path ? path : DEFAULT_PATH;
	env_put(env, &n, env_join(c, "PATH", 4, path, strlen(path)));
	env_put(env, &n, env_join(c, "HOME", 4, u->home, strlen(u->home)));
	env_put(env, &n, env_join(c, "USER", 4, u->name, strlen(u->name)));
	env_put(env, &n, env_join(c, "LOGNAME", 7, u->name, strlen(u->name)));
	for (i = 0; i < nd; i++)
		env_put(env, &n, env_join(c, dv[i].name, strlen(dv[i].name),
		    dv[i].value, strlen(dv[i].value)));
	for (i = 0; i < cfg->n_envs; i++) {
		const struct pb_kv *e = &cfg->envs[i];

		if (e->key.n == 0 || memchr(e->key.p, '=', e->key.n) ||
		    has_nul(e->key.p, e->key.n) ||
		    has_nul(e->value.p, e->value.n))
			continue;
		kv = env_join(c, e->key.p, e->key.n, e->value.p, e->value.n);
		env_put(env, &n, kv);
	}
	for (i = 0; i < n; i++)
		if (env[i] == NULL)
			return NULL;
	return env;
}

static char **
build_argv(struct rpc_call *c, const struct process_ProcessConfig *cfg)
{
	char **argv = rpc_alloc(c, (cfg->n_args + 2) * sizeof(*argv));
	size_t i;

	if (argv == NULL || (argv[0] = cstr(c, &cfg->cmd)) == NULL ||
	    cfg->cmd.n == 0)
		return NULL;
	for (i = 0; i < cfg->n_args; i++)
		if ((argv[i + 1] = cstr(c, &cfg->args[i])) == NULL)
			return NULL;
	return argv;
}

/* The working directory; NULL after rpc_fail(). */
static char *
resolve_cwd(struct rpc_call *c, const struct user *u,
    const struct process_ProcessConfig *cfg)
{
	static const struct pb_bytes none;
	const struct pb_bytes *cwd = cfg->has & process_ProcessConfig_cwd ?
	    &cfg->cwd : &none;
	char *out = rpc_alloc(c, PATH_MAX);
	struct stat st;
	int rc;

	if (out == NULL)
		return NULL;
	if (path_resolve(cwd->p, cwd->n, u, out, PATH_MAX) < 0) {
		rpc_fail(c, RPC_INVALID_ARGUMENT, "invalid cwd");
		return NULL;
	}
	if (*out == '\0')
		strcpy(out, "/");
	user_enter(u);
	rc = stat(out, &st);
	user_leave();
	if (rc < 0 || !S_ISDIR(st.st_mode)) {
		rpc_fail(c, RPC_INVALID_ARGUMENT, "cwd '%s' does not exist",
		    out);
		return NULL;
	}
	return out;
}

static void
watch_fd(struct watch *w, int fd, void (*cb)(struct watch *, short),
    struct proc *p)
{
	*w = (struct watch){ .fd = fd, .cb = cb, .arg = p, .slot = -1 };
	if (fd >= 0 && loop_add(w) < 0) {
		/* Out of watch slots: the descriptor is dropped. */
		close(fd);
		w->fd = -1;
	}
}

static struct proc *
new_proc(struct rpc_call *c, const struct spawn *sp,
    const struct process_StartRequest *r)
{
	struct proc *p = calloc(1, sizeof(*p));
	size_t n = pb_encoded_size(&pbm_process_ProcessConfig, &r->process);

	if (p == NULL || (p->config = malloc(n ? n : 1)) == NULL) {
		free(p);
		return NULL;
	}
	pb_encode(&pbm_process_ProcessConfig, &r->process, p->config, n,
	    &p->config_len);
	if ((r->has & process_StartRequest_tag) &&
	    (p->tag.p = malloc(r->tag.n + 1)) != NULL) {
		memcpy(p->tag.p, r->tag.p, r->tag.n);
		p->tag.n = r->tag.n;
	}
	p->id = ++last_id;
	p->pid = sp->pid;
	p->pty = sp->pty;
	p->stall = (struct timer){ .cb = on_stall, .arg = p };
	watch_fd(&p->out_w, sp->out_fd, on_output, p);
	watch_fd(&p->err_w, sp->err_fd, on_output, p);
	watch_fd(&p->in_w, sp->in_fd, on_stdin, p);
	p->next = procs;
	procs = p;
	return p;
}

/* Spawns what r asks for as u; NULL after rpc_fail(). */
static struct proc *
launch(struct rpc_call *c, const struct process_StartRequest *r,
    const struct user *u)
{
	struct spawn sp = { .user = u };
	struct proc *p;
	int rc;

	if ((sp.cwd = resolve_cwd(c, u, &r->process)) == NULL)
		return NULL;
	sp.argv = build_argv(c, &r->process);
	sp.envp = build_env(c, u, &r->process);
	if (sp.argv == NULL || sp.envp == NULL) {
		rpc_fail(c, RPC_INVALID_ARGUMENT, "invalid command, argument "
		    "or environment");
		return NULL;
	}
	sp.pty = (r->has & process_StartRequest_pty) != 0;
	sp.cols = (unsigned short)r->pty.size.cols;
	sp.rows = (unsigned short)r->pty.size.rows;
	sp.want_stdin = !(r->has & process_StartRequest_stdin) || r->stdin_;
	sp.cgroup = sp.pty ? CG_PTY : CG_USER;
	if ((rc = spawn_start(&sp)) < 0) {
		rpc_fail_errno(c, -rc, "error starting process");
		return NULL;
	}
	if ((p = new_proc(c, &sp, r)) == NULL) {
		kill(sp.pid, SIGKILL);
		close(sp.out_fd);
		if (sp.err_fd >= 0)
			close(sp.err_fd);
		if (sp.in_fd >= 0)
			close(sp.in_fd);
		rpc_fail(c, RPC_RESOURCE_EXHAUSTED, "out of memory");
		return NULL;
	}
	log_msg(LOG_INFO, "process", "process started",
	    "pid=%d cmd=%s user=%s pty=%d", (int)p->pid, sp.argv[0], u->name,
	    sp.pty);
	return p;
}

static void
send_start(struct sub *s)
{
	struct process_ProcessEvent ev = { .has = process_ProcessEvent_start };

	ev.start.pid = (uint32_t)s->p->pid;
	send_event(s, &ev);
}

static void
follow(struct rpc_call *c, struct proc *p)
{
	struct sub *s = calloc(1, sizeof(*s));

	if (s == NULL) {
		rpc_fail(c, RPC_RESOURCE_EXHAUSTED, "out of memory");
		rpc_close(c);
		return;
	}
	s->p = p;
	s->c = c;
	s->next = p->subs;
	p->subs = s;
	c->st = s;
	send_start(s);
	update_reading(p);
}

/*
 * The Start's deadline passed: the process goes (Go), whether or not
 * its client is still there.
 */
static void
on_deadline(struct timer *t)
{
	struct proc *p = t->arg;

	kill(-p->pid, SIGKILL);
	p->signaled = 1;
	finish_if_done(p);
}

static void
start(struct rpc_call *c, const void *in)
{
	const struct process_StartRequest *r = in;
	struct proc *p;

	if (!(r->has & process_StartRequest_process)) {
		rpc_fail(c, RPC_INVALID_ARGUMENT, "process config required");
		rpc_close(c);
		return;
	}
	if ((p = launch(c, r, &c->user)) == NULL) {
		rpc_close(c);
		return;
	}
	if (c->deadline) {
		p->deadline = (struct timer){ .cb = on_deadline, .arg = p };
		timer_at(&p->deadline, c->deadline);
	}
	follow(c, p);
}

static void
connect_(struct rpc_call *c, const void *in)
{
	const struct process_ConnectRequest *r = in;
	struct proc *p = select_proc(c, &r->process,
	    r->has & process_ConnectRequest_process);

	if (p == NULL)
		rpc_close(c);
	else
		follow(c, p);
}

static void
follow_drain(struct rpc_call *c)
{
	struct sub *s = c->st;

	if (s && s->p)
		update_reading(s->p);
}

/* A follower is gone; the process runs on. */
static void
follow_done(struct rpc_call *c)
{
	struct sub *s = c->st, **pp;
	struct proc *p;

	if (s == NULL)
		return;
	if ((p = s->p) != NULL) {
		for (pp = &p->subs; *pp != s; pp = &(*pp)->next)
			;
		*pp = s->next;
		update_reading(p);
	}
	free(s);
}

static int
list(struct rpc_call *c, const void *in, void *out)
{
	struct process_ListResponse *r = out;
	struct process_ProcessInfo *pi;
	struct pb_arena a;
	struct proc *p;
	size_t n = 0;

	for (p = procs; p; p = p->next)
		n += !p->hidden;
	if ((r->processes = rpc_alloc(c, (n + 1) * sizeof(*pi))) == NULL)
		return rpc_fail(c, RPC_RESOURCE_EXHAUSTED, "out of memory");
	for (p = procs; p; p = p->next) {
		if (p->hidden)
			continue;
		pi = &r->processes[r->n_processes++];
		a.cap = 16 * p->config_len + 256;
		a.used = 0;
		if ((a.buf = rpc_alloc(c, a.cap)) == NULL ||
		    pb_decode(&pbm_process_ProcessConfig, &pi->config,
		    p->config, p->config_len, &a) < 0)
			return rpc_fail(c, RPC_INTERNAL, "process table damaged");
		pi->has = process_ProcessInfo_config;
		pi->pid = (uint32_t)p->pid;
		if (p->tag.p) {
			pi->has |= process_ProcessInfo_tag;
			pi->tag = p->tag;
		}
	}
	return 0;
}

static int
send_input(struct rpc_call *c, const void *in, void *out)
{
	const struct process_SendInputRequest *r = in;
	struct proc *p = select_proc(c, &r->process,
	    r->has & process_SendInputRequest_process);

	return p ? write_input(c, p, &r->input) : -1;
}

static struct proc *
proc_by_id(unsigned long long id)
{
	struct proc *p;

	for (p = procs; p && p->id != id; p = p->next)
		;
	return p;
}

/*
 * Client stream: a start naming the process, then data messages.  The
 * call keeps the process's id, not a pointer: it may end meanwhile.
 */
static void
stream_message(struct rpc_call *c, const void *in)
{
	const struct process_StreamInputRequest *r = in;
	unsigned long long *id = c->st;
	struct proc *p;

	if (r->has & process_StreamInputRequest_start) {
		p = select_proc(c, &r->start.process, r->start.has &
		    process_StreamInputRequest_StartEvent_process);
		if (p == NULL || (id == NULL &&
		    (id = c->st = rpc_alloc(c, sizeof(*id))) == NULL)) {
			rpc_fail(c, RPC_RESOURCE_EXHAUSTED, "out of memory");
			rpc_close(c);
			return;
		}
		*id = p->id;
		return;
	}
	if (!(r->has & process_StreamInputRequest_data))
		return;
	p = id ? proc_by_id(*id) : NULL;
	if (p == NULL || p->reaped) {
		rpc_fail(c, id ? RPC_NOT_FOUND : RPC_FAILED_PRECONDITION,
		    id ? "process ended" : "no start event received");
		rpc_close(c);
		return;
	}
	if (write_input(c, p, &r->data.input) < 0) {
		rpc_close(c);
		return;
	}
	/* Hold the sender while the process is slow to read. */
	if (p->inq_len >= PROC_STDIN_HIGH && p->held == NULL) {
		p->held = c;
		rpc_hold(c, 1);
	}
}

static void
stream_finish(struct rpc_call *c)
{
	static const struct process_StreamInputResponse ok;

	rpc_send(c, &ok);
	rpc_close(c);
}

static void
stream_done(struct rpc_call *c)
{
	struct proc *p;

	for (p = procs; p; p = p->next)
		if (p->held == c)
			p->held = NULL;
}

static int
close_stdin(struct rpc_call *c, const void *in, void *out)
{
	const struct process_CloseStdinRequest *r = in;
	struct proc *p = select_proc(c, &r->process,
	    r->has & process_CloseStdinRequest_process);

	if (p == NULL)
		return -1;
	if (p->pty)
		return rpc_fail(c, RPC_FAILED_PRECONDITION, "cannot close stdin "
		    "for PTY process \u2014 send Ctrl+D (0x04) instead");
	p->close_after = 1;
	if (p->in_w.fd >= 0)
		flush_stdin(p);
	return 0;
}

static int
send_signal(struct rpc_call *c, const void *in, void *out)
{
	const struct process_SendSignalRequest *r = in;
	struct proc *p;
	int sig = r->signal == SIGKILL ? SIGKILL :
	    r->signal == SIGTERM ? SIGTERM : 0;
	size_t i;

	if (sig == 0) {
		for (i = 0; i < pbe_process_Signal.n; i++)
			if (pbe_process_Signal.v[i].num == r->signal)
				return rpc_fail(c, RPC_UNIMPLEMENTED,
				    "invalid signal: %s",
				    pbe_process_Signal.v[i].name);
		return rpc_fail(c, RPC_UNIMPLEMENTED, "invalid signal: %d",
		    (int)r->signal);
	}
	if ((p = select_proc(c, &r->process,
	    r->has & process_SendSignalRequest_process)) == NULL)
		return -1;
	/*
	 * The whole group, so "sleep 1000 &" in a killed shell dies too.  A
	 * process already reaped may wait only for its output: end it now.
	 */
	if (kill(-p->pid, sig) < 0 && kill(p->pid, sig) < 0 && !p->reaped)
		return rpc_fail_errno(c, errno, "error sending signal");
	p->signaled = 1;
	finish_if_done(p);
	return 0;
}

static int
update(struct rpc_call *c, const void *in, void *out)
{
	const struct process_UpdateRequest *r = in;
	struct proc *p = select_proc(c, &r->process,
	    r->has & process_UpdateRequest_process);
	int rc;

	if (p == NULL)
		return -1;
	if (!(r->has & process_UpdateRequest_pty))
		return 0;
	if (!p->pty)
		return rpc_fail(c, RPC_FAILED_PRECONDITION,
		    "tty not assigned to process");
	if ((rc = spawn_resize(p->in_w.fd, (unsigned short)r->pty.size.cols,
	    (unsigned short)r->pty.size.rows)) < 0)
		return rpc_fail_errno(c, -rc, "error resizing tty");
	return 0;
}

#define PM(name, kind, in, out) "/process.Process/" name, kind, \
	&pbm_process_##in, &pbm_process_##out

const struct rpc_method process_methods[] = {
	{ PM("List", RPC_UNARY, ListRequest, ListResponse), .unary = list },
	{ PM("Connect", RPC_SERVER_STREAM, ConnectRequest, ConnectResponse),
	  .start = connect_, .drain = follow_drain, .done = follow_done,
	  .keepalive = &keepalive },
	{ PM("Start", RPC_SERVER_STREAM, StartRequest, StartResponse),
	  .start = start, .drain = follow_drain, .done = follow_done,
	  .keepalive = &keepalive },
	{ PM("Update", RPC_UNARY, UpdateRequest, UpdateResponse),
	  .unary = update },
	{ PM("StreamInput", RPC_CLIENT_STREAM, StreamInputRequest,
	  StreamInputResponse), .message = stream_message,
	  .finish = stream_finish, .done = stream_done },
	{ PM("SendInput", RPC_UNARY, SendInputRequest, SendInputResponse),
	  .unary = send_input },
	{ PM("SendSignal", RPC_UNARY, SendSignalRequest, SendSignalResponse),
	  .unary = send_signal },
	{ PM("CloseStdin", RPC_UNARY, CloseStdinRequest, CloseStdinResponse),
	  .unary = close_stdin },
	{ NULL },
};

/* see process.h */
void
process_start_cmd(const char *cmd)
{
	struct process_StartRequest r = { .has = process_StartRequest_process |
		process_StartRequest_tag };
	struct rpc_call *c = calloc(1, sizeof(*c));
	struct proc *p;

	if (c == NULL)
		return;
	r.process.cmd = (struct pb_bytes){ (char *)(uintptr_t)cmd,
		strlen(cmd) };
	r.tag = (struct pb_bytes){ "init-cmd", 8 };
	if (user_lookup(defaults_user(), strlen(defaults_user()),
	    &c->user) < 0 || (p = launch(c, &r, &c->user)) == NULL)
		log_msg(LOG_ERROR, "process", "--cmd not started", "cmd=%s "
		    "error=%s", cmd, c->errmsg);
	else
		p->hidden = 1;
	rpc_release(c);
}
