/*
 * json.h: a bounded JSON writer and a JSON pull reader (RFC 8259).
 *
 * Neither side allocates. The writer appends to a buffer the caller owns
 * and never writes past its capacity: on overflow it records -ENOBUFS and
 * writes nothing more, so a caller checks w->err once, at the end. Misuse
 * (a value where a key is due, a close that does not match, nesting past
 * JSON_MAXDEPTH, a second top-level value) records -EINVAL the same way;
 * the first error wins. The writer emits valid UTF-8 whatever it is given:
 * invalid bytes in strings become U+FFFD.
 *
 * The reader hands out one token per call from a buffer the caller owns.
 * The buffer need not end in NUL and is never read past its end. String
 * tokens are decoded in place, so the buffer is modified and token bytes
 * stay valid as long as the buffer does; a decoded string may contain NUL
 * (from \u0000), so check before passing one to a system call. Nesting is
 * tracked in a fixed stack, never by recursion. The reader is strict: one
 * value, no comments, no trailing commas, no NaN, valid UTF-8 only.
 * Numbers are returned as their raw text; jr_i64(), jr_u64() and
 * jr_double() convert them, and also accept number text inside a string
 * because proto3 JSON sends 64-bit integers that way.
 */
#ifndef JSON_H
#define JSON_H

#include <stddef.h>

/* Nesting bound for reader and writer; proto3 JSON messages here nest < 8. */
#define JSON_MAXDEPTH 64

/*
 * Writer. need_comma[] and after_key are private; need_comma[0] is the top
 * level, need_comma[d] the container opened at depth d.
 */
struct jw {
	char *buf;
	size_t cap, len;
	int err;		/* 0, -ENOBUFS or -EINVAL; sticky */
	int depth;
	unsigned char need_comma[JSON_MAXDEPTH + 1];
	unsigned char after_key;
};

/* Start writing into buf[0..cap). */
void jw_init(struct jw *w, char *buf, size_t cap);
/* Open and close an object or an array. */
void jw_obj(struct jw *w);
void jw_obj_end(struct jw *w);
void jw_arr(struct jw *w);
void jw_arr_end(struct jw *w);
/* An object key, escaped like a string; exactly one value must follow. */
void jw_key(struct jw *w, const char *k, size_t n);
void jw_keyz(struct jw *w, const char *k);
/* A string value: '"', '\\' and bytes < 0x20 escaped, bad UTF-8 -> U+FFFD. */
void jw_str(struct jw *w, const char *s, size_t n);
void jw_strz(struct jw *w, const char *s);
void jw_int(struct jw *w, long long v);
void jw_uint(struct jw *w, unsigned long long v);
/*
 * v rounded to decimals places (0..9), no exponent, trailing zeros and a
 * bare '.' trimmed, never "-0"; NaN and infinities are written as 0.
 * |v| * 10^decimals of 9e18 or more sets w->err to -EINVAL.
 */
void jw_fixed(struct jw *w, double v, int decimals);
void jw_bool(struct jw *w, int v);
void jw_null(struct jw *w);
/* A value that is already JSON; copied as is, not checked. */
void jw_raw(struct jw *w, const char *s, size_t n);

/* Token types; jr_next() returns one of these. */
enum {
	JT_ERR = -1, JT_END = 0, JT_OBJ, JT_OBJ_END, JT_ARR, JT_ARR_END,
	JT_KEY, JT_STR, JT_NUM, JT_TRUE, JT_FALSE, JT_NULL
};

/*
 * A token. KEY and STR: the decoded bytes, not NUL-terminated. NUM: the
 * raw number text. Other types: s is NULL and n is 0.
 */
struct jtok {
	int type;
	char *s;
	size_t n;
};

/* Reader. All fields but err are private. */
struct jr {
	char *p, *end;
	int depth;
	unsigned char stack[JSON_MAXDEPTH];
	int state;
	const char *err;	/* after JT_ERR: what was wrong, in English */
};

/* Read the one JSON value in buf[0..len); buf is modified by decoding. */
void jr_init(struct jr *r, char *buf, size_t len);
/*
 * Read the next token into t and return its type. JT_END once the value
 * and any whitespace after it are consumed; JT_END again after that.
 * JT_ERR on malformed input, with r->err set; every later call too.
 */
int jr_next(struct jr *r, struct jtok *t);
/*
 * t is the token just read. If it opened an object or an array, read
 * through the matching close. Returns 0, or JT_ERR (r->err set).
 */
int jr_skip(struct jr *r, const struct jtok *t);
/*
 * The integer value of a JT_NUM, or of a JT_STR holding number text
 * ("12", "1.0", "1e2" are integers; "1.5" is not). 0, or -EINVAL if t is
 * not an integer in range. *v is written only on success.
 */
int jr_i64(const struct jtok *t, long long *v);
int jr_u64(const struct jtok *t, unsigned long long *v);
/*
 * The value of a JT_NUM, or of a JT_STR holding number text, "NaN",
 * "Infinity" or "-Infinity". 0, or -EINVAL (not a number, out of range,
 * or number text over 511 bytes).
 */
int jr_double(const struct jtok *t, double *v);
/* 1 if the token's bytes equal the NUL-terminated lit, else 0. */
int jr_eq(const struct jtok *t, const char *lit);

#endif
