/* SPDX-License-Identifier: MIT */
/*
 * struct xt_host (include/xtcp/xtcp.h) inside: what xtcpd's main() was.
 * One interface: the XDP program and its maps, the settings XDP answers
 * SYNs with, the cookie keys, the reserved ports, one AF_XDP port and one
 * worker per RX queue. xtcpd uses it through xt_host_new_cfg() with its
 * parsed command line; libxtcp's users through xt_host_open().
 */
#ifndef XTCP_HOST_H
#define XTCP_HOST_H

#include <stdatomic.h>
#include <stdbool.h>
#include "xdp/loader.h"
#include "xdp/netif.h"
#include "xdp/reserve.h"
#include "xtcp/xtcp.h"
#include "xtcpd/config.h"
#include "xtcpd/cookies.h"
#include "xtcpd/csum_hint.h"
#include "xtcpd/tap.h"
#include "xtcpd/worker.h"

struct xt_host_listener {
	uint16_t port;
	const struct xt_app_ops *ops;
	void *arg;
};

struct xt_host {
	struct xt_config cfg;
	struct xt_netif nif;
	struct xt_loader *loader;
	struct xt_reservation ports;
	struct xt_conn_win *win;		/* conn_win, mmapped */
	struct xt_ctl ctl;			/* what XDP is told, as last told */
	pthread_mutex_t ctl_lock;		/* main and the tap thread tell it */
	atomic_bool tap_on;			/* ctl.flags XT_CTL_TAP */
	struct xt_tap tap;			/* trace and capture (tap.c) */
	struct xt_cookies cookies;
	struct xt_csum_hint csum_hint;
	struct xt_worker workers[XT_MAX_QUEUES];
	int nworkers;
	struct xt_handoff *handoff;		/* between them, if several */
	atomic_int stop;			/* the workers' */
	atomic_int drain;
	/* Listeners of the library's users, on every worker. */
	struct xt_host_listener listen[XT_MAX_LISTEN];
	int nlisten;
	xt_host_worker_fn on_worker;
	void *on_worker_arg;
	enum xt_host_mode mode;
	bool want_eph;				/* reserve cfg.eph_lo..hi */
	bool started;
	int stop_fd;				/* eventfd: xt_host_stop() */
	atomic_int stops;			/* xt_host_stop() calls */
	int epfd;				/* XT_HOST_CALLER's xt_host_fd() */
	uint64_t tick_at;			/* next xt_host_tick() due, ms */
};

/*
 * xtcpd's way in: cfg as parsed (its listeners are services, its
 * --connect peers are opened by worker 0). Checks as xt_host_open does.
 */
int xt_host_new_cfg(struct xt_host **out, const struct xt_config *cfg);

/*
 * The host's housekeeping, from one thread: cookie key rotation, the auto
 * cookie switch, the veth checksum hint. Returns ms until it is due again.
 */
uint64_t xt_host_tick(struct xt_host *h);

/* The settings XDP reads (ctl map), from h->ctl, cookies and drain. */
int xt_host_publish_ctl(struct xt_host *h);

/* The XDP mode in use ("native", "skb") after xt_host_start(). */
const char *xt_host_mode_name(const struct xt_host *h);

#endif /* XTCP_HOST_H */
