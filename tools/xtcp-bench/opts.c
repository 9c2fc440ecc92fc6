// SPDX-License-Identifier: MIT
/*
 * xtcp-bench's options: the table below is both the getopt_long list and
 * the --help text (xdp-tools' DEFINE_OPTION idea, in a dozen lines).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "opts.h"

#define XB_OPTIONS(X)							\
	X('i', "iface", "IF", "client interface: XDP engine, floods, SYN-ACK counts (responder: server's)") \
	X('s', "server", "ADDR", "server IPv4 address")			\
	X('p', "port", "P", "server port (crr 80, rr 7, bulk 9)")	\
	X('e', "engine", "kernel|xdp", "crr client: kernel sockets (epoll) or XDP (default kernel)") \
	X('c', "conns", "N", "concurrent connections (crr 64, rr and bulk 1)") \
	X('r', "rate", "R", "crr open loop: start R connections/s (closed loop without)") \
	X('d', "duration", "S", "seconds measured (default 5; responder: 0 = until SIGINT)") \
	X('w', "warmup", "S", "seconds run before measuring (default 1)") \
	X('f', "flood-rate", "R|max", "SYN flood rate beside the load (synflood: default max)") \
	X('F', "flood-port", "P", "port flooded (default --port)")	\
	X('P', "src-pool", "A.B.C.D/N", "client source addresses (kernel: bind; xdp: tuples)") \
	X('l', "linger0", NULL, "kernel engine: close with RST (SO_LINGER 0), no TIME-WAIT") \
	X('S', "server-cpu", "N", "the server's CPU, for its CPU time (default 0)") \
	X('t', "timeout", "MS", "xdp engine: restart a slot silent this long (default 1000)") \
	X('m', "server-mac", "MAC", "server's MAC (default: the neighbour table)") \
	X('u', "path", "P", "crr, kernel engine: GET P from any HTTP server, read the whole response (Content-Length)") \
	X('j', "json", NULL, "one JSON line on stdout (the human line goes to stderr)") \
	X('h', "help", NULL, "this text")

static const struct option xb_long_opts[] = {
#define XB_LONG(c, name, arg, help) { name, arg ? required_argument : no_argument, NULL, c },
	XB_OPTIONS(XB_LONG)
#undef XB_LONG
	{ NULL, 0, NULL, 0 }
};

static void xb_usage(FILE *f)
{
	fprintf(f, "usage: xtcp-bench crr|rr|bulk|synflood|responder [options]\n"
		   "  crr        connect, 64-byte request, 128-byte response, close\n"
		   "  rr         1-byte ping-pong on each connection (an echo server)\n"
		   "  bulk       send as fast as possible (a discard server)\n"
		   "  synflood   SYNs from random 198.18.0.0/15 sources; counts SYN-ACKs\n"
		   "  responder  a stateless crr server in XDP on --iface (the client's ceiling)\n");
#define XB_HELP(c, name, arg, help) \
	fprintf(f, "  --%-12s %-12s %s\n", name, arg ? arg : "", help);
	XB_OPTIONS(XB_HELP)
#undef XB_HELP
}

static const char *const xb_modes[] = {
	[XB_CRR] = "crr", [XB_RR] = "rr", [XB_BULK] = "bulk",
	[XB_SYNFLOOD] = "synflood", [XB_RESPONDER] = "responder",
};

const char *xb_mode_name(enum xb_mode m)
{
	return xb_modes[m];
}

const char *xb_engine_name(enum xb_engine e)
{
	return e == XB_ENGINE_XDP ? "xdp" : "kernel";
}

static int xb_bad(const char *opt, const char *val)
{
	fprintf(stderr, "xtcp-bench: bad --%s '%s' (--help)\n", opt, val);
	return -1;
}

static int xb_num(const char *s, double lo, double hi, double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end || v < lo || v > hi)
		return -1;
	*out = v;
	return 0;
}

static int xb_pool(const char *s, struct xb_opts *o)
{
	char buf[32], *slash;
	struct in_addr a;
	unsigned long bits;

	if (strlen(s) >= sizeof(buf))
		return -1;
	strcpy(buf, s);
	slash = strchr(buf, '/');
	if (!slash)
		return -1;
	*slash = '\0';
	bits = strtoul(slash + 1, NULL, 10);
	if (inet_pton(AF_INET, buf, &a) != 1 || bits < 16 || bits > 32)
		return -1;
	o->pool_count = 1u << (32 - bits);
	o->pool_base = ntohl(a.s_addr) & ~(o->pool_count - 1);
	if (o->pool_count > 2) {	/* not the network and broadcast */
		o->pool_base++;
		o->pool_count -= 2;
	}
	return 0;
}

static int xb_mac(const char *s, uint8_t mac[6])
{
	unsigned m[6];

	if (sscanf(s, "%x:%x:%x:%x:%x:%x", &m[0], &m[1], &m[2], &m[3], &m[4],
		   &m[5]) != 6)
		return -1;
	for (int i = 0; i < 6; i++) {
		if (m[i] > 0xff)
			return -1;
		mac[i] = (uint8_t)m[i];
	}
	return 0;
}

