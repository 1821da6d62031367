/*
 * procfs.c: /proc/stat and /proc/meminfo.
 *
 *   /proc/stat:    "cpu  user nice system idle iowait irq softirq steal
 *                   guest guest_nice" then one "cpuN ..." line per CPU
 *   /proc/meminfo: "MemTotal:       16326412 kB", one field a line
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "procfs.h"
#include "util.h"

/* see procfs.h */
long
procfs_read(const char *path, char *buf, size_t cap)
{
	size_t n = 0;
	ssize_t r = 0;
	char probe;
	int fd, e = 0;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return -errno;
	while (n < cap - 1) {
		r = read(fd, buf + n, cap - 1 - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		n += (size_t)r;
	}
	if (r < 0)
		e = errno;
	else if (n == cap - 1 && read(fd, &probe, 1) == 1)
		e = EFBIG;
	close(fd);
	buf[n] = '\0';
	return e ? -e : (long)n;
}

/* Reads an unsigned decimal at *p, skipping blanks first. */
static int
next_u64(const char **p, const char *e, uint64_t *v)
{
	const char *s;
	unsigned long long x;

	while (*p < e && (**p == ' ' || **p == '\t'))
		(*p)++;
	for (s = *p; *p < e && **p >= '0' && **p <= '9'; (*p)++)
		;
	if (parse_u64(s, (size_t)(*p - s), &x))
		return -EINVAL;
	*v = x;
	return 0;
}

static const char *
line_next(const char *p, const char *e)
{
	const char *nl = memchr(p, '\n', (size_t)(e - p));

	return nl ? nl + 1 : e;
}

/* The fields after "cpu": at least four, up to steal (eight). */
static int
cpu_line(const char *p, const char *e, struct cpu_times *ct)
{
	uint64_t v[8] = { 0 };
	int i;

	for (i = 0; i < 8; i++)
		if (next_u64(&p, e, &v[i]))
			break;
	if (i < 4)
		return -EINVAL;
	ct->total = v[0] + v[1] + v[2] + v[3] + v[4] + v[5] + v[6] + v[7];
	ct->idle = v[3] + v[4];
	return 0;
}

/* see procfs.h */
int
procfs_parse_stat(const char *p, size_t n, struct cpu_times *ct)
{
	const char *e = p + n, *le;
	int seen = 0;

	ct->ncpu = 0;
	for (; p < e; p = line_next(p, e)) {
		le = memchr(p, '\n', (size_t)(e - p));
		if (le == NULL)
			le = e;
		if (le - p > 4 && memcmp(p, "cpu ", 4) == 0) {
			if (cpu_line(p + 4, le, ct))
				return -EINVAL;
			seen = 1;
		} else if (le - p > 3 && memcmp(p, "cpu", 3) == 0 &&
		    p[3] >= '0' && p[3] <= '9') {
			ct->ncpu++;
		}
	}
	return seen ? 0 : -EINVAL;
}

/* "Name:   123 kB" -> bytes, when the line names key. */
static int
mem_field(const char *p, const char *e, const char *key, uint64_t *v)
{
	size_t kn = strlen(key);
	uint64_t kb;

	if ((size_t)(e - p) <= kn || memcmp(p, key, kn) != 0 || p[kn] != ':')
		return 0;
	p += kn + 1;
	if (next_u64(&p, e, &kb))
		return -EINVAL;
	*v = kb * 1024;
	return 1;
}

/* see procfs.h */
int
procfs_parse_meminfo(const char *p, size_t n, struct meminfo *mi)
{
	const char *e = p + n, *le;
	int have_total = 0, r;

	memset(mi, 0, sizeof(*mi));
	for (; p < e; p = line_next(p, e)) {
		le = memchr(p, '\n', (size_t)(e - p));
		if (le == NULL)
			le = e;
		if ((r = mem_field(p, le, "MemTotal", &mi->total)) < 0)
			return -EINVAL;
		have_total |= r;
		if (mem_field(p, le, "MemAvailable", &mi->available) < 0 ||
		    mem_field(p, le, "Cached", &mi->cached) < 0)
			return -EINVAL;
	}
	if (mi->available > mi->total)
		mi->available = mi->total;
	return have_total ? 0 : -EINVAL;
}

/* see procfs.h */
double
procfs_cpu_pct(const struct cpu_times *a, const struct cpu_times *b)
{
	uint64_t dt, di;
	double pct;

	if (b->total <= a->total)
		return 0;
	dt = b->total - a->total;
	di = b->idle >= a->idle ? b->idle - a->idle : 0;
	if (di >= dt)
		return 0;
	pct = (double)(dt - di) * 100.0 / (double)dt;
	return pct > 100.0 ? 100.0 : pct;
}
