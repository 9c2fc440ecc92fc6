/* SPDX-License-Identifier: MIT */
/*
 * xtcp's application API: what a service running inside xtcpd sees.
 *
 * Everything happens on the worker thread that owns the connection, from
 * inside xt_stack_input() and xt_stack_poll(): callbacks are invoked
 * there, and the calls below may be made from those callbacks. Nothing
 * blocks; sends and receives move bytes between the caller and the
 * connection's buffers, and segments leave at the end of the batch.
 */
#ifndef XTCP_XTCP_H
#define XTCP_XTCP_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct xt_stack;
struct xt_sock;

enum xt_close_reason {
	XT_CLOSE_NORMAL,		/* both sides closed (FINs exchanged) */
	XT_CLOSE_RESET,			/* the peer reset it */
	XT_CLOSE_TIMEOUT,		/* retransmission or keepalive gave up */
	XT_CLOSE_REFUSED,		/* active open answered by RST */
	XT_CLOSE_ABORTED,		/* xt_abort() or the stack shut down */
};

const char *xt_close_reason_name(enum xt_close_reason why);

struct xt_app_ops {
	/* A passive open reached ESTABLISHED; 'arg' is xt_listen()'s. */
	void (*accepted)(struct xt_sock *s, void *arg);
	/* An active open (xt_connect) reached ESTABLISHED. */
	void (*connected)(struct xt_sock *s);
	/* Bytes arrived, or the peer closed its side (xt_recv returns 0). */
	void (*readable)(struct xt_sock *s);
	/* Send space became free after xt_send() accepted less than asked. */
	void (*writable)(struct xt_sock *s);
	/*
	 * The connection is over for the application: no more callbacks, and
	 * s must not be used after this returns. Called once, unless the
	 * application called xt_close() or xt_abort() first.
	 */
	void (*closed)(struct xt_sock *s, enum xt_close_reason why);
	/*
	 * Optional: the stack is draining (xtcpd got SIGTERM). Finish what is
	 * under way and close, so the peer gets a FIN before the deadline;
	 * what is still open then is reset. Called once per connection.
	 */
	void (*drain)(struct xt_sock *s);
};

/* Passive open on a local port. 0, -EADDRINUSE, -ENOMEM. */
int xt_listen(struct xt_stack *st, uint16_t port,
	      const struct xt_app_ops *ops, void *arg);

/*
 * Active open to daddr:dport (network-order address, host-order port)
 * from a local port of the stack's reserved range. peer_mac is the next
 * hop's Ethernet address. 0 with *out set, or -EADDRNOTAVAIL (no free
 * port), -ENOMEM.
 */
int xt_connect(struct xt_stack *st, uint32_t daddr, uint16_t dport,
	       const uint8_t peer_mac[6], const struct xt_app_ops *ops,
	       void *ctx, struct xt_sock **out);

/*
 * Queues up to len bytes; returns how many were taken (0 when the send
 * buffer is full: wait for writable), -EPIPE after xt_shutdown() or once
 * the connection can no longer send, -ENOTCONN before it is established.
 * PSH is set on the last segment of each call's bytes.
 */
ssize_t xt_send(struct xt_sock *s, const void *buf, size_t len);

/* Bytes read (> 0), 0 once the peer has closed and all is read, -EAGAIN. */
ssize_t xt_recv(struct xt_sock *s, void *buf, size_t len);

/* Bytes waiting to be read / free send space. */
size_t xt_sock_readable(const struct xt_sock *s);
size_t xt_sock_send_space(const struct xt_sock *s);

/* No more sends: a FIN follows the queued bytes (RFC 9293 §3.10.4). */
int xt_shutdown(struct xt_sock *s);
/*
 * The application is done with s: like shutdown, and the stack finishes
 * the close on its own. Unread received data makes it a reset instead
 * (RFC 9293 §3.10.4, RFC 1122 §4.2.2.13).
 */
void xt_close(struct xt_sock *s);
/* Reset the connection now (RFC 9293 §3.10.5). */
void xt_abort(struct xt_sock *s);

/* Nagle's algorithm is on by default; nodelay turns it off. */
void xt_sock_set_nodelay(struct xt_sock *s, int nodelay);
void xt_sock_set_ctx(struct xt_sock *s, void *ctx);
void *xt_sock_ctx(const struct xt_sock *s);

#endif /* XTCP_XTCP_H */
