// SPDX-License-Identifier: MIT
/*
 * The bound on out-of-order bytes a stack holds for all its connections
 * together (xt_stack_cfg.reasm_total, xtcpd --ooo-total), on top of each
 * connection's own (reasm_limit): what passes it is refused and counted
 * (ooo_limit_drops), and what a connection gives back, by reading or by
 * closing, is room for the others. fx_end() checks that the stack's total
 * is the sum of its queues.
 */
#include "unit/tcp_fixture.h"

TestSuite(ooo_limit, .init = fx_init, .fini = fx_fini);

#define SECOND_PEER_PORT	(PKT_PEER_PORT + 1)

static uint64_t limit_drops(void)
{
	return xt_stack_stats(fx.st)->ooo_limit_drops;
}

static uint64_t held(void)
{
	return fx.st->reasm_pool.bytes;
}

/* A stack bounded at total with two connections: A, returned, and *b. */
static struct xt_sock *two_conns(uint64_t total, struct xt_sock **b)
{
	struct xt_sock *a;

	fx.cfg.reasm_total = total;
	fx_restart();
	a = fx_established();
	*b = fx_established_from(SECOND_PEER_PORT);
	return a;
}

Test(ooo_limit, default_holds_a_full_window_and_more)
{
	cr_assert_geq(fx.cfg.reasm_total, 8ull * fx.cfg.reasm_limit);
	cr_assert_eq(fx.st->reasm_pool.limit, fx.cfg.reasm_total);
}

/*
 * A's 2000 bytes past its hole leave 1000 for B, which stores the first
 * 1000 of its 1460 and no more; its hole filled, B gets its stream
 * exactly (the refused bytes come again, in order, as a resend would).
 */
Test(ooo_limit, refuses_past_the_total_and_counts)
{
	struct xt_sock *b, *a = two_conns(3000, &b);

	fx_peer_data(a, 1000, 1000, XT_TCP_ACK);
	fx_peer_data(a, 2000, 1000, XT_TCP_ACK);
	cr_assert_eq(held(), 2000);
	cr_assert_eq(limit_drops(), 0);

	fx_peer_data(b, 1460, 1460, XT_TCP_ACK);
	cr_assert_eq(b->reasm.bytes, 1000, "B stored %u", b->reasm.bytes);
	cr_assert_eq(held(), 3000);
	cr_assert_eq(limit_drops(), 1);
	fx_peer_data(b, 4000, 100, XT_TCP_ACK);
	cr_assert_eq(b->reasm.bytes, 1000, "full: nothing more");
	cr_assert_eq(limit_drops(), 2);
	fx_expect(fx_last(), XT_TCP_ACK, b->snd_nxt, b->rcv_nxt);

	fx_peer_data(b, 0, 1460, XT_TCP_ACK);		/* B's hole */
	cr_assert_eq(b->rcv_nxt, fx.peer.isn + 1 + 2460);
	cr_assert_eq(held(), 2000, "B's bytes went back");
	fx_peer_data(b, 2460, 460, XT_TCP_ACK);	/* what was refused */
	fx_expect_rx(2920);
	cr_assert_eq(a->reasm.bytes, 2000, "A's are untouched");
	fx_end();
}

/* A reset connection gives its out-of-order bytes back at once. */
Test(ooo_limit, a_closed_connection_gives_its_bytes_back)
{
	struct xt_sock *b, *a = two_conns(2000, &b);
	struct xt_seg_out rst;

	fx_peer_data(a, 1000, 1000, XT_TCP_ACK);
	fx_peer_data(a, 3000, 1000, XT_TCP_ACK);
	fx_peer_data(b, 1000, 1000, XT_TCP_ACK);
	cr_assert_eq(b->reasm.bytes, 0);
	cr_assert_eq(limit_drops(), 1);

	rst = fx_seg(a);
	rst.flags = XT_TCP_RST;
	fx_send(&rst);
	cr_assert_null(fx_lookup(PKT_LOCAL_PORT, PKT_PEER_PORT));
	cr_assert_eq(held(), 0, "%llu bytes still held",
		     (unsigned long long)held());

	fx_peer_data(b, 1000, 1000, XT_TCP_ACK);
	cr_assert_eq(b->reasm.bytes, 1000);
	cr_assert_eq(limit_drops(), 1);
	fx_end();
}

/* Each connection's own limit still holds below the total, uncounted. */
Test(ooo_limit, the_connection_limit_is_not_counted_as_the_total)
{
	struct xt_sock *a;

	fx.cfg.reasm_limit = 1000;
	fx.cfg.reasm_total = 100000;
	fx_restart();
	a = fx_established();
	fx_peer_data(a, 1000, 1460, XT_TCP_ACK);
	cr_assert_eq(a->reasm.bytes, 1000);
	cr_assert_eq(limit_drops(), 0);
	fx_end();
}
