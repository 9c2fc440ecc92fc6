// SPDX-License-Identifier: MIT
/*
 * libFuzzer target for the TCP engine: the input is a configuration, a
 * starting point (a listener; a passive and an active connection already
 * established) and a sequence of steps: crafted segments from the peer
 * (flags, SEQ and ACK relative to the connection's numbers, window,
 * options, payload length), moves of the fake clock, and the
 * application's calls. The stack is the one the unit tests drive
 * (tests/unit/tcp_fixture.c): no I/O, a fake clock, a sink.
 *
 * After every poll tcp_check.c checks the stack's invariants. Beside them:
 *  - every segment the stack emits builds into a frame the codec accepts,
 *    and whatever payload it carries is our stream's bytes at its
 *    sequence numbers, bytes the application wrote;
 *  - the application reads the peer's stream exactly: the peer's payload
 *    is a function of its sequence number, so retransmissions, overlaps
 *    and reordering must all come out as the same bytes;
 *  - every socket the application was handed ends exactly once;
 *  - nothing leaks: libFuzzer's leak check runs after each input, by
 *    which time the stack is freed.
 *
 * Input layout (each read past the end gives zeros):
 *   byte 0  configuration: buffers, reassembly limit, keepalive, NewReno,
 *           cookies; byte 1 the starting point and the peer's SYN options;
 *   then steps, each an opcode byte and its operands (see run_step()).
 */
#include <endian.h>
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "common/log.h"
#include "fuzz/input.h"
#include "fuzz/tcp_check.h"
#include "tcp/cc.h"
#include "xtcp/cookie.h"

#define LOCAL_IP	0xc6120001u	/* 198.18.0.1 */
#define PEER_IP		0xc6120002u	/* 198.18.0.2 */
#define LPORT		80		/* listening */
#define CLOSED_PORT	81		/* nobody listens */
#define PEER_PORT	40000		/* +0, +1: the peer's passive tuples */
#define ACTIVE_RPORT	5000		/* our active opens go there */
#define PEER_ISN	0xFFFFFF00u	/* its stream wraps after 255 bytes */
#define T0		10000
#define NREC		32		/* sockets handed to the application */
#define MAX_STEPS	256
#define MAX_PAYLOAD	3000
#define MAX_POLLS	4096		/* per input, clock advances included */
#define SPIN_MAX	64
#define COOKIE_MAGIC	0x5a		/* low byte of a cookie we accept */

static const uint8_t local_mac[6] = { 2, 0, 0, 0, 0, 0x0a };
static const uint8_t peer_mac[6] = { 2, 0, 0, 0, 0, 0x0b };

/* What the application knows of one socket it was handed. */
struct rec {
	struct xt_sock *s;		/* NULL once it ended */
	uint32_t rx_off, tx_off;	/* bytes read / written */
	bool autoread;
	bool eof;
};

static struct {
	struct xt_stack *st;
	uint64_t now;
	unsigned polls;
	struct rec rec[NREC];
	unsigned nrec;
	struct xt_sock *active;		/* the last active open, if alive */
	uint32_t last_tsval;		/* ours, for the peer's TSecr */
	uint8_t buf[MAX_PAYLOAD];
	uint8_t frame[XT_MAX_SEG + 256];
} fz;

/* --- the byte streams ---------------------------------------------------- */

static uint8_t local_byte(uint32_t off)
{
	return (uint8_t)(off * 131 + (off >> 9) + 7);
}

static uint8_t peer_byte(uint32_t off)
{
	return (uint8_t)(off * 37 + (off >> 8) + 11);
}

/* --- the application ----------------------------------------------------- */

static struct rec *rec_of(const struct xt_sock *s)
{
	return s ? xt_sock_ctx(s) : NULL;
}

