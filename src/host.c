/*
 * host.c: /health, /metrics, /envs, /init, /snapshot/prepare.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statfs.h>
#include <time.h>
#include <unistd.h>

#include "auth.h"
#include "conn.h"
#include "defaults.h"
#include "host.h"
#include "json.h"
#include "log.h"
#include "loop.h"
#include "mount.h"
#include "procfs.h"
#include "util.h"

#define HOSTS_FILE "/etc/hosts"
#define HOSTS_MAX (1 << 20)		/* bound on /etc/hosts we rewrite */
#define EVENTS_HOST "events.wrenn.local"
#define STAT_BUF 65536			/* /proc/stat of a few hundred CPUs */

static struct timer cpu_timer;
static struct cpu_times cpu_prev;
static double cpu_pct;
static int cpu_count;
static int needs_restore;
static int64_t newest_init_ns = INT64_MIN;

static void
sample_cpu(struct timer *t)
{
	static char buf[STAT_BUF];
	struct cpu_times now;
	long n;

	n = procfs_read("/proc/stat", buf, sizeof(buf));
	if (n >= 0 && procfs_parse_stat(buf, (size_t)n, &now) == 0) {
		if (cpu_prev.total)
			cpu_pct = procfs_cpu_pct(&cpu_prev, &now);
		cpu_prev = now;
		cpu_count = now.ncpu;
	}
	timer_at(t, loop_now() + CPU_SAMPLE_MS);
}

/* see host.h */
void
host_start(void)
{
	cpu_timer.cb = sample_cpu;
	sample_cpu(&cpu_timer);
	/* Like the Rust agent, report no CPU until a full second passed. */
	cpu_count = 0;
}

/* Post-restore recovery, once per snapshot cycle. */
static void
restore_if_needed(void)
{
	if (!needs_restore)
		return;
	needs_restore = 0;
	log_msg(LOG_INFO, "snapshot", "post-restore recovery", NULL);
	conn_snapshot_restore();
}

/* see host.h */
void
host_health(struct xch *x)
{
	static const char body[] = "{\"version\":\"" ENVD_VERSION "\"}";

	restore_if_needed();
	xch_reply_nostore(x, 200, "application/json", body, sizeof(body) - 1);
}

static void
put_u64(struct jw *w, const char *key, uint64_t v)
{
	jw_keyz(w, key);
	jw_uint(w, v);
}

/* see host.h */
void
host_metrics(struct xch *x)
{
	char buf[8192], out[512];
	struct meminfo mi;
	struct statfs sf;
	struct jw w;
	uint64_t used, dtotal, davail;
	long n;

	n = procfs_read("/proc/meminfo", buf, sizeof(buf));
	if (n < 0 || procfs_parse_meminfo(buf, (size_t)n, &mi) < 0 ||
	    statfs("/", &sf) < 0) {
		xch_reply_nostore(x, 500, NULL, "", 0);
		return;
	}
	used = mi.total - mi.available;
	dtotal = (uint64_t)sf.f_blocks * (uint64_t)sf.f_bsize;
	davail = (uint64_t)sf.f_bavail * (uint64_t)sf.f_bsize;
	jw_init(&w, out, sizeof(out));
	jw_obj(&w);
	jw_keyz(&w, "ts");
	jw_int(&w, (long long)time(NULL));
	jw_keyz(&w, "cpu_count");
	jw_int(&w, cpu_count);
	jw_keyz(&w, "cpu_used_pct");
	jw_fixed(&w, cpu_pct, 2);
	put_u64(&w, "mem_total_mib", mi.total >> 20);
	put_u64(&w, "mem_used_mib", used >> 20);
	put_u64(&w, "mem_total", mi.total);
	put_u64(&w, "mem_used", used);
	put_u64(&w, "mem_cache", mi.cached);
	put_u64(&w, "disk_used", dtotal > davail ? dtotal - davail : 0);
	put_u64(&w, "disk_total", dtotal);
	jw_obj_end(&w);
	xch_reply_nostore(x, 200, "application/json", out, w.len);
}

