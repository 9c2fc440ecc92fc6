// SPDX-License-Identifier: MIT
/*
 * The connection table (4-tuple -> control block), initial sequence
 * numbers (RFC 6528) and local ports for active opens.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "tcp/tcp.h"

/* Sets the port hash's inputs apart from tuple_hash()'s and the ISN's. */
#define PORT_HASH_TAG	(1ULL << 62)

static uint32_t tuple_hash(const struct xt_stack *st, const struct xt_tuple *t)
{
	uint64_t a = (uint64_t)t->laddr << 32 | t->raddr;
	uint64_t b = (uint64_t)t->lport << 16 | t->rport;

	return (uint32_t)xt_siphash_2u64(&st->cfg.secret, a, b);
}

static bool tuple_eq(const struct xt_tuple *a, const struct xt_tuple *b)
{
	return a->laddr == b->laddr && a->raddr == b->raddr &&
	       a->lport == b->lport && a->rport == b->rport;
}

struct xt_sock *xt_conn_lookup(struct xt_stack *st, const struct xt_tuple *t)
{
	struct xt_sock *s = st->table[tuple_hash(st, t) & st->table_mask];

	while (s && !tuple_eq(&s->t, t))
		s = s->hnext;
	return s;
}

/*
 * RFC 6528: ISN = M + F(localip, localport, remoteip, remoteport, secret),
 * M a 4-microsecond clock. The stack's clock is in milliseconds: 250 ticks
 * of M per ms.
 */
uint32_t xt_conn_isn(struct xt_stack *st, const struct xt_tuple *t)
{
	uint64_t a = (uint64_t)t->laddr << 32 | t->raddr;
	uint64_t b = (uint64_t)t->lport << 16 | t->rport | 1ULL << 63;

	return (uint32_t)xt_siphash_2u64(&st->cfg.secret, a, b) +
	       (uint32_t)(st->now * 250);
}

const struct xt_listener *xt_conn_listener(const struct xt_stack *st,
					   uint16_t port)
{
	for (int i = 0; i < st->nlisteners; i++)
		if (st->listeners[i].port == port)
			return &st->listeners[i];
	return NULL;
}

static void conn_free_buffers(struct xt_sock *s)
{
	xt_ring_free(&s->sndbuf);
	xt_ring_free(&s->rcvbuf);
	xt_reasm_free(&s->reasm);
	xt_sb_free(&s->sb);
}

/*
 * TIME-WAIT keeps only what it needs, as Linux's timewait sockets do:
 * everything sent is acknowledged and nothing more arrives; the receive
 * buffer goes too once the application has read it (or never will).
 */
void xt_conn_shrink(struct xt_sock *s)
{
	xt_ring_free(&s->sndbuf);
	xt_reasm_free(&s->reasm);
	xt_sb_free(&s->sb);
	if (!xt_ring_len(&s->rcvbuf) || s->app_gone)
		xt_ring_free(&s->rcvbuf);
}

/* A control block in CLOSED, in the table, buffers allocated. */
struct xt_sock *xt_conn_create(struct xt_stack *st, const struct xt_tuple *t,
			       const uint8_t rmac[6])
{
	struct xt_sock *s;
	uint32_t h;

	if (st->nconns >= st->cfg.max_conns) {
		st->stats.conn_limit_drops++;
		return NULL;
	}
	if (!st->nfree_slots) {
		st->stats.conn_limit_drops++;
		return NULL;
	}
	s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	s->st = st;
	s->slot = st->free_slots[--st->nfree_slots];
	s->t = *t;
	memcpy(s->rmac, rmac, sizeof(s->rmac));
	if (xt_ring_init(&s->sndbuf, st->cfg.sndbuf) ||
	    xt_ring_init(&s->rcvbuf, st->cfg.rcvbuf)) {
		xt_conn_destroy(s);
		return NULL;
	}
	xt_reasm_init(&s->reasm, st->cfg.reasm_limit, &st->reasm_pool);
	xt_tcp_timers_init(s);
	xt_rtt_init(s);
	s->last_rcv = st->now;
	h = tuple_hash(st, t) & st->table_mask;
	s->hnext = st->table[h];
	st->table[h] = s;
	st->nconns++;
	return s;
}

void xt_conn_unlink(struct xt_sock *s)
{
	struct xt_stack *st = s->st;
	struct xt_sock **pp = &st->table[tuple_hash(st, &s->t) & st->table_mask];

	for (; *pp; pp = &(*pp)->hnext) {
		if (*pp == s) {
			*pp = s->hnext;
			s->hnext = NULL;
			st->nconns--;
			return;
		}
	}
}

void xt_conn_destroy(struct xt_sock *s)
{
	if (!s)
		return;
	s->st->free_slots[s->st->nfree_slots++] = s->slot;
	conn_free_buffers(s);
	free(s);
}

/*
 * A local port in the reserved range with no connection to raddr:rport,
 * by RFC 6056 §3.3.4 (double-hash): F, a keyed hash of the destination,
 * is where its ports start, and the counter in the table slot G picks
 * (another part of the same hash) moves on from there. Ports towards one
 * peer are successive; they tell nothing of those towards another.
 */
int xt_conn_pick_port(struct xt_stack *st, uint32_t raddr, uint16_t rport,
		      uint16_t *port)
{
	uint32_t span = (uint32_t)st->cfg.eph_hi - st->cfg.eph_lo + 1;
	struct xt_tuple t = { .laddr = st->cfg.laddr, .raddr = raddr,
			      .rport = rport };
	uint64_t h = xt_siphash_2u64(&st->cfg.secret,
				     (uint64_t)t.laddr << 32 | raddr,
				     rport | PORT_HASH_TAG);
	uint32_t f = (uint32_t)h;
	uint16_t *g = &st->eph_table[(h >> 32) % XT_EPH_TABLE];

	if (!st->cfg.eph_lo || st->cfg.eph_hi < st->cfg.eph_lo)
		return -EADDRNOTAVAIL;
	for (uint32_t i = 0; i < span; i++) {
		t.lport = (uint16_t)(st->cfg.eph_lo +
				     ((uint64_t)f + *g + i) % span);
		if (!xt_conn_lookup(st, &t)) {
			*g = (uint16_t)(*g + i + 1);
			*port = t.lport;
			return 0;
		}
	}
	return -EADDRNOTAVAIL;
}
