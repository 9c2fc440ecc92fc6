/* SPDX-License-Identifier: MIT */
/*
 * xtcpd's tap (xtcp/tap.h): while someone listens — a tap client on the
 * control socket, or --pcap — every frame the workers receive and send,
 * every state change, and what XDP answered or dropped itself (tap_ring)
 * are gathered by one thread, put in time order, and handed to the
 * listeners. The data path never waits for it: a worker's queue that is
 * full, a full tap_ring, a client that reads too slowly each lose records
 * and count them, and clients are told (XT_TAP_LOST).
 */
#ifndef XTCP_XTCPD_TAP_H
#define XTCP_XTCPD_TAP_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include "xtcp/tap.h"

#define XT_TAPQ_LEN		1024	/* records per worker queue (2^n) */
#define XT_TAP_MAX_CLIENTS	8

/* One worker's queue: the worker writes head, the tap thread tail. */
struct xt_tapq {
	_Atomic uint32_t head, tail;
	_Atomic uint64_t full;		/* records lost: no room */
	struct xt_tap_rec rec[XT_TAPQ_LEN];
};

struct xt_tap_client {
	int fd;				/* -1: a free slot */
	struct xt_tap_lost base;	/* the totals when it came */
	uint64_t slow;			/* records it had no room for */
	struct xt_tap_lost told;	/* what it was last sent */
	uint8_t part[sizeof(struct xt_tap_rec)];	/* a record half sent */
	size_t part_off, part_len;
};

struct xt_tap {
	atomic_int on;			/* the workers' one load per frame */
	struct xt_tapq *q;		/* one per worker */
	int nq;
	struct ring_buffer *ring;	/* tap_ring, XDP's records */
	int stats_fd;			/* XDP's counters: tap_ring_full */
	FILE *pcap;			/* --pcap, or NULL */
	uint64_t pcap_frames;
	int64_t realtime_off_ns;	/* CLOCK_REALTIME - CLOCK_MONOTONIC */
	pthread_mutex_t lock;		/* clients[]: the control thread adds */
	struct xt_tap_client clients[XT_TAP_MAX_CLIENTS];
	struct xt_tap_rec *batch;	/* one round, sorted by time */
	unsigned nbatch, batch_cap;
	/* Tells XDP (ctl.flags XT_TAP) when the tap goes on or off. */
	void (*set_flag)(void *arg, bool on);
	void *flag_arg;
	pthread_t thread;
	int started;
	atomic_int stop;
};

/*
 * Sets up queues for nq workers and reads tap_ring (its fd); with
 * pcap_path, the tap is on from the start and writes there. Then starts
 * the thread. 0 or -errno, logged.
 */
int xt_tap_start(struct xt_tap *t, int nq, int ring_fd, int stats_fd,
		 const char *pcap_path, void (*set_flag)(void *, bool),
		 void *flag_arg);
/* Stops the thread, closes clients and the pcap (saying what it lost). */
void xt_tap_stop(struct xt_tap *t);

/* From the control thread: fd streams records until it hangs up. */
int xt_tap_add_client(struct xt_tap *t, int fd);

/* For the workers: is anyone listening? One relaxed load. */
static inline bool xt_tap_on(const struct xt_tap *t)
{
	return t && atomic_load_explicit(&t->on, memory_order_relaxed);
}

/* A worker's frame (XT_TAP_RX or XT_TAP_TX) or state change, queued. */
void xt_tap_frame(struct xt_tap *t, unsigned q, uint8_t kind,
		  const void *frame, uint32_t len);
void xt_tap_state(struct xt_tap *t, unsigned q, const struct xt_tap_conn *c);

#endif /* XTCP_XTCPD_TAP_H */
