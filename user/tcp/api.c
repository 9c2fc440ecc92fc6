// SPDX-License-Identifier: MIT
/*
 * The application API (include/xtcp/xtcp.h) over the engine, and the
 * delivery of its callbacks at the end of each batch.
 */
#include <errno.h>
#include <string.h>
#include "tcp/tcp.h"

const char *xt_close_reason_name(enum xt_close_reason why)
{
	switch (why) {
	case XT_CLOSE_NORMAL:	return "normal";
	case XT_CLOSE_RESET:	return "reset";
	case XT_CLOSE_TIMEOUT:	return "timeout";
	case XT_CLOSE_REFUSED:	return "refused";
	case XT_CLOSE_ABORTED:	return "aborted";
	}
	return "?";
}

void xt_app_event(struct xt_sock *s, unsigned ev)
{
	s->events |= ev;
	xt_tcp_schedule(s);
}

void xt_app_deliver(struct xt_sock *s)
{
	unsigned ev = s->events;

	s->events = 0;
	if (s->app_gone || !s->ops)
		return;
	if (ev & XT_EV_ESTABLISHED) {
		const struct xt_listener *l = s->parent;

		s->parent = NULL;
		if (l && s->ops->accepted)
			s->ops->accepted(s, l->arg);
		else if (!l && s->ops->connected)
			s->ops->connected(s);
		if (s->st->draining)
			ev |= XT_EV_DRAIN;
	}
	if ((ev & XT_EV_READABLE) && !s->app_gone && !s->dead &&
	    s->ops->readable)
		s->ops->readable(s);
	if ((ev & XT_EV_WRITABLE) && !s->app_gone && !s->dead &&
	    s->ops->writable)
		s->ops->writable(s);
	if ((ev & XT_EV_DRAIN) && !s->app_gone && !s->dead && s->ops->drain)
		s->ops->drain(s);
}

int xt_listen(struct xt_stack *st, uint16_t port,
	      const struct xt_app_ops *ops, void *arg)
{
	struct xt_listener *l;
	int max = (int)(sizeof(st->listeners) / sizeof(st->listeners[0]));

	if (xt_conn_listener(st, port))
		return -EADDRINUSE;
	if (st->nlisteners == max)
		return -ENOSPC;
	l = &st->listeners[st->nlisteners++];
	l->port = port;
	l->ops = ops;
	l->arg = arg;
	return 0;
}

/* §3.10.1 OPEN, active: SYN-SENT with a SYN on its way. */
int xt_connect(struct xt_stack *st, uint32_t daddr, uint16_t dport,
	       const uint8_t peer_mac[6], const struct xt_app_ops *ops,
	       void *ctx, struct xt_sock **out)
{
	struct xt_tuple t = { .laddr = st->cfg.laddr, .raddr = daddr,
			      .rport = dport };
	struct xt_sock *s;
	int ret = xt_conn_pick_port(st, daddr, dport, &t.lport);

	if (ret)
		return ret;
	s = xt_conn_create(st, &t, peer_mac);
	if (!s)
		return -ENOMEM;
	s->ops = ops;
	s->ctx = ctx;
	s->iss = xt_conn_isn(st, &t);
	s->snd_una = s->iss;
	s->snd_nxt = s->snd_max = s->iss + 1;
	s->rcv_wscale = xt_tcp_our_wscale(st);
	s->mss = XT_TCP_DEFAULT_MSS;
	xt_tcp_set_state(s, XT_SYN_SENT);
	st->stats.active_opens++;
	xt_tcp_send_syn(s);
	xt_tcp_arm_rtx(s);
	*out = s;
	return 0;
}

static bool can_send(const struct xt_sock *s)
{
	return s->state == XT_ESTABLISHED || s->state == XT_CLOSE_WAIT;
}

ssize_t xt_send(struct xt_sock *s, const void *buf, size_t len)
{
	uint32_t n;

	if (s->fin_queued || (!can_send(s) && xt_tcp_synchronized(s->state)))
		return -EPIPE;
	if (!can_send(s))
		return -ENOTCONN;
	n = xt_ring_write(&s->sndbuf, buf,
			  len > UINT32_MAX ? UINT32_MAX : (uint32_t)len);
	if (n < len)
		s->app_writable_wanted = true;
	if (n)
		xt_tcp_schedule(s);
	return n;
}