static void app_read(struct xt_sock *s, uint32_t max)
{
	struct rec *r = rec_of(s);
	ssize_t n;

	fz_require(r && r->s == s);
	do {
		uint32_t want = max < sizeof(fz.buf) ? max : sizeof(fz.buf);

		n = xt_recv(s, fz.buf, want);
		fz_require(n >= 0 || n == -EAGAIN);
		for (ssize_t i = 0; i < n; i++)
			fz_require(fz.buf[i] == peer_byte(r->rx_off + (uint32_t)i));
		if (n > 0) {
			r->rx_off += (uint32_t)n;
			max -= (uint32_t)n;
		}
		if (n == 0)
			r->eof = true;
	} while (n > 0 && max);
}

static void app_hold(struct xt_sock *s)
{
	struct rec *r;

	if (fz.nrec == NREC) {	/* no room to watch it: turn it away */
		xt_abort(s);
		return;
	}
	r = &fz.rec[fz.nrec++];
	*r = (struct rec){ .s = s, .autoread = true };
	xt_sock_set_ctx(s, r);
}

/* The socket ended for the application: exactly once. */
static void app_release(struct xt_sock *s)
{
	struct rec *r = rec_of(s);

	fz_require(r && r->s == s);
	r->s = NULL;
	if (fz.active == s)
		fz.active = NULL;
}

static void on_accepted(struct xt_sock *s, void *arg)
{
	(void)arg;
	fz_require(!rec_of(s));
	app_hold(s);
}

static void on_connected(struct xt_sock *s)
{
	struct rec *r = rec_of(s);

	fz_require(r && r->s == s);
}

static void on_readable(struct xt_sock *s)
{
	struct rec *r = rec_of(s);

	fz_require(r && r->s == s);
	if (r->autoread)
		app_read(s, UINT32_MAX);
}

static void on_writable(struct xt_sock *s)
{
	struct rec *r = rec_of(s);

	fz_require(r && r->s == s);
}

static void on_closed(struct xt_sock *s, enum xt_close_reason why)
{
	fz_require(why <= XT_CLOSE_ABORTED);
	app_release(s);
}

static const struct xt_app_ops ops = {
	.accepted = on_accepted,
	.connected = on_connected,
	.readable = on_readable,
	.writable = on_writable,
	.closed = on_closed,
};

/* Writes len bytes of our stream, a buffer at a time, as far as they go. */
static void app_send(struct xt_sock *s, uint32_t len)
{
	struct rec *r = rec_of(s);
	ssize_t n;

	do {
		uint32_t chunk = len < sizeof(fz.buf) ? len : sizeof(fz.buf);

		for (uint32_t i = 0; i < chunk; i++)
			fz.buf[i] = local_byte(r->tx_off + i);
		n = xt_send(s, fz.buf, chunk);
		fz_require(n == -EPIPE || n == -ENOTCONN ||
			   (n >= 0 && n <= chunk));
		if (n > 0) {
			r->tx_off += (uint32_t)n;
			len -= (uint32_t)n;
		}
	} while (n > 0 && len);
}

/* --- the sink ------------------------------------------------------------ */

static struct xt_sock *lookup(uint16_t lport, uint16_t rport)
{
	struct xt_tuple t = { .laddr = htobe32(LOCAL_IP),
			      .raddr = htobe32(PEER_IP),
			      .lport = lport, .rport = rport };

	return xt_conn_lookup(fz.st, &t);
}

/*
 * A segment's payload is our stream's bytes at its sequence numbers, bytes
 * the application wrote. A connection it never held sends none.
 */
static void check_payload(const struct xt_seg_out *o)
{
	struct xt_sock *s = lookup(o->sport, o->dport);
	struct rec *r = s ? rec_of(s) : NULL;
	uint32_t off;

	if (!o->payload_len)
		return;
	fz_require(r);
	off = o->seq - s->iss - 1;
	fz_require(off + o->payload_len <= r->tx_off);
	for (uint32_t i = 0; i < o->payload_len; i++)
		fz_require(o->payload[i] == local_byte(off + i));
}

