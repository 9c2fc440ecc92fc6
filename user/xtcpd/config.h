/* SPDX-License-Identifier: MIT */
/* xtcpd's command line, parsed into one struct (see `xtcpd --help`). */
#ifndef XTCP_CONFIG_H
#define XTCP_CONFIG_H

#include <limits.h>
#include <net/if.h>
#include <stdint.h>
#include <stdio.h>
#include "app/service.h"
#include "common/log.h"
#include "xtcp/maps.h"

struct xt_cc_ops;

enum xt_xdp_mode { XT_XDP_MODE_AUTO, XT_XDP_MODE_NATIVE, XT_XDP_MODE_SKB };

/* --syncookies: who answers SYNs (DESIGN.md, SYN cookies). */
enum xt_cookie_mode {
	XT_COOKIES_AUTO,	/* xtcpd, until a SYN flood; then XDP */
	XT_COOKIES_ALWAYS,	/* XDP, with cookies, always */
	XT_COOKIES_NEVER,	/* xtcpd, with SYN-RECEIVED state, always */
};

struct xt_listen_cfg {
	uint16_t port;
	int service;			/* index into the service table */
	struct xt_service_cfg svc;	/* what it is told (proxy's backend) */
};

#define XT_MAX_CONNECT		16
/* --umem-frames: AF_XDP frames per RX queue, half for RX, half for TX. */
#define XT_DEFAULT_UMEM_FRAMES	4096

/* --connect: an active open at start, served by a service's client side. */
struct xt_connect_cfg {
	uint32_t addr;			/* network order */
	uint16_t port;
	int service;
	uint8_t mac[6];			/* next hop, resolved by main() */
};

struct xt_config {
	char ifname[IF_NAMESIZE];
	uint32_t addr;			/* network order; 0 = the interface's */
	struct xt_listen_cfg listen[XT_MAX_LISTEN];
	int nlisten;
	struct xt_connect_cfg connect[XT_MAX_CONNECT];
	int nconnect;
	uint16_t eph_lo, eph_hi;	/* --local-ports, reserved from the kernel */
	enum xt_xdp_mode xdp_mode;
	int queues;			/* 0 = every RX queue of the interface */
	uint32_t msl_s;			/* TIME-WAIT is 2 * msl_s */
	uint32_t max_conns;
	uint32_t ka_idle_s, ka_intvl_s, ka_count;	/* idle 0: off */
	uint32_t rto_min_ms;		/* 0: the engine's default */
	uint32_t retries;		/* 0: the engine's default */
	uint32_t sndbuf, rcvbuf;	/* 0: the engine's default */
	uint64_t ooo_total;		/* 0: the engine's default */
	uint32_t umem_frames;		/* per RX queue, a power of two */
	const struct xt_cc_ops *cc;	/* --cc; NULL: the engine's (CUBIC) */
	uint32_t spin_us;		/* a worker looks this long before sleeping */
	int busy_poll;			/* ... or never sleeps */
	enum xt_cookie_mode cookie_mode;
	uint32_t cookie_period_s;	/* secret rotation */
	uint32_t cookie_rate;		/* auto: SYNs per second that turn them on */
	uint32_t cookie_half_open;	/* auto: SYN-RECEIVED count that does */
	int drop_bad_cookies;		/* drop an ACK with a bad cookie, not RST */
	uint32_t rst_rate;		/* XDP's RSTs for unknown tuples per
					 * second; 0 = no limit */
	uint32_t rst_burst;		/* ... back to back */
	int verbose;
	enum xt_log_level log_level;	/* --log-level; -v makes it debug */
	uint32_t drain_ms;		/* SIGTERM: how long open connections
					 * get to close; 0: reset at once */
	char bpf_object[PATH_MAX];	/* --bpf-object; "": look for it */
	char pcap[PATH_MAX];		/* --pcap; "": no capture from start */
};

/*
 * Fills cfg from argv, and from the file of --config FILE first (one flag
 * per line without its dashes, "listen 80:http" or "listen = 80:http",
 * '#' comments), so the command line adds to it. Returns 0, 1 when --help
 * was printed (exit 0), or -EINVAL after writing one line that says what
 * is wrong into err.
 */
int xt_config_parse(struct xt_config *cfg, int argc, char **argv,
		    char *err, size_t errlen);
void xt_config_usage(FILE *out);
/* Zeroes cfg and sets every default (what no flag at all gives). */
void xt_config_defaults(struct xt_config *cfg);

#endif /* XTCP_CONFIG_H */
