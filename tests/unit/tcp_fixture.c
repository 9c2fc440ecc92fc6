// SPDX-License-Identifier: MIT
/* The TCP engine's test bench: see tcp_fixture.h. */
#include <endian.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "unit/tcp_fixture.h"

#define FX_OUT_MIN	64
#define FX_SPIN_MAX	64	/* polls at one instant before moving on */

struct fx fx;

/* --- the sink ------------------------------------------------------------ */

/*
 * Every segment the engine emits must build into a frame the codec parses
 * back: that catches option areas that do not fit, among others.
 */
static void check_buildable(const struct xt_seg_out *o)
{
	static uint8_t frame[XT_MAX_SEG + 256];
	struct xt_seg back;
	int len = xt_frame_build(o, frame, sizeof(frame));

	cr_assert_gt(len, 0, "engine emitted an unbuildable segment: %d", len);
	cr_assert_eq(xt_frame_parse(frame, (size_t)len, &back), XT_PARSE_OK,
		     "engine emitted a segment the codec rejects");
}

/*
 * Every segment goes between the two ends of the testbed, and whatever
 * payload it carries is our stream's bytes at its sequence numbers: a
 * retransmission that resends the wrong bytes fails whichever test it is in.
 */
static void check_addressed(const struct xt_seg_out *o)
{
	cr_assert_eq(o->saddr, htobe32(PKT_LOCAL_IP));
	cr_assert_eq(o->daddr, htobe32(PKT_PEER_IP));
	cr_assert_eq(memcmp(o->src_mac, pkt_local_mac, 6), 0);
	cr_assert_eq(memcmp(o->dst_mac, pkt_peer_mac, 6), 0);
}

static void check_payload(const struct xt_seg_out *o)
{
	struct xt_sock *s = fx_lookup(o->sport, o->dport);
	uint32_t off;

	if (!o->payload_len || fx.app.echo || fx.raw_tx)
		return;
	cr_assert_not_null(s, "data from no connection");
	off = o->seq - s->iss - 1;
	cr_assert_leq(off + o->payload_len, fx.tx_off,
		      "bytes [%u, %u) were never written", off,
		      off + o->payload_len);
	for (uint32_t i = 0; i < o->payload_len; i++)
		cr_assert_eq(o->payload[i], fx_local_byte(off + i),
			     "byte %u of the stream sent wrong", off + i);
}

static bool sink_full(void *ctx)
{
	(void)ctx;
	return !fx.sink_room;
}

static int sink_emit(void *ctx, const struct xt_seg_out *o)
{
	struct fx_out *r;

	(void)ctx;
	if (!fx.sink_room)
		return -ENOBUFS;	/* a full TX ring: lost */
	if (fx.sink_room > 0)
		fx.sink_room--;
	check_buildable(o);
	check_addressed(o);
	check_payload(o);
	if (fx.nout == fx.cap) {
		fx.cap = fx.cap ? 2 * fx.cap : FX_OUT_MIN;
		fx.out = realloc(fx.out, fx.cap * sizeof(*fx.out));
		cr_assert_not_null(fx.out);
	}
	r = &fx.out[fx.nout++];
	r->seg = *o;
	r->at = fx.now;
	r->data = NULL;
	if (o->payload_len) {
		r->data = malloc(o->payload_len);
		cr_assert_not_null(r->data);
		memcpy(r->data, o->payload, o->payload_len);
	}
	r->seg.payload = r->data;
	return 0;
}

size_t fx_nout(void)
{
	return fx.nout;
}

const struct fx_out *fx_out_at(size_t i)
{
	cr_assert_lt(i, fx.nout, "segment %zu of %zu emitted", i, fx.nout);
	return &fx.out[i];
}

const struct xt_seg_out *fx_last(void)
{
	cr_assert_gt(fx.nout, 0, "nothing emitted");
	return &fx.out[fx.nout - 1].seg;
}

void fx_clear_out(void)
{
	for (size_t i = 0; i < fx.nout; i++)
		free(fx.out[i].data);
	fx.nout = 0;
}

