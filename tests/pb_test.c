/*
 * pb_test.c: tests of the protobuf codec (pb.c), its tables (msg.c) and
 * base64 (b64.c). Silent on success; prints each failing case and exits 1.
 *
 *	pb_test		run in tests/: reads vectors/pb/
 *	pb_test --dump	prints the tables for tools/pbcheck.py
 *
 * vectors/pb/<message>_<case>.hex is what protoc --encode made of the .txt
 * beside it (tools/pbcheck.py --vectors); the .json beside it is the
 * expected proto3 JSON. Every input is placed at the end of a page that
 * is followed by a PROT_NONE page, so a read past its end faults.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "b64.h"
#include "json.h"
#include "msg.h"
#include "pb.h"

#define VECDIR "vectors/pb"

static int failed;
static _Alignas(16) char arena_buf[1 << 20];

struct guard {
	uint8_t *base;
	size_t len;
};

static void
fail(const char *what, const char *name)
{
	printf("FAIL %s: %s\n", what, name);
	failed = 1;
}

/* n bytes of p, ending where a PROT_NONE page begins. */
static uint8_t *
guard(struct guard *g, const void *p, size_t n)
{
	size_t ps = (size_t)sysconf(_SC_PAGESIZE);
	size_t data = n ? (n + ps - 1) / ps * ps : ps;

	g->len = data + ps;
	g->base = mmap(NULL, g->len, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (g->base == MAP_FAILED || mprotect(g->base + data, ps, PROT_NONE)) {
		perror("pb_test: mmap");
		exit(1);
	}
	if (n)
		memcpy(g->base + data - n, p, n);
	return g->base + data - n;
}

static void
unguard(struct guard *g)
{
	munmap(g->base, g->len);
}

static struct pb_arena *
arena(void)
{
	static struct pb_arena a;

	a.buf = arena_buf;
	a.cap = sizeof arena_buf;
	a.used = 0;
	return &a;
}

/* Hex digits of s (whitespace ignored) into out; returns the length. */
static size_t
unhex(const char *s, uint8_t *out)
{
	size_t n = 0;
	int hi = -1, v;

	for (; *s; s++) {
		if (*s == ' ' || *s == '\n')
			continue;
		v = *s <= '9' ? *s - '0' : (*s | 0x20) - 'a' + 10;
		if (hi < 0) {
			hi = v;
		} else {
			out[n++] = (uint8_t)(hi << 4 | v);
			hi = -1;
		}
	}
	return n;
}

static const struct pb_msg *
table(const char *name)
{
	size_t i;

	for (i = 0; msg_all[i]; i++)
		if (strcmp(msg_all[i]->name, name) == 0)
			return msg_all[i];
	printf("pb_test: no table %s\n", name);
	exit(1);
}

/*
 * The guarded copy of the last input decoded. Decoded strings point into
 * it, so it stays mapped until the next decode.
 */
static struct guard input;

static void *
guard_input(const void *p, size_t n)
{
	if (input.base)
		unguard(&input);
	return guard(&input, p, n);
}

static int
decode(const struct pb_msg *m, void *out, const uint8_t *p, size_t n,
    struct pb_arena *a)
{
	return pb_decode(m, out, guard_input(p, n), n, a);
}

static int
jdecode(const struct pb_msg *m, void *out, const char *json, size_t n,
    const char **err)
{
	return pb_json_decode(m, out, guard_input(json, n), n, arena(), err);
}

/* One line per message, field and enum value; see tools/pbcheck.py. */
static void
dump(void)
{
	static const char *const kinds[] = { "", "uint32", "int32", "sint32",
	    "int64", "uint64", "bool", "enum", "string", "bytes", "message",
	    "map" };
	static const char *const labels[] = { "singular", "optional",
	    "repeated", "oneof", "always" };
	const struct pb_field *f;
	size_t i, j;

	for (i = 0; msg_all[i]; i++) {
		printf("message %s\n", msg_all[i]->name);
		for (j = 0; j < msg_all[i]->nf; j++) {
			f = &msg_all[i]->f[j];
			printf("field %s %u %s %s %s %s %s %s\n",
			    msg_all[i]->name, f->num, f->name, f->json,
			    kinds[f->kind], labels[f->label],
			    f->label == PB_ONEOF ?
			    msg_all[i]->oneofs[f->oneof] : "-",
			    f->msg ? f->msg->name : f->en ? f->en->name : "-");
		}
	}
}

static void
dump_enums(void)
{
	static const struct pb_enum *const all[] = { &pbe_process_Signal,
	    &pbe_filesystem_FileType, &pbe_filesystem_EventType };
	size_t i, j;

	for (i = 0; i < 3; i++)
		for (j = 0; j < all[i]->n; j++)
			printf("enum %s %s %d\n", all[i]->name,
			    all[i]->v[j].name, (int)all[i]->v[j].num);
}

/* What the codec assumes of a table but the .proto cannot say. */
static void
check_tables(void)
{
	const struct pb_msg *m;
	const struct pb_field *f;
	size_t i, j;

	for (i = 0; (m = msg_all[i]); i++)
		for (j = 0; j < m->nf; j++) {
			f = &m->f[j];
			if (f->num > 31 || (j && f->num <= f[-1].num))
				fail("field numbers not ascending or > 31",
				    m->name);
			if (f->off < sizeof(uint32_t) || f->off >= m->size ||
			    (f->label == PB_REPEATED && !f->cnt))
				fail("field offset", f->name);
			if ((f->kind == PB_MESSAGE) != (f->msg != NULL) ||
			    (f->kind == PB_ENUM) != (f->en != NULL))
				fail("field type table", f->name);
		}
}

/* Whole file into buf (NUL-terminated); returns its length or -1. */
static long
slurp(const char *path, char *buf, size_t cap)
{
	FILE *f = fopen(path, "rb");
	size_t n;

	if (!f)
		return -1;
	n = fread(buf, 1, cap - 1, f);
	fclose(f);
	buf[n] = '\0';
	return (long)n;
}

/* Encoding into exactly len bytes works; into any less, -ENOBUFS. */
static void
check_encode(const struct pb_msg *m, const void *s, const uint8_t *want,
    size_t len, const char *name)
{
	struct guard g;
	uint8_t *out;
	size_t n, cap;
	int rc;

	if (pb_encoded_size(m, s) != len)
		fail("pb_encoded_size", name);
	for (cap = 0; cap <= len; cap++) {
		out = guard(&g, "", 0) - cap;
		rc = pb_encode(m, s, out, cap, &n);
		if (rc != (cap < len ? -ENOBUFS : 0) || n != len ||
		    (cap == len && memcmp(out, want, len)))
			fail("binary re-encode", name);
		unguard(&g);
	}
}

/* Every prefix of p decodes without a fault (most are rejected). */
static void
check_prefixes(const struct pb_msg *m, void *s, const uint8_t *p, size_t n)
{
	size_t k;

	for (k = 0; k < n; k++)
		decode(m, s, p, k, arena());
}

/* JSON encoding equals want; with any smaller buffer, -ENOBUFS. */
static void
check_json_encode(const struct pb_msg *m, const void *s, const char *want,
    const char *name)
{
	size_t len = strlen(want), cap;
	struct guard g;
	struct jw w;
	int rc;

	for (cap = 0; cap <= len; cap++) {
		jw_init(&w, (char *)guard(&g, "", 0) - cap, cap);
		rc = pb_json_encode(m, s, &w);
		if (cap == len && (rc || w.len != len ||
		    memcmp(w.buf, want, len)))
			printf("  got %.*s\n  want %s\n", (int)w.len, w.buf,
			    want);
		if (rc != (cap < len ? -ENOBUFS : 0) ||
		    (cap == len && memcmp(w.buf, want, len)))
			fail("JSON encode", name);
		unguard(&g);
	}
}

/* The JSON, decoded, encodes to the protoc bytes. */
static void
check_json_decode(const struct pb_msg *m, void *s, const char *json,
    const uint8_t *want, size_t len, const char *name)
{
	static uint8_t out[65536];
	const char *err = NULL;
	size_t n;

	if (jdecode(m, s, json, strlen(json), &err)) {
		printf("  %s\n", err ? err : "?");
		fail("JSON decode", name);
		return;
	}
	if (pb_encode(m, s, out, sizeof out, &n) || n != len ||
	    memcmp(out, want, n))
		fail("JSON decode then binary encode", name);
}

static void
check_vector(const char *file)
{
	static char path[512], text[65536], json[65536];
	static uint8_t bin[32768];
	static _Alignas(16) char s[8192];
	const struct pb_msg *m;
	size_t n;

	snprintf(path, sizeof path, "%s", file);
	*strchr(path, '_') = '\0';
	m = table(path);
	snprintf(path, sizeof path, VECDIR "/%s", file);
	if (slurp(path, text, sizeof text) < 0 || m->size > sizeof s) {
		fail("cannot read", path);
		return;
	}
	n = unhex(text, bin);
	if (decode(m, s, bin, n, arena()))
		fail("binary decode", file);
	check_encode(m, s, bin, n, file);
	strcpy(path + strlen(path) - 4, ".json");
	if (slurp(path, json, sizeof json) > 0) {
		json[strcspn(json, "\n")] = '\0';
		check_json_encode(m, s, json, file);
		check_json_decode(m, s, json, bin, n, file);
	} else {
		fail("no .json beside", file);
	}
	check_prefixes(m, s, bin, n);
}

static void
check_vectors(void)
{
	DIR *d = opendir(VECDIR);
	struct dirent *e;
	size_t n, count = 0;

	if (!d) {
		fail("cannot open", VECDIR);
		return;
	}
	while ((e = readdir(d))) {
		n = strlen(e->d_name);
		if (n > 4 && strcmp(e->d_name + n - 4, ".hex") == 0) {
			check_vector(e->d_name);
			count++;
		}
	}
	closedir(d);
	if (count < 50)
		fail("too few vectors in", VECDIR);
}

/* Binary inputs that are not canonical but valid: in -> re-encoded. */
static const struct {
	const struct pb_msg *m;
	const char *in, *out;
} odd[] = {
	/* unknown fields of every wire type are skipped */
	{ &pbm_process_ProcessSelector,
	    "0805 189601 210102030405060708 2a03616263 3501020304", "0805" },
	{ &pbm_process_ProcessSelector, "f8ffffff0f00", "" },
	/* the last value wins; a message seen twice is merged */
	{ &pbm_process_ProcessEvent_EndEvent, "1a01611a0162", "1a0162" },
	{ &pbm_process_StartRequest, "0a030a01610a03120162",
	    "0a060a0161120162" },
	/* a new oneof member replaces the old, and starts from zero */
	{ &pbm_process_ProcessEvent, "0a0208051a021001", "1a021001" },
	{ &pbm_process_ProcessEvent, "0a0208051a0210010a00", "0a00" },
	{ &pbm_process_ProcessSelector, "0805120178", "120178" },
	/* over-long varints, truncation to 32 bits, bool, open enums */
	{ &pbm_process_ProcessSelector, "088580808000", "0805" },
	{ &pbm_process_PTY_Size, "08ffffffffffffffffff01", "08ffffffff0f" },
	{ &pbm_google_protobuf_Timestamp, "10ffffffffffffffffff01",
	    "10ffffffffffffffffff01" },
	{ &pbm_process_ProcessEvent_EndEvent, "08ffffffff1f", "08ffffffff0f" },
	{ &pbm_process_ProcessEvent_EndEvent, "1002", "1001" },
	{ &pbm_process_SendSignalRequest, "1063", "1063" },
	/* map entries: missing parts are empty, unknown parts skipped */
	{ &pbm_process_ProcessConfig, "1a00", "1a040a001200" },
	{ &pbm_process_ProcessConfig, "1a0518010a0161", "1a050a01611200" },
	{ &pbm_process_ProcessConfig, "1a060a01610a0162", "1a050a01621200" },
	/* bytes fields take any bytes */
	{ &pbm_process_ProcessEvent_DataEvent, "0a02ff00", "0a02ff00" },
};

static void
check_odd(void)
{
	static _Alignas(16) char s[4096];
	uint8_t in[256], want[256], out[256];
	size_t i, n, wn, on;

	for (i = 0; i < sizeof odd / sizeof odd[0]; i++) {
		n = unhex(odd[i].in, in);
		wn = unhex(odd[i].out, want);
		if (decode(odd[i].m, s, in, n, arena()) ||
		    pb_encode(odd[i].m, s, out, sizeof out, &on) ||
		    on != wn || memcmp(out, want, wn))
			fail("odd binary input", odd[i].in);
	}
}

/* Binary inputs that must be rejected with -EINVAL. */
static const struct {
	const struct pb_msg *m;
	const char *in;
} bad[] = {
	/* truncated varints: tag, value, continuation */
	{ &pbm_process_ProcessSelector, "08" },
	{ &pbm_process_ProcessSelector, "0880" },
	{ &pbm_process_ProcessSelector, "88" },
	{ &pbm_process_ProcessSelector, "1280" },
	/* 11 bytes; 10 bytes past 64 bits */
	{ &pbm_process_ProcessSelector, "08ffffffffffffffffffff01" },
	{ &pbm_process_ProcessSelector, "08ffffffffffffffffff02" },
	{ &pbm_process_ProcessSelector, "ffffffffffffffffffff0100" },
	/* lengths past the end, also of an unknown field, also nested */
	{ &pbm_process_ProcessSelector, "12056162" },
	{ &pbm_process_ProcessSelector, "12ffffffffffffffff7f" },
	{ &pbm_process_ProcessSelector, "2a0500" },
	{ &pbm_process_StartRequest, "0a020a056162636465" },
	{ &pbm_process_ProcessSelector, "3501" },
	{ &pbm_process_ProcessSelector, "2101020304050607" },
	/* a known field with another wire type (packed included) */
	{ &pbm_process_ProcessSelector, "0a00" },
	{ &pbm_process_ProcessSelector, "0a0105" },
	{ &pbm_process_ProcessSelector, "1001" },
	{ &pbm_process_StartResponse, "0801" },
	{ &pbm_process_ProcessSelector, "090000000000000000" },
	{ &pbm_process_ProcessSelector, "0d00000000" },
	/* groups, known or not, and wire types 6 and 7 */
	{ &pbm_process_ProcessSelector, "1b1c" },
	{ &pbm_process_ProcessSelector, "1b0801080108010801" },
	{ &pbm_process_ProcessSelector, "1c0801080108010801" },
	{ &pbm_process_ProcessSelector, "0b0c" },
	{ &pbm_process_ProcessSelector, "1e0801080108010801" },
	{ &pbm_process_ProcessSelector, "1f0801080108010801" },
	/* field number 0; a tag past 32 bits */
	{ &pbm_process_ProcessSelector, "0000" },
	{ &pbm_process_ProcessSelector, "0200" },
	{ &pbm_process_ProcessSelector, "808080801000" },
	/* invalid UTF-8 in string fields, at any depth */
	{ &pbm_process_ProcessSelector, "1202c080" },
	{ &pbm_process_ProcessSelector, "1203eda080" },
	{ &pbm_process_ProcessSelector, "1201ff" },
	{ &pbm_process_ProcessSelector, "1204f4908080" },
	{ &pbm_process_ProcessSelector, "1202e282" },
	{ &pbm_process_ProcessSelector, "120180" },
	{ &pbm_process_ProcessSelector, "1203e08080" },
	{ &pbm_process_ProcessSelector, "1204f0808080" },
	{ &pbm_process_StartRequest, "0a0412026180" },
	{ &pbm_process_ProcessConfig, "1a040a01c0" },
	{ &pbm_filesystem_ListDirResponse, "0a040a0261ff" },
};

static void
check_bad(void)
{
	static _Alignas(16) char s[4096];
	uint8_t in[256];
	size_t i, n;

	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		n = unhex(bad[i].in, in);
		if (decode(bad[i].m, s, in, n, arena()) != -EINVAL)
			fail("malformed binary accepted", bad[i].in);
	}
}

