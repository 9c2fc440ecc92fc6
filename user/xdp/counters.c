// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "xdp/counters.h"

int xt_xdp_stats_read(int fd, struct xt_xdp_stats *sum)
{
	int ncpu = libbpf_num_possible_cpus();
	struct xt_xdp_stats *percpu;
	__u32 zero = 0;
	int ret = 0;

	if (ncpu < 0)
		return ncpu;
	percpu = calloc((size_t)ncpu, sizeof(*percpu));
	if (!percpu)
		return -ENOMEM;
	if (bpf_map_lookup_elem(fd, &zero, percpu)) {
		ret = -errno;
		goto cleanup;
	}
	memset(sum, 0, sizeof(*sum));
	for (int c = 0; c < ncpu; c++)
		for (size_t f = 0; f < XT_STATS_FIELD_COUNT; f++)
			((__u64 *)sum)[f] += ((__u64 *)&percpu[c])[f];
cleanup:
	free(percpu);
	return ret;
}
