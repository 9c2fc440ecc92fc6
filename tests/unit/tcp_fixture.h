/* SPDX-License-Identifier: MIT */
/*
 * The TCP engine on a bench: one stack, a fake clock, a sink that records
 * every segment the engine emits, and a fake application that records its
 * callbacks. No network, no sleeps: tests hand the stack crafted segments
 * (built with tests/lib/pkt.h) and move the clock by hand, as smoltcp's
 * and lwIP's tests do.
 *
 *	TestSuite(fin_wait_1, .init = fx_init, .fini = fx_fini);
 *
 *	Test(fin_wait_1, fin_ack_enters_time_wait)
 *	{
 *		struct xt_sock *s = fx_in_state(XT_FIN_WAIT_1);
 *		struct xt_seg_out seg = fx_seg(s);
 *
 *		seg.flags = XT_TCP_FIN | XT_TCP_ACK;
 *		fx_send(&seg);
 *		cr_assert_eq(s->state, XT_TIME_WAIT);
 *		fx_end();
 *	}
 *
 * Every test ends with fx_end(), which checks the stack's books and that no
 * connection leaked: Criterion does not count a failure in .fini.
 *
 * The peer is 198.18.0.2:40000 (pkt.h's template); the local end listens
 * on port 80 or connects from the ephemeral range. The peer's ISN is near
 * 0xFFFFFF00 by default, so its byte stream crosses 2^32 after 255 bytes.
 */
#ifndef XTCP_TESTS_TCP_FIXTURE_H
#define XTCP_TESTS_TCP_FIXTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include "lib/pkt.h"
#include "tcp/tcp.h"

#define FX_T0			10000		/* the clock at the start, ms */
#define FX_PEER_ISN		0xFFFFFF00u	/* wraps after 255 bytes */
#define FX_WRAP			0xFFFFFF00u	/* lwIP's wrap-around start */
#define FX_MSS			1460		/* 1500-byte MTU */
#define FX_EPH_LO		49152
#define FX_EPH_HI		49167
#define FX_PEER_TSVAL		0x7000000u	/* the peer's first TSval */
#define FX_RX_MAX		(1u << 20)	/* bytes the fake app keeps */

/* One segment the engine emitted, payload copied. */
struct fx_out {
	struct xt_seg_out seg;		/* seg.payload points at data */
	uint8_t *data;
	uint64_t at;			/* the fake clock when it left */
};

/* What the fake application saw. */
struct fx_app {
	unsigned accepted, connected, readable, writable, closed;
	unsigned held;			/* sockets it was handed: connect, accept */
	enum xt_close_reason why;	/* of the last closed() */
	struct xt_sock *sock;		/* the last accepted/connected socket */
	bool autoread;			/* readable() drains into rx */
	bool close_on_eof;		/* ... and xt_close()s at the peer's FIN */
	bool echo;			/* ... and xt_send()s back what it read */
	bool eof;			/* xt_recv() returned 0 */
	uint8_t *rx;
	size_t rx_len;
};

/* What the peer offers in its SYN or SYN-ACK, and what it sends after. */
struct fx_peer {
	uint32_t isn;
	uint32_t opts;			/* XT_OPT_* of its SYN */
	uint16_t mss;
	uint8_t wscale;
	uint16_t wnd;			/* window field of its segments */
	uint32_t tsval;			/* its TSval: this plus the clock */
};

struct fx {
	struct xt_stack_cfg cfg;	/* fx_restart() applies changes */
	struct xt_stack *st;
	uint64_t now;
	struct fx_out *out;
	size_t nout, cap;
	struct fx_app app;
	struct fx_peer peer;
	unsigned app_closes;		/* xt_close()/xt_abort() by the test */
	uint32_t tx_off;		/* bytes fx_write() has queued */
	bool raw_tx;			/* our payload is not fx_local_byte()'s */
	int sink_room;			/* segments the sink still takes, then
					 * it is full; < 0 (the default): any */
};

extern struct fx fx;

/* Criterion .init and .fini: a fresh stack; then free whatever is left. */
void fx_init(void);
void fx_fini(void);
/*
 * The end of every test: the table, the per-state gauges, the half-open
 * count and the timers agree; then the stack is freed (aborting what is
 * open) and every socket the application held has ended exactly once.
 */
void fx_end(void);
/* A new stack with fx.cfg (tests change it first), at the clock fx.now. */
void fx_restart(void);
/*
 * A new stack whose ISS for the passive tuple (active: the first connect)
 * lands in (target - 250, target], by choosing the start of the clock.
 */
