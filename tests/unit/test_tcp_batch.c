// SPDX-License-Identifier: MIT
/*
 * One batch, several connections: input queues each connection's output
 * and callbacks on the stack's work list, and the poll that ends the
 * batch delivers them. A connection that reaches CLOSED in the middle of
 * the batch is buried after it, and takes no one else's work with it.
 */
#include "unit/tcp_fixture.h"

TestSuite(batch, .init = fx_init, .fini = fx_fini);

/* The peer's first len bytes to s, handed in without a poll. */
static void input_data(const struct xt_sock *s, uint32_t len)
{
	static uint8_t buf[FX_MSS];
	struct xt_seg_out o = fx_seg(s);

	for (uint32_t i = 0; i < len; i++)
		buf[i] = fx_peer_byte(i);
	o.flags = XT_TCP_ACK | XT_TCP_PSH;
	pkt_set_payload(&o, buf, len);
	fx_input(&o);
}

/* ACKs to the peer's port rport from index 'from' on that acknowledge ack. */
static unsigned acks_to(size_t from, uint16_t rport, uint32_t ack)
{
	unsigned n = 0;

	for (size_t i = from; i < fx_nout(); i++) {
		const struct xt_seg_out *o = &fx_out_at(i)->seg;

		if (o->dport == rport && (o->flags & XT_TCP_ACK) &&
		    o->ack == ack)
			n++;
	}
	return n;
}

/*
 * Three connections get data in one batch, so all three wait on the work
 * list; then the middle one is reset. The other two still see their data
 * at the end of the batch and still acknowledge it.
 */
Test(batch, reset_in_the_middle_of_the_work_list_cuts_nothing)
{
	struct xt_sock *s[3];
	struct xt_seg_out rst;
	uint16_t rport[3];
	size_t n;

	cr_assert_eq(fx_listen(), 0);
	for (int i = 0; i < 3; i++) {
		rport[i] = (uint16_t)(PKT_PEER_PORT + i);
		s[i] = fx_established_from(rport[i]);
	}
	n = fx_nout();
	for (int i = 0; i < 3; i++)
		input_data(s[i], 100);
	rst = fx_seg(s[1]);
	rst.flags = XT_TCP_RST;
	fx_input(&rst);
	fx_poll();
	cr_assert_eq(fx.app.closed, 1);
	cr_assert_eq(fx.app.why, XT_CLOSE_RESET);
	cr_assert_eq(fx.app.readable, 2, "%u of 2 survivors saw their data",
		     fx.app.readable);
	fx_advance(fx.cfg.delack_ms);
	for (int i = 0; i < 3; i += 2)
		cr_assert_eq(acks_to(n, rport[i], FX_PEER_ISN + 1 + 100), 1,
			     "connection %d never acknowledged its data", i);
	/* And the next batch still reaches both. */
	fx.raw_tx = true;	/* two streams: not fx_local_byte()'s one */
	for (int i = 0; i < 3; i += 2) {
		fx_write(s[i], 10);
		cr_assert_eq(fx_last()->dport, rport[i],
			     "connection %d sent nothing", i);
		cr_assert_eq(fx_last()->payload_len, 10);
	}
	fx_end();
}
