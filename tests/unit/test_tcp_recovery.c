// SPDX-License-Identifier: MIT
/*
 * When three duplicate ACKs may start fast retransmit (RFC 6582 §3.2 step
 * 2): always, until an earlier recovery or RTO has set recover; then only
 * once the cumulative ACK has passed it. A connection's start sets no
 * recover, whether a SYN-ACK or a SYN cookie began it.
 */
#include "unit/tcp_fixture.h"
#include "xtcp/cookie.h"

TestSuite(recover, .init = fx_init, .fini = fx_fini);

/*
 * Any cookie is ours, and carries the MSS the fixture's peer offers, no
 * window scale and no SACK: recovery does not depend on how cookies are
 * made.
 */
static int any_cookie(void *ctx, const struct xt_cookie_tuple *t,
		      uint32_t isn, uint32_t cookie, struct xt_cookie_opts *o)
{
	(void)ctx;
	(void)t;
	(void)isn;
	(void)cookie;
	*o = (struct xt_cookie_opts){ .mss = FX_MSS,
				      .wscale = XT_COOKIE_NO_WS };
	return 0;
}

/*
 * ESTABLISHED from the last ACK of a cookie handshake, without
 * timestamps, our ISS near the wrap like the fixture's peer's.
 */
static struct xt_sock *cookie_established(void)
{
	struct xt_seg_out ack = pkt_from_peer();
	struct xt_sock *s;

	fx.cfg.cookie_check = any_cookie;
	fx_restart();
	cr_assert_eq(fx_listen(), 0);
	ack.seq = fx.peer.isn + 1;
	ack.ack = FX_WRAP + 1;
	ack.wnd = fx.peer.wnd;
	fx_send(&ack);
	s = fx_lookup(PKT_LOCAL_PORT, PKT_PEER_PORT);
	cr_assert_not_null(s, "the cookie ACK opened no connection");
	cr_assert_eq(s->state, XT_ESTABLISHED);
	cr_assert_eq(s->snd_una, FX_WRAP + 1);
	cr_assert_eq(fx.app.accepted, 1);
	return s;
}

/* Five full segments out with nothing acknowledged yet. */
static void five_out(struct xt_sock *s)
{
	size_t n = fx_nout();

	xt_sock_set_nodelay(s, 1);
	fx_write(s, 5 * FX_MSS);
	cr_assert_eq(fx_nout(), n + 5);
}

static void dupacks(struct xt_sock *s, int count)
{
	for (int i = 0; i < count; i++) {
		struct xt_seg_out o = fx_seg(s);

		o.ack = s->snd_una;
		fx_send(&o);
	}
}

Test(recover, cookie_connection_fast_retransmits_in_its_first_window)
{
	struct xt_sock *s = cookie_established();
	uint32_t una = s->snd_una;
	size_t n;

	five_out(s);
	n = fx_nout();
	dupacks(s, 3);
	cr_assert_eq(xt_stack_stats(fx.st)->fast_retransmits, 1,
		     "three dupacks in the first window, no fast retransmit");
	cr_assert((s->rec.state == XT_REC_RECOVERY));
	cr_assert_geq(fx_nout(), n + 1);
	fx_expect(&fx_out_at(n)->seg, XT_TCP_ACK, una, s->rcv_nxt);
	cr_assert_eq(fx_out_at(n)->seg.payload_len, FX_MSS);
	fx_ack_all(s);
	cr_assert_not((s->rec.state == XT_REC_RECOVERY));
	fx_end();
}

Test(recover, passive_connection_fast_retransmits_in_its_first_window)
{
	struct xt_sock *s = fx_established();

	five_out(s);
	dupacks(s, 3);
	cr_assert_eq(xt_stack_stats(fx.st)->fast_retransmits, 1);
	fx_end();
}

/*
 * After an RTO, duplicate ACKs for what was sent before it are stale
 * (RFC 6582 §3.2 step 2, and §4.1): no fast retransmit until the ACK
 * passes the SND.MAX the timeout saw.
 */
Test(recover, stale_dupacks_after_an_rto_do_not_retransmit)
{
	struct xt_sock *s = fx_established();
	struct xt_seg_out ack;
	uint32_t top;

	five_out(s);
	top = s->snd_max;
	fx_advance(s->rto_ms);
	cr_assert_eq(xt_stack_stats(fx.st)->timeouts, 0);
	cr_assert_eq(xt_stack_stats(fx.st)->retransmits, 1);
	dupacks(s, 3);
	cr_assert_eq(xt_stack_stats(fx.st)->fast_retransmits, 0,
		     "fast retransmit from duplicates of before the RTO");
	cr_assert_not((s->rec.state == XT_REC_RECOVERY));
	/* Everything up to the old SND.MAX arrives, then new data beyond it. */
	fx_ack_all(s);
	cr_assert_eq(s->snd_una, top);
	fx_write(s, 5 * FX_MSS);
	ack = fx_seg(s);
	ack.ack = top + FX_MSS;
	fx_send(&ack);
	cr_assert(xt_seq_gt(s->snd_max, s->snd_una));
	dupacks(s, 3);
	cr_assert_eq(xt_stack_stats(fx.st)->fast_retransmits, 1,
		     "recover still blocks fast retransmit past it");
	fx_end();
}
