/*
 * procfs_test.c: /proc/stat and /proc/meminfo parsers on recorded files,
 * whole and cut short at every length.
 */
#include <errno.h>

#include "procfs.h"
#include "testlib.h"

/* Recorded from a 2-vCPU Linux 6.1 guest (fields trimmed). */
static const char stat_file[] =
    "cpu  4705 356 584 3699176 1312 0 188 0 0 0\n"
    "cpu0 2350 178 292 1849588 656 0 94 0 0 0\n"
    "cpu1 2355 178 292 1849588 656 0 94 0 0 0\n"
    "intr 114930548 113199788 3 0 5 263 0 4\n"
    "ctxt 1990473\nbtime 1062191376\nprocesses 2915\n"
    "procs_running 1\nprocs_blocked 0\n";

/* A 2.6-era kernel: only four fields on the cpu line. */
static const char stat_old[] = "cpu  10 20 30 40\ncpu0 10 20 30 40\n";

static const char meminfo_file[] =
    "MemTotal:        2030592 kB\n"
    "MemFree:          113136 kB\n"
    "MemAvailable:    1616908 kB\n"
    "Buffers:           52576 kB\n"
    "Cached:          1426112 kB\n"
    "SwapCached:            0 kB\n"
    "Active:           697172 kB\n";

static void
test_stat(void)
{
	struct cpu_times ct, a, b;
	size_t n = sizeof(stat_file) - 1, k;
	char *g;

	g = guard_copy(stat_file, n);
	CHECK(procfs_parse_stat(g, n, &ct) == 0, "parse");
	CHECK(ct.total == 4705 + 356 + 584 + 3699176 + 1312 + 188,
	    "total %llu", (unsigned long long)ct.total);
	CHECK(ct.idle == 3699176 + 1312, "idle");
	CHECK(ct.ncpu == 2, "ncpu %d", ct.ncpu);
	guard_free(g, n);
	CHECK(procfs_parse_stat(stat_old, sizeof(stat_old) - 1, &ct) == 0 &&
	    ct.total == 100 && ct.idle == 40 && ct.ncpu == 1, "old kernel");
	CHECK(procfs_parse_stat("intr 1\n", 7, &ct) < 0, "no cpu line");
	CHECK(procfs_parse_stat("cpu  1 2\n", 9, &ct) < 0, "short cpu line");
	for (k = 0; k < n; k++) {
		g = guard_copy(stat_file, k);
		procfs_parse_stat(g, k, &ct);
		guard_free(g, k);
	}
	a = (struct cpu_times){ 1000, 800, 2 };
	b = (struct cpu_times){ 1100, 850, 2 };
	CHECK(procfs_cpu_pct(&a, &b) == 50.0, "50%%");
	CHECK(procfs_cpu_pct(&b, &a) == 0.0, "backwards is 0");
	CHECK(procfs_cpu_pct(&a, &a) == 0.0, "no ticks is 0");
	b.idle = 1200;
	CHECK(procfs_cpu_pct(&a, &b) == 0.0, "idle beyond total is 0");
}

static void
test_meminfo(void)
{
	struct meminfo mi;
	size_t n = sizeof(meminfo_file) - 1, k;
	char *g;

	g = guard_copy(meminfo_file, n);
	CHECK(procfs_parse_meminfo(g, n, &mi) == 0, "parse");
	CHECK(mi.total == 2030592ULL * 1024, "total");
	CHECK(mi.available == 1616908ULL * 1024, "available");
	CHECK(mi.cached == 1426112ULL * 1024, "cached (not SwapCached)");
	guard_free(g, n);
	CHECK(procfs_parse_meminfo("MemFree: 1 kB\n", 14, &mi) < 0,
	    "no MemTotal");
	CHECK(procfs_parse_meminfo("MemTotal: x kB\n", 15, &mi) < 0,
	    "bad number");
	CHECK(procfs_parse_meminfo("MemTotal: 10 kB\nMemAvailable: 20 kB\n",
	    36, &mi) == 0 && mi.available == mi.total, "available capped");
	for (k = 0; k < n; k++) {
		g = guard_copy(meminfo_file, k);
		procfs_parse_meminfo(g, k, &mi);
		guard_free(g, k);
	}
}

static void
test_read(void)
{
	char buf[16], big[1 << 16];
	long n;

	CHECK(procfs_read("/nonexistent/x", buf, sizeof(buf)) == -ENOENT,
	    "missing file");
	n = procfs_read("/proc/self/stat", buf, sizeof(buf));
	CHECK(n == -EFBIG, "truncation reported: %ld", n);
	n = procfs_read("/proc/meminfo", big, sizeof(big));
	CHECK(n > 0 && big[n] == '\0', "meminfo read");
}

int
main(void)
{
	test_stat();
	test_meminfo();
	test_read();
	return test_exit("procfs_test");
}