/* A table that contains itself, to reach the nesting bound. */
static const struct pb_msg node;
static const struct pb_field node_f[] = {
	{ .num = 1, .kind = PB_MESSAGE, .label = PB_SINGULAR, .off = 0,
	    .name = "n", .json = "n", .msg = &node },
};
static const struct pb_msg node = {
	"test.Node", node_f, 1, NULL, sizeof(uint32_t), PB_WKT_NONE
};

static void
check_depth(void)
{
	uint8_t bin[256], tmp[256];
	char json[512];
	size_t n = 0, j = 0;
	uint32_t s;
	int d;

	for (d = 1; d <= PB_MAXDEPTH + 1; d++) {
		tmp[0] = 0x0a;
		tmp[1] = (uint8_t)n;
		memcpy(tmp + 2, bin, n);
		memcpy(bin, tmp, n += 2);
		if (decode(&node, &s, bin, n, arena()) !=
		    (d <= PB_MAXDEPTH ? 0 : -EINVAL))
			fail("binary nesting bound", d <= 32 ? "ok" : "over");
	}
	for (d = 0; d <= PB_MAXDEPTH + 1; d++) {
		j = 0;
		for (int k = 0; k < d; k++)
			j += (size_t)sprintf(json + j, "{\"n\":");
		j += (size_t)sprintf(json + j, "{}");
		for (int k = 0; k < d; k++)
			json[j++] = '}';
		if (jdecode(&node, &s, json, j, NULL) !=
		    (d <= PB_MAXDEPTH ? 0 : -EINVAL))
			fail("JSON nesting bound", d <= 32 ? "ok" : "over");
	}
}

