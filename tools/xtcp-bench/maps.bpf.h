/* SPDX-License-Identifier: (MIT OR GPL-2.0) */
/* The maps of xtcp-bench's XDP programs, and the helpers that count. */
#ifndef XB_MAPS_BPF_H
#define XB_MAPS_BPF_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "bench.h"

/* Per-CPU counters, enum xb_counter. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, XB_C_COUNT);
	__type(key, __u32);
	__type(value, __u64);
} counters SEC(".maps");

/* Per-CPU latency histogram of completed connections, xb_hist_bucket(). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, XB_HIST_BUCKETS);
	__type(key, __u32);
	__type(value, __u64);
} hist SEC(".maps");

static __always_inline void xb_count(__u32 c)
{
	__u64 *v = bpf_map_lookup_elem(&counters, &c);

	if (v)
		*v += 1;
}

static __always_inline void xb_record(__u64 ns)
{
	__u32 b = xb_hist_bucket(ns);
	__u64 *v = bpf_map_lookup_elem(&hist, &b);

	if (v)
		*v += 1;
}

#endif /* XB_MAPS_BPF_H */