static int sink_emit(void *ctx, const struct xt_seg_out *o)
{
	struct xt_seg back;
	int len = xt_frame_build(o, fz.frame, sizeof(fz.frame));

	(void)ctx;
	fz_require(len > 0);
	fz_require(xt_frame_parse(fz.frame, (size_t)len, &back) == XT_PARSE_OK);
	fz_require(o->saddr == htobe32(LOCAL_IP) && o->daddr == htobe32(PEER_IP));
	fz_require(!memcmp(o->src_mac, local_mac, 6) &&
		   !memcmp(o->dst_mac, peer_mac, 6));
	check_payload(o);
	if (o->opts.present & XT_OPT_TS)
		fz.last_tsval = o->opts.tsval;
	return 0;
}

/* --- the clock ----------------------------------------------------------- */

/*
 * The receive side's books: every byte RCV.NXT passed (the SYN and FIN
 * aside) was read by the application or waits in the receive buffer.
 */
static void check_received(void)
{
	for (unsigned i = 0; i < fz.nrec; i++) {
		const struct xt_sock *s = fz.rec[i].s;

		if (!s || !xt_tcp_synchronized(s->state))
			continue;
		fz_require(s->rcv_nxt - s->irs - 1 - s->fin_rcvd ==
			   fz.rec[i].rx_off + xt_ring_len(&s->rcvbuf));
	}
}

static bool poll_once(void)
{
	if (++fz.polls > MAX_POLLS)
		return false;
	xt_stack_poll(fz.st, fz.now);
	fz_check_stack(fz.st);
	check_received();
	return true;
}

/* Runs the clock forward, stopping at every timer, checking each time. */
static void advance(uint64_t ms)
{
	uint64_t end = fz.now + ms;
	unsigned spins = 0;

	do {
		uint64_t d = xt_stack_next_delay(fz.st, end - fz.now);

		if (d)
			spins = 0;
		else if (fz.now < end && ++spins > SPIN_MAX)
			d = 1;
		fz.now += d;
		if (!poll_once())
			return;
	} while (fz.now < end);
}

/* --- segments from the peer ---------------------------------------------- */

/*
 * Accepts a cookie whose low byte is COOKIE_MAGIC; the next bits say what
 * it carries. The real function is the cookie unit tests' and the XDP
 * tests' business; here it only opens the door to rcv_cookie_ack().
 */
static int cookie_check(void *ctx, const struct xt_cookie_tuple *t,
			uint32_t isn, uint32_t cookie, struct xt_cookie_opts *o)
{
	static const uint16_t mss[] = { 536, 1220, 1440, 1460 };

	(void)ctx;
	(void)t;
	(void)isn;
	if ((cookie & 0xff) != COOKIE_MAGIC)
		return -1;
	o->mss = mss[(cookie >> 8) & 3];
	o->wscale = (cookie >> 10) & 0xf;
	if (o->wscale > 14)
		o->wscale = XT_COOKIE_NO_WS;
	o->sack_ok = (cookie >> 14) & 1;
	return 0;
}

/* The peer's side of a tuple: which of our ports, which of its. */
static void pick_tuple(unsigned which, uint16_t *lport, uint16_t *rport)
{
	*lport = LPORT;
	*rport = PEER_PORT;
	switch (which & 3) {
	case 1:
		*rport = PEER_PORT + 1;
		break;
	case 2:
		if (fz.active) {
			*lport = fz.active->t.lport;
			*rport = ACTIVE_RPORT;
		}
		break;
	case 3:
		*lport = CLOSED_PORT;
		break;
	}
}