unsigned fx_count(size_t from, uint8_t flags)
{
	unsigned n = 0;

	for (size_t i = from; i < fx.nout; i++)
		if ((fx.out[i].seg.flags & flags) == flags)
			n++;
	return n;
}

void fx_expect(const struct xt_seg_out *o, uint8_t flags, uint32_t seq,
	       uint32_t ack)
{
	cr_assert_eq(o->flags, flags, "flags %#x, expected %#x", o->flags,
		     flags);
	cr_assert_eq(o->seq, seq, "seq %#x, expected %#x", o->seq, seq);
	if (flags & XT_TCP_ACK)
		cr_assert_eq(o->ack, ack, "ack %#x, expected %#x", o->ack, ack);
}

/* --- the application ----------------------------------------------------- */

static void app_accepted(struct xt_sock *s, void *arg)
{
	(void)arg;
	fx.app.accepted++;
	fx.app.held++;
	fx.app.sock = s;
}

static void app_connected(struct xt_sock *s)
{
	fx.app.connected++;
	fx.app.sock = s;
}

static void app_readable(struct xt_sock *s)
{
	ssize_t n;

	fx.app.readable++;
	if (!fx.app.autoread)
		return;
	do {
		uint8_t *at = fx.app.rx + fx.app.rx_len;

		n = xt_recv(s, at, FX_RX_MAX - fx.app.rx_len);
		if (n > 0) {
			fx.app.rx_len += (size_t)n;
			if (fx.app.echo)
				cr_assert_eq(xt_send(s, at, (size_t)n), n);
		}
	} while (n > 0 && fx.app.rx_len < FX_RX_MAX);
	if (n == 0 && !fx.app.eof) {
		fx.app.eof = true;
		if (fx.app.close_on_eof) {
			fx.app_closes++;
			if (fx.app.sock == s)
				fx.app.sock = NULL;
			xt_close(s);
		}
	}
}

static void app_writable(struct xt_sock *s)
{
	(void)s;
	fx.app.writable++;
}

static void app_closed(struct xt_sock *s, enum xt_close_reason why)
{
	fx.app.closed++;
	fx.app.why = why;
	if (fx.app.sock == s)
		fx.app.sock = NULL;
}

const struct xt_app_ops fx_ops = {
	.accepted = app_accepted,
	.connected = app_connected,
	.readable = app_readable,
	.writable = app_writable,
	.closed = app_closed,
};

uint8_t fx_local_byte(uint32_t off)
{
	return (uint8_t)(off * 131 + (off >> 9) + 7);
}

uint8_t fx_peer_byte(uint32_t off)
{
	return (uint8_t)(off * 37 + (off >> 8) + 11);
}

void fx_write(struct xt_sock *s, size_t len)
{
	uint8_t *buf = malloc(len ? len : 1);

	cr_assert_not_null(buf);
	for (size_t i = 0; i < len; i++)
		buf[i] = fx_local_byte(fx.tx_off + (uint32_t)i);
	cr_assert_eq(xt_send(s, buf, len), (ssize_t)len, "xt_send took less");
	free(buf);
	fx.tx_off += (uint32_t)len;
	fx_poll();
}

void fx_close(struct xt_sock *s)
{
	fx.app_closes++;
	if (fx.app.sock == s)
		fx.app.sock = NULL;
	xt_close(s);
	fx_poll();
}

void fx_abort(struct xt_sock *s)
{
	fx.app_closes++;
	if (fx.app.sock == s)
		fx.app.sock = NULL;
	xt_abort(s);
	fx_poll();
}

void fx_expect_rx(size_t len)
{
	cr_assert_eq(fx.app.rx_len, len, "application read %zu bytes, not %zu",
		     fx.app.rx_len, len);
	for (size_t i = 0; i < len; i++)
		cr_assert_eq(fx.app.rx[i], fx_peer_byte((uint32_t)i),
			     "byte %zu of the stream differs", i);
}

