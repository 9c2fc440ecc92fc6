// SPDX-License-Identifier: MIT
/*
 * xt_engine_packet() -> xt_decide() -> drop | corrupt -> pass now | hold;
 * xt_engine_release() lets held segments and duplicates go in time order.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <sys/socket.h>
#include <linux/netfilter.h>
#include "engine.h"
#include "mangle.h"

#define RAW_SNDBUF	(8 * 1024 * 1024)
#define IP_DADDR_OFF	16	/* offsetof(struct iphdr, daddr) */

int xt_engine_init(struct xt_engine *e, const struct xt_imp_cfg cfg[XT_DIR_N],
		   uint64_t seed, uint32_t limit, uint32_t mark,
		   struct xt_nfq *nfq)
{
	int sndbuf = RAW_SNDBUF;

	*e = (struct xt_engine){ .nfq = nfq, .limit = limit, .raw_fd = -1 };
	for (int d = 0; d < XT_DIR_N; d++)	/* a stream of its own each */
		xt_decide_init(&e->dir[d].dec, &cfg[d], seed + (uint64_t)d * 0x5851f42d4c957f2dULL);
	e->raw_fd = socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_RAW);
	if (e->raw_fd < 0)
		return -errno;
	if (setsockopt(e->raw_fd, SOL_SOCKET, SO_MARK, &mark, sizeof(mark)) < 0) {
		int ret = -errno;

		close(e->raw_fd);
		e->raw_fd = -1;
		return ret;
	}
	if (setsockopt(e->raw_fd, SOL_SOCKET, SO_SNDBUFFORCE, &sndbuf, sizeof(sndbuf)) < 0)
		setsockopt(e->raw_fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf));
	return 0;
}

void xt_engine_free(struct xt_engine *e)
{
	if (!e)
		return;
	xt_heap_free(&e->heap);
	if (e->raw_fd >= 0)
		close(e->raw_fd);
	e->raw_fd = -1;
}

static void fail(struct xt_engine *e, int err)
{
	if (err && !e->err)
		e->err = err;
}

static struct xt_held *held_new(struct xt_engine *e, int dir, uint64_t seq,
				enum xt_held_kind kind, const uint8_t *data,
				size_t len)
{
	struct xt_held *h = malloc(sizeof(*h) + len);

	if (!h) {
		fail(e, -ENOMEM);
		return NULL;
	}
	*h = (struct xt_held){ .order = e->order++, .seq = seq, .dir = (uint8_t)dir,
			       .kind = (uint8_t)kind, .len = (uint32_t)len };
	if (len)
		memcpy(h->data, data, len);
	return h;
}

/* Counts a segment leaving: overtaken when a later one already left. */
static void note_release(struct xt_engine_dir *d, uint64_t seq)
{
	if (seq + 1 < d->released_end)
		d->c.overtaken++;
	else
		d->released_end = seq + 1;
}

static void send_raw(struct xt_engine *e, const struct xt_held *h)
{
	struct sockaddr_in to = { .sin_family = AF_INET };

	/* Whole IPv4 packets only reach here (xt_nfq_pkt.whole). */
	if (h->len < sizeof(struct iphdr)) {
		e->dir[h->dir].c.send_errors++;
		return;
	}
	memcpy(&to.sin_addr, h->data + IP_DADDR_OFF, sizeof(to.sin_addr));
	if (sendto(e->raw_fd, h->data, h->len, MSG_DONTWAIT,
		   (struct sockaddr *)&to, sizeof(to)) != (ssize_t)h->len)
		e->dir[h->dir].c.send_errors++;
}

static void verdict(struct xt_engine *e, int dir, uint32_t id, int v,
		    const void *data, size_t len)
{
	fail(e, xt_nfq_verdict(e->nfq, dir, id, v, data, len));
}

/* Holds a segment until release_ns; false when it cannot be held. */
static bool hold(struct xt_engine *e, struct xt_nfq_pkt *p, uint64_t seq,
		 uint64_t release_ns, bool mangled)
{
	struct xt_held *h;

	if (p->dir == XT_DIR_IN)	/* the kernel keeps the bytes */
		h = held_new(e, p->dir, seq, XT_HELD_VERDICT, p->data,
			     mangled ? p->len : 0);
	else				/* we do; see engine.h */
		h = held_new(e, p->dir, seq, XT_HELD_SEND, p->data, p->len);
	if (!h)
		return false;
	h->id = p->id;
	h->when_ns = release_ns;
	if (xt_heap_push(&e->heap, h)) {
		free(h);
		fail(e, -ENOMEM);
		return false;
	}
	return true;
}

void xt_engine_packet(void *engine, struct xt_nfq_pkt *p)
{
	struct xt_engine *e = engine;
	struct xt_engine_dir *d = &e->dir[p->dir];
	uint64_t seq = d->next_seq++;
	struct xt_held *copy = NULL;
	struct xt_plan plan;
	bool mangled = false;

	d->c.seen++;
	if (!p->whole) {
		/* Cut short by the copy range: we could neither change nor
		 * copy it. Never happens below 64 KB segments. */
		verdict(e, p->dir, p->id, NF_ACCEPT, NULL, 0);
		return;
	}
	plan = xt_decide(&d->dec, e->now_ns);
	if (plan.drop) {
		d->c.dropped++;
		verdict(e, p->dir, p->id, NF_DROP, NULL, 0);
		return;
	}
	/* A duplicate is a clean copy, taken before any corruption. */
	if (plan.dup)
		copy = held_new(e, p->dir, seq, XT_HELD_SEND, p->data, p->len);
	if (plan.corrupt && xt_mangle_corrupt(p->data, p->len, plan.rand) == 0) {
		mangled = true;
		d->c.corrupted++;
	}

	if (plan.release_ns <= e->now_ns) {
		verdict(e, p->dir, p->id, NF_ACCEPT, mangled ? p->data : NULL,
			mangled ? p->len : 0);
		note_release(d, seq);
	} else if (d->held >= e->limit || !hold(e, p, seq, plan.release_ns, mangled)) {
		d->c.overflow++;
		verdict(e, p->dir, p->id, NF_DROP, NULL, 0);
		free(copy);
		return;
	} else {
		d->held++;
		if (plan.reorder)
			d->c.reordered++;
		else
			d->c.delayed++;
		if (p->dir == XT_DIR_OUT)	/* its copy leaves later */
			verdict(e, p->dir, p->id, NF_DROP, NULL, 0);
	}

	if (copy) {
		/* Pushed after the original: on a tie it leaves second. */
		copy->is_copy = 1;
		copy->when_ns = plan.release_ns;
		copy->order = e->order++;
		if (xt_heap_push(&e->heap, copy)) {
			free(copy);
			fail(e, -ENOMEM);
			return;
		}
		d->c.duplicated++;
	}
}

void xt_engine_release(struct xt_engine *e, uint64_t now_ns, bool all)
{
	struct xt_held *h;

	while ((h = xt_heap_top(&e->heap)) && (all || h->when_ns <= now_ns)) {
		struct xt_engine_dir *d = &e->dir[h->dir];

		xt_heap_pop(&e->heap);
		if (h->kind == XT_HELD_VERDICT)
			verdict(e, h->dir, h->id, NF_ACCEPT, h->len ? h->data : NULL,
				h->len);
		else
			send_raw(e, h);
		if (!h->is_copy) {
			d->held--;
			note_release(d, h->seq);
		}
		free(h);
	}
}

uint64_t xt_engine_next_ns(const struct xt_engine *e)
{
	const struct xt_held *h = xt_heap_top(&e->heap);

	return h ? h->when_ns : UINT64_MAX;
}
