// SPDX-License-Identifier: MIT
/*
 * AF_XDP port: UMEM, fill/completion/RX/TX rings, a frame pool, batched
 * RX and TX, need_wakeup. On veth the kernel runs it in copy mode; on
 * drivers with zero-copy support the same code runs zero-copy.
 */
#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>
#include <linux/if_xdp.h>
#include <xdp/xsk.h>
#include "common/log.h"
#include "xdp/port.h"

struct xt_port {
	struct xsk_umem *umem;
	struct xsk_socket *xsk;
	struct xsk_ring_prod fill;
	struct xsk_ring_cons comp;
	struct xsk_ring_cons rx;
	struct xsk_ring_prod tx;
	void *area;
	size_t area_len;
	uint32_t frame_size;
	uint32_t nframes;
	uint32_t queue;

	/* The free pool: a stack of frame addresses owned by the port. */
	uint64_t *pool;
	uint32_t npool;
	/* Frames the kernel holds for RX: on the fill ring or the RX ring. */
	uint32_t rx_out;

	/*
	 * Frames submitted by the caller, not yet on the TX ring. Nothing
	 * leaves before xt_port_tx_flush(): xtcpd publishes a connection's
	 * map entry first (DESIGN.md, the invariant).
	 */
	struct xdp_desc *pending;
	uint32_t npending, pending_cap;
	uint32_t tx_in_flight;		/* on the TX ring, not yet completed */
	uint32_t tx_unkicked;		/* put there since the last wakeup */
	bool zero_copy;			/* XDP_OPTIONS_ZEROCOPY */

	struct xt_port_stats stats;
};

static void pool_put(struct xt_port *port, uint64_t addr)
{
	assert(port->npool < port->nframes);
	port->pool[port->npool++] = xsk_umem__extract_addr(addr);
}

static int pool_get(struct xt_port *port, uint64_t *addr)
{
	if (!port->npool)
		return -ENOBUFS;
	*addr = port->pool[--port->npool];
	return 0;
}

/*
 * Moves free frames onto the fill ring until the kernel holds half of all
 * frames for RX; the other half is TX's. RX comes first: with the fill
 * ring empty every frame that arrives is dropped (xsk_fill_empty), and
 * were it refilled only by what arrives, it would stay empty. So frames
 * coming back from TX (comp_reap) refill it too.
 */
static void fill_refill(struct xt_port *port)
{
	uint32_t target = port->nframes / 2;
	uint32_t want = target > port->rx_out ? target - port->rx_out : 0;
	uint32_t idx = 0, n, room;

	if (want > port->npool)
		want = port->npool;
	/* (at least want when there is that much room, maybe more) */
	room = want ? xsk_prod_nb_free(&port->fill, want) : 0;
	if (want > room)
		want = room;
	n = want ? xsk_ring_prod__reserve(&port->fill, want, &idx) : 0;
	for (uint32_t i = 0; i < n; i++) {
		uint64_t addr = 0;

		pool_get(port, &addr);
		*xsk_ring_prod__fill_addr(&port->fill, idx + i) = addr;
	}
	xsk_ring_prod__submit(&port->fill, n);
	port->rx_out += n;
	/* The kernel stops filling when the fill ring ran dry: wake it. */
	if (xsk_ring_prod__needs_wakeup(&port->fill))
		recvfrom(xsk_socket__fd(port->xsk), NULL, 0, MSG_DONTWAIT,
			 NULL, NULL);
}

static void comp_reap(struct xt_port *port)
{
	uint32_t idx, n = xsk_ring_cons__peek(&port->comp, port->nframes, &idx);

	for (uint32_t i = 0; i < n; i++)
		pool_put(port, *xsk_ring_cons__comp_addr(&port->comp, idx + i));
	xsk_ring_cons__release(&port->comp, n);
	port->tx_in_flight -= n;
	if (n && port->rx_out < port->nframes / 2)
		fill_refill(port);
}

