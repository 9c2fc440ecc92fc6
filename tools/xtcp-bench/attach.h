/* SPDX-License-Identifier: MIT */
/*
 * Attaching an XDP program in place of whatever an interface runs (the
 * testbed's XDP_PASS, typically), and putting that one back afterwards.
 */
#ifndef XB_ATTACH_H
#define XB_ATTACH_H

#include <stdbool.h>

struct xb_attach {
	int ifindex;
	int prog_fd;		/* ours */
	int old_fd;		/* what ran before, kept alive; -1: nothing */
	bool on;
};

/* Native mode. 0, or -errno after printing what failed. */
int xb_attach(struct xb_attach *a, int ifindex, int prog_fd);
/* Puts the previous program back (or detaches). Safe to call twice. */
void xb_detach(struct xb_attach *a);

#endif /* XB_ATTACH_H */
