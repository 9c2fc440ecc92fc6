// SPDX-License-Identifier: MIT
/* xtcpctl: read what a running xtcpd publishes (pins, control socket). */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "ctl/conns.h"
#include "ctl/stats.h"
#include "ctl/tap.h"
#include "xdp/loader.h"

#define EXIT_USAGE	2
#define MAX_IFACES	64

struct ctl_opts {
	char ifnames[MAX_IFACES][64];
	int nif;
	int json;
	double interval_s;		/* conns: repeat every S; 0: once */
	long count;			/* conns: rounds / capture: frames */
	struct conns_filter filter;
	struct xt_ladder_filter trace_filter;	/* trace: --conn, --port */
	const char *cmd;
	const char *file;		/* capture's */
	int worker;			/* stats: one worker's, or -1 */
};

static void usage(FILE *out)
{
	fprintf(out,
"usage: xtcpctl [--iface IF] [--json] stats [--worker N]\n"
"       xtcpctl [--iface IF] [--json] conns [--state STATE] [--port P]\n"
"                                        [--interval S [--count N]]\n"
"\n"
"  stats     XDP verdict counters (summed over CPUs), connections per\n"
"            state and TCP counters (summed over workers; --worker N:\n"
"            worker N's alone, without the XDP counters)\n"
"  conns     one line per connection, like ss -tani: state (RFC names),\n"
"            Recv-Q and Send-Q bytes, local and peer address, then RTT\n"
"            (srtt/rttvar ms), RTO, MSS, cwnd, ssthresh, windows,\n"
"            retransmissions (RTOs in a row/all) and the timers that run\n"
"            with the time left. Tuples and states come from the pinned\n"
"            conns map; the rest from xtcpd's control socket\n"
"            (" "/run/xtcp/IF.sock" ", root only); without it, '-'.\n"
"  --iface   the interface xtcpd serves (stats: default the only one;\n"
"            conns: default every xtcpd running)\n"
"  --json    JSON: stats one object; conns one object per line (round)\n"
"  --state   only connections in STATE (ESTABLISHED, FIN-WAIT-1, ...)\n"
"  --port    only connections with P as local or peer port\n"
"  --interval S  repeat every S seconds (fractions are fine), until\n"
"            interrupted or --count N rounds\n"
"\n"
"       xtcpctl [--iface IF] trace [--port P] [--conn ADDR:PORT] [--json]\n"
"                                  [--count N]\n"
"       xtcpctl [--iface IF] capture [--count N] FILE\n"
"\n"
"  trace     each connection's life as it happens, drawn as a ladder: the\n"
"            peer on the left, xtcpd on the right, one arrow per segment\n"
"            (flags, seq/ack relative to each side's ISN, window, length),\n"
"            the state each side enters (xtcpd's as it reports them, the\n"
"            peer's inferred from the segments), and what XDP answered\n"
"            (cookie SYN-ACKs, RSTs) or dropped by itself. --json: one\n"
"            event per line. --count N: stop when N connections have\n"
"            ended (xtcpd's side CLOSED or TIME-WAIT)\n"
"  capture   what xtcpd receives and sends, and what XDP answered or\n"
"            dropped itself, to FILE (- for stdout) as pcap, for\n"
"            tcpdump -r and Wireshark; --count N: stop after N frames\n"
"  --conn    only the connection with ADDR:PORT at one end\n");
}

/* Every interface with pins under XT_PIN_ROOT: one per running xtcpd. */
static int list_ifaces(struct ctl_opts *o)
{
	DIR *d = opendir(XT_PIN_ROOT);
	struct dirent *de;

	if (!d)
		return -ENOENT;
	while ((de = readdir(d)) && o->nif < MAX_IFACES)
		if (de->d_name[0] != '.')
			snprintf(o->ifnames[o->nif++], sizeof(o->ifnames[0]),
				 "%.63s", de->d_name);
	closedir(d);
	return o->nif ? 0 : -ENOENT;
}

enum {
	OPT_IFACE = 256, OPT_JSON, OPT_INTERVAL, OPT_COUNT, OPT_STATE, OPT_PORT,
	OPT_CONN, OPT_WORKER,
};

static const struct option long_opts[] = {
	{ "iface", required_argument, NULL, OPT_IFACE },
	{ "json", no_argument, NULL, OPT_JSON },
	{ "interval", required_argument, NULL, OPT_INTERVAL },
	{ "count", required_argument, NULL, OPT_COUNT },
	{ "state", required_argument, NULL, OPT_STATE },
	{ "port", required_argument, NULL, OPT_PORT },
	{ "conn", required_argument, NULL, OPT_CONN },
	{ "worker", required_argument, NULL, OPT_WORKER },
	{ "help", no_argument, NULL, 'h' },
	{ 0 }
};

/* --conn ADDR:PORT */
static int parse_conn(struct xt_ladder_filter *f, const char *arg)
{
	char addr[INET_ADDRSTRLEN], *end;
	const char *colon = strrchr(arg, ':');
	long port;

	if (!colon || (size_t)(colon - arg) >= sizeof(addr))
		return -1;
	memcpy(addr, arg, (size_t)(colon - arg));
	addr[colon - arg] = '\0';
	port = strtol(colon + 1, &end, 10);
	if (*end || port < 1 || port > 65535 ||
	    inet_pton(AF_INET, addr, &f->addr) != 1)
		return -1;
	f->port = (uint16_t)port;
	f->have_addr = true;
	return 0;
}

