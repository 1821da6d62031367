/*
 * util.c: number formatting, comparisons and time stamps.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

/* see util.h */
size_t
fmt_u(char *p, unsigned long long v)
{
	char tmp[20];
	size_t n = 0, i;

	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	for (i = 0; i < n; i++)
		p[i] = tmp[n - 1 - i];
	return n;
}

/* see util.h */
size_t
fmt_u_hex(char *p, unsigned long long v)
{
	char tmp[16];
	size_t n = 0, i;

	do {
		tmp[n++] = "0123456789abcdef"[v & 15];
		v >>= 4;
	} while (v);
	for (i = 0; i < n; i++)
		p[i] = tmp[n - 1 - i];
	return n;
}

/* see util.h */
size_t
fmt_i(char *p, long long v)
{
	if (v >= 0)
		return fmt_u(p, (unsigned long long)v);
	*p = '-';
	return 1 + fmt_u(p + 1, -(unsigned long long)v);
}

/* see util.h */
size_t
fmt_u0(char *p, unsigned long long v, int width)
{
	char tmp[20];
	size_t n = fmt_u(tmp, v), i = 0;

	while ((int)(n + i) < width)
		p[i++] = '0';
	for (size_t j = 0; j < n; j++)
		p[i++] = tmp[j];
	return i;
}

/* see util.h */
int
hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* see util.h */
int
has_nul(const char *p, size_t n)
{
	return n > 0 && memchr(p, '\0', n) != NULL;
}

/* see util.h */
char *
dup_bytes(const char *p, size_t n)
{
	char *s = malloc(n + 1);

	if (s) {
		if (n)
			memcpy(s, p, n);
		s[n] = '\0';
	}
	return s;
}

static int
lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c + 32 : c;
}

/* see util.h */
int
eq_ci(const char *a, size_t n, const char *b)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (b[i] == '\0' || lower((unsigned char)a[i]) !=
		    lower((unsigned char)b[i]))
			return 0;
	return b[n] == '\0';
}

/* see util.h */
int
eq_s(const char *a, size_t n, const char *b)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (b[i] == '\0' || a[i] != b[i])
			return 0;
	return b[n] == '\0';
}

/* see util.h */
int
parse_u64(const char *p, size_t n, unsigned long long *v)
{
	unsigned long long x = 0;
	size_t i;

	if (n == 0 || n > 20)
		return -EINVAL;
	for (i = 0; i < n; i++) {
		unsigned d = (unsigned char)p[i] - '0';

		if (d > 9 || x > (~0ULL - d) / 10)
			return -EINVAL;
		x = x * 10 + d;
	}
	*v = x;
	return 0;
}

