// SPDX-License-Identifier: MIT
/*
 * What the stack asks the worker to write into the conns map
 * (user/tcp/conns_map.c): an entry before a connection's first segment
 * leaves, its deletion at CLOSED, and its state, which only people read,
 * refreshed at most every 100 ms rather than at every transition.
 */
#include <criterion/criterion.h>
#include "tcp_fixture.h"

TestSuite(conns_map, .init = fx_init, .fini = fx_fini);

struct map_count {
	unsigned upd, del;
	enum xt_tcp_state last;		/* the state of the last update */
};

/*
 * Takes the batch the last poll left, counting what concerns the peer's
 * port (the socket itself may be freed by then).
 */
static void take(uint16_t rport, struct map_count *c)
{
	struct xt_map_batch b;

	xt_stack_take_map_batch(fx.st, &b);
	for (uint32_t i = 0; i < b.ndel; i++)
		if (b.del_keys[i].rport == rport)
			c->del++;
	for (uint32_t i = 0; i < b.nupd; i++)
		if (b.upd_keys[i].rport == rport) {
			c->upd++;
			c->last = b.upd_vals[i].state;
		}
}

/*
 * SYN, ACK, the peer's FIN, our FIN and its ACK, all within a few
 * milliseconds: one entry written (before the SYN-ACK left) and one
 * deleted, not one update per state.
 */
Test(conns_map, a_short_connection_is_one_insert_and_one_delete)
{
	struct map_count c = { 0 };
	struct xt_sock *s = fx_syn_rcvd();
	uint16_t rport = s->t.rport;

	take(rport, &c);
	cr_assert_eq(c.upd, 1, "the entry before the SYN-ACK");
	cr_assert_eq(c.last, XT_SYN_RCVD);
	fx_ack_all(s);
	cr_assert_eq(s->state, XT_ESTABLISHED);
	take(rport, &c);
	fx_peer_fin(s, s->snd_nxt);
	cr_assert_eq(s->state, XT_CLOSE_WAIT);
	take(rport, &c);
	fx_close(s);
	cr_assert_eq(s->state, XT_LAST_ACK);
	take(rport, &c);
	fx_ack_all(s);
	take(rport, &c);
	cr_assert_eq(c.upd, 1, "%u updates for one short connection", c.upd);
	cr_assert_eq(c.del, 1);
	fx_end();
}

/* A connection that stays: its new state reaches the map within 100 ms. */
Test(conns_map, a_lasting_state_is_refreshed)
{
	struct map_count c = { 0 };
	struct xt_sock *s = fx_established();
	uint16_t rport = s->t.rport;

	take(rport, &c);
	c.upd = 0;
	fx_advance(100);		/* the refresh after the handshake */
	take(rport, &c);
	c.upd = 0;
	fx_peer_fin(s, s->snd_nxt);
	cr_assert_eq(s->state, XT_CLOSE_WAIT);
	take(rport, &c);
	cr_assert_eq(c.upd, 0, "written at once, not within the 100 ms");
	fx_advance(100);
	take(rport, &c);
	cr_assert_eq(c.upd, 1, "CLOSE-WAIT never reached the map");
	cr_assert_eq(c.last, XT_CLOSE_WAIT);
	fx_end();
}