void fx_expect_closed(enum xt_close_reason why)
{
	cr_assert_eq(fx.app.closed, 1, "closed() called %u times",
		     fx.app.closed);
	cr_assert_eq(fx.app.why, why, "closed(%s), not closed(%s)",
		     xt_close_reason_name(fx.app.why), xt_close_reason_name(why));
	cr_assert_eq(xt_stack_conn_count(fx.st), 0);
}

/* --- the stack and the clock --------------------------------------------- */

static void stack_free(void)
{
	xt_stack_free(fx.st, fx.now);
	fx.st = NULL;
}

void fx_restart(void)
{
	struct xt_tx_sink sink = { .emit = sink_emit, .full = sink_full };
	uint8_t *rx = fx.app.rx ? fx.app.rx : malloc(FX_RX_MAX);

	cr_assert_not_null(rx);
	stack_free();
	fx_clear_out();
	memset(&fx.app, 0, sizeof(fx.app));
	fx.app.autoread = true;
	fx.app.rx = rx;
	fx.app_closes = 0;
	fx.tx_off = 0;
	fx.st = xt_stack_new(&fx.cfg, &sink, fx.now);
	cr_assert_not_null(fx.st);
}

void fx_init(void)
{
	uint8_t *rx = fx.app.rx;

	memset(&fx, 0, sizeof(fx));
	fx.app.rx = rx;
	xt_stack_cfg_default(&fx.cfg);
	fx.cfg.laddr = htobe32(PKT_LOCAL_IP);
	memcpy(fx.cfg.lmac, pkt_local_mac, sizeof(fx.cfg.lmac));
	fx.cfg.eph_lo = FX_EPH_LO;
	fx.cfg.eph_hi = FX_EPH_HI;
	fx.cfg.secret.k0 = 0x0706050403020100ULL;
	fx.cfg.secret.k1 = 0x0f0e0d0c0b0a0908ULL;
	fx.peer = (struct fx_peer){
		.isn = FX_PEER_ISN,
		.opts = XT_OPT_MSS,
		.mss = FX_MSS,
		.wnd = PKT_WND,
		.tsval = FX_PEER_TSVAL,
	};
	fx.sink_room = -1;
	fx.now = FX_T0;
	fx_restart();
}

/*
 * The stack's books agree with its table: every connection counted is in
 * the table, none of them is CLOSED, the per-state gauges, the half-open
 * count and the out-of-order bytes held match, and no timer is left armed
 * beyond five per connection.
 */
static void check_books(void)
{
	unsigned n = 0, per_state[XT_TCP_NSTATES] = { 0 };
	uint64_t ooo = 0;

	if (!fx.st)
		return;
	for (uint32_t i = 0; i <= fx.st->table_mask; i++) {
		for (struct xt_sock *s = fx.st->table[i]; s; s = s->hnext) {
			cr_assert_neq(s->state, XT_CLOSED);
			cr_assert_not(s->dead, "a dead connection in the table");
			if (s->state < XT_TCP_NSTATES)
				per_state[s->state]++;
			ooo += s->reasm.bytes;
			n++;
		}
	}
	cr_assert_eq(n, xt_stack_conn_count(fx.st), "%u in the table, %u counted",
		     n, xt_stack_conn_count(fx.st));
	cr_assert_eq(fx.st->nhalf_open, per_state[XT_SYN_RCVD]);
	cr_assert_eq(fx.st->reasm_pool.bytes, ooo,
		     "out-of-order: %llu bytes in the pool, %llu queued",
		     (unsigned long long)fx.st->reasm_pool.bytes,
		     (unsigned long long)ooo);
	cr_assert_leq(ooo, fx.st->reasm_pool.limit);
	for (int i = XT_LISTEN; i < XT_TCP_NSTATES; i++)
		cr_assert_eq(fx.st->stats.in_state[i], per_state[i],
			     "%s: gauge %u, table %u",
			     xt_tcp_state_name((enum xt_tcp_state)i),
			     fx.st->stats.in_state[i], per_state[i]);
	cr_assert_leq(xt_wheel_count(&fx.st->wheel), 5 * n,
		      "%u timers armed for %u connections",
		      xt_wheel_count(&fx.st->wheel), n);
	cr_assert_null(fx.st->graveyard, "connections left unburied");
}

