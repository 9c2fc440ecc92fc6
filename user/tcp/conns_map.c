// SPDX-License-Identifier: MIT
/*
 * What the XDP program must know of each connection: its conns entry
 * (tuple -> slot, state) and its receive window in conn_win[slot].
 *
 * A new entry, and a deletion, is collected by xt_stack_poll() and written
 * by the worker in one batched syscall each, before the batch's segments
 * are sent, so a connection is in the map before its first segment leaves
 * and until it is CLOSED. The state in an entry is for people (bpftool,
 * xtcpctl without the daemon); XDP does not read it. So a live entry's
 * state is refreshed at most every XT_MAP_REFRESH_MS: a short connection
 * costs one insert and one delete, not a map update per transition
 * (each is a locked hash update in the kernel, the daemon's largest
 * cost per connection in a profile of connect-request-close).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "tcp/tcp.h"

#define XT_MAP_REFRESH_MS	100	/* as often as the daemon publishes */

static void key_of(const struct xt_tuple *t, struct xt_conn_key *k)
{
	memset(k, 0, sizeof(*k));
	memcpy(k->laddr, &t->laddr, sizeof(k->laddr));
	memcpy(k->raddr, &t->raddr, sizeof(k->raddr));
	k->lport = t->lport;
	k->rport = t->rport;
}

/* Grows *arr to hold need elements of size sz; 0 or -ENOMEM. */
static int grow(void **arr, uint32_t *cap, uint32_t need, size_t sz)
{
	uint32_t n = *cap ? *cap : 64;
	void *p;

	if (need <= *cap)
		return 0;
	while (n < need)
		n *= 2;
	p = realloc(*arr, (size_t)n * sz);
	if (!p)
		return -ENOMEM;
	*arr = p;
	*cap = n;
	return 0;
}

int xt_map_init(struct xt_stack *st)
{
	st->free_slots = calloc(st->cfg.max_conns, sizeof(*st->free_slots));
	if (!st->free_slots)
		return -ENOMEM;
	for (uint32_t i = 0; i < st->cfg.max_conns; i++)
		st->free_slots[i] = st->cfg.slot_base + st->cfg.max_conns - 1 - i;
	st->nfree_slots = st->cfg.max_conns;
	return 0;
}

void xt_map_fini(struct xt_stack *st)
{
	free(st->free_slots);
	free(st->del_keys);
	free(st->upd_keys);
	free(st->upd_vals);
}

/* The entry must be (re)written in this batch: new, or a new state. */
void xt_map_mark(struct xt_sock *s)
{
	if (s->map_dirty)
		return;
	s->map_dirty = true;
	s->map_next = s->st->map_dirty;
	s->st->map_dirty = s;
}

static void stale_unlink(struct xt_sock *s)
{
	if (!s->map_stale)
		return;
	if (s->stale_prev)
		s->stale_prev->stale_next = s->stale_next;
	else
		s->st->map_stale = s->stale_next;
	if (s->stale_next)
		s->stale_next->stale_prev = s->stale_prev;
	s->stale_prev = s->stale_next = NULL;
	s->map_stale = false;
}

/* A new state for an entry already written: refreshed with the next lot. */
void xt_map_mark_stale(struct xt_sock *s)
{
	struct xt_stack *st = s->st;

	if (s->map_dirty || s->map_stale)
		return;
	s->map_stale = true;
	s->stale_prev = NULL;
	s->stale_next = st->map_stale;
	if (st->map_stale)
		st->map_stale->stale_prev = s;
	st->map_stale = s;
}

/* Every XT_MAP_REFRESH_MS, the stale states are written with the batch. */
void xt_map_refresh(struct xt_stack *st)
{
	if (st->now - st->map_refreshed < XT_MAP_REFRESH_MS)
		return;
	st->map_refreshed = st->now;
	while (st->map_stale) {
		struct xt_sock *s = st->map_stale;

		stale_unlink(s);
		xt_map_mark(s);
	}
}

/* CLOSED: the entry goes, if it was ever written. */
void xt_map_forget(struct xt_sock *s)
{
	struct xt_stack *st = s->st;

	stale_unlink(s);
	if (!s->in_map)
		return;
	xt_map_forget_tuple(st, &s->t);
	s->in_map = false;
}

/*
 * A tuple xtcpd refuses whose entry XDP may have written (XT_SLOT_PENDING,
 * for a cookie ACK): it goes too. Deleting what is not there is harmless.
 */
void xt_map_forget_tuple(struct xt_stack *st, const struct xt_tuple *t)
{
	if (grow((void **)&st->del_keys, &st->del_cap, st->ndel + 1,
		 sizeof(*st->del_keys)))
		return;
	key_of(t, &st->del_keys[st->ndel++]);
}

/* The batch's updates, from the connections marked since the last one. */
void xt_map_collect(struct xt_stack *st)
{
	struct xt_sock *s;

	while ((s = st->map_dirty)) {
		st->map_dirty = s->map_next;
		s->map_dirty = false;
		if (s->dead)
			continue;
		if (grow((void **)&st->upd_keys, &st->upd_key_cap, st->nupd + 1,
			 sizeof(*st->upd_keys)) ||
		    grow((void **)&st->upd_vals, &st->upd_val_cap, st->nupd + 1,
			 sizeof(*st->upd_vals)))
			continue;
		key_of(&s->t, &st->upd_keys[st->nupd]);
		st->upd_vals[st->nupd].slot = s->slot;
		st->upd_vals[st->nupd].state = s->state;
		st->nupd++;
		s->in_map = true;
	}
}

/* RCV.NXT and the window just advertised, for XDP's RST check. */
void xt_map_publish_window(struct xt_sock *s)
{
	struct xt_conn_win *w = s->st->cfg.win;

	if (!w)
		return;
	w[s->slot].rcv_nxt = s->rcv_nxt;
	w[s->slot].rcv_wnd = s->rcv_adv - s->rcv_nxt;
}

void xt_stack_take_map_batch(struct xt_stack *st, struct xt_map_batch *b)
{
	b->del_keys = st->del_keys;
	b->ndel = st->ndel;
	b->upd_keys = st->upd_keys;
	b->upd_vals = st->upd_vals;
	b->nupd = st->nupd;
	st->ndel = 0;
	st->nupd = 0;
}
