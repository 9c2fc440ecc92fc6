// SPDX-License-Identifier: MIT
/*
 * Tests for the active open: SYN-SENT (RFC 9293 §3.10.7.3), its SYN
 * retransmission, and simultaneous open (§3.5, figure 8).
 */
#include <endian.h>
#include <errno.h>
#include "unit/tcp_fixture.h"

TestSuite(syn_sent, .init = fx_init, .fini = fx_fini);

/* The peer's SYN-ACK (or SYN, without ACK) to our SYN. */
static struct xt_seg_out peer_syn(const struct xt_sock *s, uint8_t flags)
{
	struct xt_seg_out o = pkt_from_peer();

	o.sport = PKT_PEER_PORT;
	o.dport = s->t.lport;
	o.flags = flags;
	o.seq = fx.peer.isn;
	o.ack = flags & XT_TCP_ACK ? s->iss + 1 : 0;
	o.wnd = fx.peer.wnd;
	return o;
}

Test(syn_sent, connect_sends_syn_offering_every_option)
{
	struct xt_sock *s = fx_syn_sent();
	const struct xt_seg_out *syn = fx_last();

	cr_assert_eq(fx_nout(), 1);
	cr_assert_geq(s->t.lport, FX_EPH_LO);
	cr_assert_leq(s->t.lport, FX_EPH_HI);
	cr_assert_eq(syn->sport, s->t.lport);
	cr_assert_eq(syn->dport, PKT_PEER_PORT);
	cr_assert_eq(syn->daddr, htobe32(PKT_PEER_IP));
	cr_assert_eq(syn->opts.present, XT_OPT_MSS | XT_OPT_WSCALE |
		     XT_OPT_SACK_PERM | XT_OPT_TS);
	cr_assert_eq(syn->opts.mss, FX_MSS);
	cr_assert_eq(syn->opts.tsecr, 0, "TSecr of a SYN must be 0");
	cr_assert_eq(syn->wnd, 65535);
	cr_assert_eq(xt_stack_conn_count(fx.st), 1);
	cr_assert_eq(xt_stack_stats(fx.st)->active_opens, 1);
	fx_end();
}

Test(syn_sent, syn_ack_enters_established_and_acks)
{
	struct xt_sock *s = fx_connected();

	cr_assert_eq(fx_nout(), 2);
	cr_assert_eq(s->snd_una, s->iss + 1);
	cr_assert_eq(s->rcv_nxt, FX_PEER_ISN + 1);
	cr_assert_eq(fx.app.connected, 1);
	cr_assert_eq(fx.app.accepted, 0);
	fx_end();
}

Test(syn_sent, syn_ack_without_options_means_no_scaling)
{
	struct xt_sock *s;

	fx.peer.opts = 0;
	s = fx_connected();
	cr_assert_not(s->ws_ok || s->ts_ok || s->sack_ok);
	cr_assert_eq(s->mss, XT_TCP_DEFAULT_MSS);
	/* 256 KiB of buffer, but no scaling: the field saturates. */
	cr_assert_eq(fx_last()->wnd, 65535);
	cr_assert_eq(fx_last()->opts.present, 0);
	fx_end();
}

Test(syn_sent, syn_ack_options_negotiated)
{
	struct xt_sock *s;

	fx.peer.opts = XT_OPT_MSS | XT_OPT_WSCALE | XT_OPT_SACK_PERM | XT_OPT_TS;
	fx.peer.wscale = 2;
	fx.peer.mss = 1200;
	s = fx_connected();
	cr_assert(s->ws_ok && s->ts_ok && s->sack_ok);
	cr_assert_eq(s->snd_wscale, 2);
	cr_assert_eq(s->rcv_wscale, xt_tcp_our_wscale(fx.st));
	cr_assert_eq(s->mss, 1200 - 12, "MSS less the timestamp option");
	/* The ACK is scaled, and echoes the SYN-ACK's TSval. */
	cr_assert_eq(fx_last()->wnd, fx.cfg.rcvbuf >> s->rcv_wscale);
	cr_assert(fx_last()->opts.present & XT_OPT_TS);
	cr_assert_eq(fx_last()->opts.tsecr, FX_PEER_TSVAL + (uint32_t)fx.now);
	fx_end();
}