/*
 * Every connection the application was handed ends exactly once: closed(),
 * or the application's own xt_close()/xt_abort(). Freeing the stack aborts
 * whatever is still open.
 */
void fx_end(void)
{
	check_books();
	stack_free();
	cr_assert_eq(fx.app.closed + fx.app_closes, fx.app.held,
		     "%u held, %u closed() + %u closed by the app",
		     fx.app.held, fx.app.closed, fx.app_closes);
}

void fx_fini(void)
{
	stack_free();
	fx_clear_out();
	free(fx.out);
	free(fx.app.rx);
	fx.out = NULL;
	fx.app.rx = NULL;
	fx.cap = 0;
}

static struct xt_tuple tuple(uint16_t lport, uint16_t rport)
{
	return (struct xt_tuple){ .laddr = htobe32(PKT_LOCAL_IP),
				  .raddr = htobe32(PKT_PEER_IP),
				  .lport = lport, .rport = rport };
}

void fx_restart_iss_near(uint32_t target, bool active)
{
	struct xt_tuple t = tuple(PKT_LOCAL_PORT, PKT_PEER_PORT);
	uint32_t h;

	fx.now = 0;
	fx_restart();
	/* The port the first connect picks: the next stack picks it too. */
	if (active)
		cr_assert_eq(xt_conn_pick_port(fx.st, htobe32(PKT_PEER_IP),
					       PKT_PEER_PORT, &t.lport), 0);
	h = xt_conn_isn(fx.st, &t);
	fx.now = (uint32_t)(target - h) / 250;
	fx_restart();
	h = xt_conn_isn(fx.st, &t);
	cr_assert_lt(target - h, 250u, "ISS %#x not near %#x", h, target);
}

void fx_poll(void)
{
	xt_stack_poll(fx.st, fx.now);
}

void fx_advance(uint64_t ms)
{
	uint64_t end = fx.now + ms;
	unsigned spins = 0;

	do {
		uint64_t d = xt_stack_next_delay(fx.st, end - fx.now);

		if (d)
			spins = 0;
		else if (fx.now < end && ++spins > FX_SPIN_MAX)
			d = 1;
		fx.now += d;
		xt_stack_poll(fx.st, fx.now);
	} while (fx.now < end);
}

void fx_input_frame(const struct pkt_frame *f)
{
	struct xt_seg seg = pkt_parse(f);

	xt_stack_input(fx.st, &seg, fx.now);
}

void fx_input(const struct xt_seg_out *o)
{
	struct pkt_frame f = pkt_build(o);

	fx_input_frame(&f);
}

void fx_send(const struct xt_seg_out *o)
{
	fx_input(o);
	fx_poll();
}

void fx_send_frame(const struct pkt_frame *f)
{
	fx_input_frame(f);
	fx_poll();
}

/* --- segments from the peer ---------------------------------------------- */

static uint32_t last_tsval(void)
{
	for (size_t i = fx.nout; i > 0; i--)
		if (fx.out[i - 1].seg.opts.present & XT_OPT_TS)
			return fx.out[i - 1].seg.opts.tsval;
	return 0;
}

static uint32_t peer_tsval(void)
{
	return fx.peer.tsval + (uint32_t)fx.now;
}

struct xt_seg_out fx_seg(const struct xt_sock *s)
{
	struct xt_seg_out o = pkt_from_peer();

	o.sport = s->t.rport;
	o.dport = s->t.lport;
	o.seq = s->rcv_nxt;
	o.ack = s->snd_nxt;
	o.wnd = fx.peer.wnd;
	if (s->ts_ok)
		pkt_set_ts(&o, peer_tsval(), last_tsval());
	return o;
}