static void seg_options(struct input *in, struct xt_seg_out *o,
			const struct xt_sock *s)
{
	uint8_t b = in_u8(in);
	uint32_t base = s ? s->snd_una : 0;

	if (b & 1) {
		o->opts.present |= XT_OPT_MSS;
		o->opts.mss = in_u16(in);
	}
	if (b & 2) {
		o->opts.present |= XT_OPT_WSCALE;
		o->opts.wscale = in_u8(in);
	}
	if (b & 4)
		o->opts.present |= XT_OPT_SACK_PERM;
	if (b & 8) {
		o->opts.present |= XT_OPT_TS;
		o->opts.tsval = (uint32_t)fz.now + (uint32_t)(int8_t)in_u8(in);
		o->opts.tsecr = (b & 0x80) ? in_u32(in) : fz.last_tsval;
	}
	if (b & 0x30) {
		unsigned n = (b >> 4) & 3;

		o->opts.present |= XT_OPT_SACK;
		o->opts.nsack = (uint8_t)n;
		for (unsigned i = 0; i < n; i++) {
			o->opts.sack[i].start = base + in_u16(in);
			o->opts.sack[i].end = o->opts.sack[i].start + in_u16(in);
		}
		if (xt_opts_len(&o->opts) < 0)
			o->opts.nsack = 3;
	}
	if (xt_opts_len(&o->opts) < 0)
		o->opts.present &= ~(uint32_t)XT_OPT_SACK_PERM;
}

static uint32_t seg_seq(unsigned mode, struct input *in,
			const struct xt_sock *s)
{
	uint32_t rcv_nxt = s ? s->rcv_nxt : PEER_ISN;

	switch (mode & 3) {
	case 0:
		return rcv_nxt + (uint32_t)(int8_t)in_u8(in);
	case 1:
		return rcv_nxt + (uint32_t)(int16_t)in_u16(in);
	case 2:
		return in_u32(in);
	default:
		return rcv_nxt + 16u * in_u16(in);
	}
}

static uint32_t seg_ack(unsigned mode, struct input *in,
			const struct xt_sock *s)
{
	if (!s)
		return in_u32(in);
	switch (mode & 3) {
	case 0:
		return s->snd_nxt + (uint32_t)(int8_t)in_u8(in);
	case 1:
		return s->snd_una + (uint32_t)(int16_t)in_u16(in);
	case 2:
		return in_u32(in);
	default:
		return s->snd_max;
	}
}

/*
 * The payload at seq: the peer's stream, counted from the connection's
 * IRS (or from what the IRS would be if this segment opened it).
 */
static void seg_payload(struct xt_seg_out *o, uint32_t len,
			const struct xt_sock *s)
{
	uint32_t irs = s && !(o->flags & XT_TCP_SYN) ? s->irs :
		       (o->flags & XT_TCP_SYN) ? o->seq : o->seq - 1;
	uint32_t first = o->seq + !!(o->flags & XT_TCP_SYN) - irs - 1;

	for (uint32_t i = 0; i < len; i++)
		fz.buf[i] = peer_byte(first + i);
	o->payload = fz.buf;
	o->payload_len = len;
}

static void input(const struct xt_seg_out *o)
{
	struct xt_seg seg;
	int len = xt_frame_build(o, fz.frame, sizeof(fz.frame));

	if (len <= 0)
		return;		/* options the builder cannot lay out */
	fz_require(xt_frame_parse(fz.frame, (size_t)len, &seg) == XT_PARSE_OK);
	xt_stack_input(fz.st, &seg, fz.now);
}

static struct xt_seg_out seg_template(uint16_t lport, uint16_t rport)
{
	struct xt_seg_out o = {
		.saddr = htobe32(PEER_IP), .daddr = htobe32(LOCAL_IP),
		.sport = rport, .dport = lport, .wnd = 65535,
	};

	memcpy(o.src_mac, peer_mac, 6);
	memcpy(o.dst_mac, local_mac, 6);
	return o;
}

/*
 * A crafted segment: b's bits pick the tuple (0-1), how SEQ (2-3) and
 * ACK (4-5) are chosen, whether to poll after it (6: no, as in a batch)
 * and whether it has options (7).
 */