Test(syn_sent, ack_window_fits_the_receive_buffer)
{
	static const uint32_t isns[] = { FX_WRAP, 0x80000000u, 0, 0x40000000u };

	fx.cfg.rcvbuf = 4096;
	for (unsigned i = 0; i < sizeof(isns) / sizeof(isns[0]); i++) {
		struct xt_sock *s;

		fx_restart();
		fx.peer.opts = XT_OPT_MSS;
		fx.peer.isn = isns[i];
		s = fx_connected();
		cr_assert_leq(fx_last()->wnd, 4096,
			      "peer ISN %#x: the ACK offers %u bytes",
			      fx.peer.isn, fx_last()->wnd);
		cr_assert_leq(s->rcv_adv - s->rcv_nxt, 4096);
	}
	fx_end();
}

/* §3.10.7.3: SEG.ACK =< ISS or SEG.ACK > SND.NXT: <SEQ=SEG.ACK><CTL=RST>. */
Test(syn_sent, unacceptable_ack_gets_rst)
{
	struct xt_sock *s = fx_syn_sent();
	uint32_t bad[] = { s->iss, s->iss - 1000, s->iss + 2, s->iss + 0x40000000u };

	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct xt_seg_out sa = peer_syn(s, XT_TCP_SYN | XT_TCP_ACK);

		sa.ack = bad[i];
		fx_send(&sa);
		fx_expect(fx_last(), XT_TCP_RST, bad[i], 0);
		cr_assert_eq(s->state, XT_SYN_SENT);
	}
	cr_assert_eq(fx_nout(), 5);
	fx_end();
}

Test(syn_sent, rst_with_unacceptable_ack_is_ignored)
{
	struct xt_sock *s = fx_syn_sent();
	struct xt_seg_out rst = peer_syn(s, XT_TCP_RST | XT_TCP_ACK);

	rst.ack = s->iss + 7;
	fx_send(&rst);
	cr_assert_eq(fx_nout(), 1);
	cr_assert_eq(s->state, XT_SYN_SENT);
	fx_end();
}

Test(syn_sent, rst_acking_the_syn_refuses)
{
	struct xt_sock *s = fx_syn_sent();
	struct xt_seg_out rst = peer_syn(s, XT_TCP_RST | XT_TCP_ACK);

	rst.seq = 0;
	fx_send(&rst);
	fx_expect_closed(XT_CLOSE_REFUSED);
	cr_assert_eq(fx_nout(), 1, "a RST was answered");
	fx_end();
}

Test(syn_sent, rst_without_ack_is_ignored)
{
	struct xt_sock *s = fx_syn_sent();
	struct xt_seg_out rst = peer_syn(s, XT_TCP_RST);

	fx_send(&rst);
	cr_assert_eq(s->state, XT_SYN_SENT);
	cr_assert_eq(fx.app.closed, 0);
	cr_assert_eq(fx_nout(), 1);
	fx_abort(s);
	fx_end();
}

Test(syn_sent, acceptable_ack_without_syn_is_dropped)
{
	struct xt_sock *s = fx_syn_sent();
	struct xt_seg_out ack = peer_syn(s, XT_TCP_ACK);

	fx_send(&ack);
	cr_assert_eq(s->state, XT_SYN_SENT);
	cr_assert_eq(fx_nout(), 1);
	fx_abort(s);
	fx_end();
}

Test(syn_sent, syn_retransmitted_with_backoff_then_timeout)
{
	struct xt_sock *s = fx_syn_sent();
	uint64_t t = fx.now, rto = fx.cfg.rto_initial_ms;
	uint32_t iss = s->iss;

	for (uint32_t i = 1; i <= fx.cfg.syn_retries; i++) {
		t += rto;
		fx_advance(t - 1 - fx.now);
		cr_assert_eq(fx_nout(), i, "early retransmission %u", i);
		fx_advance(1);
		cr_assert_eq(fx_nout(), 1 + i, "retransmission %u", i);
		fx_expect(fx_last(), XT_TCP_SYN, iss, 0);
		rto = rto * 2 < fx.cfg.rto_max_ms ? rto * 2 : fx.cfg.rto_max_ms;
	}
	fx_advance(rto - 1);
	cr_assert_eq(fx.app.closed, 0);
	fx_advance(1);
	fx_expect_closed(XT_CLOSE_TIMEOUT);
	fx_end();
}