/* JSON inputs in other accepted forms: JSON -> expected binary. */
static const struct {
	const struct pb_msg *m;
	const char *json, *bin;
} jok[] = {
	{ &pbm_process_ProcessEvent_EndEvent, "{\"exit_code\":-1,"
	    "\"exited\":true}", "08011001" },
	{ &pbm_process_SendSignalRequest, "{\"signal\":9}", "1009" },
	{ &pbm_filesystem_EntryInfo, "{\"size\":12,\"mode\":\"420\"}",
	    "200c28a403" },
	{ &pbm_filesystem_EntryInfo, "{\"size\":\"-5\"}",
	    "20fbffffffffffffffff01" },
	{ &pbm_filesystem_EntryInfo, "{\"size\":1e3}", "20e807" },
	{ &pbm_filesystem_EntryInfo, "{\"type\":\"FILE_TYPE_DIRECTORY\"}",
	    "1002" },
	{ &pbm_process_ProcessEvent_DataEvent, "{\"stdout\":\"-_8\"}",
	    "0a02fbff" },
	{ &pbm_process_ProcessEvent_DataEvent, "{\"stdout\":\"+/8=\"}",
	    "0a02fbff" },
	{ &pbm_process_ProcessInput, "{\"stdin\":\"YWI\"}", "0a026162" },
	{ &pbm_process_ProcessConfig, "{\"cmd\":null,\"args\":null,"
	    "\"envs\":null,\"cwd\":null}", "" },
	{ &pbm_process_ProcessConfig, "{\"foo\":{\"a\":[1,{\"b\":null}]},"
	    "\"cmd\":\"x\",\"bar\":[[]],\"baz\":\"s\",\"q\":-1.5e9}",
	    "0a0178" },
	{ &pbm_filesystem_EntryInfo,
	    "{\"modifiedTime\":\"2026-05-03T11:11:12.5+01:00\"}",
	    "4a0c08c0bedccf061080cab5ee01" },
	{ &pbm_filesystem_EntryInfo,
	    "{\"modified_time\":\"1970-01-01t00:00:01z\"}", "4a020801" },
	{ &pbm_filesystem_EntryInfo,
	    "{\"modifiedTime\":\"0001-01-01T00:00:00Z\"}",
	    "4a0b088092b8c398feffffff01" },
	{ &pbm_filesystem_EntryInfo,
	    "{\"modifiedTime\":\"9999-12-31T23:59:59.999999999Z\"}",
	    "4a0d08ff82d1ffaf0710ff93ebdc03" },
	{ &pbm_process_ProcessSelector, "{\"pid\":1,\"tag\":\"x\"}",
	    "120178" },
	{ &pbm_process_ProcessConfig, " { \"cmd\" : \"a\\u00e9\\n\" } ",
	    "0a0461c3a90a" },
	{ &pbm_process_StartResponse, "{\"event\":{\"keepalive\":{}}}",
	    "0a022200" },
	{ &pbm_process_StartRequest, "{\"stdin\":false}", "2000" },
	{ &pbm_process_PTY_Size, "{\"cols\":4294967295,"
	    "\"rows\":\"4294967295\"}", "08ffffffff0f10ffffffff0f" },
	{ &pbm_process_ProcessConfig, "{\"envs\":{\"a\\\"b\":\"c\"}}",
	    "1a080a03612262120163" },
	{ &pbm_process_ProcessConfig, "{\"args\":[\"a\"],\"args\":[\"b\"]}",
	    "120161120162" },
	{ &pbm_filesystem_WatchDirRequest, "{\"include_entry\":true,"
	    "\"allowNetworkMounts\":true}", "18012001" },
};

