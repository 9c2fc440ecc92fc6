// SPDX-License-Identifier: MIT
/*
 * The tap thread: on or off as listeners come and go -> gather a round
 * (tap_ring first, then each worker's queue up to the same instant) ->
 * sort it by time -> to the pcap file and to every client -> tell
 * clients what was lost -> drop clients that hung up.
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>
#include <bpf/libbpf.h>
#include "common/log.h"
#include "common/pcap.h"
#include "xdp/counters.h"
#include "xtcpd/tap.h"

#define TAP_POLL_MS		20	/* longest a record waits in a queue */
#define TAP_IDLE_MS		50	/* how soon a new listener is noticed */
#define TAP_LOST_EVERY_NS	200000000ull	/* loss totals, read this often */
#define TAP_CLIENT_SNDBUF	(1 << 20)
#define TAP_RING_RECS		(XT_TAP_RING_BYTES / sizeof(struct xt_tap_rec) + 1)

static uint64_t clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* --- the workers' side ------------------------------------------------ */

/* The next free record of the queue, or NULL (counted) when it is full. */
static struct xt_tap_rec *tapq_slot(struct xt_tapq *q)
{
	uint32_t head = atomic_load_explicit(&q->head, memory_order_relaxed);
	uint32_t tail = atomic_load_explicit(&q->tail, memory_order_acquire);

	if (head - tail >= XT_TAPQ_LEN) {
		atomic_fetch_add_explicit(&q->full, 1, memory_order_relaxed);
		return NULL;
	}
	return &q->rec[head & (XT_TAPQ_LEN - 1)];
}

static void tapq_commit(struct xt_tapq *q)
{
	uint32_t head = atomic_load_explicit(&q->head, memory_order_relaxed);

	atomic_store_explicit(&q->head, head + 1, memory_order_release);
}

/* A record of worker q's queue, stamped, or NULL when there is no room. */
static struct xt_tap_rec *tap_slot(struct xt_tap *t, unsigned q, uint8_t kind)
{
	struct xt_tap_rec *r;

	if (q >= (unsigned)t->nq || !(r = tapq_slot(&t->q[q])))
		return NULL;
	r->ts_ns = clock_ns(CLOCK_MONOTONIC);
	r->kind = kind;
	r->worker = (uint8_t)q;
	return r;
}

void xt_tap_frame(struct xt_tap *t, unsigned q, uint8_t kind,
		  const void *frame, uint32_t len)
{
	struct xt_tap_rec *r = tap_slot(t, q, kind);

	if (!r)
		return;
	r->len = len;
	r->caplen = (uint16_t)(len < XT_TAP_SNAPLEN ? len : XT_TAP_SNAPLEN);
	memcpy(r->data, frame, r->caplen);
	tapq_commit(&t->q[q]);
}

void xt_tap_state(struct xt_tap *t, unsigned q, const struct xt_tap_conn *c)
{
	struct xt_tap_rec *r = tap_slot(t, q, XT_TAP_STATE);

	if (!r)
		return;
	r->caplen = 0;
	r->len = 0;
	r->conn = *c;
	tapq_commit(&t->q[q]);
}

/* --- gathering a round ------------------------------------------------ */

static int ring_sample(void *ctx, void *data, size_t size)
{
	struct xt_tap *t = ctx;

	if (size >= sizeof(struct xt_tap_rec) && t->nbatch < t->batch_cap)
		memcpy(&t->batch[t->nbatch++], data, sizeof(struct xt_tap_rec));
	return 0;
}

/*
 * A worker's records up to `until`: later ones wait for the next round,
 * so that an answer XDP gave a moment ago, still on its way through
 * tap_ring, is not drawn after what the peer sent in return.
 */
static void take_queue(struct xt_tap *t, struct xt_tapq *q, uint64_t until,
		       bool keep)
{
	uint32_t tail = atomic_load_explicit(&q->tail, memory_order_relaxed);
	uint32_t head = atomic_load_explicit(&q->head, memory_order_acquire);

	for (; tail != head && t->nbatch < t->batch_cap; tail++) {
		const struct xt_tap_rec *r = &q->rec[tail & (XT_TAPQ_LEN - 1)];

		if (r->ts_ns > until)
			break;
		if (keep)
			t->batch[t->nbatch++] = *r;
	}
	atomic_store_explicit(&q->tail, tail, memory_order_release);
}

/* Stable, and cheap on what is nearly sorted already: insertion. */
static void sort_batch(struct xt_tap_rec *b, unsigned n)
{
	for (unsigned i = 1; i < n; i++) {
		struct xt_tap_rec r;
		unsigned j = i;

		if (b[i - 1].ts_ns <= b[i].ts_ns)
			continue;
		r = b[i];
		while (j > 0 && b[j - 1].ts_ns > r.ts_ns) {
			b[j] = b[j - 1];
			j--;
		}
		b[j] = r;
	}
}

