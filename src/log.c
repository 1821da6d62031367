/*
 * log.c: JSON log lines on stdout.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "util.h"

#include "json.h"
#include "log.h"

int log_level = LOG_INFO;

static const char *const level_names[] = { "ERROR", "WARN", "INFO", "DEBUG" };

static const struct {
	int e;
	const char *name;
} errnos[] = {
	{ EPERM, "EPERM" }, { ENOENT, "ENOENT" }, { ESRCH, "ESRCH" },
	{ EINTR, "EINTR" }, { EIO, "EIO" }, { ENXIO, "ENXIO" },
	{ E2BIG, "E2BIG" }, { ENOEXEC, "ENOEXEC" }, { EBADF, "EBADF" },
	{ ECHILD, "ECHILD" }, { EAGAIN, "EAGAIN" }, { ENOMEM, "ENOMEM" },
	{ EACCES, "EACCES" }, { EFAULT, "EFAULT" }, { EBUSY, "EBUSY" },
	{ EEXIST, "EEXIST" }, { EXDEV, "EXDEV" }, { ENODEV, "ENODEV" },
	{ ENOTDIR, "ENOTDIR" }, { EISDIR, "EISDIR" }, { EINVAL, "EINVAL" },
	{ ENFILE, "ENFILE" }, { EMFILE, "EMFILE" }, { ENOTTY, "ENOTTY" },
	{ EFBIG, "EFBIG" }, { ENOSPC, "ENOSPC" }, { ESPIPE, "ESPIPE" },
	{ EROFS, "EROFS" }, { EMLINK, "EMLINK" }, { EPIPE, "EPIPE" },
	{ ERANGE, "ERANGE" }, { ENAMETOOLONG, "ENAMETOOLONG" },
	{ ENOTEMPTY, "ENOTEMPTY" }, { ELOOP, "ELOOP" },
	{ EADDRINUSE, "EADDRINUSE" }, { ECONNRESET, "ECONNRESET" },
	{ ETIMEDOUT, "ETIMEDOUT" }, { ECONNREFUSED, "ECONNREFUSED" },
	{ ENOSYS, "ENOSYS" }, { EOPNOTSUPP, "EOPNOTSUPP" },
	{ EPROTO, "EPROTO" }, { ENOBUFS, "ENOBUFS" }, { EDQUOT, "EDQUOT" },
};

/* see log.h */
const char *
errno_name(int e)
{
	size_t i;

	for (i = 0; i < sizeof(errnos) / sizeof(errnos[0]); i++)
		if (errnos[i].e == e)
			return errnos[i].name;
	return NULL;
}

/* see log.h */
void
log_init(void)
{
	const char *v = getenv("RUST_LOG");

	if (v == NULL)
		return;
	if (strcmp(v, "error") == 0)
		log_level = LOG_ERROR;
	else if (strcmp(v, "warn") == 0)
		log_level = LOG_WARN;
	else if (strcmp(v, "debug") == 0 || strcmp(v, "trace") == 0)
		log_level = LOG_DEBUG;
}

static void
put_field(struct jw *w, const char *key, size_t kn, char type, va_list *ap)
{
	const char *s, *name;
	int e;

	jw_key(w, key, kn);
	switch (type) {
	case 's':
		s = va_arg(*ap, const char *);
		jw_strz(w, s ? s : "");
		break;
	case 'b':
		s = va_arg(*ap, const char *);
		jw_str(w, s, va_arg(*ap, size_t));
		break;
	case 'd':
		jw_int(w, va_arg(*ap, int));
		break;
	case 'u':
		jw_uint(w, va_arg(*ap, unsigned));
		break;
	case 'l':
		jw_int(w, va_arg(*ap, long long));
		break;
	case 'e':
		e = va_arg(*ap, int);
		if ((name = errno_name(e)) != NULL)
			jw_strz(w, name);
		else
			jw_int(w, e);
		break;
	default:
		jw_null(w);
	}
}

/* Walks "key=%x key=%x" and writes one field per item. */
static void
put_fields(struct jw *w, const char *f, va_list *ap)
{
	const char *k, *eq;

	while (f && *f) {
		while (*f == ' ')
			f++;
		k = f;
		while (*f && *f != '=')
			f++;
		eq = f;
		if (*f != '=' || f[1] != '%' || f[2] == '\0')
			return;
		put_field(w, k, (size_t)(eq - k), f[2], ap);
		f += 3;
	}
}

static void
put_head(struct jw *w, char *line, const char *ts, size_t tn, int level,
    const char *target, const char *msg)
{
	jw_init(w, line, LOG_LINE_MAX);
	jw_obj(w);
	jw_keyz(w, "timestamp");
	jw_str(w, ts, tn);
	jw_keyz(w, "level");
	jw_strz(w, level_names[level]);
	jw_keyz(w, "target");
	jw_strz(w, target);
	jw_keyz(w, "message");
	jw_str(w, msg, strnlen(msg, 256));
}

/* see log.h */
void
log_msg(int level, const char *target, const char *msg,
    const char *fields, ...)
{
	char line[LOG_LINE_MAX + 2];
	char ts[32];
	size_t tn;
	struct timespec now;
	struct jw w;
	va_list ap;
	int saved = errno;
	ssize_t r;

	if (level > log_level)
		return;
	clock_gettime(CLOCK_REALTIME, &now);
	tn = fmt_rfc3339_us(ts, &now);
	put_head(&w, line, ts, tn, level, target, msg);
	va_start(ap, fields);
	put_fields(&w, fields, &ap);
	va_end(ap);
	jw_obj_end(&w);
	if (w.err) {
		/* Too long: keep the head and say the fields were dropped. */
		put_head(&w, line, ts, tn, level, target, msg);
		jw_keyz(&w, "truncated");
		jw_bool(&w, 1);
		jw_obj_end(&w);
	}
	line[w.len++] = '\n';
	do
		r = write(1, line, w.len);
	while (r < 0 && errno == EINTR);
	errno = saved;
}
