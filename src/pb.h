/*
 * pb.h: a table-driven protobuf codec, binary and proto3 JSON.
 *
 * One struct pb_msg per message (src/msg.c) says, field by field, where a
 * value lives in a plain C struct; four functions walk those tables. No
 * code is generated, and nothing is allocated but from a caller's arena.
 *
 * C struct conventions (src/msg.h follows them):
 *  - every message struct starts with "uint32_t has": bit N (PB_BIT(N))
 *    is set when field number N is present. Optional fields and oneof
 *    members are present only when their bit is set; at most one member
 *    of a oneof has its bit set, and that bit says which one it is.
 *    Singular message fields also get their bit from the decoders, but
 *    for encoding the bit OR any non-default content makes them present.
 *    Field numbers are therefore at most 31;
 *  - uint32 is uint32_t; int32, sint32 and enums are int32_t; int64 and
 *    uint64 are int64_t and uint64_t; bool is bool;
 *  - string and bytes are struct pb_bytes, not NUL-terminated;
 *  - nested messages are inline structs, not pointers: no message here
 *    is recursive, so a request decodes with no allocation for them and
 *    a response is built on the stack;
 *  - repeated field "x" is "size_t n_x" plus "T *x", an array of n_x;
 *  - map<string,string> "x" is "size_t n_x" plus "struct pb_kv *x",
 *    entries in wire order. Duplicate keys are all kept; the last one
 *    wins, as in protobuf's own parsers, so a consumer scans to the end.
 *
 * Memory: decoded strings and bytes point into the caller's input (in
 * binary always, so never write through them there; in JSON they are
 * unescaped or base64-decoded in place), so the input must outlive the
 * message. Arrays come from the arena; freeing everything is resetting
 * a->used. Encoders only read.
 *
 * Left out: groups, packed repeated scalars (no field here is one),
 * floating point, Any and the other well-known types but Timestamp.
 * Unknown fields are skipped, not kept, so they do not survive a
 * decode/encode round trip.
 */
#ifndef PB_H
#define PB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "json.h"

/* Bound on message nesting; the deepest message in proto/ is 5 deep. */
#define PB_MAXDEPTH 32

#define PB_BIT(n) ((uint32_t)1 << (n))

struct pb_bytes {
	char *p;
	size_t n;
};

/* One map entry. */
struct pb_kv {
	struct pb_bytes key, value;
};

/* Bump allocator over buf[0..cap); blocks are 8-byte aligned. */
struct pb_arena {
	char *buf;
	size_t cap, used;
};

enum pb_kind {
	PB_UINT32 = 1, PB_INT32, PB_SINT32, PB_INT64, PB_UINT64, PB_BOOL,
	PB_ENUM, PB_STRING, PB_BYTES, PB_MESSAGE, PB_MAP
};

/*
 * PB_ALWAYS is internal: a field written even when default, as the key
 * and value of a map entry are.
 */
enum pb_label { PB_SINGULAR, PB_OPTIONAL, PB_REPEATED, PB_ONEOF, PB_ALWAYS };

/* Special JSON forms of well-known types. */
enum pb_wkt { PB_WKT_NONE, PB_WKT_TIMESTAMP };

struct pb_enumval {
	const char *name;
	int32_t num;
};

struct pb_enum {
	const char *name;		/* full name, "process.Signal" */
	const struct pb_enumval *v;
	size_t n;
};

/*
 * A field. off is the offset of the value, or of the array pointer for
 * repeated fields and maps, whose count is at cnt. Maps have label
 * PB_REPEATED. oneof indexes pb_msg.oneofs when label is PB_ONEOF.
 */
struct pb_field {
	uint8_t num, kind, label, oneof;
	uint16_t off, cnt;
	const char *json, *name;	/* lowerCamelCase and proto names */
	const struct pb_msg *msg;	/* PB_MESSAGE */
	const struct pb_enum *en;	/* PB_ENUM */
};

/* A message: its fields in number order, over a C struct of size bytes. */
struct pb_msg {
	const char *name;		/* full name, "process.StartRequest" */
	const struct pb_field *f;
	size_t nf;
	const char *const *oneofs;	/* oneof names, by index */
	size_t size;
	int wkt;
};

/*
 * Binary decode of p[0..n) into out, which is cleared first. Unknown
 * fields of wire types 0, 1, 2 and 5 are skipped. Rejected: groups,
 * truncated varints and varints over 10 bytes or 64 bits, lengths past
 * the end, tags with field number 0, a known field with another wire
 * type (including a packed run for a scalar, which protobuf's parsers
 * would keep as an unknown field), invalid UTF-8 in a string field,
 * nesting past PB_MAXDEPTH. The last value of a singular field wins,
 * repeated fields and maps append, a message seen twice is merged.
 * Returns 0, -EINVAL (malformed) or -ENOMEM (arena full); never reads
 * outside p[0..n).
 */
int pb_decode(const struct pb_msg *m, void *out, const uint8_t *p,
    size_t n, struct pb_arena *a);

/*
 * Canonical binary encoding of in: fields in number order, default
 * singular values left out. Sets *len to the full encoded length and
 * returns 0, or -ENOBUFS when that exceeds cap.
 */
int pb_encode(const struct pb_msg *m, const void *in, uint8_t *out,
    size_t cap, size_t *len);
size_t pb_encoded_size(const struct pb_msg *m, const void *in);

/*
 * proto3 JSON decode of json[0..n) into out, which is cleared first.
 * json is modified: strings are unescaped and bytes base64-decoded in
 * place. Accepts lowerCamelCase and proto field names, enums by name or
 * number, integers as numbers or strings, base64 in either alphabet with
 * or without padding, Timestamps as RFC 3339 strings, null as the
 * default. Unknown fields are skipped. Returns 0, -EINVAL with a short
 * English reason in *err, or -ENOMEM (arena full).
 */
int pb_json_decode(const struct pb_msg *m, void *out, char *json,
    size_t n, struct pb_arena *a, const char **err);

/*
 * proto3 JSON encode of in as one value on w: lowerCamelCase names,
 * default singular values left out, enums by name (by number if
 * unknown), 64-bit integers quoted, bytes in padded standard base64,
 * Timestamps in RFC 3339 with Z and 0, 3, 6 or 9 fraction digits.
 * Invalid UTF-8 in strings comes out as U+FFFD. Returns w->err: 0,
 * -ENOBUFS, or -EINVAL (also for a Timestamp outside 0001-9999 or with
 * nanos outside 0..999999999).
 */
int pb_json_encode(const struct pb_msg *m, const void *in, struct jw *w);

/* n bytes from a, 8-byte aligned, or NULL when a is full. */
void *pb_alloc(struct pb_arena *a, size_t n);

#endif
