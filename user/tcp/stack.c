// SPDX-License-Identifier: MIT
/*
 * The stack a worker drives: input one segment at a time, then one poll
 * per batch that fires timers, lets the application see what arrived,
 * sends what is owed, and frees what closed.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "tcp/tcp.h"

#define TABLE_MIN	1024
#define TABLE_MAX	(1u << 20)

void xt_stack_cfg_default(struct xt_stack_cfg *c)
{
	memset(c, 0, sizeof(*c));
	c->mtu = 1500;
	c->max_conns = 65536;
	c->max_half_open = 4096;
	/*
	 * The most each may hold, Linux's tcp_wmem/tcp_rmem maxima: enough
	 * for the bandwidth-delay product of a 10 ms path at 3 Gbit/s. The
	 * memory follows what is buffered (ring.h), not these.
	 */
	c->sndbuf = 4 * 1024 * 1024;
	c->rcvbuf = 4 * 1024 * 1024;
	c->reasm_limit = 4 * 1024 * 1024;
	/*
	 * Out-of-order data waits for a hole to be filled: sixteen windows'
	 * worth per stack, so that a flood of segments past holes on many
	 * connections cannot take more (Linux bounds it by tcp_mem).
	 */
	c->reasm_total = 64 * 1024 * 1024;
	c->msl_ms = 30 * 1000;
	c->rto_min_ms = 200;
	c->rto_max_ms = 60 * 1000;		/* RFC 6298 §2.5 */
	c->rto_initial_ms = 1000;		/* RFC 6298 §2.1 */
	c->max_retries = 15;
	c->syn_retries = 6;
	c->delack_ms = 40;
	c->keepalive_idle_ms = 0;		/* RFC 1122: off by default */
	c->keepalive_intvl_ms = 75 * 1000;
	c->keepalive_count = 9;
	c->challenge_acks_per_s = 1000;
	c->oow_ack_ms = 500;		/* Linux's tcp_invalid_ratelimit */
}

static uint32_t table_size(uint32_t max_conns)
{
	uint32_t n = TABLE_MIN;

	while (n < max_conns && n < TABLE_MAX)
		n <<= 1;
	return n;
}

struct xt_stack *xt_stack_new(const struct xt_stack_cfg *cfg,
			      const struct xt_tx_sink *sink, uint64_t now_ms)
{
	struct xt_stack *st = calloc(1, sizeof(*st));
	uint32_t n = table_size(cfg->max_conns);

	if (!st)
		return NULL;
	st->cfg = *cfg;
	st->table = calloc(n, sizeof(*st->table));
	if (!st->table || xt_map_init(st)) {
		xt_map_fini(st);
		free(st->table);
		free(st);
		return NULL;
	}
	st->sink = *sink;
	st->table_mask = n - 1;
	st->now = now_ms;
	st->now_us = now_ms * 1000;
	st->mss_local = (uint16_t)(cfg->mtu - 40);
	st->ts_offset = cfg->ts_offset;
	st->reasm_pool.limit = cfg->reasm_total;
	xt_wheel_init(&st->wheel, now_ms);
	return st;
}

/*
 * SipHash of the secret over a counter. Its messages are three words
 * long, so they never meet the two-word tuple and ISN hashes made with
 * the same key.
 */
uint64_t xt_stack_random(struct xt_stack *st)
{
	return xt_siphash_3u64(&st->cfg.secret, st->random_seq++, 0, 0);
}

/*
 * Callbacks first (they may queue data or close), then output. A
 * connection that closed this batch may still be listed: it is skipped.
 */
static void run_work(struct xt_stack *st)
{
	struct xt_sock *s;

	while ((s = st->work)) {
		st->work = s->work_next;
		if (!s->dead)
			xt_app_deliver(s);
		if (!s->dead)
			xt_tcp_output(s);
		s->on_work = false;
	}
}

/* Connections the sink turned away: their turn again. */
static void resume_deferred(struct xt_stack *st)
{
	struct xt_sock *s;

	while ((s = st->deferred)) {
		st->deferred = s->defer_next;
		s->on_defer = false;
		xt_tcp_schedule(s);
	}
}

/* Takes s off st->deferred (rare: the sink was full as it closed). */
static void forget_deferred(struct xt_sock *s)
{
	struct xt_sock **p = &s->st->deferred;

	while (*p && *p != s)
		p = &(*p)->defer_next;
	if (*p)
		*p = s->defer_next;
	s->on_defer = false;
}

static void bury(struct xt_stack *st)
{
	struct xt_sock *s;

	while ((s = st->graveyard)) {
		st->graveyard = s->grave_next;
		if (s->on_defer)
			forget_deferred(s);
		xt_conn_destroy(s);
	}
}

static void set_clock(struct xt_stack *st, uint64_t now_us)
{
	st->now_us = now_us;
	st->now = now_us / 1000;
}

void xt_stack_input_us(struct xt_stack *st, const struct xt_seg *seg,
		       uint64_t now_us)
{
	set_clock(st, now_us);
	st->stats.segs_in++;
	xt_tcp_input(st, seg);
}

void xt_stack_input(struct xt_stack *st, const struct xt_seg *seg,
		    uint64_t now_ms)
{
	xt_stack_input_us(st, seg, now_ms * 1000);
}

void xt_stack_poll(struct xt_stack *st, uint64_t now_ms)
{
	xt_stack_poll_us(st, now_ms * 1000);
}

void xt_stack_poll_us(struct xt_stack *st, uint64_t now_us)
{
	set_clock(st, now_us);
	resume_deferred(st);
	xt_wheel_advance(&st->wheel, st->now);
	run_work(st);
	xt_map_refresh(st);
	xt_map_collect(st);	/* before bury: the list may hold the dead */
	bury(st);
}

uint64_t xt_stack_next_delay(const struct xt_stack *st, uint64_t cap_ms)
{
	return st->work || st->deferred ? 0 :
	       xt_wheel_next_delay(&st->wheel, cap_ms);
}

unsigned xt_stack_conn_count(const struct xt_stack *st)
{
	return st->nconns;
}

const struct xt_stack_stats *xt_stack_stats(const struct xt_stack *st)
{
	return &st->stats;
}

void xt_stack_free(struct xt_stack *st, uint64_t now_ms)
{
	if (!st)
		return;
	st->now = now_ms;
	st->now_us = now_ms * 1000;
	for (uint32_t i = 0; i <= st->table_mask; i++) {
		while (st->table[i]) {
			struct xt_sock *s = st->table[i];

			if (s->state != XT_TIME_WAIT && s->state != XT_SYN_SENT)
				xt_tcp_send_rst(s);
			xt_tcp_done(s, XT_CLOSE_ABORTED);
		}
	}
	st->work = NULL;
	xt_map_collect(st);
	bury(st);
	xt_map_fini(st);
	free(st->table);
	free(st);
}
