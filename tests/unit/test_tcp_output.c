// SPDX-License-Identifier: MIT
/*
 * What xt_tcp_output() decides beside the bytes (user/tcp/tcp_out.c): the
 * PSH bit on the last segment a burst can carry, and whether the sender
 * was held back by cwnd (congestion window validation), which decides
 * whether an ACK may grow the window.
 */
#include <criterion/criterion.h>
#include "tcp_fixture.h"

#define SEG		FX_MSS

static void output_init(void)
{
	fx_init();
	fx.cfg.sndbuf = 256 * 1024;
	fx_restart();
}

TestSuite(output, .init = output_init, .fini = fx_fini);

/* ESTABLISHED, in congestion avoidance with a cwnd of 'segs' segments. */
static struct xt_sock *with_cwnd(unsigned segs)
{
	struct xt_sock *s = fx_established();

	s->cwnd = segs * SEG;
	s->ssthresh = s->cwnd;
	return s;
}

/* Data segments from index 'from' on, and how many carry PSH. */
static unsigned data_segs(size_t from, unsigned *pushed)
{
	unsigned n = 0;

	*pushed = 0;
	for (size_t i = from; i < fx_nout(); i++) {
		const struct xt_seg_out *o = &fx_out_at(i)->seg;

		if (!o->payload_len)
			continue;
		n++;
		if (o->flags & XT_TCP_PSH)
			(*pushed)++;
	}
	return n;
}

/*
 * Ten segments written, room for four: the fourth is the last the window
 * lets out, so it carries PSH (a receiver holding its ACK for a push
 * would stall the window); the first three do not.
 */
Test(output, psh_on_the_last_segment_the_window_allows)
{
	struct xt_sock *s = with_cwnd(4);
	size_t from = fx_nout();
	unsigned pushed;

	fx_write(s, 10 * SEG);
	cr_assert_eq(data_segs(from, &pushed), 4);
	cr_assert_eq(pushed, 1, "PSH on %u of 4 segments", pushed);
	cr_assert(fx_last()->flags & XT_TCP_PSH, "not on the last one");
	fx_end();
}

/* Two segments written, room for ten: PSH where the data ends (§3.9.1). */
Test(output, psh_where_the_written_data_ends)
{
	struct xt_sock *s = with_cwnd(10);
	size_t from = fx_nout();
	unsigned pushed;

	xt_sock_set_nodelay(s, 1);
	fx_write(s, 2 * SEG);
	cr_assert_eq(data_segs(from, &pushed), 2);
	cr_assert_eq(pushed, 1);
	cr_assert(fx_last()->flags & XT_TCP_PSH);
	fx_end();
}

/* A window filled is a window used: an ACK then grows it. */
Test(output, a_full_window_is_cwnd_limited_and_grows)
{
	struct xt_sock *s = with_cwnd(4);
	uint32_t before = s->cwnd;

	fx_write(s, 40 * SEG);
	cr_assert(xt_tcp_cwnd_limited(s));
	for (int i = 0; i < 8; i++)	/* two windows' worth */
		fx_ack_all(s);
	cr_assert_gt(s->cwnd, before, "a used window did not grow");
	fx_end();
}

/*
 * The application writes less than the window holds, round after round:
 * not cwnd-limited, and the window stays where it was however many ACKs
 * come back (else a loss would later cut a window never used).
 */
Test(output, an_application_limited_window_does_not_grow)
{
	struct xt_sock *s = with_cwnd(10);
	uint32_t before = s->cwnd;

	xt_sock_set_nodelay(s, 1);
	for (int i = 0; i < 20; i++) {
		fx_write(s, 2 * SEG);
		cr_assert_not(xt_tcp_cwnd_limited(s), "round %d", i);
		fx_ack_all(s);
	}
	cr_assert_eq(s->cwnd, before, "grew to %u", s->cwnd);
	fx_end();
}

/*
 * With the daemon's microsecond clock (xt_stack_input_us), an ACK 300 us
 * after its segment is a 300 us RTT sample, not 0 (the same millisecond).
 */
Test(output, rtt_sample_in_microseconds)
{
	struct xt_sock *s = fx_established();
	uint64_t t0 = fx.now * 1000;
	uint32_t before = s->srtt_us, want = 300;
	bool had = s->rtt_valid;
	struct xt_seg_out ack;
	struct pkt_frame f;
	struct xt_seg seg;
	uint8_t byte = fx_local_byte(fx.tx_off);

	xt_sock_set_nodelay(s, 1);
	cr_assert_eq(xt_send(s, &byte, 1), 1);
	fx.tx_off++;
	xt_stack_poll_us(fx.st, t0);
	ack = fx_seg(s);
	f = pkt_build(&ack);
	seg = pkt_parse(&f);
	xt_stack_input_us(fx.st, &seg, t0 + 300);
	xt_stack_poll_us(fx.st, t0 + 300);
	cr_assert_eq(s->snd_una, s->snd_max, "the byte was not acked");
	if (had)
		want = before - (before >> 3) + (300 >> 3);
	cr_assert_eq(s->srtt_us, want, "srtt %u us, want %u", s->srtt_us, want);
	fx_end();
}