/* see host.h */
void
host_envs(struct xch *x)
{
	const struct env_var *v;
	struct jw w;
	size_t n, i, cap = 64;
	char *buf;

	v = env_list(&n);
	for (i = 0; i < n; i++)
		cap += 6 * (strlen(v[i].name) + strlen(v[i].value)) + 8;
	if ((buf = malloc(cap)) == NULL) {
		xch_error(x, 500, "out of memory");
		return;
	}
	jw_init(&w, buf, cap);
	jw_obj(&w);
	for (i = 0; i < n; i++) {
		jw_keyz(&w, v[i].name);
		jw_strz(&w, v[i].value);
	}
	jw_obj_end(&w);
	xch_reply_nostore(x, 200, "application/json", buf, w.len);
	free(buf);
}

#define INIT_MOUNTS_MAX 16		/* volumeMounts per request */

struct init_req {
	struct jtok token, user, workdir, hyperloop;
	int has_token, has_ts;
	int64_t ts_ns;
	struct jtok *env;		/* name, value pairs */
	size_t nenv;
	struct jtok mounts[INIT_MOUNTS_MAX][2];	/* nfs_target, path */
	size_t nmounts;
};

/* "1714650000.5": seconds since the epoch, with an optional fraction. */
static int
parse_secs(const char *p, size_t n, int64_t *ns)
{
	const char *dot = memchr(p, '.', n);
	size_t in = dot ? (size_t)(dot - p) : n, i;
	unsigned long long s;
	int64_t frac = 0, scale = 100000000;

	if (parse_u64(p, in, &s) || s > INT64_MAX / 1000000000 - 1 ||
	    (dot && in + 1 == n))
		return -EINVAL;
	for (i = in + 1; dot && i < n; i++) {
		if (p[i] < '0' || p[i] > '9')
			return -EINVAL;
		frac += (p[i] - '0') * scale;
		scale /= 10;
	}
	*ns = (int64_t)s * 1000000000 + frac;
	return 0;
}

static int
parse_timestamp(const struct jtok *t, int64_t *ns)
{
	if (t->type != JT_STR && t->type != JT_NUM)
		return -EINVAL;
	if (parse_rfc3339(t->s, t->n, ns) == 0)
		return 0;
	return parse_secs(t->s, t->n, ns);
}

static int
parse_env(struct jr *r, struct init_req *q, const char **err)
{
	struct jtok k, v;
	struct jtok *nv;
	size_t cap = 0;

	if (jr_next(r, &k) != JT_OBJ)
		return *err = "envVars must be an object", -EINVAL;
	while (jr_next(r, &k) == JT_KEY) {
		if (jr_next(r, &v) != JT_STR)
			return *err = "envVars values must be strings", -EINVAL;
		if (q->nenv == DEFAULTS_ENV_MAX)
			return *err = "too many envVars", -EINVAL;
		if (q->nenv * 2 == cap) {
			cap = cap ? cap * 2 : 32;
			nv = realloc(q->env, cap * sizeof(*nv));
			if (nv == NULL)
				return *err = "out of memory", -ENOMEM;
			q->env = nv;
		}
		q->env[q->nenv * 2] = k;
		q->env[q->nenv * 2 + 1] = v;
		q->nenv++;
	}
	return k.type == JT_OBJ_END ? 0 : (*err = "bad envVars", -EINVAL);
}

static int
parse_mount(struct jr *r, struct jtok m[2], const char **err)
{
	struct jtok k, v;

	m[0].type = m[1].type = JT_ERR;
	while (jr_next(r, &k) == JT_KEY) {
		if (jr_next(r, &v) == JT_ERR || jr_skip(r, &v) == JT_ERR)
			return *err = "bad volumeMounts entry", -EINVAL;
		if (jr_eq(&k, "nfs_target") && v.type == JT_STR)
			m[0] = v;
		else if (jr_eq(&k, "path") && v.type == JT_STR)
			m[1] = v;
	}
	if (k.type != JT_OBJ_END || m[0].type != JT_STR ||
	    m[1].type != JT_STR)
		return *err = "volumeMounts entries need nfs_target and path",
		    -EINVAL;
	return 0;
}

static int
parse_mounts(struct jr *r, struct init_req *q, const char **err)
{
	struct jtok t;

	if (jr_next(r, &t) != JT_ARR)
		return *err = "volumeMounts must be an array", -EINVAL;
	while (jr_next(r, &t) == JT_OBJ) {
		if (q->nmounts == INIT_MOUNTS_MAX)
			return *err = "too many volumeMounts", -EINVAL;
		if (parse_mount(r, q->mounts[q->nmounts++], err))
			return -EINVAL;
	}
	return t.type == JT_ARR_END ? 0 :
	    (*err = "volumeMounts must hold objects", -EINVAL);
}

