/*
 * json_test.c: unit tests for src/json.c. Silent on success; prints each
 * failing case and exits 1.
 *
 * Reader cases are tables of input and the expected token trace. Each
 * input is read twice: from a heap copy of exactly its size (ASan sees
 * any over-read) and placed to end at a PROT_NONE page (any over-read
 * faults). Every proper prefix of each valid input is read at the guard
 * page too, and must be an error unless the prefix is itself JSON; a
 * number regex, not the code under test, decides that. Inputs are copied
 * afresh for every read because strings are decoded in place.
 *
 * Trace notation: { } [ ] for containers, k"..." a key, s"..." a string
 * (bytes outside printable ASCII, '"' and '\' as \xHH), n<text> a number,
 * true false null, $ the end, !<r->err> an error, ~ a skipped container.
 * "!!" marks a broken invariant found by the harness itself.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "json.h"

#define TRACE_MAX 16384

struct sb {
	char s[TRACE_MAX];
	size_t n;
};

struct rcase {
	const char *in;
	size_t len;
	const char *want;
};

struct scase {
	const char *in;
	int depth;
	const char *want;
};

struct ncase {
	const char *s;
	int type;
	int irc;
	long long iv;
	int urc;
	unsigned long long uv;
};

struct dcase {
	const char *s;
	int type;
	int rc;
	double v;
};

struct wcase {
	const char *in;
	size_t len;
	const char *want;
};

struct fcase {
	double v;
	int dec;
	const char *want;
};

struct ocase {
	const char *script;
	const char *want;
	int err;
};

#define C(in, want) { in, sizeof(in) - 1, want }
#define ERR_TRAIL "!trailing data after JSON value"
#define ERR_LONE "!lone surrogate in \\u escape"
#define ERR_UTF8 "!invalid UTF-8 in string"
#define ERR_CTRL "!control character in string"
#define ERR_EOF "!unexpected end of input"
#define ERR_CHAR "!unexpected character"
#define ERR_NUM "!invalid number"
#define ERR_LIT "!invalid literal"
#define FFFD "\xEF\xBF\xBD"

static const struct rcase valid[] = {
	C("{}", "{ } $"),
	C("[]", "[ ] $"),
	C("\"\"", "s\"\" $"),
	C("0", "n0 $"),
	C("-0", "n-0 $"),
	C("123", "n123 $"),
	C("-12.50e+3", "n-12.50e+3 $"),
	C("1E-2", "n1E-2 $"),
	C("0.0", "n0.0 $"),
	C("1e2", "n1e2 $"),
	C("true", "true $"),
	C("false", "false $"),
	C("null", "null $"),
	C(" \t\r\n7 \n", "n7 $"),
	C(" {\t\"a\" : 1 ,\r\n\"b\":[true,false,null,\"x\"]} \n",
	    "{ k\"a\" n1 k\"b\" [ true false null s\"x\" ] } $"),
	C("[[[]],{\"a\":{\"b\":{}}},[{}]]",
	    "[ [ [ ] ] { k\"a\" { k\"b\" { } } } [ { } ] ] $"),
	C("{\"a\":1,\"a\":2}", "{ k\"a\" n1 k\"a\" n2 } $"),
	C("[-1,0.5,1e-7,-0.0E0,123456789012345678901234567890]",
	    "[ n-1 n0.5 n1e-7 n-0.0E0 n123456789012345678901234567890 ] $"),
	C("\"\\\"\\\\\\/\\b\\f\\n\\r\\t\"",
	    "s\"\\x22\\x5c/\\x08\\x0c\\x0a\\x0d\\x09\" $"),
	C("\"\\u0041\\u00e9\\u20AC\\uD83D\\uDE00\"",
	    "s\"A\\xc3\\xa9\\xe2\\x82\\xac\\xf0\\x9f\\x98\\x80\" $"),
	C("\"\\ud83d\\ude00\"", "s\"\\xf0\\x9f\\x98\\x80\" $"),
	C("\"\\udbff\\udfff\"", "s\"\\xf4\\x8f\\xbf\\xbf\" $"),
	C("\"a\\u0000b\"", "s\"a\\x00b\" $"),
	C("\"\\u007f\\u0080\\u07ff\\u0800\\uffff\"",
	    "s\"\\x7f\\xc2\\x80\\xdf\\xbf\\xe0\\xa0\\x80\\xef\\xbf\\xbf\" $"),
	C("\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\x7f\"",
	    "s\"\\xc3\\xa9\\xe2\\x82\\xac\\xf0\\x9f\\x98\\x80\\x7f\" $"),
	C("\"\xf4\x8f\xbf\xbf\xee\x80\x80\xe2\x80\xa8\xed\x9f\xbf\"",
	    "s\"\\xf4\\x8f\\xbf\\xbf\\xee\\x80\\x80\\xe2\\x80\\xa8"
	    "\\xed\\x9f\\xbf\" $"),
	C("{\"\\u0061b\":\"x\\ny\"}", "{ k\"ab\" s\"x\\x0ay\" } $"),
	C("[\"]\",\"[\",\"{\",\"}\",\":\",\",\"]",
	    "[ s\"]\" s\"[\" s\"{\" s\"}\" s\":\" s\",\" ] $"),
	C("{\"\":\"\"}", "{ k\"\" s\"\" } $"),
	C("[{}, [], \"\", 0, true]  ", "[ { } [ ] s\"\" n0 true ] $"),
};

static const struct rcase invalid[] = {
	C("", "!empty input"),
	C(" \n\t\r", "!empty input"),
	C("{} x", "{ } " ERR_TRAIL),
	C("[1]]", "[ n1 ] " ERR_TRAIL),
	C("1 2", "n1 " ERR_TRAIL),
	C("\"a\"\"b\"", "s\"a\" " ERR_TRAIL),
	C("falsey", "false " ERR_TRAIL),
	C("1\0", "n1 " ERR_TRAIL),
	C("[1]//", "[ n1 ] " ERR_TRAIL),
	C("[1,]", "[ n1 !trailing comma"),
	C("{\"a\":1,}", "{ k\"a\" n1 !trailing comma"),
	C("[1, ]", "[ n1 !trailing comma"),
	C("[,1]", "[ " ERR_CHAR),
	C("[1,,2]", "[ n1 " ERR_CHAR),
	C("{,}", "{ !expected string key"),
	C("{\"a\" 1}", "{ !expected ':' after key"),
	C("{\"a\"}", "{ !expected ':' after key"),
	C("{\"a\":1 \"b\":2}", "{ k\"a\" n1 !expected ',' or '}'"),
	C("[1 2]", "[ n1 !expected ',' or ']'"),
	C("{1:2}", "{ !expected string key"),
	C("{'a':2}", "{ !expected string key"),
	C("{\"a\":1]", "{ k\"a\" n1 !expected ',' or '}'"),
	C("[1}", "[ n1 !expected ',' or ']'"),
	C("[", "[ " ERR_EOF),
	C("{", "{ " ERR_EOF),
	C("{\"a\":", "{ k\"a\" " ERR_EOF),
	C("{\"a\"", "{ " ERR_EOF),
	C("[1,", "[ n1 " ERR_EOF),
	C("}", ERR_CHAR),
	C("]", ERR_CHAR),
	C(":", ERR_CHAR),
	C("\"abc", "!unterminated string"),
	C("\"abc\\", "!unterminated string"),
	C("\"\\x\"", "!invalid escape"),
	C("\"\\U0041\"", "!invalid escape"),
	C("\"\\'\"", "!invalid escape"),
	C("\"\\\0\"", "!invalid escape"),
	C("\"\\u12G4\"", "!invalid \\u escape"),
	C("\"\\u123\"", "!invalid \\u escape"),
	C("\"\\u\"", "!invalid \\u escape"),
	C("\"\\ud800\"", ERR_LONE),
	C("\"\\udc00\"", ERR_LONE),
	C("\"\\udfff\"", ERR_LONE),
	C("\"\\ud800\\u0041\"", ERR_LONE),
	C("\"\\ud800x\"", ERR_LONE),
	C("\"\\ud800\\n\"", ERR_LONE),
	C("\"\\ude00\\ud83d\"", ERR_LONE),
	C("\"\\ud83d\\ud83d\"", ERR_LONE),
	C("\"\xc0\x80\"", ERR_UTF8),
	C("\"\xc1\xbf\"", ERR_UTF8),
	C("\"\xed\xa0\x80\"", ERR_UTF8),
	C("\"\xed\xbf\xbf\"", ERR_UTF8),
	C("\"\xf4\x90\x80\x80\"", ERR_UTF8),
	C("\"\x80\"", ERR_UTF8),
	C("\"a\xbf\"", ERR_UTF8),
	C("\"\xc3\"", ERR_UTF8),
	C("\"\xc3x\"", ERR_UTF8),
	C("\"\xe2\x82\"", ERR_UTF8),
	C("\"\xe0\x80\xaf\"", ERR_UTF8),
	C("\"\xf0\x80\x80\xaf\"", ERR_UTF8),
	C("\"\xf0\x9f\x98\"", ERR_UTF8),
	C("\"\xf5\x80\x80\x80\"", ERR_UTF8),
	C("\"\xf8\x88\x80\x80\x80\"", ERR_UTF8),
	C("\"\xfe\xff\"", ERR_UTF8),
	C("{\"\xff\":1}", "{ " ERR_UTF8),
	C("\"a\x01b\"", ERR_CTRL),
	C("\"\0\"", ERR_CTRL),
	C("\"\x1f\"", ERR_CTRL),
	C("\"\t\"", ERR_CTRL),
	C("\"a\nb\"", ERR_CTRL),
	C("01", ERR_NUM),
	C("-01", ERR_NUM),
	C("00", ERR_NUM),
	C("+1", ERR_CHAR),
	C(".5", ERR_CHAR),
	C("1.", ERR_NUM),
	C("1.e3", ERR_NUM),
	C("1e", ERR_NUM),
	C("1e+", ERR_NUM),
	C("1E-x", ERR_NUM),
	C("-", ERR_NUM),
	C("- 1", ERR_NUM),
	C("-a", ERR_NUM),
	C("0x10", ERR_NUM),
	C("1.5.2", ERR_NUM),
	C("1a", ERR_NUM),
	C("1e5e5", ERR_NUM),
	C("[01]", "[ " ERR_NUM),
	C("[1.]", "[ " ERR_NUM),
	C("NaN", ERR_CHAR),
	C("Infinity", ERR_CHAR),
	C("-Infinity", ERR_NUM),
	C("tru", ERR_LIT),
	C("True", ERR_CHAR),
	C("nul", ERR_LIT),
	C("nulL", ERR_LIT),
	C("fals", ERR_LIT),
	C("[truex]", "[ true !expected ',' or ']'"),
	C("\f1", ERR_CHAR),
	C("\v1", ERR_CHAR),
	C("1\f", "n1 " ERR_TRAIL),
	C("\xc2\xa0" "1", ERR_CHAR),
	C("\xef\xbb\xbf{}", ERR_CHAR),
	C("/*x*/1", ERR_CHAR),
	C("'a'", ERR_CHAR),
	C("\0", ERR_CHAR),
	C("[\"a\",\"b\\q\"]", "[ s\"a\" !invalid escape"),
};

