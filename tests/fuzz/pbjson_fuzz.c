/*
 * pbjson_fuzz.c: libFuzzer target for the proto3 JSON decoder
 * (src/pb.c) over the tables of src/msg.c.
 *
 * The first byte picks a message table; the rest, copied to a heap buffer
 * of exactly its size (the decoder writes into it), is decoded. What
 * decodes must encode to binary that decodes again, and its own JSON
 * encoding must decode to the same binary.
 */
#include "pbfuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pb_arena a = { arena1, sizeof arena1, 0 };
	struct pb_arena b = { arena2, sizeof arena2, 0 };
	const struct pb_msg *m;
	const char *err = NULL;
	char *in;
	size_t n1;
	struct jw w;

	if (size < 1 || !(in = malloc(size - 1 ? size - 1 : 1)))
		return 0;
	memcpy(in, data + 1, size - 1);
	m = pick(data[0]);
	if (pb_json_decode(m, s1, in, size - 1, &a, &err)) {
		if (!err)
			abort();
		free(in);
		return 0;
	}
	if (pb_encode(m, s1, enc1, sizeof enc1, &n1) ||
	    pb_decode(m, s2, enc1, n1, &b))
		abort();
	same(m, n1);
	jw_init(&w, json, sizeof json);
	b.used = 0;
	if (pb_json_encode(m, s1, &w) ||
	    pb_json_decode(m, s2, json, w.len, &b, NULL))
		abort();
	same(m, n1);
	free(in);
	return 0;
}