/* Days since 1970-01-01 of a proleptic Gregorian date. */
static int64_t
days_from_civil(int64_t y, unsigned m, unsigned d)
{
	int64_t era;
	unsigned yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

/* see util.h */
size_t
fmt_rfc3339_us(char *p, const struct timespec *ts)
{
	int64_t s = ts->tv_sec, days = s / 86400, rem = s % 86400;
	int64_t z, era, y;
	unsigned doe, yoe, doy, mp, d, m;
	size_t n = 0;

	if (rem < 0) {
		rem += 86400;
		days--;
	}
	z = days + 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = (unsigned)(z - era * 146097);
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	y = (int64_t)yoe + era * 400;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	d = doy - (153 * mp + 2) / 5 + 1;
	m = mp < 10 ? mp + 3 : mp - 9;
	y += m <= 2;
	n += fmt_u0(p + n, (unsigned long long)y, 4);
	p[n++] = '-';
	n += fmt_u0(p + n, m, 2);
	p[n++] = '-';
	n += fmt_u0(p + n, d, 2);
	p[n++] = 'T';
	n += fmt_u0(p + n, (unsigned long long)(rem / 3600), 2);
	p[n++] = ':';
	n += fmt_u0(p + n, (unsigned long long)(rem / 60 % 60), 2);
	p[n++] = ':';
	n += fmt_u0(p + n, (unsigned long long)(rem % 60), 2);
	p[n++] = '.';
	n += fmt_u0(p + n, (unsigned long long)(ts->tv_nsec / 1000), 6);
	p[n++] = 'Z';
	return n;
}

/* Reads exactly w digits at *i. */
static int
digits(const char *p, size_t n, size_t *i, int w, unsigned *v)
{
	unsigned x = 0;

	if (*i + (size_t)w > n)
		return -EINVAL;
	for (int k = 0; k < w; k++) {
		unsigned d = (unsigned char)p[*i + k] - '0';

		if (d > 9)
			return -EINVAL;
		x = x * 10 + d;
	}
	*i += (size_t)w;
	*v = x;
	return 0;
}

static int
expect(const char *p, size_t n, size_t *i, const char *set)
{
	if (*i >= n)
		return -EINVAL;
	for (; *set; set++)
		if (p[*i] == *set) {
			(*i)++;
			return 0;
		}
	return -EINVAL;
}

/* Fraction after the seconds, as nanoseconds. */
static int64_t
fraction(const char *p, size_t n, size_t *i)
{
	int64_t ns = 0, scale = 100000000;

	if (*i >= n || p[*i] != '.')
		return 0;
	for ((*i)++; *i < n && p[*i] >= '0' && p[*i] <= '9'; (*i)++) {
		ns += (p[*i] - '0') * scale;
		scale /= 10;
	}
	return ns;
}

/* see util.h */
int
parse_rfc3339(const char *p, size_t n, int64_t *ns)
{
	unsigned y, mo, d, h, mi, s, oh = 0, om = 0;
	size_t i = 0;
	int64_t frac, secs, off = 0;

	if (digits(p, n, &i, 4, &y) || expect(p, n, &i, "-") ||
	    digits(p, n, &i, 2, &mo) || expect(p, n, &i, "-") ||
	    digits(p, n, &i, 2, &d) || expect(p, n, &i, "Tt ") ||
	    digits(p, n, &i, 2, &h) || expect(p, n, &i, ":") ||
	    digits(p, n, &i, 2, &mi) || expect(p, n, &i, ":") ||
	    digits(p, n, &i, 2, &s))
		return -EINVAL;
	if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 ||
	    s > 60)
		return -EINVAL;
	frac = fraction(p, n, &i);
	if (i < n && (p[i] == 'Z' || p[i] == 'z')) {
		i++;
	} else if (i < n && (p[i] == '+' || p[i] == '-')) {
		int sign = p[i++] == '-' ? -1 : 1;

		if (digits(p, n, &i, 2, &oh) || expect(p, n, &i, ":") ||
		    digits(p, n, &i, 2, &om) || oh > 23 || om > 59)
			return -EINVAL;
		off = sign * (int64_t)(oh * 3600 + om * 60);
	} else {
		return -EINVAL;
	}
	if (i != n)
		return -EINVAL;
	secs = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s;
	*ns = (secs - off) * 1000000000 + frac;
	return 0;
}

/* see util.h */
int
ct_eq(const void *a, const void *b, size_t n)
{
	const unsigned char *x = a, *y = b;
	unsigned char r = 0;
	size_t i;

	for (i = 0; i < n; i++)
		r |= x[i] ^ y[i];
	return r == 0;
}

/* Appends n bytes if they fit, always leaving room for the NUL. */
static void
put_bytes(char *out, size_t cap, size_t *o, const char *p, size_t n)
{
	if (n > cap - 1 - *o)
		n = cap - 1 - *o;
	memcpy(out + *o, p, n);
	*o += n;
}

/* see util.h */
size_t
fmt_msg(char *out, size_t cap, const char *fmt, va_list ap)
{
	char num[24];
	const char *s;
	size_t o = 0, n;
	int prec;

	if (cap == 0)
		return 0;
	for (; *fmt; fmt++) {
		if (*fmt != '%' || fmt[1] == '\0') {
			put_bytes(out, cap, &o, fmt, 1);
			continue;
		}
		prec = -1;
		if (fmt[1] == '.' && fmt[2] == '*') {
			prec = va_arg(ap, int);
			fmt += 2;
		}
		switch (*++fmt) {
		case 's':
			s = va_arg(ap, const char *);
			n = prec >= 0 ? strnlen(s, (size_t)prec) : strlen(s);
			put_bytes(out, cap, &o, s, n);
			break;
		case 'd':
			put_bytes(out, cap, &o, num, fmt_i(num, va_arg(ap, int)));
			break;
		case 'u':
			put_bytes(out, cap, &o, num,
			    fmt_u(num, va_arg(ap, unsigned)));
			break;
		case 'z':
			fmt += fmt[1] == 'u';
			put_bytes(out, cap, &o, num,
			    fmt_u(num, va_arg(ap, size_t)));
			break;
		default:
			put_bytes(out, cap, &o, fmt, 1);
		}
	}
	out[o] = '\0';
	return o;
}
