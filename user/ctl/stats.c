// SPDX-License-Identifier: MIT
#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "ctl/stats.h"
#include "xtcp/maps.h"

#define FIELD(name) { #name, offsetof(struct xt_xdp_stats, name) }

static const struct {
	const char *name;
	size_t off;
} stats_fields[] = {
	FIELD(rx_frames),
	FIELD(pass_not_ipv4),
	FIELD(pass_not_tcp),
	FIELD(pass_fragment),
	FIELD(pass_malformed_ip),
	FIELD(pass_unowned),
	FIELD(drop_malformed_tcp),
	FIELD(redirect),
	FIELD(drop_no_socket),
};

_Static_assert(sizeof(stats_fields) / sizeof(stats_fields[0]) ==
	       XT_STATS_FIELD_COUNT, "every counter has a name");

static int stats_sum(const char *pin_dir, struct xt_xdp_stats *sum)
{
	int ncpu = libbpf_num_possible_cpus();
	struct xt_xdp_stats *percpu;
	char path[PATH_MAX];
	__u32 zero = 0;
	int fd, ret = 0;

	if (ncpu < 0)
		return ncpu;
	snprintf(path, sizeof(path), "%s/stats", pin_dir);
	fd = bpf_obj_get(path);
	if (fd < 0)
		return -errno;
	percpu = calloc((size_t)ncpu, sizeof(*percpu));
	if (!percpu) {
		ret = -ENOMEM;
		goto cleanup;
	}
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
	close(fd);
	return ret;
}

int ctl_stats(FILE *out, const char *pin_dir, int json)
{
	struct xt_xdp_stats sum;
	int ret = stats_sum(pin_dir, &sum);

	if (ret)
		return ret;
	if (json)
		fprintf(out, "{");
	for (size_t i = 0; i < XT_STATS_FIELD_COUNT; i++) {
		__u64 v = *(__u64 *)((char *)&sum + stats_fields[i].off);

		if (json)
			fprintf(out, "%s\"%s\": %llu", i ? ", " : "",
				stats_fields[i].name, (unsigned long long)v);
		else
			fprintf(out, "%-22s %llu\n", stats_fields[i].name,
				(unsigned long long)v);
	}
	if (json)
		fprintf(out, "}\n");
	return 0;
}