static const struct scase skips[] = {
	{ "{\"a\":{\"b\":[1,{\"c\":[]}]},\"d\":2}", 2,
	    "{ k\"a\" ~ k\"d\" n2 } $" },
	{ "{\"a\":{\"b\":[1,{\"c\":[]}]},\"d\":2}", 1, "~ $" },
	{ "{\"a\":{\"b\":[1,{\"c\":[]}]},\"d\":2}", 3,
	    "{ k\"a\" { k\"b\" ~ } k\"d\" n2 } $" },
	{ "[[1,[2,[3]]],[],{\"x\":[{}]}]", 2, "[ ~ ~ ~ ] $" },
	{ "[[1,[2,[3]]],[],{\"x\":[{}]}]", 3,
	    "[ [ n1 ~ ] [ ] { k\"x\" ~ } ] $" },
	{ "[\"]\\\"[\",{\"}\":\"{\"}]", 1, "~ $" },
	{ "[\"]\\\"[\",{\"}\":\"{\"}]", 2, "[ s\"]\\x22[\" ~ ] $" },
	{ "{\"a\":[1,2,],\"b\":1}", 2, "{ k\"a\" !trailing comma" },
	{ "{\"a\":[1,2,}],\"b\":1}", 2, "{ k\"a\" " ERR_CHAR },
	{ "[[1]", 1, ERR_EOF },
	{ "[[1] ", 2, "[ ~ " ERR_EOF },
	{ "[[1]] x", 1, "~ " ERR_TRAIL },
	{ "[[\"\\ud800\"]]", 2, "[ " ERR_LONE },
};

