// SPDX-License-Identifier: MIT
/*
 * LISTEN meets the last ACK of a handshake the XDP program answered with
 * a SYN cookie: the connection starts ESTABLISHED, with the MSS, window
 * scale and SACK-permitted the cookie carries, timestamps or not, and the
 * ACK's data is delivered. Anything else stays a reset (§3.10.7.2).
 */
#include <criterion/criterion.h>
#include <arpa/inet.h>
#include <string.h>
#include "tcp/tcp.h"
#include "tcp_fixture.h"
#include "xtcp/cookie.h"

static const struct xt_cookie_keys keys = {
	.cur = { 0x1111111111111111ULL, 0x2222222222222222ULL },
	.prev = { 0x3333333333333333ULL, 0x4444444444444444ULL },
	.white = { 0x5555555555555555ULL, 0x6666666666666666ULL },
	.generation = 9,
};

static int check(void *ctx, const struct xt_cookie_tuple *t, uint32_t isn,
		 uint32_t cookie, struct xt_cookie_opts *o)
{
	(void)ctx;
	return xt_cookie_check(&keys, t, isn, cookie, o);
}

static void cookies_on(void)
{
	fx_init();
	fx.cfg.cookie_check = check;
	fx_restart();
	cr_assert_eq(fx_listen(), 0);
}

/*
 * The ACK a client sends back to a cookie SYN-ACK, with 'len' bytes, for
 * a SYN that asked for what 'co' says.
 */
static struct xt_seg_out cookie_ack_for(const struct xt_cookie_opts *co,
					bool ts, uint32_t len)
{
	struct xt_seg_out o = pkt_from_peer();
	struct xt_cookie_tuple t = { .saddr = o.saddr, .daddr = o.daddr,
				     .sport = o.sport, .dport = o.dport };
	static uint8_t data[64];

	o.seq = FX_PEER_ISN + 1;
	o.ack = xt_cookie_make(&keys, &t, FX_PEER_ISN, co) + 1;
	o.flags = XT_TCP_ACK | (len ? XT_TCP_PSH : 0);
	o.wnd = 1000;
	if (ts)
		pkt_set_ts(&o, FX_PEER_TSVAL, 0x5000);
	for (uint32_t i = 0; i < len; i++)
		data[i] = fx_peer_byte(i);
	pkt_set_payload(&o, data, len);
	return o;
}

/* ... for a SYN that offered window scale 7 and SACK. */
static struct xt_seg_out cookie_ack(uint16_t mss, bool ts, uint32_t len)
{
	struct xt_cookie_opts co = { .mss = mss, .wscale = 7, .sack_ok = 1 };

	return cookie_ack_for(&co, ts, len);
}

Test(listen_cookie, valid_ack_establishes_with_cookie_options,
     .init = cookies_on, .fini = fx_fini)
{
	struct xt_seg_out ack = cookie_ack(1440, true, 0);
	struct xt_sock *s;

	fx_send(&ack);
	s = fx_lookup(PKT_LOCAL_PORT, PKT_PEER_PORT);
	cr_assert_not_null(s);
	cr_assert_eq(s->state, XT_ESTABLISHED);
	cr_assert_eq(fx.app.accepted, 1);
	cr_assert_eq(s->mss, 1440 - 12, "the cookie's MSS, less timestamps");
	cr_assert(s->ws_ok && s->sack_ok && s->ts_ok);
	cr_assert_eq(s->snd_wscale, 7);
	cr_assert_eq(s->snd_wnd, 1000u << 7, "scaled: not a SYN");
	cr_assert_eq(s->snd_una, ack.ack);
	cr_assert_eq(s->rcv_nxt, FX_PEER_ISN + 1);
	cr_assert_eq(xt_stack_stats(fx.st)->cookie_accepts, 1);
	fx_end();
}

Test(listen_cookie, data_in_the_ack_is_delivered,
     .init = cookies_on, .fini = fx_fini)
{
	struct xt_seg_out ack = cookie_ack(1460, true, 20);

	fx_send(&ack);
	fx_expect_rx(20);
	fx_end();
}

Test(listen_cookie, without_timestamps_keeps_window_scale_and_sack,
     .init = cookies_on, .fini = fx_fini)
{
	struct xt_seg_out ack = cookie_ack(536, false, 0);
	struct xt_sock *s;

	fx_send(&ack);
	s = fx_lookup(PKT_LOCAL_PORT, PKT_PEER_PORT);
	cr_assert_not_null(s);
	cr_assert(!s->ts_ok);
	cr_assert(s->ws_ok && s->sack_ok, "the cookie carries both");
	cr_assert_eq(s->snd_wscale, 7);
	cr_assert_eq(s->mss, 536, "no timestamps to make room for");
	cr_assert_eq(s->snd_wnd, 1000u << 7);
	fx_end();
}