static void peer_syn_opts(struct xt_seg_out *o, uint32_t tsecr)
{
	if (fx.peer.opts & XT_OPT_MSS)
		pkt_set_mss(o, fx.peer.mss);
	if (fx.peer.opts & XT_OPT_WSCALE)
		pkt_set_wscale(o, fx.peer.wscale);
	if (fx.peer.opts & XT_OPT_SACK_PERM)
		pkt_set_sack_perm(o);
	if (fx.peer.opts & XT_OPT_TS)
		pkt_set_ts(o, peer_tsval(), tsecr);
}

struct xt_seg_out fx_syn(void)
{
	struct xt_seg_out o = pkt_from_peer();

	o.flags = XT_TCP_SYN;
	o.seq = fx.peer.isn;
	o.wnd = fx.peer.wnd;
	peer_syn_opts(&o, 0);
	return o;
}

void fx_ack_all(const struct xt_sock *s)
{
	struct xt_seg_out o = fx_seg(s);

	o.ack = s->snd_max;
	fx_send(&o);
}

void fx_peer_data(const struct xt_sock *s, uint32_t off, uint32_t len,
		  uint8_t flags)
{
	uint8_t buf[FX_MSS];
	struct xt_seg_out o = fx_seg(s);

	cr_assert_leq(len, FX_MSS, "one segment at a time");
	for (uint32_t i = 0; i < len; i++)
		buf[i] = fx_peer_byte(off + i);
	o.seq = fx.peer.isn + 1 + off;
	o.flags = flags;
	pkt_set_payload(&o, buf, len);
	fx_send(&o);
}

/* --- connections in a given state ---------------------------------------- */

struct xt_sock *fx_lookup(uint16_t lport, uint16_t rport)
{
	struct xt_tuple t = tuple(lport, rport);

	return xt_conn_lookup(fx.st, &t);
}

int fx_listen(void)
{
	return xt_listen(fx.st, PKT_LOCAL_PORT, &fx_ops, NULL);
}

struct xt_sock *fx_syn_rcvd(void)
{
	struct xt_seg_out syn = fx_syn();
	struct xt_sock *s;
	int err = fx_listen();

	cr_assert(err == 0 || err == -EADDRINUSE, "xt_listen: %d", err);
	fx_send(&syn);
	fx_expect(fx_last(), XT_TCP_SYN | XT_TCP_ACK, fx_last()->seq,
		  fx.peer.isn + 1);
	s = fx_lookup(PKT_LOCAL_PORT, PKT_PEER_PORT);
	cr_assert_not_null(s);
	cr_assert_eq(s->state, XT_SYN_RCVD);
	cr_assert_eq(s->iss, fx_last()->seq);
	return s;
}

struct xt_sock *fx_established(void)
{
	struct xt_sock *s = fx_syn_rcvd();
	struct xt_seg_out ack = fx_seg(s);
	unsigned accepted = fx.app.accepted;

	fx_send(&ack);
	cr_assert_eq(s->state, XT_ESTABLISHED);
	cr_assert_eq(fx.app.accepted, accepted + 1);
	cr_assert_eq(fx.app.sock, s);
	return s;
}

struct xt_sock *fx_established_from(uint16_t rport)
{
	struct xt_seg_out syn = fx_syn(), ack;
	struct xt_sock *s;

	syn.sport = rport;
	fx_send(&syn);
	s = fx_lookup(PKT_LOCAL_PORT, rport);
	cr_assert_not_null(s);
	ack = fx_seg(s);
	fx_send(&ack);
	cr_assert_eq(s->state, XT_ESTABLISHED);
	return s;
}

int fx_connect(uint16_t rport, struct xt_sock **out)
{
	int err = xt_connect(fx.st, htobe32(PKT_PEER_IP), rport, pkt_peer_mac,
			     &fx_ops, NULL, out);

	if (!err)
		fx.app.held++;
	return err;
}

struct xt_sock *fx_syn_sent(void)
{
	struct xt_sock *s = NULL;
	int err = fx_connect(PKT_PEER_PORT, &s);

