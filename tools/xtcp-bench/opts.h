/* SPDX-License-Identifier: MIT */
/* xtcp-bench's command line: one table gives the parser and --help. */
#ifndef XB_OPTS_H
#define XB_OPTS_H

#include <stdbool.h>
#include <stdint.h>
#include <netinet/in.h>

enum xb_mode { XB_CRR, XB_RR, XB_BULK, XB_SYNFLOOD, XB_RESPONDER };
enum xb_engine { XB_ENGINE_KERNEL, XB_ENGINE_XDP };

#define XB_FLOOD_OFF	(-1.0)
#define XB_FLOOD_MAX	0.0

struct xb_opts {
	enum xb_mode mode;
	enum xb_engine engine;
	const char *iface;		/* client's (server's for responder) */
	struct in_addr server;
	uint16_t port;
	uint16_t flood_port;
	unsigned conns;
	double rate;			/* crr open loop, conns/s; 0: closed */
	double duration;		/* seconds measured */
	double warmup;			/* seconds before that */
	double flood_rate;		/* SYN/s, XB_FLOOD_MAX, XB_FLOOD_OFF */
	uint32_t pool_base;		/* host order; 0: no pool */
	uint32_t pool_count;
	bool linger0;
	int server_cpu;
	unsigned timeout_ms;		/* xdp engine: re-seed a slot after */
	bool have_server_mac;
	uint8_t server_mac[6];
	bool json;
	const char *path;		/* crr, kernel engine: GET path */
};

/* Fills o from argv. 0, or -1 after printing why (usage errors). */
int xb_opts_parse(struct xb_opts *o, int argc, char **argv);
const char *xb_mode_name(enum xb_mode m);
const char *xb_engine_name(enum xb_engine e);

#endif /* XB_OPTS_H */
