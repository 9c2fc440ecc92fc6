/* SPDX-License-Identifier: MIT */
/*
 * The SYN-cookie secrets and mode, kept by xtcpd's main thread: the keys
 * rotate every period (the previous one stays valid for one more), and in
 * auto mode XDP answers SYNs only while the SYN rate or the half-open
 * count is over its threshold (DESIGN.md, SYN cookies).
 */
#ifndef XTCP_COOKIES_H
#define XTCP_COOKIES_H

#include <stdbool.h>
#include <stdint.h>
#include "xtcp/maps.h"
#include "xtcpd/config.h"

struct xt_cookies {
	int keys_fd;
	struct xt_cookie_keys keys;
	enum xt_cookie_mode mode;
	uint64_t period_ms, next_rotation;
	uint32_t rate, half_open;	/* auto's thresholds */
	bool on;			/* XDP answers SYNs now */
	uint64_t last_syns, last_eval;	/* auto's SYN rate, per second */
	uint32_t calm_s;		/* seconds under half the thresholds */
	uint64_t switches;
};

/* Fresh keys into cookie_keys; 'on' as the mode starts. 0 or -errno. */
int xt_cookies_init(struct xt_cookies *c, const struct xt_config *cfg,
		    int keys_fd, uint64_t now);
/*
 * Rotates the keys when due and, in auto mode, decides whether cookies
 * should be on, from the SYNs counted so far and the half-open count.
 * Returns true when 'on' changed (the caller publishes ctl).
 */
bool xt_cookies_tick(struct xt_cookies *c, uint64_t now, uint64_t syns,
		     uint64_t half_open);
/* How long until the next tick has work, in ms. */
uint64_t xt_cookies_next_delay(const struct xt_cookies *c, uint64_t now);

#endif /* XTCP_COOKIES_H */
