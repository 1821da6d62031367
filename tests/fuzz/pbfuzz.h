/*
 * pbfuzz.h: what the two protobuf fuzz targets share: the buffers, the
 * choice of a message table by the input's first byte, and the check
 * that a message re-encodes to the same bytes.
 */
#ifndef PBFUZZ_H
#define PBFUZZ_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "msg.h"
#include "pb.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static _Alignas(16) char arena1[1 << 20], arena2[1 << 20];
static _Alignas(16) char s1[8192], s2[8192];
static uint8_t enc1[1 << 18], enc2[1 << 18];
static char json[1 << 20];

static const struct pb_msg *
pick(uint8_t b)
{
	size_t n = 0;

	while (msg_all[n])
		n++;
	return msg_all[b % n];
}

/* s2 encodes to exactly enc1[0..n1). */
static void
same(const struct pb_msg *m, size_t n1)
{
	size_t n2;

	if (pb_encode(m, s2, enc2, sizeof enc2, &n2) || n2 != n1 ||
	    memcmp(enc1, enc2, n1))
		abort();
}

#endif
