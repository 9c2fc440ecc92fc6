// SPDX-License-Identifier: MIT
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <bpf/bpf.h>
#include "app/service.h"
#include "common/log.h"
#include "wire/codec.h"
#include "xtcpd/worker.h"

/* How often the counters reach dstats; also how soon a stop is noticed. */
#define PUBLISH_MS	100
/* --busy-poll: how long one syscall may run the device's NAPI. */
#define BUSY_POLL_US	50

static uint64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

uint64_t xt_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void log_segment(const struct xt_port *port, const struct xt_seg *s)
{
	char src[INET_ADDRSTRLEN], dst[INET_ADDRSTRLEN];

	inet_ntop(AF_INET, &s->saddr, src, sizeof(src));
	inet_ntop(AF_INET, &s->daddr, dst, sizeof(dst));
	xt_dbg("q%u rx %s:%u > %s:%u flags 0x%02x seq %u ack %u len %u",
	       xt_port_queue(port), src, s->sport, dst, s->dport, s->flags,
	       s->seq, s->ack, s->payload_len);
}

/* A frame for the tap (tap.h), only while someone listens. */
static void worker_tap_frame(struct xt_worker *w, uint8_t kind,
			     const void *frame, uint32_t len)
{
	if (xt_tap_on(w->tap))
		xt_tap_frame(w->tap, w->index, kind, frame, len);
}

/* The stack's state changes, for the tap. */
static void worker_tap_state(void *ctx, const struct xt_tap_conn *change)
{
	struct xt_worker *w = ctx;

	if (xt_tap_on(w->tap))
		xt_tap_state(w->tap, w->index, change);
}

/* The stack's sink: build the segment straight into a UMEM TX frame. */
static int worker_emit(void *ctx, const struct xt_seg_out *o)
{
	struct xt_worker *w = ctx;
	uint64_t addr;
	uint8_t *buf = xt_port_tx_alloc(w->port, &addr);
	int len;

	if (!buf) {
		w->stats.tx_errors++;
		return -ENOBUFS;
	}
	len = xt_frame_build(o, buf, xt_port_frame_size(w->port));
	if (len < 0) {
		xt_port_tx_abort(w->port, addr);
		w->stats.tx_errors++;
		return len;
	}
	worker_tap_frame(w, XT_TAP_TX, buf, (uint32_t)len);
	xt_port_tx_submit(w->port, addr, (uint32_t)len);
	return 0;
}

/* The stack's sink is full when the UMEM has no frame left for TX. */
static bool worker_tx_full(void *ctx)
{
	return !xt_port_tx_room(((struct xt_worker *)ctx)->port);
}

/* A frame into seg, or false (and counted) when it is not for this host. */
static bool worker_parse(struct xt_worker *w, const uint8_t *frame,
			 uint32_t len, struct xt_seg *seg)
{
	enum xt_parse_err err = xt_frame_parse(frame, len, seg);

	if (err) {
		/* Apart: a veth peer's offload (csum_hint.h). */
		if (err == XT_PARSE_IP_CSUM || err == XT_PARSE_TCP_CSUM)
			w->stats.bad_csum++;
		else
			w->stats.malformed++;
		xt_dbg("q%u rx dropped: %s", xt_port_queue(w->port),
		       xt_parse_strerror(err));
		return false;
	}
	if (seg->daddr != w->cfg->addr) {
		w->stats.not_ours++;
		return false;
	}
	return true;
}

static void worker_input(struct xt_worker *w, const struct xt_seg *seg)
{
	w->stats.segments++;
	if (xt_log_enabled(XT_LOG_DEBUG))
		log_segment(w->port, seg);
	xt_stack_input_us(w->stack, seg, w->rx_us);
}

/*
 * Several workers: whether this one owns the frame; if not, it goes to
 * the owner (handoff.h). A frame without XDP's note stays here.
 */