static const struct ncase nums[] = {
	{ "0", JT_NUM, 0, 0, 0, 0 },
	{ "-0", JT_NUM, 0, 0, 0, 0 },
	{ "-0.0e5", JT_NUM, 0, 0, 0, 0 },
	{ "1", JT_NUM, 0, 1, 0, 1 },
	{ "-1", JT_NUM, 0, -1, -EINVAL, 0 },
	{ "9223372036854775807", JT_NUM, 0, LLONG_MAX, 0, LLONG_MAX },
	{ "9223372036854775808", JT_NUM, -EINVAL, 0, 0,
	    9223372036854775808ULL },
	{ "-9223372036854775808", JT_NUM, 0, LLONG_MIN, -EINVAL, 0 },
	{ "-9223372036854775809", JT_NUM, -EINVAL, 0, -EINVAL, 0 },
	{ "18446744073709551615", JT_NUM, -EINVAL, 0, 0, ULLONG_MAX },
	{ "18446744073709551616", JT_NUM, -EINVAL, 0, -EINVAL, 0 },
	{ "99999999999999999999", JT_NUM, -EINVAL, 0, -EINVAL, 0 },
	{ "1.0", JT_NUM, 0, 1, 0, 1 },
	{ "1.5", JT_NUM, -EINVAL, 0, -EINVAL, 0 },
	{ "1e2", JT_NUM, 0, 100, 0, 100 },
	{ "1E+2", JT_NUM, 0, 100, 0, 100 },
	{ "100e-2", JT_NUM, 0, 1, 0, 1 },
	{ "1.50e1", JT_NUM, 0, 15, 0, 15 },
	{ "1e-2", JT_NUM, -EINVAL, 0, -EINVAL, 0 },
	{ "0.5e1", JT_NUM, 0, 5, 0, 5 },
	{ "0e5", JT_NUM, 0, 0, 0, 0 },
	{ "0.0e-99999999999999999999", JT_NUM, 0, 0, 0, 0 },
	{ "1e400", JT_NUM, -EINVAL, 0, -EINVAL, 0 },
	{ "1e-400", JT_NUM, -EINVAL, 0, -EINVAL, 0 },
	{ "1e99999999999999999999999", JT_NUM, -EINVAL, 0, -EINVAL, 0 },
	{ "1e19", JT_NUM, -EINVAL, 0, 0, 10000000000000000000ULL },
	{ "1e20", JT_NUM, -EINVAL, 0, -EINVAL, 0 },
	{ "1.8446744073709551615e19", JT_NUM, -EINVAL, 0, 0, ULLONG_MAX },
	{ "1.8446744073709551616e19", JT_NUM, -EINVAL, 0, -EINVAL, 0 },
	{ "-9.223372036854775808e18", JT_NUM, 0, LLONG_MIN, -EINVAL, 0 },
	{ "0.000000000000000000000000000001e30", JT_NUM, 0, 1, 0, 1 },
	{ "1000000000000000000000e-3", JT_NUM, 0, 1000000000000000000LL, 0,
	    1000000000000000000ULL },
	{ "12345678901234567890e-19", JT_NUM, -EINVAL, 0, -EINVAL, 0 },
	{ "123", JT_STR, 0, 123, 0, 123 },
	{ "-5", JT_STR, 0, -5, -EINVAL, 0 },
	{ "1.0", JT_STR, 0, 1, 0, 1 },
	{ "", JT_STR, -EINVAL, 0, -EINVAL, 0 },
	{ " 1", JT_STR, -EINVAL, 0, -EINVAL, 0 },
	{ "1 ", JT_STR, -EINVAL, 0, -EINVAL, 0 },
	{ "0x10", JT_STR, -EINVAL, 0, -EINVAL, 0 },
	{ "+1", JT_STR, -EINVAL, 0, -EINVAL, 0 },
	{ "01", JT_STR, -EINVAL, 0, -EINVAL, 0 },
	{ "1.", JT_STR, -EINVAL, 0, -EINVAL, 0 },
	{ "NaN", JT_STR, -EINVAL, 0, -EINVAL, 0 },
	{ "1", JT_KEY, -EINVAL, 0, -EINVAL, 0 },
	{ "true", JT_TRUE, -EINVAL, 0, -EINVAL, 0 },
};