static int parse_one(struct ctl_opts *o, int opt, const char *arg)
{
	char *end;

	switch (opt) {
	case OPT_IFACE:
		if (o->nif == MAX_IFACES || strlen(arg) >= sizeof(o->ifnames[0]))
			return -1;
		snprintf(o->ifnames[o->nif++], sizeof(o->ifnames[0]), "%s", arg);
		return 0;
	case OPT_JSON:
		o->json = 1;
		return 0;
	case OPT_INTERVAL:
		o->interval_s = strtod(arg, &end);
		return *end || !(o->interval_s > 0 && o->interval_s < 86400) ? -1 : 0;
	case OPT_COUNT:
		o->count = strtol(arg, &end, 10);
		return *end || o->count < 1 ? -1 : 0;
	case OPT_STATE:
		o->filter.state = ctl_state_parse(arg);
		return o->filter.state < 0 ? -1 : 0;
	case OPT_PORT:
		o->filter.port = (int)strtol(arg, &end, 10);
		o->trace_filter.port = (uint16_t)o->filter.port;
		return *end || o->filter.port < 1 || o->filter.port > 65535 ? -1 : 0;
	case OPT_CONN:
		return parse_conn(&o->trace_filter, arg);
	case OPT_WORKER:
		o->worker = (int)strtol(arg, &end, 10);
		return *end || o->worker < 0 || o->worker >= XT_MAX_QUEUES ? -1 : 0;
	default:
		return -1;
	}
}

/* Options anywhere on the line; the first word is the command. */
static int parse_args(struct ctl_opts *o, int argc, char **argv)
{
	int opt;

	o->filter.state = -1;
	o->worker = -1;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, "-h", long_opts, NULL)) != -1) {
		if (opt == 'h') {
			usage(stdout);
			exit(0);
		}
		if (opt == 1 && !o->cmd) {
			o->cmd = optarg;
			continue;
		}
		if (opt == 1 && !o->file) {
			o->file = optarg;
			continue;
		}
		if (opt == '?' || opt == ':' || opt == 1 ||
		    parse_one(o, opt, optarg)) {
			fprintf(stderr, "xtcpctl: bad or unexpected '%s'; see "
				"xtcpctl --help\n", argv[optind - 1]);
			return -1;
		}
	}
	if (!o->cmd) {
		fprintf(stderr, "xtcpctl: no command given; see xtcpctl --help\n");
		return -1;
	}
	return 0;
}

/* The one interface a command needs: --iface, or the only xtcpd's. */
static int one_iface(struct ctl_opts *o)
{
	if (!o->nif && list_ifaces(o)) {
		fprintf(stderr, "xtcpctl: no xtcpd is running (nothing under "
			XT_PIN_ROOT ")\n");
		return -1;
	}
	if (o->nif > 1) {
		fprintf(stderr, "xtcpctl: xtcpd serves several interfaces; "
			"name one with --iface\n");
		return -1;
	}
	return 0;
}

static int cmd_stats(struct ctl_opts *o)
{
	char pin_dir[PATH_MAX];
	int ret;

	if (one_iface(o))
		return 1;
	if (xt_pin_dir(pin_dir, sizeof(pin_dir), o->ifnames[0]))
		return EXIT_USAGE;
	ret = ctl_stats(stdout, pin_dir, o->json, o->worker);
	if (ret) {
		fprintf(stderr, "xtcpctl: cannot read %s/stats: %s\n", pin_dir,
			strerror(-ret));
		return 1;
	}
	return 0;
}

static void sleep_s(double s)
{
	struct timespec ts = { .tv_sec = (time_t)s,
			       .tv_nsec = (long)((s - (double)(time_t)s) * 1e9) };

	nanosleep(&ts, NULL);
}

static int cmd_conns(struct ctl_opts *o)
{
	if (!o->nif && list_ifaces(o)) {
		fprintf(stderr, "xtcpctl: no xtcpd is running (nothing under "
			XT_PIN_ROOT ")\n");
		return 1;
	}
	for (long round = 1;; round++) {
		if (ctl_conns(stdout, o->ifnames, o->nif, &o->filter, o->json))
			return 1;
		if (!o->interval_s || (o->count && round >= o->count))
			return 0;
		sleep_s(o->interval_s);
	}
}

static int cmd_tap(struct ctl_opts *o, bool capture)
{
	struct ctl_tap_opts t = {
		.filter = o->trace_filter, .json = o->json, .count = o->count,
		.file = o->file,
	};

	if (capture && !o->file) {
		fprintf(stderr, "xtcpctl: capture needs a FILE (- for stdout)\n");
		return EXIT_USAGE;
	}
	if (one_iface(o))
		return 1;
	t.ifname = o->ifnames[0];
	return capture ? ctl_capture(&t) : ctl_trace(&t);
}

int main(int argc, char **argv)
{
	static struct ctl_opts o;

	if (parse_args(&o, argc, argv))
		return EXIT_USAGE;
	if (!strcmp(o.cmd, "stats") && !o.file)
		return cmd_stats(&o);
	if (!strcmp(o.cmd, "conns") && !o.file)
		return cmd_conns(&o);
	if (!strcmp(o.cmd, "trace") && !o.file)
		return cmd_tap(&o, false);
	if (!strcmp(o.cmd, "capture"))
		return cmd_tap(&o, true);
	fprintf(stderr, "xtcpctl: unknown command '%s'; see xtcpctl --help\n",
		o.cmd);
	return EXIT_USAGE;
}
