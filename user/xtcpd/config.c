// SPDX-License-Identifier: MIT
/* xtcpd's command line. Every flag is checked here; main() trusts cfg. */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include "app/service.h"
#include "tcp/cc.h"
#include "xtcp/tap.h"
#include "xtcpd/config.h"

enum {
	OPT_IFACE = 256, OPT_ADDR, OPT_LISTEN, OPT_XDP_MODE, OPT_QUEUES,
	OPT_KEEPALIVE, OPT_MSL, OPT_MAX_CONNS, OPT_CONNECT, OPT_LOCAL_PORTS,
	OPT_RTO_MIN, OPT_RETRIES, OPT_SNDBUF, OPT_RCVBUF,
	OPT_SYNCOOKIES, OPT_COOKIE_PERIOD, OPT_COOKIE_RATE, OPT_COOKIE_HALF_OPEN,
	OPT_DROP_BAD_COOKIES, OPT_CC, OPT_LOG_LEVEL, OPT_DRAIN_TIMEOUT,
	OPT_CONFIG, OPT_BPF_OBJECT, OPT_SPIN_US,
	OPT_BUSY_POLL, OPT_PCAP, OPT_RST_RATE, OPT_RST_BURST, OPT_OOO_TOTAL,
	OPT_UMEM_FRAMES,
};

#define DEFAULT_COOKIE_PERIOD_S	60
#define DEFAULT_COOKIE_RATE	1000
#define DEFAULT_COOKIE_HALF	1024
/* XDP's RSTs for unknown tuples: Linux's icmp_msgs_per_sec and _burst. */
#define DEFAULT_RST_RATE	1000
#define DEFAULT_RST_BURST	50
#define MAX_RST_RATE		10000000

#define MIN_BUF			4096
#define MAX_BUF			(64u << 20)

#define DEFAULT_EPH_LO		61000
#define DEFAULT_EPH_HI		61999

#define DEFAULT_MSL_S		30
#define DEFAULT_SPIN_US		50
#define MAX_SPIN_US		1000000
#define DEFAULT_DRAIN_MS	5000
#define MAX_DRAIN_S		3600
#define DEFAULT_MAX_CONNS	65536
#define MAX_MAX_CONNS		XT_MAX_CONNS_LIMIT
#define MAX_OOO_TOTAL		(1L << 36)
/* UMEM frames per RX queue: a power of two; 16 keeps 8 for each way. */
#define MIN_UMEM_FRAMES		16
#define MAX_UMEM_FRAMES		(1L << 20)

static const struct option long_opts[] = {
	{ "iface",	required_argument, NULL, OPT_IFACE },
	{ "addr",	required_argument, NULL, OPT_ADDR },
	{ "listen",	required_argument, NULL, OPT_LISTEN },
	{ "xdp-mode",	required_argument, NULL, OPT_XDP_MODE },
	{ "queues",	required_argument, NULL, OPT_QUEUES },
	{ "keepalive",	required_argument, NULL, OPT_KEEPALIVE },
	{ "msl",	required_argument, NULL, OPT_MSL },
	{ "max-conns",	required_argument, NULL, OPT_MAX_CONNS },
	{ "connect",	required_argument, NULL, OPT_CONNECT },
	{ "local-ports", required_argument, NULL, OPT_LOCAL_PORTS },
	{ "rto-min",	required_argument, NULL, OPT_RTO_MIN },
	{ "retries",	required_argument, NULL, OPT_RETRIES },
	{ "sndbuf",	required_argument, NULL, OPT_SNDBUF },
	{ "rcvbuf",	required_argument, NULL, OPT_RCVBUF },
	{ "ooo-total",	required_argument, NULL, OPT_OOO_TOTAL },
	{ "umem-frames", required_argument, NULL, OPT_UMEM_FRAMES },
	{ "cc",		required_argument, NULL, OPT_CC },
	{ "spin-us",	required_argument, NULL, OPT_SPIN_US },
	{ "busy-poll",	no_argument,	   NULL, OPT_BUSY_POLL },
	{ "syncookies",	required_argument, NULL, OPT_SYNCOOKIES },
	{ "cookie-period", required_argument, NULL, OPT_COOKIE_PERIOD },
	{ "cookie-rate", required_argument, NULL, OPT_COOKIE_RATE },
	{ "cookie-half-open", required_argument, NULL, OPT_COOKIE_HALF_OPEN },
	{ "drop-bad-cookies", no_argument, NULL, OPT_DROP_BAD_COOKIES },
	{ "rst-rate",	required_argument, NULL, OPT_RST_RATE },
	{ "rst-burst",	required_argument, NULL, OPT_RST_BURST },
	{ "log-level",	required_argument, NULL, OPT_LOG_LEVEL },
	{ "config",	required_argument, NULL, OPT_CONFIG },
	{ "bpf-object",	required_argument, NULL, OPT_BPF_OBJECT },
	{ "pcap",	required_argument, NULL, OPT_PCAP },
	{ "drain-timeout", required_argument, NULL, OPT_DRAIN_TIMEOUT },
	{ "verbose",	no_argument,	   NULL, 'v' },
	{ "help",	no_argument,	   NULL, 'h' },
	{ 0 }
};

