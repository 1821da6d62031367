/*
 * util.h: small helpers on (pointer, length) bytes shared by every module:
 * number formatting without stdio, case-insensitive compares, RFC 3339.
 */
#ifndef UTIL_H
#define UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* Writes v in decimal at p (no NUL); returns the digit count (<= 20). */
size_t fmt_u(char *p, unsigned long long v);
/* Lowercase hexadecimal, no leading zeros; returns the length. */
size_t fmt_u_hex(char *p, unsigned long long v);
/* Signed; returns the length (<= 20). */
size_t fmt_i(char *p, long long v);
/* v in decimal, left-padded with zeros to width digits. */
size_t fmt_u0(char *p, unsigned long long v, int width);

/*
 * A message from a format with %s, %.*s, %d, %u, %zu and %% only (no
 * stdio); the result is always NUL-ended and cut to fit cap.  Returns
 * its length.
 */
size_t fmt_msg(char *out, size_t cap, const char *fmt, va_list ap);

/* The value of a hexadecimal digit, or -1. */
int hex_digit(char c);
/* 1 if the n bytes at p (NULL when n is 0) hold a NUL. */
int has_nul(const char *p, size_t n);
/* A NUL-ended heap copy of n bytes, or NULL. */
char *dup_bytes(const char *p, size_t n);

/* 1 if the n bytes at a equal the C string b, ignoring ASCII case. */
int eq_ci(const char *a, size_t n, const char *b);
/*
 * A message from a format with %s, %.*s, %d, %u, %zu and %% only (no
 * stdio); the result is always NUL-ended and cut to fit cap.  Returns
 * its length.
 */
size_t fmt_msg(char *out, size_t cap, const char *fmt, va_list ap);

/* 1 if the n bytes at a equal the C string b exactly. */
int eq_s(const char *a, size_t n, const char *b);

/* Parses a decimal integer that fills all n bytes; 0 or -EINVAL. */
int parse_u64(const char *p, size_t n, unsigned long long *v);

/* RFC 3339 UTC "2006-01-02T15:04:05.000000Z" for a time; returns length
 * (27 bytes; the caller gives at least 32). */
size_t fmt_rfc3339_us(char *p, const struct timespec *ts);
/* Parses an RFC 3339 date-time with optional fraction and a Z or +hh:mm
 * offset into nanoseconds since the epoch; 0 or -EINVAL. */
int parse_rfc3339(const char *p, size_t n, int64_t *ns);

/* Compares n bytes in time that does not depend on where they differ. */
int ct_eq(const void *a, const void *b, size_t n);

#endif
