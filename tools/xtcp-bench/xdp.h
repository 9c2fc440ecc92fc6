/* SPDX-License-Identifier: MIT */
/*
 * The client's XDP side (client.bpf.c) as userspace drives it: load and
 * attach, run the SYN generators in live-frames mode, read counters and
 * the histogram, watch the slots, put everything back.
 */
#ifndef XB_XDP_H
#define XB_XDP_H

#include <stdbool.h>
#include <stdint.h>
#include "attach.h"
#include "bench.h"
#include "netinfo.h"
#include "opts.h"
#include "stats.h"

struct xb_client_bpf;

struct xb_xdp {
	struct xb_client_bpf *skel;
	struct xb_attach att;
	struct xb_ifinfo ifi;
	uint8_t server_mac[6];
	unsigned nslots;		/* 0: the xdp engine is not used */
	struct xb_slot *slots;		/* mmapped `slots` map */
	size_t slots_len;
	uint8_t tmpl[64];		/* a SYN to the server, for the generators */
	unsigned tmpl_len;
};

/*
 * Loads and attaches the program on o->iface; nslots > 0 runs the xdp
 * engine's crr on that many slots, closed loop unless o->rate. 0 or -errno.
 */
int xb_xdp_open(struct xb_xdp *x, const struct xb_opts *o, unsigned nslots);
/* Starts n connections (slot after slot). 0 or -errno. */
int xb_xdp_seed(struct xb_xdp *x, unsigned n);
/* Closed loop: restarts slots silent longer than timeout_ns; how many. */
unsigned xb_xdp_watch(struct xb_xdp *x, uint64_t timeout_ns);
/* Sends n flood SYNs. 0 or -errno. Safe beside xb_xdp_seed. */
int xb_xdp_flood(struct xb_xdp *x, unsigned n);
/* Adds the XDP counters and histogram to s. */
void xb_xdp_read(struct xb_xdp *x, struct xb_snap *s);
/* Lets running connections end without starting new ones (up to wait_ns). */
void xb_xdp_drain(struct xb_xdp *x, uint64_t wait_ns);
/* Detaches (the previous program back) and frees. x may be unopened. */
void xb_xdp_close(struct xb_xdp *x);

#endif /* XB_XDP_H */
