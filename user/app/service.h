/* SPDX-License-Identifier: MIT */
/*
 * The built-in services xtcpd can serve on a port (`--listen PORT:NAME`).
 *
 * They are written against include/xtcp/xtcp.h alone, as an outside
 * application would be. Each keeps its per-connection state behind
 * xt_sock_ctx() and frees it in closed(), or right before it calls
 * xt_close()/xt_abort() itself (after those, closed() never comes).
 */
#ifndef XTCP_SERVICE_H
#define XTCP_SERVICE_H

#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>
#include "xtcp/xtcp.h"

enum xt_service_id {
	XT_SVC_ECHO,
	XT_SVC_DISCARD,
	XT_SVC_BANNER,
	XT_SVC_HTTP,
	XT_SVC_PROXY,		/* proxy=HOST:PORT, not found by name */
	XT_SVC_COUNT
};

#define XT_SERVICE_BANNER_DEFAULT	"xtcp banner\r\n"
#define XT_SERVICE_HTTP_MAX_BODY_DEFAULT	(64ULL << 20)

/*
 * What the services can be told. A NULL cfg, a NULL banner_text or a zero
 * http_max_body take the defaults above. The services keep the pointers,
 * so cfg and banner_text must outlive the listener (xt_listen's arg does).
 */
/* proxy's backend, and how it is reached (app/proxy.c). */
struct xt_proxy_cfg {
	struct sockaddr_storage addr;	/* AF_INET or AF_UNIX */
	socklen_t addrlen;
	int v2;				/* PROXY protocol v2 header first */
	uint32_t max_conns;		/* backend connections, all workers */
	uint32_t connect_timeout_ms;
};

#define XT_PROXY_MAX_CONNS_DEFAULT	4096
#define XT_PROXY_TIMEOUT_MS_DEFAULT	5000

struct xt_service_cfg {
	const char *banner_text;	/* banner's line */
	uint64_t http_max_body;		/* cap for http's GET /N */
	struct xt_proxy_cfg proxy;	/* proxy's backend */
};

/*
 * "HOST:PORT" or "unix:PATH", then ",proxy-v2", ",max=N", ",timeout=MS"
 * in any order, into *pc. 0 or -EINVAL.
 */
int xt_proxy_parse(const char *spec, struct xt_proxy_cfg *pc);

/* The service called name, or -1. */
int xt_service_find(const char *name);
const char *xt_service_name(int id);

/*
 * Starts service id listening on port in stack st (xt_listen with that
 * service's ops and cfg as its arg). 0, -EINVAL for an unknown id, or
 * what xt_listen returns.
 */
int xt_service_start(struct xt_stack *st, int id, uint16_t port,
		     const struct xt_service_cfg *cfg);

/*
 * For active opens (xtcpd --connect): the ops to give xt_connect(), whose
 * connected() starts the service exactly as accepted() would, with the
 * default cfg. xt_connect's ctx must be NULL: the service owns the
 * socket's ctx, and closed() frees it even when the open fails before
 * connected(). NULL for http (server only) and unknown ids.
 */
const struct xt_app_ops *xt_service_ops(int id);

/* Each service's ops, for service.c; accepted() takes a cfg as arg. */
extern const struct xt_app_ops xt_echo_ops;
extern const struct xt_app_ops xt_discard_ops;
extern const struct xt_app_ops xt_banner_ops;
extern const struct xt_app_ops xt_http_ops;
extern const struct xt_app_ops xt_proxy_ops;

/* Helpers the services share (service.c). */

/* cfg's banner line / http body cap, or the default. cfg may be NULL. */
const char *xt_service_banner_text(const struct xt_service_cfg *cfg);
uint64_t xt_service_http_max_body(const struct xt_service_cfg *cfg);

/*
 * Sends buf[*off, len), advancing *off by what xt_send took. 1 once all
 * of it is queued, 0 when the send buffer filled first (writable() will
 * follow), or xt_send's -errno.
 */
int xt_service_send(struct xt_sock *s, const void *buf, size_t len,
		    size_t *off);

/*
 * Reads and drops whatever is readable. Returns what ended it: 0 at EOF,
 * -EAGAIN when nothing is left for now, or xt_recv's -errno.
 */
ssize_t xt_service_drain(struct xt_sock *s);

/*
 * The service is done with s: frees state (may be NULL), drops unread
 * input so that the close is a FIN and not a reset, then xt_close().
 */
void xt_service_close(struct xt_sock *s, void *state);
/* Something failed: frees state (may be NULL), then xt_abort(). */
void xt_service_abort(struct xt_sock *s, void *state);
/* A closed() callback for services whose ctx is a malloc'ed state. */
void xt_service_closed(struct xt_sock *s, enum xt_close_reason why);

#endif /* XTCP_SERVICE_H */