static bool worker_owns(struct xt_worker *w, const struct xt_rx_frame *f)
{
	struct xt_xsk_meta m;
	unsigned owner;

	if (!w->handoff)
		return true;
	if ((f->addr % xt_port_frame_size(w->port)) < sizeof(m)) {
		w->stats.no_meta++;
		return true;
	}
	memcpy(&m, f->data - sizeof(m), sizeof(m));
	if (m.magic != XT_XSK_META_MAGIC) {
		w->stats.no_meta++;
		return true;
	}
	owner = xt_handoff_owner(w->handoff, m.slot, w->index);
	if (owner == w->index)
		return true;
	if (xt_handoff_push(w->handoff, w->index, owner, f->data, f->len))
		w->stats.handoff_out++;
	else
		w->stats.handoff_drops++;	/* as a full RX ring would */
	return false;
}

/*
 * --busy-poll runs the device's NAPI from recvfrom only through the
 * socket's NAPI id, which it has by its first frame or never. Said once.
 */
static void worker_check_napi(struct xt_worker *w)
{
	w->napi_checked = true;
	if (!xt_port_napi_id(w->port))
		xt_warn("q%u: --busy-poll: the AF_XDP socket has no NAPI id "
			"(copy mode on a kernel since 6.13, as on a veth): the "
			"worker spins but cannot run the device's NAPI",
			xt_port_queue(w->port));
}

static unsigned worker_rx(struct xt_worker *w)
{
	struct xt_rx_frame frames[XT_PORT_BATCH];
	unsigned n = xt_port_rx(w->port, frames, XT_PORT_BATCH);
	struct xt_seg seg;

	for (unsigned i = 0; i < n; i++) {
		worker_tap_frame(w, XT_TAP_RX, frames[i].data, frames[i].len);
		if (worker_owns(w, &frames[i]) &&
		    worker_parse(w, frames[i].data, frames[i].len, &seg))
			worker_input(w, &seg);
	}
	/* The stack copied what it keeps: the frames go back now. */
	if (n)
		xt_port_rx_release(w->port, frames, n);
	if (n && w->cfg->busy_poll && !w->napi_checked)
		worker_check_napi(w);
	if (n && w->handoff)
		xt_handoff_flush(w->handoff, w->index);
	return n;
}

/* A frame another worker received for one of this worker's connections. */
static void worker_handed(void *ctx, const uint8_t *frame, uint32_t len)
{
	struct xt_worker *w = ctx;
	struct xt_seg seg;

	w->stats.handoff_in++;
	if (worker_parse(w, frame, len, &seg))
		worker_input(w, &seg);
}

static unsigned worker_rx_handed(struct xt_worker *w)
{
	if (!w->handoff)
		return 0;
	return xt_handoff_drain(w->handoff, w->index, XT_PORT_BATCH,
				worker_handed, w);
}

