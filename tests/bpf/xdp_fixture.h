/* SPDX-License-Identifier: MIT */
/*
 * The XDP program as the tests see it: the real object, loaded through its
 * skeleton (no attachment), run on crafted frames with
 * bpf_prog_test_run_opts(), and its per-CPU counters summed.
 */
#ifndef XTCP_TESTS_XDP_FIXTURE_H
#define XTCP_TESTS_XDP_FIXTURE_H

#include <stddef.h>
#include <stdint.h>
#include "lib/pkt.h"
#include "xtcp/maps.h"

struct xt_port;
struct xtcp_bpf;

struct xdp_fixture {
	struct xtcp_bpf *skel;
	struct xt_port *port;		/* AF_XDP socket in xsks[0], on lo */
};

extern struct xdp_fixture fx;

/* Criterion .init/.fini: load, publish port PKT_LOCAL_PORT, socket. */
void xdp_fixture_setup(void);
void xdp_fixture_teardown(void);

/* Runs the program once on f; returns its XDP action. */
int xdp_run(const struct pkt_frame *f);
/* Same, and copies the frame as the program left it into out. */
int xdp_run_out(const struct pkt_frame *f, struct pkt_frame *out);

/* Entry 0 of a one-entry array map (ctl, cookie_keys, rst_bucket). */
struct bpf_map;
void xdp_map_get0(const struct bpf_map *m, void *val);
void xdp_map_put0(const struct bpf_map *m, const void *val);

/* One counter, summed over CPUs; off is offsetof(struct xt_xdp_stats, x). */
uint64_t xdp_counter(size_t off);

#endif /* XTCP_TESTS_XDP_FIXTURE_H */