/* One round; keep false throws it away (what a past session left). */
static void gather(struct xt_tap *t, int wait_ms, bool keep)
{
	uint64_t until = clock_ns(CLOCK_MONOTONIC);

	t->nbatch = 0;
	if (ring_buffer__poll(t->ring, wait_ms) < 0)
		xt_dbg("tap: reading tap_ring: %s", strerror(errno));
	if (!keep)
		t->nbatch = 0;
	for (int q = 0; q < t->nq; q++)
		take_queue(t, &t->q[q], keep ? until : UINT64_MAX, keep);
	sort_batch(t->batch, t->nbatch);
}

/* --- the listeners ---------------------------------------------------- */

static void lost_totals(const struct xt_tap *t, struct xt_tap_lost *l)
{
	struct xt_xdp_stats xs;

	memset(l, 0, sizeof(*l));
	if (!xt_xdp_stats_read(t->stats_fd, &xs))
		l->ring_full = xs.tap_ring_full;
	for (int q = 0; q < t->nq; q++)
		l->queue_full += atomic_load(&t->q[q].full);
}

static void client_close(struct xt_tap_client *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
}

/* What is left of a record half sent; false while some still is. */
static bool client_flush(struct xt_tap_client *c)
{
	while (c->part_off < c->part_len) {
		ssize_t n = send(c->fd, c->part + c->part_off,
				 c->part_len - c->part_off,
				 MSG_DONTWAIT | MSG_NOSIGNAL);

		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return false;
		if (n <= 0) {
			client_close(c);
			return false;
		}
		c->part_off += (size_t)n;
	}
	c->part_off = c->part_len = 0;
	return true;
}

/* Never waits: a client without room loses the record (counted). */
static void client_send(struct xt_tap_client *c, const struct xt_tap_rec *r)
{
	ssize_t n;

	if (!client_flush(c)) {
		if (c->fd >= 0)
			c->slow++;	/* told with the next XT_TAP_LOST */
		return;
	}
	n = send(c->fd, r, sizeof(*r), MSG_DONTWAIT | MSG_NOSIGNAL);
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
		c->slow++;
		return;
	}
	if (n < 0) {
		client_close(c);
		return;
	}
	if ((size_t)n < sizeof(*r)) {
		memcpy(c->part, r, sizeof(*r));
		c->part_off = (size_t)n;
		c->part_len = sizeof(*r);
	}
}

/* A LOST record to each client whose totals changed since it was told. */
static void tell_lost(struct xt_tap *t, const struct xt_tap_lost *now)
{
	for (int i = 0; i < XT_TAP_MAX_CLIENTS; i++) {
		struct xt_tap_client *c = &t->clients[i];
		struct xt_tap_rec r = { .kind = XT_TAP_LOST };

		if (c->fd < 0)
			continue;
		r.ts_ns = clock_ns(CLOCK_MONOTONIC);
		r.lost.ring_full = now->ring_full - c->base.ring_full;
		r.lost.queue_full = now->queue_full - c->base.queue_full;
		r.lost.client_slow = c->slow;
		if (!memcmp(&r.lost, &c->told, sizeof(r.lost)))
			continue;
		c->told = r.lost;
		client_send(c, &r);
	}
}

static bool is_frame(const struct xt_tap_rec *r)
{
	return r->kind != XT_TAP_STATE && r->kind != XT_TAP_LOST;
}

static void deliver(struct xt_tap *t)
{
	for (unsigned i = 0; i < t->nbatch; i++) {
		const struct xt_tap_rec *r = &t->batch[i];

		if (t->pcap && is_frame(r)) {
			if (xt_pcap_write_frame(t->pcap,
					(uint64_t)((int64_t)r->ts_ns + t->realtime_off_ns),
					r->data, r->caplen, r->len))
				xt_warn("--pcap: write failed");
			else
				t->pcap_frames++;
		}
		for (int c = 0; c < XT_TAP_MAX_CLIENTS; c++)
			if (t->clients[c].fd >= 0)
				client_send(&t->clients[c], r);
	}
	if (t->pcap && t->nbatch)
		fflush(t->pcap);
}

/* Clients send nothing after their request: readable means gone. */
static void reap_clients(struct xt_tap *t)
{
	for (int i = 0; i < XT_TAP_MAX_CLIENTS; i++) {
		struct xt_tap_client *c = &t->clients[i];
		struct pollfd p = { .fd = c->fd, .events = POLLIN };
		char b;

		if (c->fd < 0 || poll(&p, 1, 0) <= 0)
			continue;
		if (p.revents & (POLLHUP | POLLERR) ||
		    recv(c->fd, &b, 1, MSG_DONTWAIT) <= 0) {
			xt_info("tap client left");
			client_close(c);
		}
	}
}

int xt_tap_add_client(struct xt_tap *t, int fd)
{
	int size = TAP_CLIENT_SNDBUF, ret = -EBUSY;

	setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof(size));
	pthread_mutex_lock(&t->lock);
	for (int i = 0; i < XT_TAP_MAX_CLIENTS; i++) {
		struct xt_tap_client *c = &t->clients[i];

		if (c->fd >= 0)
			continue;
		memset(c, 0, sizeof(*c));
		c->fd = fd;
		lost_totals(t, &c->base);
		ret = 0;
		break;
	}
	pthread_mutex_unlock(&t->lock);
	if (!ret)
		xt_info("tap client came");
	return ret;
}