void xt_config_usage(FILE *out)
{
	fprintf(out,
"usage: xtcpd --iface IF [--addr A.B.C.D] --listen PORT:SERVICE [--listen ...]\n"
"             [--connect A.B.C.D:PORT:SERVICE ...] [--local-ports LO-HI]\n"
"             [--keepalive IDLE,INTVL,COUNT] [--msl SECONDS] [--max-conns N]\n"
"             [--rto-min MS] [--retries N] [--sndbuf BYTES] [--rcvbuf BYTES]\n"
"             [--ooo-total BYTES] [--umem-frames N]\n"
"             [--cc cubic|newreno|bbr] [--spin-us US] [--busy-poll]\n"
"             [--syncookies always|auto|never] [--cookie-period SECONDS]\n"
"             [--cookie-rate SYNS_PER_S] [--cookie-half-open N]\n"
"             [--drop-bad-cookies] [--rst-rate N] [--rst-burst N]\n"
"             [--xdp-mode native|skb] [--queues N] [--drain-timeout S]\n"
"             [--log-level error|warning|info|debug] [-v]\n"
"             [--config FILE] [--bpf-object FILE] [--pcap FILE]\n"
"\n"
"  --iface IF            interface to attach the XDP program to\n"
"  --addr A.B.C.D        local IPv4 address (default: the interface's first)\n"
"  --listen PORT:SERVICE serve SERVICE (echo, discard, banner, http) on PORT\n"
"  --listen PORT:proxy=HOST:PORT[,proxy-v2][,max=N][,timeout=MS]\n"
"  --listen PORT:proxy=unix:PATH[,...]  relay each connection to a backend\n"
"                        over kernel sockets (max: backend connections,\n"
"                        default 4096; timeout: connect, default 5000 ms)\n"
"  --connect A:P:SERVICE open a connection to A:P at start and run the\n"
"                        client side of SERVICE (echo, discard, banner)\n"
"  --local-ports LO-HI   ports for --connect, reserved from the kernel\n"
"                        while xtcpd runs (default 61000-61999)\n"
"  --keepalive I,N,C     probe connections idle I s, every N s, give up\n"
"                        after C probes (RFC 1122; default off)\n"
"  --msl SECONDS         maximum segment lifetime; TIME-WAIT lasts 2 MSL\n"
"                        (default 30)\n"
"  --max-conns N         live connections per worker (default 65536; the\n"
"                        XDP maps hold max(65536, N) in all, shared out\n"
"                        between the workers, up to 1048576)\n"
"  --rto-min MS          lower bound of the retransmission timeout\n"
"                        (default 200; RFC 6298 says 1000)\n"
"  --retries N           retransmissions before a connection is given up\n"
"                        and reset (default 15)\n"
"  --sndbuf, --rcvbuf B  the most a connection buffers each way, in bytes;\n"
"                        memory follows what is buffered (default 4194304)\n"
"  --ooo-total BYTES     out-of-order bytes a worker holds for all its\n"
"                        connections together; beyond it, segments past a\n"
"                        hole are dropped (ooo_limit_drops) and the\n"
"                        sender retransmits them (default 67108864)\n"
"  --umem-frames N       AF_XDP frames per RX queue, shared by RX and TX;\n"
"                        a power of two in %d-%ld (default %d)\n"
"  --cc ALGORITHM        congestion control: cubic (RFC 9438, the default),\n"
"                        newreno (RFC 5681, RFC 6582) or bbr (BBR v1,\n"
"                        without pacing: keeps its rate on a lossy path)\n"
"  --spin-us US          after a batch of work, a worker keeps looking at\n"
"                        its rings for US microseconds before it sleeps\n"
"                        in poll(), unless a thread on its CPU brings the\n"
"                        frames; 0: sleep at once (default 50)\n"
"  --busy-poll           never sleep: spin on the rings and run the\n"
"                        device's NAPI from the worker (SO_PREFER_BUSY_POLL);\n"
"                        one CPU per worker at 100%%. Needs a socket with a\n"
"                        NAPI id: since Linux 6.13 only zero-copy ones\n"
"                        (xtcpd warns when it has none, as on a veth)\n"
"  --syncookies MODE     always: XDP answers every SYN with a cookie;\n"
"                        never: xtcpd keeps SYN-RECEIVED state; auto (the\n"
"                        default): xtcpd until the SYN rate or the\n"
"                        half-open count passes its threshold, then XDP\n"
"  --cookie-period S     rotate the cookie secret every S seconds; a\n"
"                        cookie lasts one to two periods (default 60)\n"
"  --cookie-rate N       auto: SYNs per second that switch cookies on\n"
"                        (default 1000)\n"
"  --cookie-half-open N  auto: SYN-RECEIVED connections that do (default\n"
"                        1024)\n"
"  --drop-bad-cookies    drop an ACK for an unknown connection whose\n"
"                        cookie is bad, instead of answering with a RST\n"
"  --rst-rate N          RSTs per second that XDP may send for segments\n"
"                        to connections xtcpd does not hold (bad cookies\n"
"                        included), so that an ACK flood with spoofed\n"
"                        sources is not reflected; beyond it they are\n"
"                        dropped unanswered (drop_rst_ratelimit). 0: no\n"
"                        limit (default 1000)\n"
"  --rst-burst N         ... of which N may leave back to back (default 50)\n"
"  --xdp-mode MODE       native (driver) or skb (generic); default: native,\n"
"                        falling back to skb with a warning\n"
"  --queues N            serve RX queues 0..N-1 (default: all of them)\n"
"  --drain-timeout S     on SIGTERM, how long open connections get to\n"
"                        finish and close with a FIN (default 5; 0 resets\n"
"                        them at once). Meanwhile SYNs and handshake ACKs\n"
"                        to the listening ports are answered with a RST,\n"
"                        as by a closed port; a second SIGTERM (or SIGINT)\n"
"                        ends the wait. What is still open is reset.\n"
"  --log-level LEVEL     error, warning, info (the default) or debug; one\n"
"                        line per event on stderr\n"
"  -v, --verbose         --log-level debug: also every segment and every\n"
"                        state change\n"
"  --config FILE         read flags from FILE first: one per line without\n"
"                        its dashes ('listen 80:http', 'drop-bad-cookies'),\n"
"                        '#' starts a comment; the command line adds to it\n"
"  --bpf-object FILE     the XDP object to load (default: ../lib/xtcp/\n"
"                        xtcp.bpf.o next to xtcpd, where make install puts\n"
"                        it, else the copy built into xtcpd)\n"
"  --pcap FILE           write what xtcpd receives and sends, and what XDP\n"
"                        answers or drops itself, to FILE as pcap (the\n"
"                        first %d bytes of each frame), from start to exit\n"
"  -h, --help            this text\n", MIN_UMEM_FRAMES, MAX_UMEM_FRAMES,
		XT_DEFAULT_UMEM_FRAMES, XT_TAP_SNAPLEN);
}