	cr_assert_eq(err, 0, "xt_connect: %d", err);
	fx_poll();
	cr_assert_eq(s->state, XT_SYN_SENT);
	fx_expect(fx_last(), XT_TCP_SYN, s->iss, 0);
	return s;
}

struct xt_sock *fx_connected(void)
{
	struct xt_sock *s = fx_syn_sent();
	struct xt_seg_out sa = pkt_from_peer();

	sa.sport = PKT_PEER_PORT;
	sa.dport = s->t.lport;
	sa.flags = XT_TCP_SYN | XT_TCP_ACK;
	sa.seq = fx.peer.isn;
	sa.ack = s->iss + 1;
	sa.wnd = fx.peer.wnd;
	peer_syn_opts(&sa, fx_last()->opts.tsval);
	fx_send(&sa);
	cr_assert_eq(s->state, XT_ESTABLISHED);
	cr_assert_eq(fx.app.connected, 1);
	fx_expect(fx_last(), XT_TCP_ACK, s->iss + 1, fx.peer.isn + 1);
	return s;
}

struct xt_sock *fx_filled(uint32_t rcvbuf)
{
	struct xt_sock *s;

	fx.cfg.rcvbuf = rcvbuf;
	fx_restart();
	fx.app.autoread = false;
	s = fx_established();
	for (uint32_t off = 0; off < rcvbuf; off += 1000)
		fx_peer_data(s, off, rcvbuf - off < 1000 ? rcvbuf - off : 1000,
			     XT_TCP_ACK);
	fx_advance(fx.cfg.delack_ms);
	cr_assert_eq(fx_last()->wnd, 0, "window not closed: %u",
		     fx_last()->wnd);
	cr_assert_eq(fx_last()->ack, fx.peer.isn + 1 + rcvbuf);
	return s;
}

void fx_peer_fin(const struct xt_sock *s, uint32_t ack)
{
	struct xt_seg_out o = fx_seg(s);

	o.flags = XT_TCP_FIN | XT_TCP_ACK;
	o.ack = ack;
	fx_send(&o);
}

static struct xt_sock *fin_wait_1(void)
{
	struct xt_sock *s = fx_established();

	cr_assert_eq(xt_shutdown(s), 0);
	fx_poll();
	cr_assert_eq(s->state, XT_FIN_WAIT_1);
	fx_expect(fx_last(), XT_TCP_FIN | XT_TCP_ACK, s->snd_max - 1,
		  s->rcv_nxt);
	return s;
}

struct xt_sock *fx_in_state(enum xt_tcp_state state)
{
	struct xt_sock *s;

	switch (state) {
	case XT_SYN_RCVD:
		return fx_syn_rcvd();
	case XT_ESTABLISHED:
		return fx_established();
	case XT_FIN_WAIT_1:
		return fin_wait_1();
	case XT_FIN_WAIT_2:
	case XT_TIME_WAIT:
		s = fin_wait_1();
		fx_ack_all(s);
		cr_assert_eq(s->state, XT_FIN_WAIT_2);
		if (state == XT_TIME_WAIT)
			fx_peer_fin(s, s->snd_max);
		break;
	case XT_CLOSING:
		s = fin_wait_1();
		fx_peer_fin(s, s->snd_max - 1);
		break;
	case XT_CLOSE_WAIT:
	case XT_LAST_ACK:
		s = fx_established();
		fx_peer_fin(s, s->snd_max);
		cr_assert_eq(s->state, XT_CLOSE_WAIT);
		if (state == XT_LAST_ACK) {
			cr_assert_eq(xt_shutdown(s), 0);
			fx_poll();
		}
		break;
	default:
		cr_assert_fail("no fixture for state %s",
			       xt_tcp_state_name(state));
	}
	cr_assert_eq(s->state, state, "reached %s, not %s",
		     xt_tcp_state_name(s->state), xt_tcp_state_name(state));
	return s;
}