/*
 * Reading opens the window; tell the peer once it has opened by a useful
 * amount (the receiver side of silly-window avoidance).
 */
static void maybe_window_update(struct xt_sock *s)
{
	uint32_t promised = xt_seq_gt(s->rcv_adv, s->rcv_nxt) ?
			    s->rcv_adv - s->rcv_nxt : 0;
	uint32_t now_wnd = xt_tcp_rcv_window(s);
	uint32_t step = 2u * s->mss;

	if (now_wnd > promised && (now_wnd - promised >= step ||
				   now_wnd - promised >= s->rcvbuf.limit / 2)) {
		s->ack_now = true;
		xt_tcp_schedule(s);
	}
}

ssize_t xt_recv(struct xt_sock *s, void *buf, size_t len)
{
	uint32_t n = xt_ring_read(&s->rcvbuf, buf,
				  len > UINT32_MAX ? UINT32_MAX : (uint32_t)len);

	if (n) {
		maybe_window_update(s);
		return n;
	}
	return s->fin_rcvd || s->dead ? 0 : -EAGAIN;
}

size_t xt_sock_readable(const struct xt_sock *s)
{
	return xt_ring_len(&s->rcvbuf);
}

size_t xt_sock_send_space(const struct xt_sock *s)
{
	return can_send(s) && !s->fin_queued ? xt_ring_space(&s->sndbuf) : 0;
}

/* §3.10.4 CLOSE: a FIN after the queued data, and the state it implies. */
int xt_shutdown(struct xt_sock *s)
{
	if (s->fin_queued || s->dead)
		return 0;
	switch (s->state) {
	case XT_SYN_SENT:
		xt_tcp_done(s, XT_CLOSE_ABORTED);
		return 0;
	case XT_SYN_RCVD:
	case XT_ESTABLISHED:
		xt_tcp_set_state(s, XT_FIN_WAIT_1);
		break;
	case XT_CLOSE_WAIT:
		xt_tcp_set_state(s, XT_LAST_ACK);
		break;
	default:
		return 0;
	}
	s->fin_queued = true;
	xt_tcp_schedule(s);
	return 0;
}

void xt_close(struct xt_sock *s)
{
	s->app_gone = true;
	/* RFC 1122 §4.2.2.13: closing with unread data resets. */
	if (xt_ring_len(&s->rcvbuf) && xt_tcp_synchronized(s->state)) {
		xt_tcp_send_rst(s);
		xt_tcp_done(s, XT_CLOSE_ABORTED);
		return;
	}
	xt_shutdown(s);
	if (s->state == XT_FIN_WAIT_2)
		xt_tcp_arm_orphan(s);
}

/* §3.10.5 ABORT. */
void xt_abort(struct xt_sock *s)
{
	s->app_gone = true;
	if (s->dead)
		return;
	if (xt_tcp_synchronized(s->state) || s->state == XT_SYN_RCVD)
		xt_tcp_send_rst(s);
	xt_tcp_done(s, XT_CLOSE_ABORTED);
}

void xt_sock_set_nodelay(struct xt_sock *s, int nodelay)
{
	s->nodelay = nodelay;
	if (nodelay)
		xt_tcp_schedule(s);
}

void xt_sock_set_ctx(struct xt_sock *s, void *ctx)
{
	s->ctx = ctx;
}

void *xt_sock_ctx(const struct xt_sock *s)
{
	return s->ctx;
}

struct xt_stack *xt_sock_stack(const struct xt_sock *s)
{
	return s->st;
}

void xt_sock_local(const struct xt_sock *s, uint32_t *addr, uint16_t *port)
{
	if (addr)
		*addr = s->t.laddr;
	if (port)
		*port = s->t.lport;
}

void xt_sock_peer(const struct xt_sock *s, uint32_t *addr, uint16_t *port)
{
	if (addr)
		*addr = s->t.raddr;
	if (port)
		*port = s->t.rport;
}

uint64_t xt_stack_now_ms(const struct xt_stack *st)
{
	return st->now;
}
