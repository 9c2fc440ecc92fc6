/* SPDX-License-Identifier: MIT */
/*
 * Segments that reached the wrong worker. A frame arrives at the AF_XDP
 * socket of the RX queue the NIC (or the veth peer) picked, which is not
 * always the queue of the worker that holds its connection: the replies
 * to an active open, a peer that rehashes its flow after a timeout. The
 * worker that receives such a frame copies it into a ring towards the
 * owner, one single-producer single-consumer ring per ordered pair of
 * workers, and wakes the owner if it sleeps.
 *
 * Who owns a frame: the worker whose share of conn_win holds the slot XDP
 * found for the tuple (struct xt_xsk_meta); while the tuple is pending
 * (XDP let its cookie ACK through, the connection is being made), the
 * worker of the queue that ACK came in on, which makes it; a tuple with
 * no entry at all (a SYN, the cookie ACK itself), the worker that got it.
 * With RSS, a flow keeps to one queue and nothing moves but the answers
 * to active opens; a veth peer spreads its sockets over the queues by a
 * random hash, and a few connections change queue after a timeout.
 */
#ifndef XTCP_HANDOFF_H
#define XTCP_HANDOFF_H

#include <stdbool.h>
#include <stdint.h>

struct xt_handoff;

/* One received frame, as a ring hands it to its consumer. */
typedef void (*xt_handoff_fn)(void *ctx, const uint8_t *frame, uint32_t len);

/*
 * Rings between nworkers workers for frames of up to frame_max bytes;
 * worker i owns slots [i * share, (i + 1) * share). NULL on ENOMEM or
 * EINVAL (errno set).
 */
struct xt_handoff *xt_handoff_new(unsigned nworkers, uint32_t share,
				  uint32_t frame_max);
void xt_handoff_free(struct xt_handoff *h);

/* The eventfd that wakes worker i from its sleep. */
void xt_handoff_set_wake_fd(struct xt_handoff *h, unsigned i, int fd);

/* The worker that owns a frame worker self got, by XDP's slot for it. */
unsigned xt_handoff_owner(const struct xt_handoff *h, uint32_t slot,
			  unsigned self);

/* Copies a frame towards worker to; false when its ring is full. */
bool xt_handoff_push(struct xt_handoff *h, unsigned from, unsigned to,
		     const uint8_t *frame, uint32_t len);

/* After a batch of pushes: wakes the workers that got frames and sleep. */
void xt_handoff_flush(struct xt_handoff *h, unsigned from);

/* Up to max frames waiting for worker to, each through fn; the count. */
unsigned xt_handoff_drain(struct xt_handoff *h, unsigned to, unsigned max,
			  xt_handoff_fn fn, void *ctx);

/*
 * Around a worker's sleep: begin says whether it may sleep (false: frames
 * are waiting for it, or arrived since); end when it woke.
 */
bool xt_handoff_sleep_begin(struct xt_handoff *h, unsigned i);
void xt_handoff_sleep_end(struct xt_handoff *h, unsigned i);

#endif /* XTCP_HANDOFF_H */