#define bad(...) (snprintf(err, errlen, __VA_ARGS__), -EINVAL)

/* A decimal in [lo, hi], the whole string, or -1. */
static long parse_num(const char *s, long lo, long hi)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < lo || v > hi)
		return -1;
	return v;
}

static int parse_listen(struct xt_config *cfg, const char *arg,
			char *err, size_t errlen)
{
	char port[8];
	const char *colon = strchr(arg, ':');
	long p;
	int svc;

	if (!colon || (size_t)(colon - arg) >= sizeof(port))
		return bad("--listen wants PORT:SERVICE, got '%s'", arg);
	memcpy(port, arg, colon - arg);
	port[colon - arg] = '\0';
	p = parse_num(port, 1, 65535);
	if (p < 0)
		return bad("--listen: '%s' is not a port (1-65535)", port);
	memset(&cfg->listen[cfg->nlisten].svc, 0,
	       sizeof(cfg->listen[cfg->nlisten].svc));
	if (!strncmp(colon + 1, "proxy=", 6)) {
		svc = XT_SVC_PROXY;
		if (xt_proxy_parse(colon + 7,
				   &cfg->listen[cfg->nlisten].svc.proxy))
			return bad("--listen: '%s': proxy wants HOST:PORT or "
				   "unix:PATH, then ,proxy-v2 ,max=N ,timeout=MS",
				   colon + 1);
	} else {
		svc = xt_service_find(colon + 1);
	}
	if (svc < 0)
		return bad("--listen: unknown service '%s' (echo, discard, banner, http, proxy=HOST:PORT)",
			   colon + 1);
	for (int i = 0; i < cfg->nlisten; i++)
		if (cfg->listen[i].port == p)
			return bad("--listen: port %ld given twice", p);
	if (cfg->nlisten == XT_MAX_LISTEN)
		return bad("--listen: at most %d ports", XT_MAX_LISTEN);
	cfg->listen[cfg->nlisten].port = (uint16_t)p;
	cfg->listen[cfg->nlisten].service = svc;
	cfg->nlisten++;
	return 0;
}