static int umem_create(struct xt_port *port, const struct xt_port_cfg *cfg)
{
	struct xsk_umem_config ucfg = {
		.fill_size = cfg->ring_size,
		.comp_size = cfg->ring_size,
		.frame_size = cfg->frame_size,
		.frame_headroom = 0,
	};
	int ret;

	port->area_len = (size_t)cfg->nframes * cfg->frame_size;
	port->area = mmap(NULL, port->area_len, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (port->area == MAP_FAILED) {
		port->area = NULL;
		return -errno;
	}
	ret = xsk_umem__create(&port->umem, port->area, port->area_len,
			       &port->fill, &port->comp, &ucfg);
	if (ret)
		port->umem = NULL;
	return ret;
}

static int socket_create(struct xt_port *port, const char *ifname,
			 const struct xt_port_cfg *cfg)
{
	struct xsk_socket_config scfg = {
		.rx_size = cfg->ring_size,
		.tx_size = cfg->ring_size,
		/* xtcpd loads its own program and fills the XSKMAP itself. */
		.libxdp_flags = XSK_LIBXDP_FLAGS__INHIBIT_PROG_LOAD,
		.bind_flags = XDP_USE_NEED_WAKEUP,
	};
	int ret = xsk_socket__create(&port->xsk, ifname, port->queue,
				     port->umem, &port->rx, &port->tx, &scfg);

	if (ret)
		port->xsk = NULL;
	return ret;
}

/* Whether the kernel bound the socket zero-copy (else copy mode). */
static bool socket_zero_copy(struct xt_port *port)
{
	struct xdp_options opts = { 0 };
	socklen_t len = sizeof(opts);

	if (getsockopt(xsk_socket__fd(port->xsk), SOL_XDP, XDP_OPTIONS, &opts,
		       &len))
		return false;
	return opts.flags & XDP_OPTIONS_ZEROCOPY;
}

int xt_port_open(struct xt_port **out, const char *ifname, uint32_t queue,
		 int xsks_map_fd, const struct xt_port_cfg *cfg)
{
	struct xt_port *port = calloc(1, sizeof(*port));
	int ret = -ENOMEM;

	*out = NULL;
	if (!port)
		return ret;
	port->queue = queue;
	port->frame_size = cfg->frame_size;
	port->nframes = cfg->nframes;
	port->pool = calloc(cfg->nframes, sizeof(*port->pool));
	port->pending_cap = cfg->ring_size;
	port->pending = calloc(port->pending_cap, sizeof(*port->pending));
	if (!port->pool || !port->pending)
		goto cleanup;
	for (uint32_t i = 0; i < cfg->nframes; i++)
		pool_put(port, (uint64_t)i * cfg->frame_size);

	ret = umem_create(port, cfg);
	if (ret) {
		xt_err("queue %u: cannot create UMEM: %s", queue, strerror(-ret));
		goto cleanup;
	}
	ret = socket_create(port, ifname, cfg);
	if (ret) {
		xt_err("queue %u: cannot create AF_XDP socket: %s", queue,
		       strerror(-ret));
		goto cleanup;
	}
	port->zero_copy = socket_zero_copy(port);
	fill_refill(port);
	ret = xsk_socket__update_xskmap(port->xsk, xsks_map_fd);
	if (ret) {
		xt_err("queue %u: cannot insert socket into xsks: %s", queue,
		       strerror(-ret));
		goto cleanup;
	}
	*out = port;
	return 0;
cleanup:
	xt_port_close(port);
	return ret;
}

void xt_port_close(struct xt_port *port)
{
	if (!port)
		return;
	if (port->xsk)
		xsk_socket__delete(port->xsk);
	if (port->umem)
		xsk_umem__delete(port->umem);
	if (port->area)
		munmap(port->area, port->area_len);
	free(port->pool);
	free(port->pending);
	free(port);
}

int xt_port_fd(const struct xt_port *port)
{
	return xsk_socket__fd(port->xsk);
}

uint32_t xt_port_queue(const struct xt_port *port)
{
	return port->queue;
}

uint32_t xt_port_frame_size(const struct xt_port *port)
{
	return port->frame_size;
}

unsigned xt_port_rx(struct xt_port *port, struct xt_rx_frame *frames,
		    unsigned max)
{
	uint32_t idx, n = xsk_ring_cons__peek(&port->rx, max, &idx);

	for (uint32_t i = 0; i < n; i++) {
		const struct xdp_desc *d = xsk_ring_cons__rx_desc(&port->rx,
								  idx + i);

		frames[i].addr = d->addr;
		frames[i].data = xsk_umem__get_data(port->area, d->addr);
		frames[i].len = d->len;
	}
	xsk_ring_cons__release(&port->rx, n);
	port->rx_out -= n;
	port->stats.rx_frames += n;
	return n;
}

void xt_port_rx_release(struct xt_port *port, const struct xt_rx_frame *frames,
			unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		pool_put(port, frames[i].addr);
	fill_refill(port);
}

uint8_t *xt_port_tx_alloc(struct xt_port *port, uint64_t *addr)
{
	if (pool_get(port, addr)) {
		comp_reap(port);
		if (pool_get(port, addr)) {
			port->stats.tx_no_frame++;
			return NULL;
		}
	}
	return xsk_umem__get_data(port->area, *addr);
}

bool xt_port_tx_room(struct xt_port *port)
{
	if (!port->npool)
		comp_reap(port);
	if (port->npool)
		return true;
	port->stats.tx_no_frame++;
	return false;
}

void xt_port_tx_abort(struct xt_port *port, uint64_t addr)
{
	pool_put(port, addr);
}

void xt_port_tx_submit(struct xt_port *port, uint64_t addr, uint32_t len)
{
	/* As many as the TX ring holds; past that, dropped like a full NIC. */
	if (port->npending == port->pending_cap) {
		pool_put(port, addr);
		port->stats.tx_ring_full++;
		return;
	}
	port->pending[port->npending].addr = addr;
	port->pending[port->npending].len = len;
	port->pending[port->npending].options = 0;
	port->npending++;
}

static void tx_kick(struct xt_port *port)
{
	int ret;

	port->tx_unkicked = 0;
	if (!xsk_ring_prod__needs_wakeup(&port->tx))
		return;
	ret = sendto(xt_port_fd(port), NULL, 0, MSG_DONTWAIT, NULL, 0);
	/* EAGAIN/EBUSY: the kernel is still sending; it will pick these up. */
	if (ret < 0 && errno != EAGAIN && errno != EBUSY && errno != ENOBUFS &&
	    errno != ENETDOWN)
		xt_warn("queue %u: TX wakeup: %s", port->queue, strerror(errno));
}

/*
 * Kicks while the TX ring holds frames the kernel has not taken (copy
 * mode takes at most 32 per sendto), and, zero-copy, while frames wait
 * for their completions, which some drivers reap only when woken. Copy
 * mode completes a frame by itself once the device is done with its
 * copy: a sendto per idle turn would cost a syscall and find nothing.
 */
void xt_port_tx_flush(struct xt_port *port)
{
	xt_port_tx_push(port);
	if (xt_port_tx_waiting(port) ||
	    (port->zero_copy && port->tx_in_flight))
		tx_kick(port);
}

uint32_t xt_port_tx_push(struct xt_port *port)
{
	uint32_t idx, n;

	comp_reap(port);
	if (!port->npending)
		return port->tx_unkicked;
	n = xsk_ring_prod__reserve(&port->tx, port->npending, &idx);
	for (uint32_t i = 0; i < n; i++)
		*xsk_ring_prod__tx_desc(&port->tx, idx + i) = port->pending[i];
	xsk_ring_prod__submit(&port->tx, n);
	port->tx_in_flight += n;
	port->tx_unkicked += n;
	port->stats.tx_frames += n;
	/* A full TX ring drops what did not fit, like a full NIC queue. */
	for (uint32_t i = n; i < port->npending; i++) {
		pool_put(port, port->pending[i].addr);
		port->stats.tx_ring_full++;
	}
	port->npending = 0;
	return port->tx_unkicked;
}

int xt_port_busy_poll(struct xt_port *port, unsigned usecs, unsigned budget)
{
	int fd = xt_port_fd(port), on = 1, us = (int)usecs, b = (int)budget;

	if (setsockopt(fd, SOL_SOCKET, SO_PREFER_BUSY_POLL, &on, sizeof(on)) ||
	    setsockopt(fd, SOL_SOCKET, SO_BUSY_POLL, &us, sizeof(us)) ||
	    setsockopt(fd, SOL_SOCKET, SO_BUSY_POLL_BUDGET, &b, sizeof(b)))
		return -errno;
	return 0;
}

void xt_port_rx_kick(struct xt_port *port)
{
	/* EAGAIN is the usual answer: the frames are on the RX ring. */
	(void)recvfrom(xt_port_fd(port), NULL, 0, MSG_DONTWAIT, NULL, NULL);
}

unsigned xt_port_napi_id(const struct xt_port *port)
{
	unsigned id = 0;
	socklen_t len = sizeof(id);

	if (getsockopt(xt_port_fd(port), SOL_SOCKET, SO_INCOMING_NAPI_ID, &id,
		       &len))
		return 0;
	return id;
}

bool xt_port_tx_waiting(struct xt_port *port)
{
	/* pending_cap is the TX ring's size. */
	return xsk_prod_nb_free(&port->tx, port->pending_cap) <
	       port->pending_cap;
}

void xt_port_get_stats(const struct xt_port *port, struct xt_port_stats *st)
{
	struct xdp_statistics xs = { 0 };
	socklen_t len = sizeof(xs);

	*st = port->stats;
	if (getsockopt(xt_port_fd(port), SOL_XDP, XDP_STATISTICS, &xs, &len))
		return;
	st->rx_dropped = xs.rx_dropped;
	st->rx_ring_full = xs.rx_ring_full;
	st->rx_fill_empty = xs.rx_fill_ring_empty_descs;
}
