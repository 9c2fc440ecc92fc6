/* SPDX-License-Identifier: (MIT OR GPL-2.0) */
/* Every map the XDP program uses, each declared once (types: xtcp/maps.h). */
#ifndef XTCP_MAPS_BPF_H
#define XTCP_MAPS_BPF_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "xtcp/maps.h"
#include "xtcp/tap.h"

/* Local ports xtcpd listens on; written by the daemon. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, XT_MAX_LISTEN);
	__type(key, __u16);
	__type(value, struct xt_listen_val);
} listen_ports SEC(".maps");

/* Run-time settings written by the daemon (one entry). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct xt_ctl);
} ctl SEC(".maps");

/* SYN-cookie secrets, the current and the previous (one entry). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct xt_cookie_keys);
} cookie_keys SEC(".maps");

/* Every connection xtcpd holds, from its first segment out to CLOSED. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, XT_MAX_CONNS);
	__type(key, struct xt_conn_key);
	__type(value, struct xt_conn_val);
} conns SEC(".maps");

/* RCV.NXT and RCV.WND of each connection, by slot; xtcpd mmaps it. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, XT_MAX_CONNS);
	__type(key, __u32);
	__type(value, struct xt_conn_win);
} conn_win SEC(".maps");

/* The limit on RSTs for unknown tuples (rst_limit.h; one entry). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct xt_rst_bucket);
} rst_bucket SEC(".maps");

/* The AF_XDP socket of each RX queue. */
struct {
	__uint(type, BPF_MAP_TYPE_XSKMAP);
	__uint(max_entries, XT_MAX_QUEUES);
	__type(key, __u32);
	__type(value, __u32);
} xsks SEC(".maps");

/* A counter per verdict, per CPU (one entry). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct xt_xdp_stats);
} stats SEC(".maps");

/* xtcpd's own counters, one slot per worker; the program never reads it. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, XT_MAX_QUEUES);
	__type(key, __u32);
	__type(value, struct xt_daemon_stats);
} dstats SEC(".maps");

/* Tap records (xtcp/tap.h) of frames XDP answered or dropped; xtcpd reads. */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, XT_TAP_RING_BYTES);
} tap_ring SEC(".maps");

/* Where a tap record is built before it is copied to tap_ring (per CPU). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct xt_tap_rec);
} tap_scratch SEC(".maps");

#endif /* XTCP_MAPS_BPF_H */