/*
 * RFC 6298 §5.7: when the SYN was retransmitted and RTO is under 3 s, RTO
 * is 3 s once data flows. Here no RTT sample is possible (no timestamps,
 * and Karn rules out the retransmitted SYN), so the first data segment
 * must not be retransmitted before 3 s.
 */
Test(syn_sent, rto_is_3s_after_a_retransmitted_syn)
{
	struct xt_sock *s = fx_syn_sent();
	struct xt_seg_out sa = peer_syn(s, XT_TCP_SYN | XT_TCP_ACK);
	size_t n;

	fx_advance(fx.cfg.rto_initial_ms);	/* one SYN retransmission */
	cr_assert_eq(fx_nout(), 2);
	pkt_set_mss(&sa, FX_MSS);
	fx_send(&sa);
	cr_assert_eq(s->state, XT_ESTABLISHED);
	fx_write(s, 100);
	n = fx_nout();
	fx_advance(2999);
	cr_assert_eq(fx_nout(), n, "data retransmitted after %lu ms",
		     (unsigned long)(fx_last() ? fx_out_at(fx_nout() - 1)->at -
				     fx_out_at(n - 1)->at : 0));
	fx_advance(1);
	cr_assert_eq(fx_nout(), n + 1);
	fx_expect(fx_last(), XT_TCP_ACK | XT_TCP_PSH, s->snd_una, s->rcv_nxt);
	fx_end();
}

Test(syn_sent, simultaneous_open_via_syn_rcvd)
{
	struct xt_sock *s = fx_syn_sent();
	struct xt_seg_out syn = peer_syn(s, XT_TCP_SYN);
	struct xt_seg_out sa = peer_syn(s, XT_TCP_SYN | XT_TCP_ACK);

	pkt_set_mss(&syn, FX_MSS);
	fx_send(&syn);
	cr_assert_eq(s->state, XT_SYN_RCVD);
	/* Figure 8 line 5: SYN-ACK from our ISS, acking the peer's SYN. */
	fx_expect(fx_last(), XT_TCP_SYN | XT_TCP_ACK, s->iss, FX_PEER_ISN + 1);
	cr_assert_eq(fx.app.connected, 0);
	/* Line 6: the peer's SYN-ACK completes it. */
	pkt_set_mss(&sa, FX_MSS);
	fx_send(&sa);
	cr_assert_eq(s->state, XT_ESTABLISHED);
	cr_assert_eq(fx.app.connected, 1);
	cr_assert_eq(fx.app.accepted, 0);
	cr_assert_eq(s->snd_una, s->iss + 1);
	cr_assert_eq(s->rcv_nxt, FX_PEER_ISN + 1);
	fx_end();
}

Test(syn_sent, simultaneous_open_completed_by_ack)
{
	struct xt_sock *s = fx_syn_sent();
	struct xt_seg_out syn = peer_syn(s, XT_TCP_SYN);
	struct xt_seg_out ack;

	fx_send(&syn);
	cr_assert_eq(s->state, XT_SYN_RCVD);
	ack = fx_seg(s);
	ack.ack = s->iss + 1;
	fx_send(&ack);
	cr_assert_eq(s->state, XT_ESTABLISHED);
	cr_assert_eq(fx.app.connected, 1);
	fx_end();
}

Test(syn_sent, simultaneous_open_rst_refuses)
{
	struct xt_sock *s = fx_syn_sent();
	struct xt_seg_out syn = peer_syn(s, XT_TCP_SYN);
	struct xt_seg_out rst;

	fx_send(&syn);
	rst = fx_seg(s);
	rst.flags = XT_TCP_RST;
	fx_send(&rst);
	fx_expect_closed(XT_CLOSE_REFUSED);
	fx_end();
}

