// SPDX-License-Identifier: MIT
/*
 * The connection timers, all on the worker's wheel: retransmission
 * (RFC 6298), delayed ACK (RFC 1122 §4.2.3.2), persist (§4.2.2.17),
 * keepalive (§4.2.3.6) and TIME-WAIT (RFC 9293 §3.10.7.4).
 */
#include "tcp/tcp.h"

/* The peer is gone: reset and free the connection (the caller counts). */
static void give_up(struct xt_sock *s)
{
	xt_tcp_send_rst(s);
	xt_tcp_done(s, XT_CLOSE_TIMEOUT);
}

static void rtx_syn(struct xt_sock *s)
{
	if (s->retries >= s->st->cfg.syn_retries) {
		s->st->stats.timeouts++;
		xt_tcp_done(s, XT_CLOSE_TIMEOUT);
		return;
	}
	s->retries++;
	s->retrans++;
	s->st->stats.retransmits++;
	xt_rtt_backoff(s);
	xt_tcp_send_syn(s);
	xt_tcp_arm_rtx(s);
}

/*
 * The rtx timer: RACK's reordering timer and TLP's probe are recovery's
 * (recovery.c); the RTO is RFC 6298 §5.4-5.7: give up after too many,
 * else recovery marks what is lost, the timer backs off, and output
 * resends.
 */
static void rtx_fire(struct xt_timer *t, uint64_t now)
{
	struct xt_sock *s = container_of(t, struct xt_sock, rtx_timer);

	(void)now;
	if (s->snd_una == s->iss) {	/* our SYN is not acknowledged yet */
		rtx_syn(s);
		return;
	}
	if (!xt_tcp_outstanding(s))
		return;
	if (s->rec.rtx_kind == XT_RTX_RTO &&
	    s->retries >= s->st->cfg.max_retries) {
		s->st->stats.timeouts++;
		give_up(s);
		return;
	}
	if (!xt_rec_timeout(s))
		return;
	s->retries++;
	s->st->stats.rto_expiries++;
	xt_rtt_backoff(s);
	xt_tcp_output(s);
}

static void delack_fire(struct xt_timer *t, uint64_t now)
{
	struct xt_sock *s = container_of(t, struct xt_sock, delack_timer);

	(void)now;
	s->ack_now = true;
	xt_tcp_schedule(s);
}

/*
 * Zero-window probes, backing off, for as long as the peer answers; after
 * --retries of them unanswered it is gone (as Linux's tcp_probe_timer
 * with tcp_retries2), or a reader that vanished would hold the
 * connection forever.
 */
static void persist_fire(struct xt_timer *t, uint64_t now)
{
	struct xt_sock *s = container_of(t, struct xt_sock, persist_timer);

	(void)now;
	if (!xt_ring_len(&s->sndbuf))
		return;
	if (s->snd_wnd) {	/* the override timeout: send what fits */
		s->sws_override = true;
		xt_tcp_output(s);
		s->sws_override = false;
		return;
	}
	if (s->probes_out >= s->st->cfg.max_retries) {
		s->st->stats.timeouts++;
		give_up(s);
		return;
	}
	xt_tcp_send_probe(s);
	s->probes_out++;
	if (s->persist_backoff < 16)
		s->persist_backoff++;
	xt_tcp_output(s);	/* re-arms the persist timer */
}

/*
 * RFC 1122 §4.2.3.6: probe a connection only when it is idle, nothing
 * queued and nothing in flight. Otherwise the retransmission or persist
 * timer watches the peer, and keepalive looks again an idle time later,
 * as Linux's tcp_keepalive_timer does.
 */
