/*
 * procfs.h: the few /proc files the agent reads.  Each file is read once
 * into a caller's buffer (procfs_read); the parsers work on those bytes,
 * so tests feed them recorded files.
 */
#ifndef PROCFS_H
#define PROCFS_H

#include <stddef.h>
#include <stdint.h>

struct cpu_times {
	uint64_t total;		/* user..steal, in USER_HZ ticks */
	uint64_t idle;		/* idle + iowait */
	int ncpu;		/* "cpuN" lines */
};

struct meminfo {
	uint64_t total;		/* MemTotal, bytes */
	uint64_t available;	/* MemAvailable, bytes */
	uint64_t cached;	/* Cached, bytes */
};

/*
 * Reads the whole file into buf (NUL-ended); returns its length, or a
 * negative errno; -EFBIG when it does not fit in cap - 1 bytes.
 */
long procfs_read(const char *path, char *buf, size_t cap);

/* Parses /proc/stat; 0, or -EINVAL without an aggregate "cpu" line. */
int procfs_parse_stat(const char *p, size_t n, struct cpu_times *ct);
/* Parses /proc/meminfo; 0, or -EINVAL without MemTotal. */
int procfs_parse_meminfo(const char *p, size_t n, struct meminfo *mi);

/* Busy percent between two samples, in [0, 100]; 0 with no ticks. */
double procfs_cpu_pct(const struct cpu_times *a, const struct cpu_times *b);

#endif
