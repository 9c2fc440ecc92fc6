/* SPDX-License-Identifier: MIT */
/*
 * One worker per RX queue: shared-nothing, run to completion.
 * rx batch -> parse -> TCP input -> poll (timers, callbacks, output)
 * -> conns map batch -> tx batch -> sleep until the next frame or timer.
 */
#ifndef XTCP_WORKER_H
#define XTCP_WORKER_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include "tcp/stack.h"
#include "xdp/netif.h"
#include "xdp/port.h"
#include "xtcpd/config.h"
#include "xtcpd/handoff.h"
#include "xtcpd/spin.h"
#include "xtcpd/tap.h"

struct xt_worker_stats {
	uint64_t segments;		/* parsed and handed to TCP */
	uint64_t malformed;		/* rejected by the codec, but */
	uint64_t bad_csum;		/* for a bad checksum: here */
	uint64_t not_ours;		/* addressed to another IPv4 address */
	uint64_t tx_errors;		/* no frame, or the builder refused */
	uint64_t map_errors;		/* conns entries not written */
	uint64_t handoff_out;		/* passed to the owner, */
	uint64_t handoff_drops;		/* or not: its ring was full */
	uint64_t handoff_in;		/* received from another worker */
	uint64_t no_meta;		/* several workers, but no xt_xsk_meta */
};

struct xt_worker {
	struct xt_port *port;
	struct xt_stack *stack;
	const struct xt_config *cfg;
	const struct xt_netif *nif;
	atomic_int *stop;
	atomic_int *drain;		/* set by main() on SIGTERM */
	bool draining;			/* the stack was told */
	int dstats_fd;			/* where the counters are published */
	int conns_fd;			/* the conns map, kept by this worker */
	struct xt_conn_win *win;	/* the mmapped conn_win array */
	uint32_t slot_base, max_conns;	/* this worker's share of conn_win */
	uint32_t nworkers;		/* how many serve the interface */
	struct xt_handoff *handoff;	/* to and from them; NULL if alone */
	uint64_t rx_us;			/* the clock of the batch being read */
	uint64_t found_us;		/* when this turn saw its frames */
	bool napi_checked;		/* --busy-poll: the socket's NAPI id */
	struct xt_spin spin;		/* to spin or to sleep (--spin-us) */
	uint64_t nivcsw;		/* involuntary switches, when last asked */
	int cookie_keys_fd;
	struct xt_cookie_keys keys;	/* a copy, re-read when a check fails */
	uint32_t ts_offset;		/* the daemon's, as in ctl */
	struct xt_tap *tap;		/* frames and states, while it is on */
	/* libxtcp's per-worker hook (xt_host_on_worker), after the services. */
	int (*setup)(struct xt_stack *st, unsigned index, void *arg);
	void *setup_arg;
	/*
	 * For the main thread's auto cookie mode and its checksum hint,
	 * updated at publish time.
	 */
	_Atomic uint64_t syns_seen, half_open, bad_csum;
	/* Connections not yet CLOSED or TIME-WAIT, after every batch. */
	_Atomic uint32_t unfinished;
	/*
	 * xt_worker_snapshot(), from the control thread: it sets snap_want
	 * and wakes the worker (wake_fd, an eventfd in the worker's poll);
	 * the worker fills snap (malloc'ed, the asker frees it) after its
	 * next batch and sets snap_done.
	 */
	int wake_fd;
	int io_fd;			/* epoll: the applications' xt_io_watch */
	atomic_int snap_want, snap_done;
	struct xt_conn_info *snap;
	unsigned nsnap;
	uint32_t index;			/* this worker's slot there */
	uint64_t published_at;
	pthread_t thread;
	int started;
	struct xt_worker_stats stats;
};

/* Builds the worker's TCP stack and starts its services. */
int xt_worker_init(struct xt_worker *w);
int xt_worker_start(struct xt_worker *w);
/*
 * One turn of the loop on the caller's thread (libxtcp's XT_HOST_CALLER
 * mode, instead of xt_worker_start): ms the caller may sleep, 0 if busy.
 */
uint64_t xt_worker_step(struct xt_worker *w);
/* Waits for the worker to notice *stop and return. */
void xt_worker_join(struct xt_worker *w);
/* Resets what is still open (and says how many) and frees the stack. */
void xt_worker_fini(struct xt_worker *w);

/*
 * The worker's connections, from another thread: 0 with *out (free it)
 * and *n, or -ETIMEDOUT when the worker did not answer in timeout_ms.
 */
int xt_worker_snapshot(struct xt_worker *w, struct xt_conn_info **out,
		       unsigned *n, int timeout_ms);
/* Wakes the worker from its poll (another thread may call it). */
void xt_worker_wake(struct xt_worker *w);

uint64_t xt_now_ms(void);

#endif /* XTCP_WORKER_H */