static void keepalive_fire(struct xt_timer *t, uint64_t now)
{
	struct xt_sock *s = container_of(t, struct xt_sock, keepalive_timer);
	const struct xt_stack_cfg *c = &s->st->cfg;
	uint64_t idle_until = s->last_rcv + c->keepalive_idle_ms;

	if (xt_ring_len(&s->sndbuf) || xt_tcp_outstanding(s)) {
		xt_wheel_arm(&s->st->wheel, t, now + c->keepalive_idle_ms);
		return;
	}
	if (now < idle_until && !s->probes_out) {
		xt_wheel_arm(&s->st->wheel, t, idle_until);
		return;
	}
	if (s->probes_out >= c->keepalive_count) {
		s->st->stats.keepalive_drops++;
		give_up(s);
		return;
	}
	s->probes_out++;
	xt_tcp_send_probe(s);
	xt_wheel_arm(&s->st->wheel, t, now + c->keepalive_intvl_ms);
}

/* The end of TIME-WAIT, or of an orphan's wait in FIN-WAIT-2. */
static void timewait_fire(struct xt_timer *t, uint64_t now)
{
	struct xt_sock *s = container_of(t, struct xt_sock, timewait_timer);

	(void)now;
	xt_tcp_done(s, XT_CLOSE_NORMAL);
}

void xt_tcp_timers_init(struct xt_sock *s)
{
	xt_timer_init(&s->rtx_timer, rtx_fire);
	xt_timer_init(&s->delack_timer, delack_fire);
	xt_timer_init(&s->persist_timer, persist_fire);
	xt_timer_init(&s->keepalive_timer, keepalive_fire);
	xt_timer_init(&s->timewait_timer, timewait_fire);
}

void xt_tcp_timers_cancel(struct xt_sock *s)
{
	struct xt_wheel *w = &s->st->wheel;

	xt_wheel_cancel(w, &s->rtx_timer);
	xt_wheel_cancel(w, &s->delack_timer);
	xt_wheel_cancel(w, &s->persist_timer);
	xt_wheel_cancel(w, &s->keepalive_timer);
	xt_wheel_cancel(w, &s->timewait_timer);
}

/* RFC 6298 §5.1 for the SYN and SYN-ACK: start it if it is not running. */
void xt_tcp_arm_rtx(struct xt_sock *s)
{
	if (!xt_timer_armed(&s->rtx_timer))
		xt_wheel_arm(&s->st->wheel, &s->rtx_timer,
			     s->st->now + s->rto_ms);
}

void xt_tcp_arm_delack(struct xt_sock *s)
{
	if (!xt_timer_armed(&s->delack_timer))
		xt_wheel_arm(&s->st->wheel, &s->delack_timer,
			     s->st->now + s->st->cfg.delack_ms);
}

void xt_tcp_arm_keepalive(struct xt_sock *s)
{
	const struct xt_stack_cfg *c = &s->st->cfg;

	if (c->keepalive_idle_ms)
		xt_wheel_arm(&s->st->wheel, &s->keepalive_timer,
			     s->st->now + c->keepalive_idle_ms);
}

/* TIME-WAIT, for 2 MSL from now: entered, or restarted by a resent FIN. */
void xt_tcp_enter_timewait(struct xt_sock *s)
{
	struct xt_wheel *w = &s->st->wheel;

	if (s->state != XT_TIME_WAIT) {
		xt_tcp_set_state(s, XT_TIME_WAIT);
		xt_conn_shrink(s);
	}
	xt_wheel_cancel(w, &s->rtx_timer);
	xt_wheel_cancel(w, &s->persist_timer);
	xt_wheel_cancel(w, &s->keepalive_timer);
	xt_wheel_arm(w, &s->timewait_timer,
		     s->st->now + 2ULL * s->st->cfg.msl_ms);
}

/*
 * FIN-WAIT-2 with no application behind it waits for the peer's FIN only
 * so long (as Linux's tcp_fin_timeout does): 2 MSL, then CLOSED.
 */
void xt_tcp_arm_orphan(struct xt_sock *s)
{
	xt_wheel_arm(&s->st->wheel, &s->timewait_timer,
		     s->st->now + 2ULL * s->st->cfg.msl_ms);
}
