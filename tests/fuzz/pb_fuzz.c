/*
 * pb_fuzz.c: libFuzzer target for the binary protobuf decoder (src/pb.c)
 * over the tables of src/msg.c.
 *
 * The first byte picks a message table; the rest, copied to a heap buffer
 * of exactly its size so ASan sees any read past the end, is decoded.
 * What decodes must come back unchanged through two round trips: its
 * canonical encoding decoded and encoded again, and its proto3 JSON
 * decoded and encoded in binary.
 */
#include "pbfuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pb_arena a = { arena1, sizeof arena1, 0 };
	struct pb_arena b = { arena2, sizeof arena2, 0 };
	const struct pb_msg *m;
	uint8_t *in;
	size_t n1;
	struct jw w;

	if (size < 1 || !(in = malloc(size - 1 ? size - 1 : 1)))
		return 0;
	memcpy(in, data + 1, size - 1);
	m = pick(data[0]);
	if (pb_decode(m, s1, in, size - 1, &a) ||
	    pb_encode(m, s1, enc1, sizeof enc1, &n1)) {
		free(in);
		return 0;
	}
	if (pb_encoded_size(m, s1) != n1 || pb_decode(m, s2, enc1, n1, &b))
		abort();
	same(m, n1);
	jw_init(&w, json, sizeof json);
	b.used = 0;
	if (!pb_json_encode(m, s1, &w)) {
		if (pb_json_decode(m, s2, json, w.len, &b, NULL))
			abort();
		same(m, n1);
	}
	free(in);
	return 0;
}