static void
check_json_ok(void)
{
	static _Alignas(16) char s[4096];
	uint8_t want[256], out[256];
	const char *err = NULL;
	size_t i, n, wn;

	for (i = 0; i < sizeof jok / sizeof jok[0]; i++) {
		wn = unhex(jok[i].bin, want);
		if (jdecode(jok[i].m, s, jok[i].json, strlen(jok[i].json),
		    &err) || pb_encode(jok[i].m, s, out, sizeof out, &n) ||
		    n != wn || memcmp(out, want, n))
			fail("JSON input", jok[i].json);
	}
}

/* JSON inputs that must be rejected, with a reason. */
static const struct {
	const struct pb_msg *m;
	const char *json;
} jbad[] = {
	{ &pbm_process_ProcessConfig, "[]" },
	{ &pbm_process_ProcessConfig, "\"x\"" },
	{ &pbm_process_ProcessConfig, "" },
	{ &pbm_process_ProcessConfig, "{\"cmd\":1}" },
	{ &pbm_process_ProcessConfig, "{\"cmd\":\"x\"} x" },
	{ &pbm_process_ProcessConfig, "{\"cmd\":\"x\"" },
	{ &pbm_process_ProcessConfig, "{\"args\":\"a\"}" },
	{ &pbm_process_ProcessConfig, "{\"args\":[null]}" },
	{ &pbm_process_ProcessConfig, "{\"envs\":{\"a\":1}}" },
	{ &pbm_process_ProcessConfig, "{\"envs\":{\"a\":null}}" },
	{ &pbm_process_ProcessConfig, "{\"envs\":[]}" },
	{ &pbm_process_ProcessEvent_DataEvent, "{\"stdout\":\"a\"}" },
	{ &pbm_process_ProcessEvent_DataEvent, "{\"stdout\":\"YW=j\"}" },
	{ &pbm_process_ProcessEvent_DataEvent, "{\"stdout\":\"YW=\"}" },
	{ &pbm_process_ProcessEvent_DataEvent, "{\"stdout\":\"Y W\"}" },
	{ &pbm_process_ProcessEvent_DataEvent, "{\"stdout\":[]}" },
	{ &pbm_process_PTY_Size, "{\"cols\":-1}" },
	{ &pbm_process_PTY_Size, "{\"cols\":4294967296}" },
	{ &pbm_process_PTY_Size, "{\"cols\":\"12a\"}" },
	{ &pbm_process_PTY_Size, "{\"cols\":true}" },
	{ &pbm_process_ProcessEvent_EndEvent, "{\"exitCode\":2147483648}" },
	{ &pbm_process_ProcessEvent_EndEvent, "{\"exitCode\":-2147483649}" },
	{ &pbm_process_ProcessEvent_EndEvent, "{\"exitCode\":1.5}" },
	{ &pbm_process_ProcessEvent_EndEvent, "{\"exited\":\"true\"}" },
	{ &pbm_process_ProcessEvent_EndEvent, "{\"exited\":1}" },
	{ &pbm_process_SendSignalRequest, "{\"signal\":\"SIGNAL_SIGHUP\"}" },
	{ &pbm_process_SendSignalRequest, "{\"signal\":true}" },
	{ &pbm_process_SendSignalRequest, "{\"signal\":4294967296}" },
	{ &pbm_process_SendSignalRequest, "{\"process\":[]}" },
	{ &pbm_filesystem_EntryInfo, "{\"size\":\"9223372036854775808\"}" },
	{ &pbm_filesystem_EntryInfo,
	    "{\"modifiedTime\":\"2026-13-01T00:00:00Z\"}" },
	{ &pbm_filesystem_EntryInfo,
	    "{\"modifiedTime\":\"10000-01-01T00:00:00Z\"}" },
	{ &pbm_filesystem_EntryInfo,
	    "{\"modifiedTime\":\"0000-12-31T00:00:00Z\"}" },
	{ &pbm_filesystem_EntryInfo,
	    "{\"modifiedTime\":\"0001-01-01T00:00:00+00:01\"}" },
	{ &pbm_filesystem_EntryInfo,
	    "{\"modifiedTime\":\"2026-05-03T10:11:12\"}" },
	{ &pbm_filesystem_EntryInfo, "{\"modifiedTime\":123}" },
	{ &pbm_filesystem_EntryInfo, "{\"modifiedTime\":{}}" },
	{ &pbm_filesystem_WatchDirRequest, "{\"recursive\":1}" },
};

