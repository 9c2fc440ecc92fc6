/* SPDX-License-Identifier: MIT */
/*
 * xtcp's application API (libxtcp: `pkg-config --cflags --libs xtcp`).
 *
 * Two halves. The first is what a service sees: listen, connect, send,
 * receive, close, timers, and callbacks. The second (struct xt_host) runs
 * the stack on an interface: it attaches the XDP program, opens one
 * AF_XDP socket and one worker, each with its own struct xt_stack, per RX
 * queue, and drives them, on threads of its own or from the caller's loop.
 *
 * Threading. A stack, and every socket and timer in it, belongs to one
 * worker and is used only on the thread that runs that worker: from its
 * callbacks, from the xt_host_on_worker() hook, and, when the caller
 * drives the loop (XT_HOST_CALLER), between calls of xt_host_work() on the
 * caller's thread. Nothing here is locked. From other threads (and from
 * signal handlers) only xt_host_stop() may be called. A connection stays
 * on the worker that made it (the one a passive open's handshake reached,
 * or the stack xt_connect() was called on): whichever queue its segments
 * come in on, the library hands them to that worker.
 *
 * Nothing blocks but xt_host_resolve() and xt_host_run(): sends and
 * receives move bytes between the caller and the connection's buffers,
 * and segments leave at the end of the worker's batch.
 *
 * Ownership. The library owns every struct xt_sock: it is valid from
 * accepted()/xt_connect() until closed() returns or the application calls
 * xt_close()/xt_abort(). The ops tables and listen args the application
 * passes are kept as pointers: they must outlive the listener or socket.
 * The application owns what it hangs on a socket with xt_sock_set_ctx().
 *
 * Errors are negative errno values, as in libbpf.
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

/* The stack (worker) that owns s, and the addresses of its connection. */
struct xt_stack *xt_sock_stack(const struct xt_sock *s);
/* Network-order addresses, host-order ports; either pointer may be NULL. */
void xt_sock_local(const struct xt_sock *s, uint32_t *addr, uint16_t *port);
void xt_sock_peer(const struct xt_sock *s, uint32_t *addr, uint16_t *port);

/*
 * Application timers, on a stack's timer wheel (ms resolution). fn runs on
 * the stack's worker, before the batch's output is sent, and may use any
 * call above on that stack's sockets. A timer fires once per arm.
 */
struct xt_app_timer;
typedef void (*xt_app_timer_fn)(struct xt_app_timer *t, void *arg);

/* NULL when out of memory. */
struct xt_app_timer *xt_app_timer_new(struct xt_stack *st, xt_app_timer_fn fn,
				      void *arg);
/* (Re)arms t to fire delay_ms from the stack's current time. */
void xt_app_timer_arm(struct xt_app_timer *t, uint64_t delay_ms);
void xt_app_timer_cancel(struct xt_app_timer *t);
/* Cancels and frees; NULL is fine. */
void xt_app_timer_free(struct xt_app_timer *t);
/* The stack's clock: monotonic ms as of the current batch. */
uint64_t xt_stack_now_ms(const struct xt_stack *st);

/*
 * File descriptors watched on a stack's worker (kernel sockets, pipes):
 * fn runs on that worker, in its loop, when fd is ready for the epoll
 * events asked for (level-triggered; EPOLLERR and EPOLLHUP always). The
 * application keeps owning fd: unwatch it before closing it. A watch may
 * be removed from any callback, its own included.
 */
struct xt_io_watch;
typedef void (*xt_io_fn)(int fd, uint32_t events, void *arg);

/* 0 with *out, or -errno (-ENOTSUP: the stack has no worker loop). */
int xt_io_watch(struct xt_stack *st, int fd, uint32_t events, xt_io_fn fn,
		void *arg, struct xt_io_watch **out);
int xt_io_modify(struct xt_io_watch *w, uint32_t events);
void xt_io_unwatch(struct xt_io_watch *w);	/* NULL is fine */

/* ---- Running the stack: struct xt_host --------------------------------- */

struct xt_host;

