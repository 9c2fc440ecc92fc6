/* SPDX-License-Identifier: MIT */
/*
 * xtcpd's control socket: one unix stream socket per instance,
 * XT_CTL_SOCK_DIR "/" ifname ".sock", root only. xtcpctl sends one
 * request; xtcpd answers and closes, or, for a tap, streams records
 * until the client goes away. Both ends are built from this tree, so
 * the messages are plain structs.
 */
#ifndef XTCP_CTLSOCK_H
#define XTCP_CTLSOCK_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define XT_CTL_SOCK_DIR		"/run/xtcp"

enum xt_ctl_op {
	XT_CTL_OP_CONNS = 1,	/* answer: xt_ctl_conns_hdr, then n conn_info */
	XT_CTL_OP_TAP,		/* answer: a stream of tap records (tap.h) */
};

struct xt_ctl_req {
	uint32_t op;		/* enum xt_ctl_op */
	uint32_t flags;		/* per op; 0 */
};

struct xt_ctl_conns_hdr {
	uint32_t n;		/* struct xt_conn_info records follow */
	uint32_t workers;
};

/* The socket of the xtcpd serving ifname. 0 or -ENAMETOOLONG. */
int xt_ctl_sock_path(char *buf, size_t len, const char *ifname);
/* Connects to it: a socket, or -errno. */
int xt_ctl_connect(const char *ifname);
/* All of len bytes, or -errno (-EPIPE at EOF mid-way, 0 at EOF first). */
ssize_t xt_read_full(int fd, void *buf, size_t len);
int xt_write_full(int fd, const void *buf, size_t len);

#endif /* XTCP_CTLSOCK_H */