/*
 * §3.10.4 CLOSE in SYN-RECEIVED: FIN-WAIT-1, and a FIN (now, or once the
 * SYN is acknowledged: it queues behind the SYN).
 */
Test(syn_sent, close_in_syn_rcvd_sends_fin)
{
	struct xt_sock *s = fx_syn_sent();
	struct xt_seg_out syn = peer_syn(s, XT_TCP_SYN);
	struct xt_seg_out seg;

	fx_send(&syn);
	cr_assert_eq(s->state, XT_SYN_RCVD);
	cr_assert_eq(xt_shutdown(s), 0);
	fx_poll();
	cr_assert_eq(s->state, XT_FIN_WAIT_1);
	if (!(fx_last()->flags & XT_TCP_FIN)) {
		seg = fx_seg(s);
		seg.ack = s->iss + 1;	/* the SYN */
		fx_send(&seg);
	}
	fx_expect(fx_last(), XT_TCP_FIN | XT_TCP_ACK, s->iss + 1,
		  FX_PEER_ISN + 1);
	seg = fx_seg(s);
	seg.ack = s->iss + 2;		/* our SYN and FIN */
	fx_send(&seg);
	cr_assert_eq(s->state, XT_FIN_WAIT_2);
	seg = fx_seg(s);
	seg.flags = XT_TCP_FIN | XT_TCP_ACK;
	fx_send(&seg);
	cr_assert_eq(s->state, XT_TIME_WAIT);
	fx_expect(fx_last(), XT_TCP_ACK, s->iss + 2, FX_PEER_ISN + 2);
	fx_end();
}

/*
 * Closed in SYN-RECEIVED before the peer acknowledged our SYN: what the
 * retransmission timer resends is still the SYN-ACK, from the ISS; a FIN
 * can only follow the SYN (§3.10.4).
 */
Test(syn_sent, close_in_syn_rcvd_still_retransmits_the_syn)
{
	struct xt_sock *s = fx_syn_sent();
	struct xt_seg_out syn = peer_syn(s, XT_TCP_SYN);
	size_t n;

	fx_send(&syn);
	cr_assert_eq(xt_shutdown(s), 0);
	fx_poll();
	n = fx_nout();
	fx_advance(s->rto_ms);
	cr_assert_geq(fx_nout(), n + 1, "nothing retransmitted");
	for (size_t i = n; i < fx_nout(); i++) {
		const struct xt_seg_out *o = &fx_out_at(i)->seg;

		cr_assert_not(o->seq == s->iss && !(o->flags & XT_TCP_SYN),
			      "flags %#x at the ISS: not a SYN", o->flags);
	}
	cr_assert(fx_count(n, XT_TCP_SYN | XT_TCP_ACK) >= 1,
		  "no SYN-ACK retransmitted");
	fx_end();
}

/* Our ACK of the SYN-ACK was lost: the peer's copy is ACKed again. */
Test(syn_sent, retransmitted_syn_ack_is_acked_again)
{
	struct xt_sock *s = fx_connected();
	struct xt_seg_out sa = peer_syn(s, XT_TCP_SYN | XT_TCP_ACK);
	size_t n = fx_nout();

	pkt_set_mss(&sa, FX_MSS);
	fx_send(&sa);
	cr_assert_eq(fx_nout(), n + 1);
	fx_expect(fx_last(), XT_TCP_ACK, s->iss + 1, FX_PEER_ISN + 1);
	cr_assert_eq(s->state, XT_ESTABLISHED);
	cr_assert_eq(fx.app.connected, 1);
	fx_end();
}

Test(syn_sent, send_before_established_is_enotconn)
{
	struct xt_sock *s = fx_syn_sent();

	cr_assert_eq(xt_send(s, "x", 1), -ENOTCONN);
	fx_abort(s);
	fx_end();
}

Test(syn_sent, shutdown_closes_without_reset)
{
	struct xt_sock *s = fx_syn_sent();

	cr_assert_eq(xt_shutdown(s), 0);
	fx_poll();
	cr_assert_eq(xt_stack_conn_count(fx.st), 0);
	cr_assert_eq(fx_nout(), 1);
	cr_assert_eq(fx.app.closed, 1);
	fx_end();
}