static const struct dcase dbls[] = {
	{ "0", JT_NUM, 0, 0.0 },
	{ "-0", JT_NUM, 0, -0.0 },
	{ "1.5", JT_NUM, 0, 1.5 },
	{ "-2.5e-3", JT_NUM, 0, -2.5e-3 },
	{ "0.1", JT_NUM, 0, 0.1 },
	{ "1e308", JT_NUM, 0, 1e308 },
	{ "1e309", JT_NUM, -EINVAL, 0 },
	{ "-1e309", JT_NUM, -EINVAL, 0 },
	{ "1e-400", JT_NUM, 0, 0.0 },
	{ "4.9e-324", JT_NUM, 0, 4.9e-324 },
	{ "123456789012345678901234567890", JT_NUM, 0, 1.2345678901234568e29 },
	{ "9007199254740993", JT_NUM, 0, 9007199254740992.0 },
	{ "1.5", JT_STR, 0, 1.5 },
	{ "-7", JT_STR, 0, -7.0 },
	{ "NaN", JT_STR, 0, NAN },
	{ "Infinity", JT_STR, 0, INFINITY },
	{ "-Infinity", JT_STR, 0, -INFINITY },
	{ "nan", JT_STR, -EINVAL, 0 },
	{ "inf", JT_STR, -EINVAL, 0 },
	{ "+Infinity", JT_STR, -EINVAL, 0 },
	{ "", JT_STR, -EINVAL, 0 },
	{ "0x1p3", JT_STR, -EINVAL, 0 },
	{ " 1", JT_STR, -EINVAL, 0 },
	{ "1.", JT_STR, -EINVAL, 0 },
	{ "NaN", JT_NUM, -EINVAL, 0 },
	{ "1", JT_KEY, -EINVAL, 0 },
	{ "null", JT_NULL, -EINVAL, 0 },
};

static const struct wcase wstrs[] = {
	C("", "\"\""),
	C("abc", "\"abc\""),
	C("\"\\/", "\"\\\"\\\\/\""),
	C("\b\f\n\r\t", "\"\\b\\f\\n\\r\\t\""),
	C("\0\x01\x1f\x7f", "\"\\u0000\\u0001\\u001f\x7f\""),
	C("\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80",
	    "\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\""),
	C("\xf4\x8f\xbf\xbf\xef\xbf\xbf\xe2\x80\xa8\xe2\x80\xa9",
	    "\"\xf4\x8f\xbf\xbf\xef\xbf\xbf\xe2\x80\xa8\xe2\x80\xa9\""),
	C("\xc0\x80", "\"" FFFD FFFD "\""),
	C("\xc1\xbf", "\"" FFFD FFFD "\""),
	C("\xed\xa0\x80", "\"" FFFD FFFD FFFD "\""),
	C("\xf4\x90\x80\x80", "\"" FFFD FFFD FFFD FFFD "\""),
	C("\x80", "\"" FFFD "\""),
	C("a\xc3", "\"a" FFFD "\""),
	C("\xe2\x82", "\"" FFFD FFFD "\""),
	C("\xe2\x82z", "\"" FFFD FFFD "z\""),
	C("\xff\xfe", "\"" FFFD FFFD "\""),
	C("\xf0\x9f\x98", "\"" FFFD FFFD FFFD "\""),
	C("\xc3\xa9\xc3", "\"\xc3\xa9" FFFD "\""),
	C("\xe0\x80\x80", "\"" FFFD FFFD FFFD "\""),
	C("\xf0\x80\x80\x80", "\"" FFFD FFFD FFFD FFFD "\""),
	C("\xf8\x88\x80\x80\x80", "\"" FFFD FFFD FFFD FFFD FFFD "\""),
	C("\xc3\"\xa9", "\"" FFFD "\\\"" FFFD "\""),
	C("x\xed\x9f\xbfy", "\"x\xed\x9f\xbfy\""),
};

/* 12.345 is 12.3450000000000006394... in binary, so it rounds up. */
static const struct fcase fixeds[] = {
	{ 12.345, 2, "12.35" },
	{ 0, 2, "0" },
	{ 100, 2, "100" },
	{ -0.0001, 2, "0" },
	{ -0.0, 2, "0" },
	{ -0.0, 0, "0" },
	{ -0.4, 0, "0" },
	{ 12.5, 2, "12.5" },
	{ 3, 2, "3" },
	{ 0.1, 1, "0.1" },
	{ -1.26, 1, "-1.3" },
	{ 99.999, 2, "100" },
	{ 0.004, 2, "0" },
	{ 0.006, 2, "0.01" },
	{ -5, 0, "-5" },
	{ 1e17, 0, "100000000000000000" },
	{ 2.7, -1, "3" },
	{ 1.0 / 3, 30, "0.333333333" },
	{ 37.5, 2, "37.5" },
	{ NAN, 2, "0" },
	{ INFINITY, 2, "0" },
	{ -INFINITY, 2, "0" },
};

/*
 * Writer scripts: { } [ ] open and close, k a key "k", s the string "s",
 * i the integer 1, n null.
 */