static int parse_connect(struct xt_config *cfg, const char *arg,
			 char *err, size_t errlen)
{
	char buf[64], *port, *svc;
	struct xt_connect_cfg *c = &cfg->connect[cfg->nconnect];
	struct in_addr a;
	long p;

	if (cfg->nconnect == XT_MAX_CONNECT)
		return bad("--connect: at most %d", XT_MAX_CONNECT);
	if (strlen(arg) >= sizeof(buf))
		return bad("--connect wants A.B.C.D:PORT:SERVICE");
	strcpy(buf, arg);
	port = strchr(buf, ':');
	svc = port ? strchr(port + 1, ':') : NULL;
	if (!svc)
		return bad("--connect wants A.B.C.D:PORT:SERVICE, got '%s'", arg);
	*port++ = '\0';
	*svc++ = '\0';
	if (inet_pton(AF_INET, buf, &a) != 1)
		return bad("--connect: '%s' is not an IPv4 address", buf);
	p = parse_num(port, 1, 65535);
	if (p < 0)
		return bad("--connect: '%s' is not a port (1-65535)", port);
	c->service = xt_service_find(svc);
	if (c->service < 0 || !xt_service_ops(c->service))
		return bad("--connect: '%s' has no client side (echo, discard, banner)",
			   svc);
	c->addr = a.s_addr;
	c->port = (uint16_t)p;
	cfg->nconnect++;
	return 0;
}