static void step_segment(struct input *in)
{
	uint8_t b = in_u8(in);
	uint16_t lport, rport;
	struct xt_sock *s;
	struct xt_seg_out o;

	pick_tuple(b, &lport, &rport);
	s = lookup(lport, rport);
	o = seg_template(lport, rport);
	o.flags = in_u8(in);
	o.seq = seg_seq(b >> 2, in, s);
	o.ack = seg_ack(b >> 4, in, s);
	o.wnd = in_u16(in);
	if (b & 0x80)
		seg_options(in, &o, s);
	seg_payload(&o, in_u16(in) % MAX_PAYLOAD, s);
	input(&o);
	if (!(b & 0x40))
		poll_once();
}

static void step_advance(struct input *in)
{
	static const uint32_t ms[] = { 1, 5, 40, 200, 1000, 3000, 10000, 60000 };
	uint8_t b = in_u8(in);

	advance(b & 0x80 ? (uint64_t)(b & 0x7f) * 7 : ms[b & 7]);
}

/* The application's calls on one of the sockets it holds. */
static void step_app(struct input *in)
{
	uint8_t b = in_u8(in);
	struct rec *r = &fz.rec[fz.nrec ? (b >> 3) % fz.nrec : 0];
	struct xt_sock *s = r->s;

	if (!fz.nrec || !s)
		return;
	switch (b & 7) {
	case 0:
	case 1:
		app_send(s, in_u16(in) % 4096 * (b & 1 ? 1 : 16));
		break;
	case 2:
		app_read(s, in_u16(in));
		break;
	case 3:
		r->autoread = !r->autoread;
		break;
	case 4:
		xt_sock_set_nodelay(s, in_u8(in) & 1);
		break;
	case 5:
		fz_require(xt_shutdown(s) == 0);
		break;
	case 6:
		app_release(s);
		xt_close(s);
		break;
	case 7:
		app_release(s);
		xt_abort(s);
		break;
	}
	poll_once();
}

static void step_connect(void)
{
	struct xt_sock *s = NULL;
	int err;

	if (fz.nrec == NREC)
		return;
	err = xt_connect(fz.st, htobe32(PEER_IP), ACTIVE_RPORT, peer_mac,
			 &ops, NULL, &s);
	fz_require(err == 0 || err == -EADDRNOTAVAIL || err == -ENOMEM);
	if (err)
		return;
	app_hold(s);
	fz.active = s;
	poll_once();
}

/* --- starting points ------------------------------------------------------ */

static void peer_syn_options(struct xt_seg_out *o, uint8_t b)
{
	if (b & 0x10) {
		o->opts.present |= XT_OPT_MSS;
		o->opts.mss = 1460;
	}
	if (b & 0x20) {
		o->opts.present |= XT_OPT_WSCALE;
		o->opts.wscale = 7;
	}
	if (b & 0x40)
		o->opts.present |= XT_OPT_SACK_PERM;
	if (b & 0x80) {
		o->opts.present |= XT_OPT_TS;
		o->opts.tsval = (uint32_t)fz.now;
		o->opts.tsecr = fz.last_tsval;
	}
}

static void add_ts(struct xt_seg_out *o, const struct xt_sock *s)
{
	if (!s->ts_ok)
		return;
	o->opts.present |= XT_OPT_TS;
	o->opts.tsval = (uint32_t)fz.now;
	o->opts.tsecr = fz.last_tsval;
}

/* SYN, SYN-ACK, ACK: ESTABLISHED and accepted. */
static void open_passive(uint8_t b)
{
	struct xt_seg_out o = seg_template(LPORT, PEER_PORT);
	struct xt_sock *s;

	o.flags = XT_TCP_SYN;
	o.seq = PEER_ISN;
	peer_syn_options(&o, b);
	input(&o);
	poll_once();
	s = lookup(LPORT, PEER_PORT);
	fz_require(s && s->state == XT_SYN_RCVD);
	o = seg_template(LPORT, PEER_PORT);
	o.flags = XT_TCP_ACK;
	o.seq = PEER_ISN + 1;
	o.ack = s->iss + 1;
	add_ts(&o, s);
	input(&o);
	poll_once();
	fz_require(s->state == XT_ESTABLISHED && rec_of(s));
}