static const struct ocase scripts[] = {
	{ "{ks}", "{\"k\":\"s\"}", 0 },
	{ "{kskn}", "{\"k\":\"s\",\"k\":null}", 0 },
	{ "[sin]", "[\"s\",1,null]", 0 },
	{ "[[][{}]]", "[[],[{}]]", 0 },
	{ "{k[i{ki}]kn}", "{\"k\":[1,{\"k\":1}],\"k\":null}", 0 },
	{ "i", "1", 0 },
	{ "{s}", "{", -EINVAL },
	{ "[k]", "[", -EINVAL },
	{ "k", "", -EINVAL },
	{ "{kk", "{\"k\":", -EINVAL },
	{ "{k}", "{\"k\":", -EINVAL },
	{ "{k]", "{\"k\":", -EINVAL },
	{ "[}", "[", -EINVAL },
	{ "{]", "{", -EINVAL },
	{ "}", "", -EINVAL },
	{ "]", "", -EINVAL },
	{ "ii", "1", -EINVAL },
	{ "{}{}", "{}", -EINVAL },
	{ "[]n", "[]", -EINVAL },
	{ "{s}i[]", "{", -EINVAL },
};

static int failures;
static char *guard_base;
static size_t page;

static void
fail_case(const char *what, const char *in, size_t n, const char *got,
    const char *want)
{
	size_t i;

	if (++failures > 50)
		return;
	printf("FAIL %s: input \"", what);
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)in[i];

		if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\')
			putchar(c);
		else
			printf("\\x%02x", c);
	}
	printf("\" (%zu bytes)\n  got:  %s\n  want: %s\n", n, got, want);
}

static void
sb_add(struct sb *b, const char *s, size_t n)
{
	if (n > sizeof b->s - 1 - b->n)
		n = sizeof b->s - 1 - b->n;
	memcpy(b->s + b->n, s, n);
	b->n += n;
	b->s[b->n] = '\0';
}

static void
sb_addz(struct sb *b, const char *s)
{
	sb_add(b, s, strlen(s));
}

static void
sb_quote(struct sb *b, const char *s, size_t n)
{
	char hex[8];
	size_t i;

	sb_add(b, "\"", 1);
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') {
			sb_add(b, s + i, 1);
		} else {
			snprintf(hex, sizeof hex, "\\x%02x", c);
			sb_addz(b, hex);
		}
	}
	sb_add(b, "\"", 1);
}

