/*
 * testlib.h: what every unit test shares: a failure counter, CHECK, and
 * guard-page copies so that a parser reading one byte past its input
 * crashes instead of passing by luck.
 */
#ifndef TESTLIB_H
#define TESTLIB_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static int failures;

#define CHECK(cond, ...) do {						\
	if (!(cond)) {							\
		failures++;						\
		fprintf(stderr, "%s:%d: check failed: %s: ", __FILE__,	\
		    __LINE__, #cond);					\
		fprintf(stderr, __VA_ARGS__);				\
		fputc('\n', stderr);					\
	}								\
} while (0)

/*
 * Copies n bytes so they end exactly where a PROT_NONE page begins.
 * Each call maps fresh pages; guard_free() releases them.
 */
static inline char *
guard_copy(const void *p, size_t n)
{
	size_t pg = (size_t)sysconf(_SC_PAGESIZE);
	size_t span = (n + pg - 1) / pg * pg;
	char *base;

	if (span == 0)
		span = pg;
	base = mmap(NULL, span + pg, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (base == MAP_FAILED) {
		perror("mmap");
		exit(2);
	}
	mprotect(base + span, pg, PROT_NONE);
	memcpy(base + span - n, p, n);
	return base + span - n;
}

static inline void
guard_free(char *p, size_t n)
{
	size_t pg = (size_t)sysconf(_SC_PAGESIZE);
	size_t span = (n + pg - 1) / pg * pg;
	char *base;

	if (span == 0)
		span = pg;
	base = p + n - span;
	munmap(base, span + pg);
}

static inline int
test_exit(const char *name)
{
	if (failures) {
		fprintf(stderr, "%s: %d checks failed\n", name, failures);
		return 1;
	}
	return 0;
}

#endif