static int parse_ports(struct xt_config *cfg, const char *arg,
		       char *err, size_t errlen)
{
	char buf[16], *dash;
	long lo, hi;

	if (strlen(arg) >= sizeof(buf) || !(dash = strchr(strcpy(buf, arg), '-')))
		return bad("--local-ports wants LO-HI, got '%s'", arg);
	*dash = '\0';
	lo = parse_num(buf, 1024, 65535);
	hi = parse_num(dash + 1, 1024, 65535);
	if (lo < 0 || hi < lo)
		return bad("--local-ports: '%s' is not a range within 1024-65535",
			   arg);
	cfg->eph_lo = (uint16_t)lo;
	cfg->eph_hi = (uint16_t)hi;
	return 0;
}

static int parse_keepalive(struct xt_config *cfg, const char *arg,
			   char *err, size_t errlen)
{
	char buf[64], *save = NULL, *tok;
	long v[3];
	int i = 0;

	if (strlen(arg) >= sizeof(buf))
		return bad("--keepalive wants IDLE,INTVL,COUNT");
	strcpy(buf, arg);
	for (tok = strtok_r(buf, ",", &save); tok && i < 3;
	     tok = strtok_r(NULL, ",", &save)) {
		v[i] = parse_num(tok, 1, 7 * 24 * 3600);
		if (v[i++] < 0)
			break;
	}
	if (i != 3 || tok || v[0] < 0 || v[1] < 0 || v[2] < 0 || v[2] > 1000)
		return bad("--keepalive wants IDLE,INTVL,COUNT in seconds, got '%s'",
			   arg);
	cfg->ka_idle_s = (uint32_t)v[0];
	cfg->ka_intvl_s = (uint32_t)v[1];
	cfg->ka_count = (uint32_t)v[2];
	return 0;
}

/* Seconds, with a fraction if wanted: "5", "0.5". */
static int parse_drain(struct xt_config *cfg, const char *arg,
		       char *err, size_t errlen)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(arg, &end);
	if (errno || end == arg || *end || !(v >= 0 && v <= MAX_DRAIN_S))
		return bad("--drain-timeout: '%s' is not in 0-%d seconds", arg,
			   MAX_DRAIN_S);
	cfg->drain_ms = (uint32_t)(v * 1000 + 0.5);
	return 0;
}