/* --- on and off --------------------------------------------------------- */

static bool tap_wanted(struct xt_tap *t)
{
	if (t->pcap)
		return true;
	for (int i = 0; i < XT_TAP_MAX_CLIENTS; i++)
		if (t->clients[i].fd >= 0)
			return true;
	return false;
}

static void tap_switch(struct xt_tap *t, bool want)
{
	if (want == (bool)atomic_load(&t->on))
		return;
	if (want) {
		gather(t, 0, false);	/* a past session's leftovers */
		t->realtime_off_ns = (int64_t)(clock_ns(CLOCK_REALTIME) -
					       clock_ns(CLOCK_MONOTONIC));
	}
	atomic_store(&t->on, want);
	t->set_flag(t->flag_arg, want);
	xt_info("tap %s", want ? "on" : "off");
}

static void tap_round(struct xt_tap *t, uint64_t *lost_at)
{
	uint64_t now = clock_ns(CLOCK_MONOTONIC);
	struct xt_tap_lost lost;

	gather(t, TAP_POLL_MS, true);
	deliver(t);
	if (now - *lost_at >= TAP_LOST_EVERY_NS) {
		lost_totals(t, &lost);
		tell_lost(t, &lost);
		*lost_at = now;
	}
	reap_clients(t);
}

static void *tap_main(void *arg)
{
	struct xt_tap *t = arg;
	uint64_t lost_at = 0;

	while (!atomic_load(&t->stop)) {
		pthread_mutex_lock(&t->lock);
		tap_switch(t, tap_wanted(t));
		if (atomic_load(&t->on))
			tap_round(t, &lost_at);
		pthread_mutex_unlock(&t->lock);
		if (!atomic_load(&t->on))
			poll(NULL, 0, TAP_IDLE_MS);
	}
	return NULL;
}

/* --- start and stop ----------------------------------------------------- */

static int pcap_open(struct xt_tap *t, const char *path)
{
	t->pcap = fopen(path, "we");
	if (!t->pcap)
		return -errno;
	if (xt_pcap_write_header(t->pcap, XT_TAP_SNAPLEN) || fflush(t->pcap))
		return -EIO;
	return 0;
}

int xt_tap_start(struct xt_tap *t, int nq, int ring_fd, int stats_fd,
		 const char *pcap_path, void (*set_flag)(void *, bool),
		 void *flag_arg)
{
	int ret = 0;

	for (int i = 0; i < XT_TAP_MAX_CLIENTS; i++)
		t->clients[i].fd = -1;
	pthread_mutex_init(&t->lock, NULL);
	t->stats_fd = stats_fd;
	t->set_flag = set_flag;
	t->flag_arg = flag_arg;
	t->batch_cap = (unsigned)nq * XT_TAPQ_LEN + TAP_RING_RECS;
	t->batch = calloc(t->batch_cap, sizeof(*t->batch));
	t->q = calloc((size_t)nq, sizeof(*t->q));
	t->ring = ring_buffer__new(ring_fd, ring_sample, t, NULL);
	if (!t->batch || !t->q || !t->ring)
		ret = t->ring ? -ENOMEM : -errno;
	t->nq = t->q ? nq : 0;
	if (!ret && pcap_path && *pcap_path) {
		ret = pcap_open(t, pcap_path);
		if (ret)
			xt_err("--pcap %s: %s", pcap_path, strerror(-ret));
	}
	if (!ret) {
		tap_switch(t, tap_wanted(t));	/* --pcap: on from here */
		ret = -pthread_create(&t->thread, NULL, tap_main, t);
	}
	if (ret) {
		xt_err("tap: %s", strerror(-ret));
		return ret;
	}
	t->started = 1;
	return 0;
}

void xt_tap_stop(struct xt_tap *t)
{
	struct xt_tap_lost lost;

	if (!t->set_flag)	/* never started */
		return;
	if (t->started) {
		atomic_store(&t->stop, 1);
		pthread_join(t->thread, NULL);
		t->started = 0;
		if (atomic_load(&t->on)) {	/* what the last moments left */
			gather(t, 0, true);
			deliver(t);
		}
	}
	for (int i = 0; i < XT_TAP_MAX_CLIENTS; i++)
		client_close(&t->clients[i]);
	if (t->pcap) {
		lost_totals(t, &lost);
		xt_info("--pcap: %llu frames written, %llu lost (tap_ring full "
			"%llu, worker queues full %llu)",
			(unsigned long long)t->pcap_frames,
			(unsigned long long)(lost.ring_full + lost.queue_full),
			(unsigned long long)lost.ring_full,
			(unsigned long long)lost.queue_full);
		fclose(t->pcap);
		t->pcap = NULL;
	}
	ring_buffer__free(t->ring);
	t->ring = NULL;
	free(t->batch);
	free(t->q);
	t->batch = NULL;
	t->q = NULL;
	t->nq = 0;
}