/* A string member, or null, which counts as absent. */
static int
string_field(struct jr *r, struct jtok *t, int *has, const char **err,
    const char *what)
{
	if (jr_next(r, t) == JT_NULL)
		return 0;
	if (t->type != JT_STR)
		return *err = what, -EINVAL;
	if (has)
		*has = 1;
	return 0;
}

static int
parse_member(struct jr *r, const struct jtok *k, struct init_req *q,
    const char **err)
{
	struct jtok t;

	if (jr_eq(k, "accessToken"))
		return string_field(r, &q->token, &q->has_token, err,
		    "accessToken must be a string");
	if (jr_eq(k, "defaultUser"))
		return string_field(r, &q->user, NULL, err,
		    "defaultUser must be a string");
	if (jr_eq(k, "defaultWorkdir"))
		return string_field(r, &q->workdir, NULL, err,
		    "defaultWorkdir must be a string");
	if (jr_eq(k, "hyperloopIP"))
		return string_field(r, &q->hyperloop, NULL, err,
		    "hyperloopIP must be a string");
	if (jr_eq(k, "envVars"))
		return parse_env(r, q, err);
	if (jr_eq(k, "volumeMounts"))
		return parse_mounts(r, q, err);
	if (jr_next(r, &t) == JT_ERR || jr_skip(r, &t) == JT_ERR)
		return *err = r->err, -EINVAL;
	if (jr_eq(k, "timestamp") && t.type != JT_NULL) {
		if (parse_timestamp(&t, &q->ts_ns))
			return *err = "timestamp is neither an RFC 3339 "
			    "date-time nor seconds since the epoch",
			    -EINVAL;
		q->has_ts = 1;
	}
	return 0;
}

static int
parse_init(char *body, size_t n, struct init_req *q, const char **err)
{
	struct jr r;
	struct jtok k;

	jr_init(&r, body, n);
	if (jr_next(&r, &k) != JT_OBJ)
		return *err = k.type == JT_ERR ? r.err :
		    "body must be a JSON object", -EINVAL;
	while (jr_next(&r, &k) == JT_KEY)
		if (parse_member(&r, &k, q, err))
			return -EINVAL;
	if (k.type != JT_OBJ_END || jr_next(&r, &k) != JT_END)
		return *err = r.err ? r.err : "malformed JSON", -EINVAL;
	return 0;
}

/* Rules a and c of the token check (there is no metadata service). */
static int
token_allowed(const struct init_req *q, const char **err)
{
	int given = q->has_token && q->token.n > 0;

	if (!auth_token_set())
		return 1;
	if (given && auth_token_eq(q->token.s, q->token.n))
		return 1;
	*err = given ? "access token validation failed" :
	    "access token reset not authorized";
	return 0;
}

/* Points EVENTS_HOST at ip in /etc/hosts, rewriting the file in place. */
static int
write_hosts_entry(const char *ip)
{
	static char old[HOSTS_MAX];
	char *out, *p, *e, *nl;
	size_t o = 0, iplen = strlen(ip);
	long n;
	int fd, rc = 0;

	if ((n = procfs_read(HOSTS_FILE, old, sizeof(old))) < 0 &&
	    n != -ENOENT)
		return (int)n;
	if (n < 0)
		n = 0;
	if ((out = malloc((size_t)n + iplen + sizeof(EVENTS_HOST) + 3)) ==
	    NULL)
		return -ENOMEM;
	for (p = old, e = old + n; p < e; p = nl) {
		nl = memchr(p, '\n', (size_t)(e - p));
		nl = nl ? nl + 1 : e;
		if (memmem(p, (size_t)(nl - p), EVENTS_HOST,
		    sizeof(EVENTS_HOST) - 1))
			continue;
		memcpy(out + o, p, (size_t)(nl - p));
		o += (size_t)(nl - p);
		if (out[o - 1] != '\n')
			out[o++] = '\n';
	}
	o = (size_t)(stpcpy(stpcpy(stpcpy(out + o, ip), " "), EVENTS_HOST) -
	    out);
	out[o++] = '\n';
	fd = open(HOSTS_FILE, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0 || write(fd, out, o) != (ssize_t)o)
		rc = -errno;
	if (fd >= 0)
		close(fd);
	free(out);
	return rc;
}