/* The stack's counters into the pinned dstats map, for xtcpctl/bpftool. */
static void worker_publish(struct xt_worker *w, uint64_t now)
{
	const struct xt_stack_stats *ss = xt_stack_stats(w->stack);
	struct xt_daemon_stats d = {
		.segs_in = ss->segs_in, .segs_out = ss->segs_out,
		.malformed = w->stats.malformed, .bad_csum = w->stats.bad_csum,
		.active_opens = ss->active_opens,
		.passive_opens = ss->passive_opens,
		.resets_sent = ss->resets_sent,
		.resets_received = ss->resets_received,
		.retransmits = ss->retransmits,
		.fast_retransmits = ss->fast_retransmits,
		.timeouts = ss->timeouts, .challenge_acks = ss->challenge_acks,
		.paws_drops = ss->paws_drops, .bad_acks = ss->bad_acks,
		.backlog_drops = ss->backlog_drops,
		.conn_limit_drops = ss->conn_limit_drops,
		.keepalive_drops = ss->keepalive_drops,
		.ooo_segments = ss->ooo_segments,
		.ooo_limit_drops = ss->ooo_limit_drops,
		.rto_expiries = ss->rto_expiries, .tlp_probes = ss->tlp_probes,
		.tlp_recoveries = ss->tlp_recoveries, .dsacks = ss->dsacks,
		.undos = ss->undos, .sack_renegings = ss->sack_renegings,
	};
	struct xt_port_stats ps;

	xt_port_get_stats(w->port, &ps);
	d.xsk_rx_dropped = ps.rx_dropped;
	d.xsk_rx_ring_full = ps.rx_ring_full;
	d.xsk_fill_empty = ps.rx_fill_empty;
	d.tx_ring_full = ps.tx_ring_full;
	d.tx_no_frame = ps.tx_no_frame;
	d.handoff_out = w->stats.handoff_out;
	d.handoff_in = w->stats.handoff_in;
	d.handoff_drops = w->stats.handoff_drops;
	d.oow_acks_skipped = ss->oow_acks_skipped;
	d.spin_yields = w->spin.yields;

	for (int i = 0; i < XT_TCP_NSTATES; i++)
		d.conns[i] = ss->in_state[i];
	atomic_store(&w->syns_seen, ss->syns_in);
	atomic_store(&w->half_open, ss->in_state[XT_SYN_RCVD]);
	atomic_store(&w->bad_csum, w->stats.bad_csum);
	if (bpf_map_update_elem(w->dstats_fd, &w->index, &d, BPF_ANY))
		xt_dbg("q%u: publishing counters: %s", w->index, strerror(errno));
	w->published_at = now;
}

/*
 * One entry at a time, for what a batch call left undone (a delete of an
 * entry that is not there stops bpf_map_delete_batch, for one).
 */
static void map_apply_slowly(struct xt_worker *w, const struct xt_map_batch *b,
			     uint32_t ndel_done, uint32_t nupd_done)
{
	for (uint32_t i = ndel_done; i < b->ndel; i++)
		if (bpf_map_delete_elem(w->conns_fd, &b->del_keys[i]) &&
		    errno != ENOENT)
			w->stats.map_errors++;
	for (uint32_t i = nupd_done; i < b->nupd; i++)
		if (bpf_map_update_elem(w->conns_fd, &b->upd_keys[i],
					&b->upd_vals[i], BPF_ANY))
			w->stats.map_errors++;
}

/* The batch's conns changes, one syscall each way (DESIGN.md). */
static void worker_apply_map(struct xt_worker *w)
{
	struct xt_map_batch b;
	uint32_t ndel, nupd;

	xt_stack_take_map_batch(w->stack, &b);
	ndel = b.ndel;
	if (ndel && bpf_map_delete_batch(w->conns_fd, b.del_keys, &ndel, NULL)) {
		map_apply_slowly(w, &b, ndel, b.nupd);
		return;
	}
	nupd = b.nupd;
	if (nupd && bpf_map_update_batch(w->conns_fd, b.upd_keys, b.upd_vals,
					 &nupd, NULL))
		map_apply_slowly(w, &b, b.ndel, nupd);
}

void xt_worker_wake(struct xt_worker *w)
{
	uint64_t one = 1;

	if (w->wake_fd > 0 && write(w->wake_fd, &one, sizeof(one)) < 0)
		xt_dbg("q%u: wake: %s", w->index, strerror(errno));
}

/* After a batch: the snapshot the control thread asked for, if any. */
static void worker_answer_snapshot(struct xt_worker *w)
{
	unsigned n;

	if (!atomic_load(&w->snap_want) || atomic_load(&w->snap_done))
		return;
	n = xt_stack_conn_count(w->stack);
	w->snap = calloc(n ? n : 1, sizeof(*w->snap));
	w->nsnap = w->snap ? xt_stack_conn_info(w->stack, w->snap, n) : 0;
	if (w->nsnap > n)
		w->nsnap = n;
	for (unsigned i = 0; i < w->nsnap; i++)
		w->snap[i].worker = (uint8_t)w->index;
	atomic_store(&w->snap_want, 0);
	atomic_store(&w->snap_done, 1);
}

