// SPDX-License-Identifier: MIT
/* Latency quantiles and CPU time from /proc/stat. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "stats.h"

uint64_t xb_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

uint64_t xb_hist_total(const uint64_t *hist)
{
	uint64_t n = 0;

	for (int b = 0; b < XB_HIST_BUCKETS; b++)
		n += hist[b];
	return n;
}

/* The middle of the bucket that holds the q-th value. */
uint64_t xb_hist_quantile(const uint64_t *hist, double q)
{
	uint64_t n = xb_hist_total(hist), want, seen = 0;

	if (!n)
		return 0;
	want = (uint64_t)(q * (double)n);
	if (want >= n)
		want = n - 1;
	for (int b = 0; b < XB_HIST_BUCKETS; b++) {
		seen += hist[b];
		if (seen > want) {
			uint64_t lo = xb_hist_lower((uint32_t)b);
			uint64_t hi = b + 1 < XB_HIST_BUCKETS ?
				      xb_hist_lower((uint32_t)b + 1) : lo;

			return (lo + hi) / 2;
		}
	}
	return 0;
}

int xb_cpu_read(struct xb_snap *s)
{
	FILE *f = fopen("/proc/stat", "r");
	char line[512];

	if (!f)
		return -errno;
	s->ncpu = 0;
	while (fgets(line, sizeof(line), f)) {
		unsigned long long v[10] = { 0 };
		int cpu;

		if (strncmp(line, "cpu", 3) || line[3] < '0' || line[3] > '9')
			continue;
		if (sscanf(line + 3, "%d %llu %llu %llu %llu %llu %llu %llu %llu",
			   &cpu, &v[0], &v[1], &v[2], &v[3], &v[4], &v[5],
			   &v[6], &v[7]) < 9 || cpu < 0 || cpu >= XB_MAX_CPUS)
			continue;
		/* user nice system idle iowait irq softirq steal */
		s->cpu[cpu].busy = v[0] + v[1] + v[2] + v[5] + v[6] + v[7];
		s->cpu[cpu].total = s->cpu[cpu].busy + v[3] + v[4];
		if (cpu + 1 > s->ncpu)
			s->ncpu = cpu + 1;
	}
	fclose(f);
	return 0;
}

double xb_cpu_busy(const struct xb_snap *a, const struct xb_snap *b,
		   const uint64_t *mask, double *busy_s)
{
	double hz = (double)sysconf(_SC_CLK_TCK);
	uint64_t busy = 0, total = 0;
	int n = 0;

	for (int i = 0; i < b->ncpu && i < XB_MAX_CPUS; i++) {
		if (!(mask[i / 64] >> (i % 64) & 1))
			continue;
		busy += b->cpu[i].busy - a->cpu[i].busy;
		total += b->cpu[i].total - a->cpu[i].total;
		n++;
	}
	*busy_s = (double)busy / hz;
	/* In units of one CPU: 2 CPUs fully busy is 2.0. */
	return total ? (double)busy / (double)total * n : 0;
}