Test(listen_cookie, a_syn_without_options_gets_none,
     .init = cookies_on, .fini = fx_fini)
{
	struct xt_cookie_opts co = { .mss = 536, .wscale = XT_COOKIE_NO_WS };
	struct xt_seg_out ack = cookie_ack_for(&co, false, 0);
	struct xt_sock *s;

	fx_send(&ack);
	s = fx_lookup(PKT_LOCAL_PORT, PKT_PEER_PORT);
	cr_assert_not_null(s);
	cr_assert(!s->ws_ok && !s->sack_ok && !s->ts_ok);
	cr_assert_eq(s->snd_wscale, 0);
	cr_assert_eq(s->rcv_wscale, 0, "we offered no scale either");
	cr_assert_eq(s->snd_wnd, 1000);
	fx_end();
}

Test(listen_cookie, forged_cookie_is_reset,
     .init = cookies_on, .fini = fx_fini)
{
	struct xt_seg_out ack = cookie_ack(1460, true, 0);

	ack.ack ^= 0x100;
	fx_send(&ack);
	cr_assert_null(fx_lookup(PKT_LOCAL_PORT, PKT_PEER_PORT));
	fx_expect(fx_last(), XT_TCP_RST, ack.ack, 0);
	fx_end();
}

Test(listen_cookie, cookies_off_ack_is_reset, .init = fx_init, .fini = fx_fini)
{
	struct xt_seg_out ack = cookie_ack(1460, true, 0);

	cr_assert_eq(fx_listen(), 0);
	fx_send(&ack);
	cr_assert_null(fx_lookup(PKT_LOCAL_PORT, PKT_PEER_PORT));
	fx_expect(fx_last(), XT_TCP_RST, ack.ack, 0);
	fx_end();
}

/* The same ACK from another port of the client's, its cookie remade. */
static void from_port(struct xt_seg_out *o, uint16_t sport)
{
	struct xt_cookie_opts co = { .mss = 1460, .wscale = 7, .sack_ok = 1 };
	struct xt_cookie_tuple t = { .saddr = o->saddr, .daddr = o->daddr,
				     .sport = sport, .dport = o->dport };

	o->sport = sport;
	o->ack = xt_cookie_make(&keys, &t, FX_PEER_ISN, &co) + 1;
}

/* Whether the last poll's conns batch deletes the peer's tuple. */
static bool batch_deletes_peer_tuple(uint16_t rport)
{
	struct xt_map_batch b;
	uint32_t raddr = htonl(PKT_PEER_IP);

	xt_stack_take_map_batch(fx.st, &b);
	for (uint32_t i = 0; i < b.ndel; i++)
		if (b.del_keys[i].lport == PKT_LOCAL_PORT &&
		    b.del_keys[i].rport == rport &&
		    !memcmp(b.del_keys[i].raddr, &raddr, 4))
			return true;
	return false;
}

/*
 * --max-conns reached: XDP may still have issued the cookie, but its ACK
 * opens nothing. It is reset (§3.10.7.2, as a bad cookie would be) and
 * counted, and XDP's pending entry for the tuple goes with the batch, so
 * the client's next segments are not steered to a connection that is not
 * there.
 */
Test(listen_cookie, ack_beyond_max_conns_is_reset_and_forgotten,
     .init = cookies_on, .fini = fx_fini)
{
	struct xt_seg_out ack = cookie_ack(1460, true, 0);
	struct xt_sock *held;

	fx.cfg.max_conns = 1;
	fx_restart();
	cr_assert_eq(fx_listen(), 0);
	fx_send(&ack);
	held = fx_lookup(PKT_LOCAL_PORT, PKT_PEER_PORT);
	cr_assert_not_null(held, "the first fits");
	from_port(&ack, PKT_PEER_PORT + 1);
	fx_send(&ack);
	cr_assert_null(fx_lookup(PKT_LOCAL_PORT, PKT_PEER_PORT + 1));
	fx_expect(fx_last(), XT_TCP_RST, ack.ack, 0);
	cr_assert_eq(fx_last()->dport, PKT_PEER_PORT + 1);
	cr_assert(batch_deletes_peer_tuple(PKT_PEER_PORT + 1),
		  "XDP's pending entry is not deleted");
	cr_assert_eq(xt_stack_stats(fx.st)->conn_limit_drops, 1);
	cr_assert_eq(xt_stack_conn_count(fx.st), 1);
	fx_end();
}

/* The limit counts live connections: one that closed makes room. */
Test(listen_cookie, room_again_once_a_connection_is_closed,
     .init = cookies_on, .fini = fx_fini)
{
	struct xt_seg_out ack = cookie_ack(1460, true, 0);

	fx.cfg.max_conns = 1;
	fx_restart();
	cr_assert_eq(fx_listen(), 0);
	fx_send(&ack);
	fx_abort(fx_lookup(PKT_LOCAL_PORT, PKT_PEER_PORT));
	from_port(&ack, PKT_PEER_PORT + 1);
	fx_send(&ack);
	cr_assert_not_null(fx_lookup(PKT_LOCAL_PORT, PKT_PEER_PORT + 1));
	cr_assert_eq(xt_stack_stats(fx.st)->conn_limit_drops, 0);
	fx_end();
}