static void
guard_init(void)
{
	page = (size_t)sysconf(_SC_PAGESIZE);
	guard_base = mmap(NULL, 2 * page, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (guard_base == MAP_FAILED ||
	    mprotect(guard_base + page, page, PROT_NONE)) {
		perror("json_test: guard page");
		exit(1);
	}
}

/* A copy of s[0..n) that ends exactly where the PROT_NONE page starts. */
static char *
at_guard(const char *s, size_t n)
{
	char *p;

	if (n > page) {
		printf("FAIL: input of %zu bytes exceeds a page\n", n);
		exit(1);
	}
	p = guard_base + page - n;
	if (n)
		memcpy(p, s, n);
	return p;
}

static void
render(struct sb *o, const struct jtok *t, const struct jr *r)
{
	static const char *const plain[] = {
		[JT_END] = "$", [JT_OBJ] = "{", [JT_OBJ_END] = "}",
		[JT_ARR] = "[", [JT_ARR_END] = "]", [JT_TRUE] = "true",
		[JT_FALSE] = "false", [JT_NULL] = "null",
	};

	if (t->type == JT_ERR) {
		sb_addz(o, "!");
		sb_addz(o, r->err ? r->err : "!null err");
	} else if (t->type == JT_KEY || t->type == JT_STR) {
		sb_addz(o, t->type == JT_KEY ? "k" : "s");
		sb_quote(o, t->s, t->n);
	} else if (t->type == JT_NUM) {
		sb_addz(o, "n");
		sb_add(o, t->s, t->n);
	} else if (t->type >= 0 && t->type <= JT_NULL && plain[t->type]) {
		sb_addz(o, plain[t->type]);
	} else {
		sb_addz(o, "!!bad type");
	}
}

/* After JT_END or JT_ERR, the next call must say the same again. */
static void
check_sticky(struct sb *o, struct jr *r, int type)
{
	const char *err = r->err;
	struct jtok t;

	if (jr_next(r, &t) != type || r->err != err)
		sb_addz(o, " !!not sticky");
}

/* Check that every pointer the reader hands out stays inside buf. */
static int
in_bounds(const struct jr *r, const struct jtok *t, const char *buf,
    size_t n)
{
	if (r->p < buf || r->p > buf + n)
		return 0;
	if (t->s && (t->s < buf || t->s + t->n > r->p))
		return 0;
	return 1;
}

/*
 * Read buf to the end, appending the trace to o. Containers opened at
 * depth skip_depth are skipped with jr_skip(); jr_skip() on any other
 * token but an opener must do nothing.
 */
static void
trace(struct sb *o, char *buf, size_t n, int skip_depth)
{
	struct jr r;
	struct jtok t;
	size_t i;

	jr_init(&r, buf, n);
	for (i = 0; i <= n + 1; i++) {
		int type = jr_next(&r, &t), open;

		if (!in_bounds(&r, &t, buf, n)) {
			sb_addz(o, "!!out of bounds");
			return;
		}
		if (o->n)
			sb_addz(o, " ");
		open = type == JT_OBJ || type == JT_ARR;
		if (open && r.depth == skip_depth) {
			if (jr_skip(&r, &t) == 0) {
				sb_addz(o, "~");
				continue;
			}
			type = t.type = JT_ERR;
		}
		render(o, &t, &r);
		if (type == JT_END || type == JT_ERR) {
			check_sticky(o, &r, type);
			return;
		}
		if (!open && jr_skip(&r, &t) != 0)
			sb_addz(o, " !!skip of a scalar failed");
	}
	sb_addz(o, " !!no progress");
}

/* The trace of in[0..n), read whole from the heap and at the guard page. */
static int
trace_both(struct sb *o, const char *in, size_t n, int skip_depth)
{
	struct sb g;
	char *heap = malloc(n ? n : 1);

	if (!heap)
		exit(1);
	memcpy(heap, in, n);
	o->n = 0;
	trace(o, heap, n, skip_depth);
	free(heap);
	g.n = 0;
	trace(&g, at_guard(in, n), n, skip_depth);
	return strcmp(o->s, g.s) == 0;
}

static int
is_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* The oracle: is s[0..n) one JSON number (RFC 8259 section 6)? */
static int
is_number(const char *s, size_t n)
{
	static regex_t re;
	static int ready;
	char z[TRACE_MAX];

	if (!ready) {
		if (regcomp(&re, "^-?(0|[1-9][0-9]*)(\\.[0-9]+)?"
		    "([eE][+-]?[0-9]+)?$", REG_EXTENDED | REG_NOSUB))
			exit(1);
		ready = 1;
	}
	if (n >= sizeof z || memchr(s, '\0', n))
		return 0;
	memcpy(z, s, n);
	z[n] = '\0';
	return regexec(&re, z, 0, NULL, 0) == 0;
}

/*
 * Prefix in[0..k) of the valid input in[0..n) with trace want: the
 * whole trace if only whitespace was cut, the number if the prefix is
 * one, else any error.
 */
static void
check_prefix(const char *in, size_t n, size_t k, const char *want)
{
	struct sb got, exp;
	size_t vlen = n, lead = 0;
	const char *err;

	while (vlen > 0 && is_ws(in[vlen - 1]))
		vlen--;
	while (lead < k && is_ws(in[lead]))
		lead++;
	got.n = 0;
	trace(&got, at_guard(in, k), k, -1);
	exp.n = 0;
	if (k >= vlen) {
		sb_addz(&exp, want);
	} else if (k > lead && is_number(in + lead, k - lead)) {
		sb_addz(&exp, "n");
		sb_add(&exp, in + lead, k - lead);
		sb_addz(&exp, " $");
	}
	if (exp.n) {
		if (strcmp(got.s, exp.s))
			fail_case("valid prefix", in, k, got.s, exp.s);
		return;
	}
	err = got.s[0] == '!' ? got.s : strstr(got.s, " !");
	if (!err || strstr(got.s, "!!"))
		fail_case("prefix", in, k, got.s, "an error");
}

static void
run_case(const char *what, const char *in, size_t n, const char *want,
    int prefixes)
{
	struct sb got, g;
	size_t k;

	if (!trace_both(&got, in, n, -1))
		fail_case(what, in, n, got.s, "the same at the guard page");
	if (strcmp(got.s, want))
		fail_case(what, in, n, got.s, want);
	for (k = 0; k < n; k++) {
		if (prefixes) {
			check_prefix(in, n, k, want);
			continue;
		}
		g.n = 0;
		trace(&g, at_guard(in, k), k, -1);
		if (strstr(g.s, "!!"))
			fail_case("prefix of invalid", in, k, g.s, "no !!");
	}
}

static void
test_reader_tables(void)
{
	size_t i;

	for (i = 0; i < sizeof valid / sizeof valid[0]; i++)
		run_case("valid", valid[i].in, valid[i].len, valid[i].want,
		    1);
	for (i = 0; i < sizeof invalid / sizeof invalid[0]; i++)
		run_case("invalid", invalid[i].in, invalid[i].len,
		    invalid[i].want, 0);
}

/* depth nested containers: "[[...]]" or {"a":{"a":...1}} */
static size_t
nested(char *in, struct sb *want, int depth, int obj)
{
	size_t n = 0;
	int i;

	want->n = 0;
	for (i = 0; i < depth; i++) {
		n += (size_t)sprintf(in + n, obj ? "{\"a\":" : "[");
		sb_addz(want, obj ? "{ k\"a\" " : "[ ");
	}
	if (obj) {
		in[n++] = '1';
		sb_addz(want, "n1 ");
	}
	for (i = 0; i < depth; i++) {
		in[n++] = obj ? '}' : ']';
		sb_addz(want, obj ? "} " : "] ");
	}
	sb_addz(want, "$");
	return n;
}

static void
test_depth(void)
{
	char in[1024];
	struct sb want;
	size_t n;
	int obj;

	for (obj = 0; obj < 2; obj++) {
		n = nested(in, &want, JSON_MAXDEPTH, obj);
		run_case("depth 64", in, n, want.s, 1);
		n = nested(in, &want, JSON_MAXDEPTH + 1, obj);
		want.n = 0;
		for (int i = 0; i < JSON_MAXDEPTH; i++)
			sb_addz(&want, obj ? "{ k\"a\" " : "[ ");
		sb_addz(&want, "!nesting too deep");
		run_case("depth 65", in, n, want.s, 0);
	}
	n = nested(in, &want, JSON_MAXDEPTH, 0);
	if (!trace_both(&want, in, n, 1) || strcmp(want.s, "~ $"))
		fail_case("skip depth 64", in, n, want.s, "~ $");
}

static void
test_skip(void)
{
	struct sb got;
	size_t i, n;

	for (i = 0; i < sizeof skips / sizeof skips[0]; i++) {
		n = strlen(skips[i].in);
		if (!trace_both(&got, skips[i].in, n, skips[i].depth))
			fail_case("skip", skips[i].in, n, got.s,
			    "the same at the guard page");
		if (strcmp(got.s, skips[i].want))
			fail_case("skip", skips[i].in, n, got.s,
			    skips[i].want);
	}
}

static void
test_ints(void)
{
	char got[128], want[128];
	long long iv;
	unsigned long long uv;
	size_t i;

	for (i = 0; i < sizeof nums / sizeof nums[0]; i++) {
		const struct ncase *c = &nums[i];
		char *s = c->type == JT_TRUE ? NULL : strdup(c->s);
		struct jtok t = { c->type, s, s ? strlen(s) : 0 };
		int irc, urc;

		iv = 42;
		uv = 42;
		irc = jr_i64(&t, &iv);
		urc = jr_u64(&t, &uv);
		snprintf(got, sizeof got, "i64 %d %lld u64 %d %llu", irc,
		    irc ? 0 : iv, urc, urc ? 0 : uv);
		snprintf(want, sizeof want, "i64 %d %lld u64 %d %llu", c->irc,
		    c->iv, c->urc, c->uv);
		if (strcmp(got, want) || (irc && iv != 42) || (urc && uv != 42))
			fail_case("int", c->s, strlen(c->s), got, want);
		free(s);
	}
}

static int
same_double(double a, double b)
{
	if (isnan(a) || isnan(b))
		return isnan(a) && isnan(b);
	return a == b && signbit(a) == signbit(b);
}

static void
test_doubles(void)
{
	char got[128], want[128], big[600];
	struct jtok t;
	double v;
	size_t i;
	int rc;

	for (i = 0; i < sizeof dbls / sizeof dbls[0]; i++) {
		const struct dcase *c = &dbls[i];
		char *s = c->type == JT_NULL ? NULL : strdup(c->s);

		t = (struct jtok){ c->type, s, s ? strlen(s) : 0 };
		v = 42;
		rc = jr_double(&t, &v);
		snprintf(got, sizeof got, "%d %.17g", rc, rc ? 0 : v);
		snprintf(want, sizeof want, "%d %.17g", c->rc, c->v);
		if (rc != c->rc || (!rc && !same_double(v, c->v)) ||
		    (rc && v != 42))
			fail_case("double", c->s, strlen(c->s), got, want);
		free(s);
	}
	memset(big, '1', sizeof big);
	big[0] = '0';
	big[1] = '.';
	t = (struct jtok){ JT_NUM, big, 511 };
	if (jr_double(&t, &v) || v < 0.111 || v > 0.112)
		fail_case("double 511 bytes", "", 0, "error", "0.111...");
	t.n = 512;
	if (jr_double(&t, &v) != -EINVAL)
		fail_case("double 512 bytes", "", 0, "ok", "-EINVAL");
}

static void
test_eq(void)
{
	char abc[] = "abc";
	struct jtok t = { JT_KEY, abc, 3 }, e = { JT_NULL, NULL, 0 };

	if (!jr_eq(&t, "abc") || jr_eq(&t, "ab") || jr_eq(&t, "abcd") ||
	    jr_eq(&t, "") || !jr_eq(&e, "") || jr_eq(&e, "a"))
		fail_case("jr_eq", abc, 3, "wrong", "right");
}

/* The document test_writer() and test_overflow() both write. */
static void
write_doc(struct jw *w)
{
	jw_obj(w);
	jw_keyz(w, "a");
	jw_int(w, 1);
	jw_key(w, "b\"x", 1);
	jw_arr(w);
	jw_strz(w, "x\n\xff");
	jw_bool(w, 1);
	jw_bool(w, 0);
	jw_null(w);
	jw_uint(w, ULLONG_MAX);
	jw_int(w, LLONG_MIN);
	jw_obj(w);
	jw_obj_end(w);
	jw_arr(w);
	jw_arr_end(w);
	jw_arr_end(w);
	jw_keyz(w, "c");
	jw_raw(w, "{\"r\":1}", 7);
	jw_keyz(w, "d");
	jw_fixed(w, 1.5, 3);
	jw_keyz(w, "");
	jw_str(w, NULL, 0);
	jw_obj_end(w);
}

static const char doc[] =
    "{\"a\":1,\"b\":[\"x\\n" FFFD "\",true,false,null,"
    "18446744073709551615,-9223372036854775808,{},[]],"
    "\"c\":{\"r\":1},\"d\":1.5,\"\":\"\"}";

static void
test_writer(void)
{
	char buf[512];
	struct jw w;
	struct sb got;

	jw_init(&w, buf, sizeof buf);
	write_doc(&w);
	if (w.err || w.len != sizeof doc - 1 || memcmp(buf, doc, w.len)) {
		got.n = 0;
		sb_add(&got, buf, w.len);
		fail_case("writer doc", "", 0, got.s, doc);
	}
	got.n = 0;
	trace(&got, buf, w.len, -1);
	if (strstr(got.s, "!"))
		fail_case("writer doc read back", buf, w.len, got.s,
		    "no error");
}

/* With every capacity short of the document: -ENOBUFS and a prefix. */
static void
test_overflow(void)
{
	size_t cap, full = sizeof doc - 1;
	struct jw w;
	char *p;

	for (cap = 0; cap <= full; cap++) {
		p = guard_base + page - cap;
		jw_init(&w, p, cap);
		write_doc(&w);
		if (w.len > cap || memcmp(p, doc, w.len) ||
		    w.err != (cap < full ? -ENOBUFS : 0))
			fail_case("overflow", doc, cap, "bad err or len",
			    "-ENOBUFS and a prefix");
	}
}

static void
script(struct jw *w, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '{': jw_obj(w); break;
		case '}': jw_obj_end(w); break;
		case '[': jw_arr(w); break;
		case ']': jw_arr_end(w); break;
		case 'k': jw_keyz(w, "k"); break;
		case 's': jw_strz(w, "s"); break;
		case 'i': jw_int(w, 1); break;
		case 'n': jw_null(w); break;
		}
	}
}