static void
check_json_bad(void)
{
	static _Alignas(16) char s[4096];
	const char *err;
	size_t i;

	for (i = 0; i < sizeof jbad / sizeof jbad[0]; i++) {
		err = NULL;
		if (jdecode(jbad[i].m, s, jbad[i].json, strlen(jbad[i].json),
		    &err) != -EINVAL || !err)
			fail("malformed JSON accepted", jbad[i].json);
	}
}

/* Arrays grow in the arena; a full arena is -ENOMEM, never a fault. */
static void
check_arena(void)
{
	static _Alignas(16) char s[4096];
	static uint8_t in[4096], out[4096];
	static char json[8192];
	struct pb_arena a = { arena_buf, 0, 0 };
	size_t i, n = 0, on, j;

	for (i = 0; i < 300; i++) {
		n += (size_t)sprintf((char *)in + n, "%c%c%c", 0x12, 1,
		    (int)('a' + i % 26));
	}
	if (decode(&pbm_process_ProcessConfig, s, in, n, arena()) ||
	    pb_encode(&pbm_process_ProcessConfig, s, out, sizeof out, &on) ||
	    on != n || memcmp(in, out, n))
		fail("300 repeated strings", "round trip");
	/* 300 elements take arrays of 4, 8, ... 512: 1020 in all */
	for (a.cap = 0; a.cap < 20000; a.cap += 8) {
		a.used = 0;
		if (decode(&pbm_process_ProcessConfig, s, in, n, &a) !=
		    (a.cap >= 1020 * sizeof(struct pb_bytes) ? 0 : -ENOMEM))
			fail("arena bound", "binary");
	}
	if (decode(&pbm_process_ProcessConfig, s, in, n, NULL) != -ENOMEM)
		fail("no arena", "binary");
	j = (size_t)sprintf(json, "{\"args\":[");
	for (i = 0; i < 300; i++)
		j += (size_t)sprintf(json + j, "%s\"a\"", i ? "," : "");
	j += (size_t)sprintf(json + j, "]}");
	a.cap = 100;
	a.used = 0;
	if (pb_json_decode(&pbm_process_ProcessConfig, s, json, j, &a, NULL) !=
	    -ENOMEM)
		fail("arena bound", "JSON");
}

