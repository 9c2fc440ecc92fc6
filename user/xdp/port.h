/* SPDX-License-Identifier: MIT */
/*
 * One AF_XDP socket bound to one RX queue, with its own UMEM.
 *
 * Frame ownership: every UMEM frame is in exactly one place at a time:
 *   the free pool       (port->pool; owned by the port),
 *   the fill ring       (kernel, until it fills it with a received frame),
 *   the RX ring / held  (the caller, between xt_port_rx() and release),
 *   a TX slot           (the caller, between tx_alloc() and tx_submit()),
 *   the TX ring         (kernel, until it reports completion).
 * Debug builds count the frames in each place and assert they add up.
 */
#ifndef XTCP_PORT_H
#define XTCP_PORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define XT_PORT_BATCH		64

struct xt_port;

struct xt_port_cfg {
	uint32_t nframes;		/* UMEM frames; power of two */
	uint32_t frame_size;		/* 2048 or 4096 */
	uint32_t ring_size;		/* each of the four rings; power of two */
};

/* A received frame, held by the caller until xt_port_rx_release(). */
struct xt_rx_frame {
	uint64_t addr;
	uint8_t *data;
	uint32_t len;
};

int xt_port_open(struct xt_port **out, const char *ifname, uint32_t queue,
		 int xsks_map_fd, const struct xt_port_cfg *cfg);
void xt_port_close(struct xt_port *port);	/* NULL is fine */

int xt_port_fd(const struct xt_port *port);
uint32_t xt_port_queue(const struct xt_port *port);

/* Takes up to max received frames off the RX ring. */
unsigned xt_port_rx(struct xt_port *port, struct xt_rx_frame *frames,
		    unsigned max);
/* Gives received frames back to the pool and refills the fill ring. */
void xt_port_rx_release(struct xt_port *port, const struct xt_rx_frame *frames,
			unsigned n);

/*
 * A frame to build an outgoing segment in (frame_size bytes), or NULL when
 * the pool is empty. Hand it back with tx_submit (to send len bytes) or
 * tx_abort.
 */
uint8_t *xt_port_tx_alloc(struct xt_port *port, uint64_t *addr);
void xt_port_tx_submit(struct xt_port *port, uint64_t addr, uint32_t len);
/*
 * Whether xt_port_tx_alloc() would give a frame now (reaps completions);
 * a no counts in tx_no_frame, as a failed alloc does.
 */
bool xt_port_tx_room(struct xt_port *port);
void xt_port_tx_abort(struct xt_port *port, uint64_t addr);
/*
 * Puts queued frames on the TX ring, wakes the kernel, reaps completions.
 * Submitted frames wait for this call: none leaves earlier.
 */
void xt_port_tx_flush(struct xt_port *port);
/*
 * The first half of it: onto the TX ring, no wakeup. Returns how many
 * frames wait there for one (in copy mode nothing leaves without it), so
 * a caller with more work coming can wake the kernel once for several
 * batches: each wakeup is a syscall that runs the device's transmit.
 */
uint32_t xt_port_tx_push(struct xt_port *port);
/*
 * Whether descriptors still wait on the TX ring for the kernel to take
 * them. In copy mode the kernel sends a bounded batch per wakeup (32 on
 * this kernel), so the caller must flush again, not sleep, while true.
 */
bool xt_port_tx_waiting(struct xt_port *port);
/*
 * Busy polling (SO_PREFER_BUSY_POLL, SO_BUSY_POLL, SO_BUSY_POLL_BUDGET):
 * the socket's syscalls then run the device's NAPI in the caller's
 * context, up to 'budget' frames, instead of waiting for the softirq.
 * Returns 0 or -errno (the kernel or the device may not support it).
 */
int xt_port_busy_poll(struct xt_port *port, unsigned usecs, unsigned budget);
/* With busy polling on: one NAPI run for RX (a recvfrom that reads nothing). */
void xt_port_rx_kick(struct xt_port *port);
/*
 * The NAPI instance busy polling runs (SO_INCOMING_NAPI_ID), or 0 when
 * the socket has none: then the syscalls find nothing to poll. Kernels
 * since 6.13 give an AF_XDP socket its NAPI id at bind, and only in
 * zero-copy mode; older ones on its first frame.
 */
unsigned xt_port_napi_id(const struct xt_port *port);
uint32_t xt_port_frame_size(const struct xt_port *port);

struct xt_port_stats {
	uint64_t rx_frames, tx_frames, tx_no_frame, tx_ring_full;
	/* The kernel's (XDP_STATISTICS): frames it could not hand over. */
	uint64_t rx_dropped, rx_ring_full, rx_fill_empty;
};
void xt_port_get_stats(const struct xt_port *port, struct xt_port_stats *st);

#endif /* XTCP_PORT_H */