static int parse_one(struct xt_config *cfg, int opt, const char *arg,
		     char *err, size_t errlen)
{
	struct in_addr a;
	long n;

	switch (opt) {
	case OPT_IFACE:
		if (!*arg || strlen(arg) >= sizeof(cfg->ifname))
			return bad("--iface: '%s' is not an interface name", arg);
		strcpy(cfg->ifname, arg);
		return 0;
	case OPT_ADDR:
		if (inet_pton(AF_INET, arg, &a) != 1)
			return bad("--addr: '%s' is not an IPv4 address", arg);
		cfg->addr = a.s_addr;
		return 0;
	case OPT_LISTEN:
		return parse_listen(cfg, arg, err, errlen);
	case OPT_XDP_MODE:
		if (!strcmp(arg, "native"))
			cfg->xdp_mode = XT_XDP_MODE_NATIVE;
		else if (!strcmp(arg, "skb"))
			cfg->xdp_mode = XT_XDP_MODE_SKB;
		else
			return bad("--xdp-mode: '%s' is neither native nor skb", arg);
		return 0;
	case OPT_QUEUES:
		n = parse_num(arg, 1, XT_MAX_QUEUES);
		if (n < 0)
			return bad("--queues: '%s' is not in 1-%d", arg, XT_MAX_QUEUES);
		cfg->queues = (int)n;
		return 0;
	case OPT_CONNECT:
		return parse_connect(cfg, arg, err, errlen);
	case OPT_LOCAL_PORTS:
		return parse_ports(cfg, arg, err, errlen);
	case OPT_KEEPALIVE:
		return parse_keepalive(cfg, arg, err, errlen);
	case OPT_MSL:
		n = parse_num(arg, 1, 3600);
		if (n < 0)
			return bad("--msl: '%s' is not in 1-3600 seconds", arg);
		cfg->msl_s = (uint32_t)n;
		return 0;
	case OPT_MAX_CONNS:
		n = parse_num(arg, 1, MAX_MAX_CONNS);
		if (n < 0)
			return bad("--max-conns: '%s' is not in 1-%u", arg,
				   MAX_MAX_CONNS);
		cfg->max_conns = (uint32_t)n;
		return 0;
	case OPT_CC:
		cfg->cc = xt_cc_find(arg);
		if (!cfg->cc)
			return bad("--cc: '%s' is not cubic, newreno or bbr", arg);
		return 0;
	case OPT_SPIN_US:
		n = parse_num(arg, 0, MAX_SPIN_US);
		if (n < 0)
			return bad("--spin-us: '%s' is not in 0-%u", arg,
				   MAX_SPIN_US);
		cfg->spin_us = (uint32_t)n;
		return 0;
	case OPT_BUSY_POLL:
		cfg->busy_poll = 1;
		return 0;
	case OPT_RTO_MIN:
		n = parse_num(arg, 1, 60000);
		if (n < 0)
			return bad("--rto-min: '%s' is not in 1-60000 ms", arg);
		cfg->rto_min_ms = (uint32_t)n;
		return 0;
	case OPT_RETRIES:
		n = parse_num(arg, 1, 100);
		if (n < 0)
			return bad("--retries: '%s' is not in 1-100", arg);
		cfg->retries = (uint32_t)n;
		return 0;
	case OPT_SNDBUF:
	case OPT_RCVBUF:
		n = parse_num(arg, MIN_BUF, MAX_BUF);
		if (n < 0)
			return bad("--%s: '%s' is not in %u-%u bytes",
				   opt == OPT_SNDBUF ? "sndbuf" : "rcvbuf", arg,
				   MIN_BUF, MAX_BUF);
		*(opt == OPT_SNDBUF ? &cfg->sndbuf : &cfg->rcvbuf) = (uint32_t)n;
		return 0;
	case OPT_OOO_TOTAL:
		n = parse_num(arg, MIN_BUF, MAX_OOO_TOTAL);
		if (n < 0)
			return bad("--ooo-total: '%s' is not in %u-%ld bytes", arg,
				   MIN_BUF, MAX_OOO_TOTAL);
		cfg->ooo_total = (uint64_t)n;
		return 0;
	case OPT_UMEM_FRAMES:
		n = parse_num(arg, MIN_UMEM_FRAMES, MAX_UMEM_FRAMES);
		if (n < 0 || (n & (n - 1)))
			return bad("--umem-frames: '%s' is not a power of two in %d-%ld",
				   arg, MIN_UMEM_FRAMES, MAX_UMEM_FRAMES);
		cfg->umem_frames = (uint32_t)n;
		return 0;
	case OPT_SYNCOOKIES:
		if (!strcmp(arg, "always"))
			cfg->cookie_mode = XT_COOKIES_ALWAYS;
		else if (!strcmp(arg, "never"))
			cfg->cookie_mode = XT_COOKIES_NEVER;
		else if (!strcmp(arg, "auto"))
			cfg->cookie_mode = XT_COOKIES_AUTO;
		else
			return bad("--syncookies: '%s' is not always, auto or never",
				   arg);
		return 0;
	case OPT_DROP_BAD_COOKIES:
		cfg->drop_bad_cookies = 1;
		return 0;
	case OPT_RST_RATE:
	case OPT_RST_BURST:
		n = parse_num(arg, opt == OPT_RST_RATE ? 0 : 1, MAX_RST_RATE);
		if (n < 0)
			return bad("--rst-%s: '%s' is not in %d-%d",
				   opt == OPT_RST_RATE ? "rate" : "burst", arg,
				   opt == OPT_RST_RATE ? 0 : 1, MAX_RST_RATE);
		*(opt == OPT_RST_RATE ? &cfg->rst_rate : &cfg->rst_burst) =
			(uint32_t)n;
		return 0;
	case OPT_COOKIE_PERIOD:
	case OPT_COOKIE_RATE:
	case OPT_COOKIE_HALF_OPEN:
		n = parse_num(arg, 1, 10000000);
		if (n < 0)
			return bad("%s: '%s' is not in 1-10000000",
				   opt == OPT_COOKIE_PERIOD ? "--cookie-period" :
				   opt == OPT_COOKIE_RATE ? "--cookie-rate" :
				   "--cookie-half-open", arg);
		*(opt == OPT_COOKIE_PERIOD ? &cfg->cookie_period_s :
		  opt == OPT_COOKIE_RATE ? &cfg->cookie_rate :
		  &cfg->cookie_half_open) = (uint32_t)n;
		return 0;
	case 'v':
		cfg->verbose++;
		cfg->log_level = XT_LOG_DEBUG;
		return 0;
	case OPT_LOG_LEVEL:
		if (xt_log_level_parse(arg, &cfg->log_level))
			return bad("--log-level: '%s' is not error, warning, info or debug",
				   arg);
		return 0;
	case OPT_DRAIN_TIMEOUT:
		return parse_drain(cfg, arg, err, errlen);
	case OPT_BPF_OBJECT:
		if (!*arg || strlen(arg) >= sizeof(cfg->bpf_object))
			return bad("--bpf-object: '%s' is not a file name", arg);
		strcpy(cfg->bpf_object, arg);
		return 0;
	case OPT_PCAP:
		if (!*arg || strlen(arg) >= sizeof(cfg->pcap))
			return bad("--pcap: '%s' is not a file name", arg);
		strcpy(cfg->pcap, arg);
		return 0;
	case OPT_CONFIG:
		return bad("--config may not appear inside a configuration file");
	default:
		return bad("unknown option; see xtcpd --help");
	}
}