void fx_restart_iss_near(uint32_t target, bool active);

/* --- the sink ---------------------------------------------------------- */
size_t fx_nout(void);
const struct fx_out *fx_out_at(size_t i);
const struct xt_seg_out *fx_last(void);		/* asserts one exists */
void fx_clear_out(void);
/* Segments emitted from index 'from' on that carry all of 'flags'. */
unsigned fx_count(size_t from, uint8_t flags);
/* Asserts a segment's flags (exactly), seq and ack (when ACK is set). */
void fx_expect(const struct xt_seg_out *o, uint8_t flags, uint32_t seq,
	       uint32_t ack);

/* --- the clock and the input ------------------------------------------- */
void fx_poll(void);
/* Runs the clock forward ms, stopping at every timer so each fires on time. */
void fx_advance(uint64_t ms);
/* Hands one segment to the stack (no poll), as a worker's batch does. */
void fx_input(const struct xt_seg_out *o);
void fx_input_frame(const struct pkt_frame *f);
/* fx_input() then fx_poll(). */
void fx_send(const struct xt_seg_out *o);
void fx_send_frame(const struct pkt_frame *f);

/* --- segments from the peer --------------------------------------------- */
/*
 * A template relative to s: the peer's ports, SEQ = RCV.NXT, ACK = SND.NXT,
 * ACK flag, fx.peer.wnd, and a timestamp (fx.peer.tsval, echoing our last
 * TSval) when they were negotiated.
 */
struct xt_seg_out fx_seg(const struct xt_sock *s);
/* The peer's SYN to the listening port, with fx.peer's options. */
struct xt_seg_out fx_syn(void);
/* The peer's FIN at RCV.NXT, acknowledging 'ack'. */
void fx_peer_fin(const struct xt_sock *s, uint32_t ack);
/* An ACK of everything sent (SND.MAX). */
void fx_ack_all(const struct xt_sock *s);
/* The peer's byte stream: byte off (counted from 0 after its SYN). */
uint8_t fx_peer_byte(uint32_t off);
/* Bytes [off, off + len) of the peer's stream, at their sequence numbers. */
void fx_peer_data(const struct xt_sock *s, uint32_t off, uint32_t len,
		  uint8_t flags);
/* Asserts the application read exactly bytes [0, len) of the stream. */
void fx_expect_rx(size_t len);
/* Asserts the one connection ended: closed(why) once, the table empty. */
void fx_expect_closed(enum xt_close_reason why);

/* --- connections in a given state --------------------------------------- */
int fx_listen(void);
struct xt_sock *fx_syn_rcvd(void);		/* SYN in, SYN-ACK out */
struct xt_sock *fx_established(void);		/* passive, accepted */
/* Passive from the peer's port rport, accepted; needs fx_listen(). */
struct xt_sock *fx_established_from(uint16_t rport);
struct xt_sock *fx_syn_sent(void);		/* xt_connect, SYN out */
struct xt_sock *fx_connected(void);		/* active, connected */
/*
 * From a passive open: ESTABLISHED, FIN_WAIT_1 (our FIN out), FIN_WAIT_2,
 * CLOSING, TIME_WAIT, CLOSE_WAIT (peer's FIN in), LAST_ACK; SYN_RCVD too.
 * The application stays attached (xt_shutdown), so closed() follows.
 */
struct xt_sock *fx_in_state(enum xt_tcp_state state);
/*
 * ESTABLISHED with a rcvbuf-byte receive buffer the application does not
 * read, filled by the peer: our window is closed (asserted).
 */
struct xt_sock *fx_filled(uint32_t rcvbuf);
/* The connection for the template's tuple, or NULL. */
struct xt_sock *fx_lookup(uint16_t lport, uint16_t rport);

/* --- the application ---------------------------------------------------- */
extern const struct xt_app_ops fx_ops;
/* Queues all of len pattern bytes (our stream: fx_local_byte) and polls. */
void fx_write(struct xt_sock *s, size_t len);
uint8_t fx_local_byte(uint32_t off);
/* xt_connect() to the peer's port rport; the application holds *out. */
int fx_connect(uint16_t rport, struct xt_sock **out);
/* xt_close()/xt_abort() by the test: no closed() follows. */
void fx_close(struct xt_sock *s);
void fx_abort(struct xt_sock *s);

#endif /* XTCP_TESTS_TCP_FIXTURE_H */