static void
test_scripts(void)
{
	char buf[256], got[300];
	struct jw w;
	size_t i;
	int d;

	for (i = 0; i < sizeof scripts / sizeof scripts[0]; i++) {
		jw_init(&w, buf, sizeof buf);
		script(&w, scripts[i].script);
		snprintf(got, sizeof got, "%.*s err %d", (int)w.len, buf,
		    w.err);
		if (w.err != scripts[i].err || strlen(scripts[i].want) !=
		    w.len || memcmp(buf, scripts[i].want, w.len))
			fail_case("writer script", scripts[i].script,
			    strlen(scripts[i].script), got, scripts[i].want);
	}
	jw_init(&w, buf, sizeof buf);
	for (d = 0; d < JSON_MAXDEPTH; d++)
		jw_arr(&w);
	if (w.err || w.depth != JSON_MAXDEPTH)
		fail_case("writer depth 64", "", 0, "error", "ok");
	jw_arr(&w);
	if (w.err != -EINVAL || w.len != JSON_MAXDEPTH)
		fail_case("writer depth 65", "", 0, "ok", "-EINVAL");
}

static void
test_wstrs(void)
{
	char buf[128];
	struct jw w;
	struct sb got;
	size_t i;

	for (i = 0; i < sizeof wstrs / sizeof wstrs[0]; i++) {
		const struct wcase *c = &wstrs[i];

		jw_init(&w, buf, sizeof buf);
		jw_str(&w, c->in, c->len);
		got.n = 0;
		sb_add(&got, buf, w.len);
		if (w.err || w.len != strlen(c->want) ||
		    memcmp(buf, c->want, w.len))
			fail_case("jw_str", c->in, c->len, got.s, c->want);
		got.n = 0;
		trace(&got, buf, w.len, -1);
		if (strstr(got.s, "!"))
			fail_case("jw_str read back", buf, w.len, got.s,
			    "no error");
	}
}