int xt_worker_snapshot(struct xt_worker *w, struct xt_conn_info **out,
		       unsigned *n, int timeout_ms)
{
	uint64_t deadline = xt_now_ms() + (uint64_t)timeout_ms;
	struct timespec tick = { .tv_nsec = 1000000 };

	if (atomic_load(&w->snap_done)) {	/* a late answer to a timeout */
		free(w->snap);
		atomic_store(&w->snap_done, 0);
	}
	atomic_store(&w->snap_want, 1);
	xt_worker_wake(w);
	while (!atomic_load(&w->snap_done)) {
		if (xt_now_ms() >= deadline) {
			atomic_store(&w->snap_want, 0);
			return -ETIMEDOUT;
		}
		nanosleep(&tick, NULL);
	}
	*out = w->snap;
	*n = w->nsnap;
	w->snap = NULL;
	atomic_store(&w->snap_done, 0);
	return 0;
}

/*
 * One turn of the loop: what arrived, a drain or snapshot asked for, then
 * timers and callbacks, the map, and what leaves. Returns whether there
 * was anything to do.
 */
static bool worker_turn(struct xt_worker *w)
{
	uint64_t us = now_us(), now = us / 1000;
	unsigned n;

	w->rx_us = us;
	n = worker_rx(w);
	/* For spin.h: when the frames were seen, not when the turn began. */
	w->found_us = n ? now_us() : us;
	n += worker_rx_handed(w) + xt_io_dispatch(w->stack);

	if (!w->draining && atomic_load(w->drain)) {
		xt_stack_drain(w->stack);
		w->draining = true;
	}
	xt_stack_poll_us(w->stack, us);
	atomic_store(&w->unfinished, xt_stack_unfinished(w->stack));
	worker_apply_map(w);	/* before anything it concerns leaves */
	/* More is coming while RX has frames: one wakeup for a few batches. */
	if (!n || xt_port_tx_push(w->port) >= XT_PORT_BATCH)
		xt_port_tx_flush(w->port);
	worker_answer_snapshot(w);
	if (now - w->published_at >= PUBLISH_MS)
		worker_publish(w, now);
	return n || xt_port_tx_waiting(w->port);
}

/* For spin.h: whether a thread preempted the worker since it last asked. */
static bool worker_preempted(void *arg)
{
	struct xt_worker *w = arg;
	struct rusage ru;
	bool more;

	if (getrusage(RUSAGE_THREAD, &ru))
		return false;
	more = (uint64_t)ru.ru_nivcsw != w->nivcsw;
	w->nivcsw = (uint64_t)ru.ru_nivcsw;
	return more;
}

/*
 * Sleeps in poll() until a frame, a wake (xt_worker_wake) or the next
 * timer, unless spin.h says to look again: under load the next batch is
 * usually already on its way, and a wakeup per batch (a few microseconds,
 * or a scheduler tick when the CPU is shared) would leave the client
 * waiting while the CPU idles. --busy-poll never sleeps, and each empty
 * turn runs the device's NAPI itself.
 */
static void *worker_main(void *arg)
{
	struct xt_worker *w = arg;
	struct pollfd pfd[3] = {
		{ .fd = xt_port_fd(w->port), .events = POLLIN },
		{ .fd = w->wake_fd, .events = POLLIN },
		{ .fd = w->io_fd, .events = POLLIN },
	};
	uint64_t began, drained;
	int ret;

	while (!atomic_load(w->stop)) {
		began = now_us();
		if (worker_turn(w)) {
			xt_spin_work(&w->spin, w->found_us, now_us(),
				     worker_preempted, w);
			continue;
		}
		if (w->cfg->busy_poll) {
			xt_port_rx_kick(w->port);
			continue;
		}
		if (xt_spin_again(&w->spin, began))
			continue;
		if (w->handoff && !xt_handoff_sleep_begin(w->handoff, w->index))
			continue;
		ret = poll(pfd, 3, (int)xt_stack_next_delay(w->stack, PUBLISH_MS));
		if (w->handoff)
			xt_handoff_sleep_end(w->handoff, w->index);
		if (ret < 0 && errno != EINTR) {
			xt_err("q%u poll: %s", xt_port_queue(w->port),
			       strerror(errno));
			break;
		}
		if ((pfd[1].revents & POLLIN) &&
		    read(w->wake_fd, &drained, sizeof(drained)) < 0)
			xt_dbg("q%u: wake: %s", w->index, strerror(errno));
	}
	return NULL;
}