/* Nested repeated fields grow in turns: the outer array must move. */
static void
check_nested_arrays(void)
{
	static _Alignas(16) char s[4096];
	static uint8_t in[8192], out[8192];
	size_t i, n = 0, on;

	for (i = 0; i < 40; i++) {
		static const uint8_t proc[] = { 0x0a, 0x0d, 0x0a, 0x09, 0x0a,
		    0x01, 'c', 0x12, 0x01, 'a', 0x12, 0x01, 'b', 0x10, 0x07 };
		memcpy(in + n, proc, sizeof proc);
		in[n + 6] = (uint8_t)('a' + i % 26);
		n += sizeof proc;
	}
	if (decode(&pbm_process_ListResponse, s, in, n, arena()) ||
	    ((struct process_ListResponse *)(void *)s)->n_processes != 40 ||
	    pb_encode(&pbm_process_ListResponse, s, out, sizeof out, &on) ||
	    on != n || memcmp(in, out, n))
		fail("nested repeated fields", "ListResponse");
}

/* Building responses in C, as the services do. */
static void
check_build(void)
{
	struct process_StartResponse r = { 0 };
	struct filesystem_EntryInfo e = { 0 };
	struct process_ProcessEvent_EndEvent end = { 0 };
	char buf[256];
	struct jw w;

	/* the event is present through its content, with no "has" bit */
	r.event.has = process_ProcessEvent_end;
	r.event.end.exited = 1;
	r.event.end.status = (struct pb_bytes){ "exit status 0", 13 };
	check_json_encode(&pbm_process_StartResponse, &r, "{\"event\":{\"end\":"
	    "{\"exited\":true,\"status\":\"exit status 0\"}}}", "build end");
	end.exit_code = -1;
	end.has = process_ProcessEvent_EndEvent_error;
	check_json_encode(&pbm_process_ProcessEvent_EndEvent, &end,
	    "{\"exitCode\":-1,\"error\":\"\"}", "build exitCode -1");
	e.modified_time.seconds = 253402300800;
	jw_init(&w, buf, sizeof buf);
	if (pb_json_encode(&pbm_filesystem_EntryInfo, &e, &w) != -EINVAL)
		fail("Timestamp past 9999 encoded", "EntryInfo");
	e.modified_time.seconds = 0;
	e.modified_time.nanos = -1;
	jw_init(&w, buf, sizeof buf);
	if (pb_json_encode(&pbm_filesystem_EntryInfo, &e, &w) != -EINVAL)
		fail("Timestamp with negative nanos encoded", "EntryInfo");
}