static void
test_fixed(void)
{
	char buf[512];
	struct jw w;
	size_t i;

	for (i = 0; i < sizeof fixeds / sizeof fixeds[0]; i++) {
		jw_init(&w, buf, sizeof buf);
		jw_fixed(&w, fixeds[i].v, fixeds[i].dec);
		buf[w.len] = '\0';
		if (w.err || strcmp(buf, fixeds[i].want))
			fail_case("jw_fixed", fixeds[i].want,
			    strlen(fixeds[i].want), buf, fixeds[i].want);
	}
	/* Out of range: refused, nothing written. */
	jw_init(&w, buf, sizeof buf);
	jw_fixed(&w, -1.7976931348623157e308, 2);
	if (w.err != -EINVAL || w.len != 0)
		fail_case("jw_fixed -DBL_MAX", "", 0, "written", "-EINVAL");
	jw_init(&w, buf, sizeof buf);
	jw_fixed(&w, 1e17, 2);
	if (w.err != -EINVAL)
		fail_case("jw_fixed 1e17 at 2 places", "", 0, "written",
		    "-EINVAL");
}

static unsigned long rng = 12345;

static unsigned long
next_rand(void)
{
	rng = rng * 6364136223846793005ULL + 1442695040888963407ULL;
	return (rng >> 33) & 0x7fffffff;
}

/* The test's own UTF-8 encoder, for round trips. */
static size_t
enc_utf8(char *d, unsigned long c)
{
	if (c < 0x80) {
		d[0] = (char)c;
		return 1;
	}
	if (c < 0x800) {
		d[0] = (char)(0xc0 | c >> 6);
		d[1] = (char)(0x80 | (c & 0x3f));
		return 2;
	}
	if (c < 0x10000) {
		d[0] = (char)(0xe0 | c >> 12);
		d[1] = (char)(0x80 | (c >> 6 & 0x3f));
		d[2] = (char)(0x80 | (c & 0x3f));
		return 3;
	}
	d[0] = (char)(0xf0 | c >> 18);
	d[1] = (char)(0x80 | (c >> 12 & 0x3f));
	d[2] = (char)(0x80 | (c >> 6 & 0x3f));
	d[3] = (char)(0x80 | (c & 0x3f));
	return 4;
}

static unsigned long
rand_cp(void)
{
	static const unsigned long tops[] = { 0x20, 0x80, 0x800, 0x10000,
		0x110000 };
	unsigned long c;

	do
		c = next_rand() % tops[next_rand() % 5];
	while (c >= 0xd800 && c <= 0xdfff);
	return c;
}

/*
 * Valid UTF-8 goes through jw_str() and the reader unchanged; any bytes
 * at all come out as one string the reader accepts.
 */
static void
test_roundtrip(void)
{
	char in[256], out[2048];
	struct jw w;
	struct jr r;
	struct jtok t, u;
	size_t n;
	int iter;

	for (iter = 0; iter < 20000; iter++) {
		n = 0;
		if (iter & 1) {
			while (n < 200 && next_rand() % 40)
				n += enc_utf8(in + n, rand_cp());
		} else {
			while (n < 200 && next_rand() % 40)
				in[n++] = (char)next_rand();
		}
		jw_init(&w, out, sizeof out);
		jw_str(&w, in, n);
		jr_init(&r, out, w.len);
		if (w.err || jr_next(&r, &t) != JT_STR ||
		    jr_next(&r, &u) != JT_END)
			fail_case("round trip", in, n, r.err ? r.err : "?",
			    "one string");
		else if ((iter & 1) && (t.n != n || memcmp(t.s, in, n)))
			fail_case("round trip", in, n, "changed", "same");
	}
}

int
main(void)
{
	guard_init();
	test_reader_tables();
	test_depth();
	test_skip();
	test_ints();
	test_doubles();
	test_eq();
	test_writer();
	test_overflow();
	test_scripts();
	test_wstrs();
	test_fixed();
	test_roundtrip();
	if (failures) {
		printf("%d failures\n", failures);
		return 1;
	}
	return 0;
}