uint64_t xt_worker_step(struct xt_worker *w)
{
	return worker_turn(w) ? 0 : xt_stack_next_delay(w->stack, PUBLISH_MS);
}

/*
 * The stack's cookie check. XDP validated the cookie before it let the
 * ACK through; this checks again with a copy of the keys, re-read from
 * the map when they may have rotated since.
 */
static int worker_cookie_check(void *ctx, const struct xt_cookie_tuple *t,
			       uint32_t isn, uint32_t cookie,
			       struct xt_cookie_opts *o)
{
	struct xt_worker *w = ctx;
	__u32 zero = 0;

	if (!xt_cookie_check(&w->keys, t, isn, cookie, o))
		return 0;
	if (bpf_map_lookup_elem(w->cookie_keys_fd, &zero, &w->keys))
		return -1;
	return xt_cookie_check(&w->keys, t, isn, cookie, o);
}

/*
 * Each worker picks its active opens' ports from its own part of the
 * range, so two workers never open the same tuple.
 */
static void worker_eph_range(const struct xt_worker *w, struct xt_stack_cfg *c)
{
	uint32_t lo = w->cfg->eph_lo, hi = w->cfg->eph_hi;
	uint32_t n = w->nworkers ? w->nworkers : 1, part;

	c->eph_lo = c->eph_hi = 0;
	if (!lo || hi < lo)
		return;
	part = (hi - lo + 1) / n;
	if (!part)	/* fewer ports than workers: the first ones get one */
		part = 1;
	if ((uint64_t)lo + (uint64_t)w->index * part > hi)
		return;
	c->eph_lo = (uint16_t)(lo + w->index * part);
	c->eph_hi = w->index == n - 1 ? (uint16_t)hi :
		    (uint16_t)(c->eph_lo + part - 1);
}

static void stack_cfg_from(struct xt_worker *w, struct xt_stack_cfg *c)
{
	const struct xt_config *cfg = w->cfg;

	xt_stack_cfg_default(c);
	c->laddr = cfg->addr;
	memcpy(c->lmac, w->nif->mac, sizeof(c->lmac));
	c->mtu = w->nif->mtu;
	c->max_conns = w->max_conns;
	c->ts_offset = w->ts_offset;
	c->cookie_check = worker_cookie_check;
	c->cookie_ctx = w;
	c->win = w->win;
	c->slot_base = w->slot_base;
	c->msl_ms = cfg->msl_s * 1000;
	if (cfg->rto_min_ms)
		c->rto_min_ms = cfg->rto_min_ms;
	c->cc = cfg->cc;
	if (cfg->retries)
		c->max_retries = cfg->retries;
	if (cfg->sndbuf)
		c->sndbuf = cfg->sndbuf;
	if (cfg->rcvbuf)
		c->rcvbuf = c->reasm_limit = cfg->rcvbuf;
	if (cfg->ooo_total)
		c->reasm_total = cfg->ooo_total;
	worker_eph_range(w, c);
	if (cfg->ka_idle_s) {
		c->keepalive_idle_ms = cfg->ka_idle_s * 1000;
		c->keepalive_intvl_ms = cfg->ka_intvl_s * 1000;
		c->keepalive_count = cfg->ka_count;
	}
}