static void
set_hyperloop(const struct jtok *t)
{
	char ip[INET6_ADDRSTRLEN + 1], url[INET6_ADDRSTRLEN + 16];
	unsigned char bin[16];
	int v6, rc;

	if (t->n == 0 || t->n >= sizeof(ip)) {
		log_msg(LOG_ERROR, "init", "bad hyperloopIP", NULL);
		return;
	}
	memcpy(ip, t->s, t->n);
	ip[t->n] = '\0';
	v6 = inet_pton(AF_INET6, ip, bin) == 1;
	if (!v6 && inet_pton(AF_INET, ip, bin) != 1) {
		log_msg(LOG_ERROR, "init", "bad hyperloopIP", "ip=%s", ip);
		return;
	}
	if ((rc = write_hosts_entry(ip)) < 0) {
		log_msg(LOG_ERROR, "init", "hosts file update failed",
		    "path=%s errno=%e", HOSTS_FILE, -rc);
		return;
	}
	stpcpy(stpcpy(stpcpy(stpcpy(url, "http://"), v6 ? "[" : ""), ip),
	    v6 ? "]" : "");
	env_set("WRENN_EVENTS_ADDRESS", 20, url, strlen(url));
}

static void
apply_init(const struct init_req *q)
{
	size_t i;

	for (i = 0; i < q->nenv; i++)
		if (env_set(q->env[2 * i].s, q->env[2 * i].n,
		    q->env[2 * i + 1].s, q->env[2 * i + 1].n) < 0)
			log_msg(LOG_WARN, "init", "env var not set", "name=%b",
			    q->env[2 * i].s, q->env[2 * i].n);
	if (q->has_token && q->token.n > 0)
		auth_token_install(q->token.s, q->token.n);
	else
		auth_token_clear();
	if (q->hyperloop.type == JT_STR)
		set_hyperloop(&q->hyperloop);
	if (q->user.type == JT_STR && q->user.n > 0)
		defaults_set_user(q->user.s, q->user.n);
	if (q->workdir.type == JT_STR && q->workdir.n > 0)
		defaults_set_workdir(q->workdir.s, q->workdir.n);
	for (i = 0; i < q->nmounts; i++)
		mount_nfs_background(q->mounts[i][0].s, q->mounts[i][0].n,
		    q->mounts[i][1].s, q->mounts[i][1].n);
}

static void
init_body(struct xch *x, char *body, size_t n)
{
	struct init_req q;
	const char *err = NULL;
	size_t i;

	memset(&q, 0, sizeof(q));
	q.user.type = q.workdir.type = q.hyperloop.type = JT_ERR;
	for (i = 0; i < n && strchr(" \t\r\n", body[i]); i++)
		;
	if (i < n && parse_init(body, n, &q, &err) < 0) {
		xch_error(x, 400, err ? err : "malformed JSON");
		goto out;
	}
	/* Apply only what is newer than anything applied before. */
	if (!q.has_ts || q.ts_ns > newest_init_ns) {
		if (!token_allowed(&q, &err)) {
			xch_error(x, 401, err);
			goto out;
		}
		if (q.has_ts)
			newest_init_ns = q.ts_ns;
		apply_init(&q);
	}
	restore_if_needed();
	conn_snapshot_restore();
	xch_reply_nostore(x, 204, NULL, "", 0);
out:
	free(q.env);
}

/* see host.h */
void
host_init(struct xch *x)
{
	xch_collect(x, COLLECT_MAX, init_body);
}

/*
 * The steps before a pause, in order: drop the page cache (only as PID 1,
 * inside the VM), conntracker prepare, sync, needs-restore.  The reply goes
 * out with Connection: close since keep-alive is now off.
 */
/* see host.h */
void
host_snapshot_prepare(struct xch *x)
{
	int fd;

	log_msg(LOG_INFO, "snapshot", "prepare", NULL);
	if (getpid() == 1 &&
	    (fd = open("/proc/sys/vm/drop_caches", O_WRONLY | O_CLOEXEC)) >= 0) {
		if (write(fd, "1", 1) != 1)
			log_msg(LOG_WARN, "snapshot", "drop_caches failed",
			    "errno=%e", errno);
		close(fd);
	}
	conn_snapshot_prepare();
	sync();
	needs_restore = 1;
	xch_reply_nostore(x, 204, NULL, "", 0);
}