/* A growing argv of copies, NULL-terminated. */
struct xt_argv {
	char **v;
	int n, cap;
};

static int xt_argv_push(struct xt_argv *a, const char *prefix, const char *s)
{
	size_t len = strlen(prefix) + strlen(s) + 1;
	char *copy = malloc(len);

	if (a->n + 2 > a->cap) {
		int cap = a->cap ? a->cap * 2 : 32;
		char **v = realloc(a->v, (size_t)cap * sizeof(*v));

		if (!v) {
			free(copy);
			return -ENOMEM;
		}
		a->v = v;
		a->cap = cap;
	}
	if (!copy)
		return -ENOMEM;
	snprintf(copy, len, "%s%s", prefix, s);
	a->v[a->n++] = copy;
	a->v[a->n] = NULL;
	return 0;
}

static void xt_argv_free(struct xt_argv *a)
{
	for (int i = 0; i < a->n; i++)
		free(a->v[i]);
	free(a->v);
}

static int parse_argv(struct xt_config *cfg, int argc, char **argv,
		      char *err, size_t errlen);

/* The flags of one line of a configuration file: "--name" and a value. */
static int config_line(char *line, struct xt_argv *a, const char *file,
		       int lineno, char *err, size_t errlen)
{
	char *hash = strchr(line, '#'), *name, *value, *save = NULL;

	if (hash)
		*hash = '\0';
	name = strtok_r(line, " \t\r\n=", &save);
	if (!name)
		return 0;
	value = strtok_r(NULL, " \t\r\n=", &save);
	if (strtok_r(NULL, " \t\r\n", &save))
		return bad("%s:%d: one flag and one value per line", file, lineno);
	if (xt_argv_push(a, "--", name) || (value && xt_argv_push(a, "", value)))
		return bad("%s:%d: out of memory", file, lineno);
	return 0;
}