/* One option; 0, 1 for --help, -1 for a bad value. */
static int xb_opt(struct xb_opts *o, int c, const char *arg, double *port,
		  double *conns, double *flood_port)
{
	double v;

	switch (c) {
	case 'i': o->iface = arg; return 0;
	case 's': return inet_pton(AF_INET, arg, &o->server) == 1 ? 0 : xb_bad("server", arg);
	case 'p': return xb_num(arg, 1, 65535, port) ? xb_bad("port", arg) : 0;
	case 'e':
		if (!strcmp(arg, "kernel"))
			o->engine = XB_ENGINE_KERNEL;
		else if (!strcmp(arg, "xdp"))
			o->engine = XB_ENGINE_XDP;
		else
			return xb_bad("engine", arg);
		return 0;
	case 'c': return xb_num(arg, 1, 65536, conns) ? xb_bad("conns", arg) : 0;
	case 'r': return xb_num(arg, 1, 1e9, &o->rate) ? xb_bad("rate", arg) : 0;
	case 'd': return xb_num(arg, 0, 3600, &o->duration) ? xb_bad("duration", arg) : 0;
	case 'w': return xb_num(arg, 0, 600, &o->warmup) ? xb_bad("warmup", arg) : 0;
	case 'f':
		if (!strcmp(arg, "max")) {
			o->flood_rate = XB_FLOOD_MAX;
			return 0;
		}
		return xb_num(arg, 1, 1e9, &o->flood_rate) ? xb_bad("flood-rate", arg) : 0;
	case 'F': return xb_num(arg, 1, 65535, flood_port) ? xb_bad("flood-port", arg) : 0;
	case 'P': return xb_pool(arg, o) ? xb_bad("src-pool", arg) : 0;
	case 'l': o->linger0 = true; return 0;
	case 'S':
		if (xb_num(arg, 0, 4095, &v))
			return xb_bad("server-cpu", arg);
		o->server_cpu = (int)v;
		return 0;
	case 't':
		if (xb_num(arg, 1, 60000, &v))
			return xb_bad("timeout", arg);
		o->timeout_ms = (unsigned)v;
		return 0;
	case 'm':
		if (xb_mac(arg, o->server_mac))
			return xb_bad("server-mac", arg);
		o->have_server_mac = true;
		return 0;
	case 'u':
		if (arg[0] != '/' || strlen(arg) > 200 || strpbrk(arg, " \r\n"))
			return xb_bad("path", arg);
		o->path = arg;
		return 0;
	case 'j': o->json = true; return 0;
	case 'h': return 1;
	}
	return -1;
}

static int xb_mode_parse(const char *s, enum xb_mode *m)
{
	for (size_t i = 0; i < sizeof(xb_modes) / sizeof(xb_modes[0]); i++) {
		if (!strcmp(s, xb_modes[i])) {
			*m = (enum xb_mode)i;
			return 0;
		}
	}
	return -1;
}

/* Defaults that depend on the mode, and what each mode requires. */
static int xb_opts_finish(struct xb_opts *o, double port, double conns,
			  double flood_port)
{
	static const uint16_t ports[] = {
		[XB_CRR] = 80, [XB_RR] = 7, [XB_BULK] = 9,
		[XB_SYNFLOOD] = 80, [XB_RESPONDER] = 80,
	};

	o->port = port ? (uint16_t)port : ports[o->mode];
	o->flood_port = flood_port ? (uint16_t)flood_port : o->port;
	o->conns = conns ? (unsigned)conns : o->mode == XB_CRR ? 64 : 1;
	if (o->mode == XB_SYNFLOOD && o->flood_rate == XB_FLOOD_OFF)
		o->flood_rate = XB_FLOOD_MAX;
	if (o->mode == XB_RESPONDER) {
		if (!o->iface) {
			fprintf(stderr, "xtcp-bench: responder needs --iface\n");
			return -1;
		}
		return 0;
	}
	if (!o->server.s_addr) {
		fprintf(stderr, "xtcp-bench: --server is required\n");
		return -1;
	}
	if (!o->iface && (o->engine == XB_ENGINE_XDP ||
			  o->flood_rate != XB_FLOOD_OFF)) {
		fprintf(stderr, "xtcp-bench: the xdp engine and floods need --iface\n");
		return -1;
	}
	if (o->path && (o->engine != XB_ENGINE_KERNEL || o->mode != XB_CRR)) {
		fprintf(stderr, "xtcp-bench: --path goes with crr on the kernel engine\n");
		return -1;
	}
	if (o->engine == XB_ENGINE_XDP && o->mode != XB_CRR) {
		fprintf(stderr, "xtcp-bench: --engine xdp drives crr only\n");
		return -1;
	}
	if (o->mode != XB_CRR && o->mode != XB_SYNFLOOD &&
	    o->flood_rate != XB_FLOOD_OFF) {
		fprintf(stderr, "xtcp-bench: a flood goes with crr or synflood only\n");
		return -1;
	}
	return 0;
}

int xb_opts_parse(struct xb_opts *o, int argc, char **argv)
{
	double port = 0, conns = 0, flood_port = 0;
	int c, r;

	*o = (struct xb_opts){
		.duration = 5, .warmup = 1, .flood_rate = XB_FLOOD_OFF,
		.timeout_ms = 1000,
	};
	if (argc < 2 || xb_mode_parse(argv[1], &o->mode)) {
		if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
			xb_usage(stdout);
			exit(0);
		}
		xb_usage(stderr);
		return -1;
	}
	if (o->mode == XB_RESPONDER)
		o->duration = 0;
	optind = 2;
	while ((c = getopt_long(argc, argv, "", xb_long_opts, NULL)) != -1) {
		if (c == '?')
			return -1;
		r = xb_opt(o, c, optarg, &port, &conns, &flood_port);
		if (r == 1) {
			xb_usage(stdout);
			exit(0);
		}
		if (r)
			return -1;
	}
	if (optind != argc) {
		fprintf(stderr, "xtcp-bench: unexpected '%s'\n", argv[optind]);
		return -1;
	}
	return xb_opts_finish(o, port, conns, flood_port);
}