/* Our SYN, the peer's SYN-ACK: ESTABLISHED and connected. */
static void open_active(uint8_t b)
{
	struct xt_seg_out o;
	struct xt_sock *s;

	step_connect();
	s = fz.active;
	fz_require(s && s->state == XT_SYN_SENT);
	o = seg_template(s->t.lport, ACTIVE_RPORT);
	o.flags = XT_TCP_SYN | XT_TCP_ACK;
	o.seq = PEER_ISN;
	o.ack = s->iss + 1;
	peer_syn_options(&o, b);
	input(&o);
	poll_once();
	fz_require(s->state == XT_ESTABLISHED);
}

static void configure(struct xt_stack_cfg *c, uint8_t b)
{
	static const uint32_t bufs[] = { 4u << 20, 4096, 65536, 1000 };

	xt_stack_cfg_default(c);
	c->laddr = htobe32(LOCAL_IP);
	memcpy(c->lmac, local_mac, sizeof(c->lmac));
	c->eph_lo = 49152;
	c->eph_hi = 49155;
	c->secret.k0 = 0x0706050403020100ULL;
	c->secret.k1 = 0x0f0e0d0c0b0a0908ULL;
	c->max_conns = 8;
	c->max_half_open = 4;
	c->msl_ms = 1000;
	c->max_retries = 4;
	c->syn_retries = 3;
	c->rcvbuf = bufs[b & 3];
	c->sndbuf = bufs[(b >> 2) & 3];
	if (b & 0x10) {		/* small reassembly bounds, the stack's too */
		c->reasm_limit = 2000;
		c->reasm_total = 3000;
	}
	if (b & 0x20) {
		c->keepalive_idle_ms = 5000;
		c->keepalive_intvl_ms = 1000;
		c->keepalive_count = 3;
	}
	if (b & 0x40)
		c->cc = &xt_cc_newreno;
	if (b & 0x80)
		c->cookie_check = cookie_check;
}

/*
 * One step: its opcode's low bits say which (segments weigh most); the
 * operands follow.
 */
static void run_step(struct input *in)
{
	uint8_t op = in_u8(in);

	switch (op & 7) {
	case 0:
	case 1:
	case 2:
	case 3:
		step_segment(in);
		break;
	case 4:
		step_advance(in);
		break;
	case 5:
	case 6:
		step_app(in);
		break;
	case 7:
		if (op & 8)
			step_connect();
		else
			poll_once();
		break;
	}
}

/* XTCP_FUZZ_VERBOSE=1: the stack logs each state change (A => B). */
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	xt_log_init("fuzz_tcp", getenv("XTCP_FUZZ_VERBOSE") ? XT_LOG_DEBUG :
							     XT_LOG_WARN);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct input in = { data, size };
	struct xt_tx_sink sink = { .emit = sink_emit };
	struct xt_stack_cfg cfg;
	uint8_t start;

	memset(&fz, 0, sizeof(fz));
	fz.now = T0;
	configure(&cfg, in_u8(&in));
	start = in_u8(&in);
	fz.st = xt_stack_new(&cfg, &sink, fz.now);
	fz_require(fz.st);
	fz_require(xt_listen(fz.st, LPORT, &ops, NULL) == 0);
	if (start & 1)
		open_passive(start);
	if (start & 2)
		open_active(start);
	for (unsigned i = 0; i < MAX_STEPS && in.n && fz.polls < MAX_POLLS; i++)
		run_step(&in);
	xt_stack_free(fz.st, fz.now);
	for (unsigned i = 0; i < fz.nrec; i++)
		fz_require(!fz.rec[i].s);	/* closed() came, once */
	return 0;
}