static int config_file(const char *file, struct xt_argv *a, char *err,
		       size_t errlen)
{
	FILE *f = fopen(file, "r");
	char line[512];
	int lineno = 0, ret = 0;

	if (!f)
		return bad("--config %s: %s", file, strerror(errno));
	while (!ret && fgets(line, sizeof(line), f))
		ret = config_line(line, a, file, ++lineno, err, errlen);
	fclose(f);
	return ret;
}

/*
 * argv with --config FILE replaced by FILE's flags, which come first so
 * the command line adds to them. 0 or -EINVAL.
 */
static int expand_config(int argc, char **argv, struct xt_argv *a,
			 char *err, size_t errlen)
{
	const char *file = NULL;
	int ret;

	if (xt_argv_push(a, "", argv[0]))
		return bad("out of memory");
	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], "--config") && i + 1 < argc)
			file = argv[i + 1];
		else if (!strncmp(argv[i], "--config=", 9))
			file = argv[i] + 9;
	if (file && (ret = config_file(file, a, err, errlen)))
		return ret;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--config") && i + 1 < argc) {
			i++;
			continue;
		}
		if (!strncmp(argv[i], "--config=", 9))
			continue;
		if (xt_argv_push(a, "", argv[i]))
			return bad("out of memory");
	}
	return 0;
}

void xt_config_defaults(struct xt_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->msl_s = DEFAULT_MSL_S;
	cfg->spin_us = DEFAULT_SPIN_US;
	cfg->max_conns = DEFAULT_MAX_CONNS;
	cfg->eph_lo = DEFAULT_EPH_LO;
	cfg->eph_hi = DEFAULT_EPH_HI;
	cfg->cookie_period_s = DEFAULT_COOKIE_PERIOD_S;
	cfg->cookie_rate = DEFAULT_COOKIE_RATE;
	cfg->cookie_half_open = DEFAULT_COOKIE_HALF;
	cfg->rst_rate = DEFAULT_RST_RATE;
	cfg->rst_burst = DEFAULT_RST_BURST;
	cfg->log_level = XT_LOG_INFO;
	cfg->drain_ms = DEFAULT_DRAIN_MS;
	cfg->umem_frames = XT_DEFAULT_UMEM_FRAMES;
}

int xt_config_parse(struct xt_config *cfg, int argc, char **argv,
		    char *err, size_t errlen)
{
	struct xt_argv a = { 0 };
	int ret = expand_config(argc, argv, &a, err, errlen);

	if (!ret)
		ret = parse_argv(cfg, a.n, a.v, err, errlen);
	xt_argv_free(&a);
	return ret;
}

static int parse_argv(struct xt_config *cfg, int argc, char **argv,
		      char *err, size_t errlen)
{
	int opt, ret;

	xt_config_defaults(cfg);
	optind = 1;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":vh", long_opts, NULL)) != -1) {
		if (opt == 'h') {
			xt_config_usage(stdout);
			return 1;
		}
		if (opt == ':')
			return bad("%s needs a value", argv[optind - 1]);
		if (opt == '?')
			return bad("unknown option '%s'; see xtcpd --help",
				   argv[optind - 1]);
		ret = parse_one(cfg, opt, optarg, err, errlen);
		if (ret)
			return ret;
	}
	if (optind < argc)
		return bad("unexpected argument '%s'", argv[optind]);
	if (!cfg->ifname[0])
		return bad("--iface is required");
	if (!cfg->nlisten && !cfg->nconnect)
		return bad("nothing to do: give --listen PORT:SERVICE or --connect");
	for (int i = 0; i < cfg->nlisten; i++)
		if (cfg->listen[i].port >= cfg->eph_lo &&
		    cfg->listen[i].port <= cfg->eph_hi)
			return bad("--listen %u lies in --local-ports %u-%u",
				   cfg->listen[i].port, cfg->eph_lo, cfg->eph_hi);
	return 0;
}