/*
 * The usage example of the report: a StartRequest from JSON, and a
 * StartResponse to binary.
 */
static void
check_example(void)
{
	char body[] = "{\"process\":{\"cmd\":\"/bin/sh\",\"args\":[\"-c\","
	    "\"echo hi\"],\"envs\":{\"A\":\"1\"}},\"tag\":\"t1\"}";
	static const uint8_t want[] = { 0x0a, 0x04, 0x0a, 0x02, 0x08, 0x2a };
	struct process_StartRequest req;
	struct process_StartResponse resp = { 0 };
	const char *err;
	uint8_t out[64];
	size_t n;

	if (pb_json_decode(&pbm_process_StartRequest, &req, body,
	    strlen(body), arena(), &err) ||
	    !(req.has & process_StartRequest_tag) ||
	    (req.has & process_StartRequest_stdin) ||
	    req.process.n_args != 2 || req.process.args[1].n != 7 ||
	    req.process.n_envs != 1 || req.process.envs[0].value.p[0] != '1')
		fail("example", "StartRequest from JSON");
	resp.event.has = process_ProcessEvent_start;
	resp.event.start.pid = 42;
	if (pb_encode(&pbm_process_StartResponse, &resp, out, sizeof out, &n) ||
	    n != sizeof want || memcmp(out, want, n))
		fail("example", "StartResponse to binary");
}