/*
 * --connect: dealt round the workers, the i-th to worker i mod n. The
 * answers come back on whatever queue the peer picks; the handoff brings
 * them to the opener.
 */
static int worker_connect(struct xt_worker *w)
{
	struct xt_sock *s;
	int ret;

	for (int i = (int)w->index; i < w->cfg->nconnect;
	     i += (int)w->nworkers) {
		const struct xt_connect_cfg *cc = &w->cfg->connect[i];

		ret = xt_connect(w->stack, cc->addr, cc->port, cc->mac,
				 xt_service_ops(cc->service), NULL, &s);
		if (ret) {
			xt_err("--connect to port %u: %s", cc->port,
			       strerror(-ret));
			return ret;
		}
	}
	return 0;
}

int xt_worker_init(struct xt_worker *w)
{
	struct xt_tx_sink sink = { .emit = worker_emit, .full = worker_tx_full,
				   .state = worker_tap_state, .ctx = w };
	struct xt_stack_cfg c;
	int ret;

	xt_spin_init(&w->spin, w->cfg->spin_us);
	w->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (w->wake_fd < 0)
		return -errno;
	w->io_fd = epoll_create1(EPOLL_CLOEXEC);
	if (w->io_fd < 0)
		return -errno;
	if (w->handoff)
		xt_handoff_set_wake_fd(w->handoff, w->index, w->wake_fd);
	stack_cfg_from(w, &c);
	c.io_epfd = w->io_fd;
	if (getrandom(&c.secret, sizeof(c.secret), 0) != sizeof(c.secret))
		return -errno;
	if (w->cfg->busy_poll) {
		ret = xt_port_busy_poll(w->port, BUSY_POLL_US, XT_PORT_BATCH);
		if (ret) {
			xt_err("q%u: --busy-poll: %s", xt_port_queue(w->port),
			       strerror(-ret));
			return ret;
		}
	}
	w->stack = xt_stack_new(&c, &sink, xt_now_ms());
	if (!w->stack)
		return -ENOMEM;
	/* --connect's SYNs wait in the port for their entries: write them. */
	for (int i = 0; i < w->cfg->nlisten; i++) {
		ret = xt_service_start(w->stack, w->cfg->listen[i].service,
				       w->cfg->listen[i].port, &w->cfg->listen[i].svc);
		if (ret) {
			xt_err("cannot start %s on port %u: %s",
			       xt_service_name(w->cfg->listen[i].service),
			       w->cfg->listen[i].port, strerror(-ret));
			return ret;
		}
	}
	ret = w->setup ? w->setup(w->stack, w->index, w->setup_arg) : 0;
	if (!ret)
		ret = worker_connect(w);
	if (!ret) {
		xt_stack_poll(w->stack, xt_now_ms());
		worker_apply_map(w);
	}
	return ret;
}

int xt_worker_start(struct xt_worker *w)
{
	int ret = pthread_create(&w->thread, NULL, worker_main, w);

	if (ret)
		return -ret;
	w->started = 1;
	return 0;
}

void xt_worker_join(struct xt_worker *w)
{
	if (w->started)
		pthread_join(w->thread, NULL);
	w->started = 0;
}

void xt_worker_fini(struct xt_worker *w)
{
	unsigned left;

	if (w->wake_fd > 0)
		close(w->wake_fd);
	w->wake_fd = -1;
	if (w->io_fd > 0)
		close(w->io_fd);
	w->io_fd = -1;
	free(w->snap);
	w->snap = NULL;
	if (!w->stack)
		return;
	left = xt_stack_unfinished(w->stack);
	if (left)
		xt_info("q%u: resetting %u open connection%s", w->index, left,
			left == 1 ? "" : "s");
	xt_stack_free(w->stack, xt_now_ms());
	w->stack = NULL;
	/* The resets below go out after the conns entries are gone: fine. */
	if (w->port)
		xt_port_tx_flush(w->port);	/* the resets go out */
}