Test(syn_sent, ports_run_out)
{
	struct xt_sock *s;

	for (int i = FX_EPH_LO; i <= FX_EPH_HI; i++)
		cr_assert_eq(fx_connect(PKT_PEER_PORT, &s), 0);
	cr_assert_eq(fx_connect(PKT_PEER_PORT, &s), -EADDRNOTAVAIL);
	/* Another peer port has its own set. */
	cr_assert_eq(fx_connect(PKT_PEER_PORT + 1, &s), 0);
	fx_end();
}

/*
 * RFC 6056 §3.3.4 (double-hash): where a destination's ports start is a
 * keyed hash of it, so the ports used towards one peer tell nothing of
 * those towards another; they do not come off one global sequence.
 */
Test(syn_sent, ports_to_different_peers_follow_no_one_sequence)
{
	enum { NPEERS = 8 };
	const uint32_t span = FX_EPH_HI - FX_EPH_LO + 1;
	uint16_t port[NPEERS];
	bool one_sequence = true;
	struct xt_sock *s;

	for (int i = 0; i < NPEERS; i++) {
		cr_assert_eq(fx_connect((uint16_t)(PKT_PEER_PORT + i), &s), 0);
		port[i] = s->t.lport;
		cr_assert(port[i] >= FX_EPH_LO && port[i] <= FX_EPH_HI);
	}
	for (int i = 1; i < NPEERS; i++)
		one_sequence &= (port[i] + span - port[i - 1]) % span == 1;
	cr_assert_not(one_sequence, "ports %u, %u, %u.. in sequence",
		      port[0], port[1], port[2]);
	fx_end();
}

/*
 * Towards one peer the whole range stays usable, and a port is never
 * handed out while a connection holds it: those that close are reused,
 * the others skipped.
 */
Test(syn_sent, ports_to_one_peer_skip_live_tuples)
{
	const uint32_t span = FX_EPH_HI - FX_EPH_LO + 1;
	struct xt_sock *s[FX_EPH_HI - FX_EPH_LO + 1], *again;
	bool used[FX_EPH_HI - FX_EPH_LO + 1] = { false };

	for (uint32_t i = 0; i < span; i++) {
		cr_assert_eq(fx_connect(PKT_PEER_PORT, &s[i]), 0);
		cr_assert_not(used[s[i]->t.lport - FX_EPH_LO], "port %u twice",
			      s[i]->t.lport);
		used[s[i]->t.lport - FX_EPH_LO] = true;
	}
	for (uint32_t i = 3; i < span; i += 5) {
		used[s[i]->t.lport - FX_EPH_LO] = false;
		fx_abort(s[i]);
	}
	for (uint32_t i = 3; i < span; i += 5) {
		cr_assert_eq(fx_connect(PKT_PEER_PORT, &again), 0);
		cr_assert_not(used[again->t.lport - FX_EPH_LO],
			      "port %u handed out while in use",
			      again->t.lport);
		used[again->t.lport - FX_EPH_LO] = true;
	}
	cr_assert_eq(fx_connect(PKT_PEER_PORT, &again), -EADDRNOTAVAIL);
	fx_end();
}

Test(syn_sent, data_on_syn_ack_acknowledged_only_if_kept)
{
	struct xt_sock *s = fx_syn_sent();
	struct xt_seg_out sa = peer_syn(s, XT_TCP_SYN | XT_TCP_ACK);
	uint8_t data[20];
	uint32_t acked;

	for (int i = 0; i < 20; i++)
		data[i] = fx_peer_byte((uint32_t)i);
	pkt_set_payload(&sa, data, sizeof(data));
	fx_send(&sa);
	cr_assert_eq(s->state, XT_ESTABLISHED);
	acked = fx_last()->ack - (FX_PEER_ISN + 1);
	cr_assert(acked == 0 || acked == sizeof(data), "acked %u", acked);
	fx_expect_rx(acked);
	fx_end();
}