static void
check_b64(void)
{
	static const char *const rfc[][3] = {	/* RFC 4648 section 10 */
		{ "", "", "" }, { "f", "Zg==", "Zg" }, { "fo", "Zm8=", "Zm8" },
		{ "foo", "Zm9v", "Zm9v" }, { "foob", "Zm9vYg==", "Zm9vYg" },
		{ "fooba", "Zm9vYmE=", "Zm9vYmE" },
		{ "foobar", "Zm9vYmFy", "Zm9vYmFy" },
	};
	static const char *const bad64[] = { "Z", "Zg=", "Zg===", "Z===",
	    "Zm9v=", "Zm 9", "Zm9\n", "=Zm9", "Zg=a", "Zm=v", "====", "Zm9v!" };
	char out[16], in[16];
	size_t i, n, k;

	for (i = 0; i < sizeof rfc / sizeof rfc[0]; i++) {
		k = strlen(rfc[i][0]);
		for (int f = 0; f < 2; f++) {
			n = b64_encode(out, rfc[i][0], k, f ? B64_NOPAD : 0);
			if (n != b64_enclen(k, f ? B64_NOPAD : 0) ||
			    n != strlen(rfc[i][1 + f]) ||
			    memcmp(out, rfc[i][1 + f], n))
				fail("b64_encode", rfc[i][0]);
			strcpy(in, rfc[i][1 + f]);	/* in place */
			if (b64_decode(in, in, strlen(in), &n) || n != k ||
			    memcmp(in, rfc[i][0], k))
				fail("b64_decode", rfc[i][1 + f]);
		}
	}
	for (i = 0; i < sizeof bad64 / sizeof bad64[0]; i++)
		if (b64_decode(out, bad64[i], strlen(bad64[i]), &n) != -EINVAL)
			fail("bad base64 accepted", bad64[i]);
}

int
main(int argc, char **argv)
{
	if (argc == 2 && strcmp(argv[1], "--dump") == 0) {
		dump();
		dump_enums();
		return 0;
	}
	check_tables();
	check_vectors();
	check_odd();
	check_bad();
	check_depth();
	check_json_ok();
	check_json_bad();
	check_arena();
	check_nested_arrays();
	check_build();
	check_example();
	check_b64();
	return failed;
}