struct xt_host_opts {
	const char *ifname;		/* required */
	uint32_t addr;			/* network order; 0: the interface's */
	int queues;			/* serve RX queues 0..queues-1; 0: all */
	const char *xdp_mode;		/* "native", "skb"; NULL: native, else skb */
	const char *bpf_object;		/* NULL: the copy built into libxtcp */
	/*
	 * Local ports for xt_connect(), reserved from the kernel while the
	 * host is open; both 0: no active opens.
	 */
	uint16_t eph_lo, eph_hi;
	uint32_t max_conns;		/* per worker; 0: 65536 (the XDP
					 * maps hold max(65536, this) in all) */
	uint32_t drain_ms;		/* xt_host_run()'s grace on stop; 0: 5000 */
	int log_level;			/* 0 errors .. 3 debug; stderr */
};

/* Zeroes o and sets the defaults (log_level 2: info). */
void xt_host_opts_init(struct xt_host_opts *o);

/*
 * Checks the interface and privileges (root: CAP_NET_ADMIN, CAP_BPF);
 * nothing is attached yet. 0 with *out, or -EPERM, -ENODEV,
 * -EADDRNOTAVAIL (no IPv4 address and none given), -EINVAL, -ENOMEM.
 */
int xt_host_open(struct xt_host **out, const struct xt_host_opts *o);

/*
 * Before xt_host_start(): every worker listens on port with ops, and the
 * XDP program steers the port's segments to them. arg is accepted()'s.
 */
int xt_host_listen(struct xt_host *h, uint16_t port,
		   const struct xt_app_ops *ops, void *arg);

/*
 * Before xt_host_start(): fn runs once per worker, inside
 * xt_host_start() on the caller's thread, after the worker's listeners
 * exist and before its thread starts or it sees a segment (start
 * connections or timers there). A non-zero return fails the start.
 */
typedef int (*xt_host_worker_fn)(struct xt_stack *st, unsigned worker,
				 void *arg);
void xt_host_on_worker(struct xt_host *h, xt_host_worker_fn fn, void *arg);

enum xt_host_mode {
	XT_HOST_THREADS,	/* one thread per worker, started here */
	XT_HOST_CALLER,		/* the caller runs them: xt_host_fd/_work */
};

/*
 * Attaches XDP, publishes the listeners, opens the AF_XDP sockets and
 * builds the workers; in XT_HOST_THREADS mode they start serving now.
 * 0 or -errno (having logged why); call xt_host_close() either way.
 */
int xt_host_start(struct xt_host *h, enum xt_host_mode mode);

unsigned xt_host_workers(const struct xt_host *h);
/* Worker i's stack (XT_HOST_CALLER mode, or inside its own thread). */
struct xt_stack *xt_host_stack(struct xt_host *h, unsigned i);
/* The address the host serves (network order). */
uint32_t xt_host_addr(const struct xt_host *h);

/*
 * The next hop's MAC for daddr, for xt_connect(): asks the kernel's
 * neighbour table, waiting up to timeout_ms. Blocks; 0 or -errno.
 */
int xt_host_resolve(struct xt_host *h, uint32_t daddr, uint8_t mac[6],
		    int timeout_ms);

/*
 * XT_HOST_THREADS: serves until xt_host_stop(), then drains (no new
 * connections; open ones get drain_ms to close; a second stop ends that
 * at once) and stops the workers. Returns 0 or -errno.
 */
int xt_host_run(struct xt_host *h);
/* Any thread, or a signal handler (async-signal-safe). */
void xt_host_stop(struct xt_host *h);

/*
 * XT_HOST_CALLER: a file descriptor that polls readable when there is
 * work, and one turn of every worker (receive, timers, callbacks, send)
 * plus the host's housekeeping. xt_host_work returns how many ms the
 * caller may wait on the fd before calling again (0: call again now).
 * Callbacks run inside it. Also true after calls that queued output
 * outside a callback: call xt_host_work before waiting.
 */
int xt_host_fd(const struct xt_host *h);
int xt_host_work(struct xt_host *h);

/*
 * Shutdown by hand: xt_host_drain_begin() refuses new connections (SYNs
 * to the listeners are reset) and calls every connection's drain();
 * xt_host_unfinished() counts connections not yet CLOSED or in
 * TIME-WAIT. xt_host_stopping() says whether xt_host_stop() was called.
 */
void xt_host_drain_begin(struct xt_host *h);
unsigned xt_host_unfinished(const struct xt_host *h);
int xt_host_stopping(const struct xt_host *h);

/*
 * Stops the workers (what is still open is reset), detaches XDP, gives
 * the ports back to the kernel, frees. NULL is fine.
 */
void xt_host_close(struct xt_host *h);

#endif /* XTCP_XTCP_H */
