// SPDX-License-Identifier: MIT
/* xtcp-inject's command line; every value checked here. */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>
#include "inject.h"

#define DEFAULT_COUNT	10000
#define DEFAULT_SECONDS	10.0
#define MAX_SECONDS	600.0

enum { O_IFACE = 256, O_DST, O_SRC, O_DST_MAC, O_SRC_MAC, O_SRC_NET,
       O_COUNT, O_RATE, O_SECONDS, O_KIND, O_SEED };

static const struct option long_opts[] = {
	{ "iface", required_argument, NULL, O_IFACE },
	{ "dst", required_argument, NULL, O_DST },
	{ "src", required_argument, NULL, O_SRC },
	{ "dst-mac", required_argument, NULL, O_DST_MAC },
	{ "src-mac", required_argument, NULL, O_SRC_MAC },
	{ "src-net", required_argument, NULL, O_SRC_NET },
	{ "count", required_argument, NULL, O_COUNT },
	{ "rate", required_argument, NULL, O_RATE },
	{ "seconds", required_argument, NULL, O_SECONDS },
	{ "kind", required_argument, NULL, O_KIND },
	{ "seed", required_argument, NULL, O_SEED },
	{ "help", no_argument, NULL, 'h' },
	{ 0 }
};

static void usage(FILE *out)
{
	fprintf(out,
"usage: xtcp-inject flood|blind|malformed --iface IF --dst A.B.C.D:PORT\n"
"                   --dst-mac MAC [--src A.B.C.D[:PORT]] [--src-mac MAC]\n"
"                   [--src-net A.B.C.D/LEN] [--count N] [--rate PPS]\n"
"                   [--seconds S] [--kind K[,K...]] [--seed N]\n"
"\n"
"Sends forged TCP/IPv4 frames out of IF (AF_PACKET, root), for tests on\n"
"a testbed only.\n"
"  flood      segments from random sources in --src-net, random ports\n"
"             and numbers; kinds ack, data, fin (default: all, in turn)\n"
"  blind      segments on the live tuple --src A:P -> --dst B:P with\n"
"             sequence numbers sprayed evenly over the space from a\n"
"             --seed start, ACK numbers at random; kinds rst, syn,\n"
"             data, ack (default: all, in turn)\n"
"  malformed  broken frames from --src (random ports) to --dst, every\n"
"             kind in turn; `--kind help` lists them\n"
"  --count N      frames in all (default %d)\n"
"  --rate PPS     frames per second; 0: as fast as it goes (default 0)\n"
"  --seconds S    stop after S seconds whatever is left (default %.0f)\n"
"  --src-mac MAC  default: IF's\n"
"Prints what it sent, per kind.\n", DEFAULT_COUNT, DEFAULT_SECONDS);
}

static int parse_mac(const char *s, uint8_t mac[6])
{
	unsigned m[6];
	char end;

	if (sscanf(s, "%x:%x:%x:%x:%x:%x%c", &m[0], &m[1], &m[2], &m[3],
		   &m[4], &m[5], &end) != 6)
		return -EINVAL;
	for (int i = 0; i < 6; i++) {
		if (m[i] > 0xff)
			return -EINVAL;
		mac[i] = (uint8_t)m[i];
	}
	return 0;
}

/* "A.B.C.D" or "A.B.C.D:PORT" (port required when need_port). */
static int parse_endpoint(const char *s, uint32_t *addr, uint16_t *port,
			  int need_port)
{
	char buf[32], *colon, *end;
	struct in_addr a;
	long p;

	if (strlen(s) >= sizeof(buf))
		return -EINVAL;
	strcpy(buf, s);
	colon = strchr(buf, ':');
	if (colon)
		*colon = '\0';
	if (inet_pton(AF_INET, buf, &a) != 1 || (need_port && !colon))
		return -EINVAL;
	*addr = a.s_addr;
	if (!colon)
		return 0;
	p = strtol(colon + 1, &end, 10);
	if (*end || end == colon + 1 || p < 0 || p > 65535)
		return -EINVAL;
	*port = (uint16_t)p;
	return 0;
}

static int parse_net(const char *s, uint32_t *net, uint32_t *mask)
{
	char buf[32], *slash, *end;
	struct in_addr a;
	long len;

	if (strlen(s) >= sizeof(buf) || !(slash = strchr(strcpy(buf, s), '/')))
		return -EINVAL;
	*slash = '\0';
	len = strtol(slash + 1, &end, 10);
	if (*end || inet_pton(AF_INET, buf, &a) != 1 || len < 8 || len > 30)
		return -EINVAL;
	*mask = htonl(~0u << (32 - len));
	*net = a.s_addr & *mask;
	return 0;
}

static int if_mac(const char *ifname, uint8_t mac[6])
{
	struct ifreq ifr = { 0 };
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), ret = 0;

	if (fd < 0)
		return -errno;
	memcpy(ifr.ifr_name, ifname, IF_NAMESIZE);
	if (ioctl(fd, SIOCGIFHWADDR, &ifr))
		ret = -errno;
	else
		memcpy(mac, ifr.ifr_hwaddr.sa_data, 6);
	close(fd);
	return ret;
}

static int parse_mode(struct xi_opts *o, const char *s)
{
	if (!strcmp(s, "flood"))
		o->mode = XI_FLOOD;
	else if (!strcmp(s, "blind"))
		o->mode = XI_BLIND;
	else if (!strcmp(s, "malformed"))
		o->mode = XI_MALFORMED;
	else
		return -EINVAL;
	return 0;
}

/* --kind a,b: a bit per name of the mode's generator. */
static int parse_kinds(struct xi_opts *o, const char *list)
{
	const struct xi_gen *g = xi_gen_of(o);
	char buf[512], *save = NULL;

	if (strlen(list) >= sizeof(buf))
		return -EINVAL;
	strcpy(buf, list);
	for (char *k = strtok_r(buf, ",", &save); k; k = strtok_r(NULL, ",", &save)) {
		int i = 0;

		while (i < g->nkinds && strcmp(g->names[i], k))
			i++;
		if (i == g->nkinds) {
			fprintf(stderr, "xtcp-inject: no kind '%s'; there are:", k);
			for (i = 0; i < g->nkinds; i++)
				fprintf(stderr, " %s", g->names[i]);
			fputc('\n', stderr);
			return -EINVAL;
		}
		o->kinds |= 1u << i;
	}
	return 0;
}

static int parse_number(const char *s, double lo, double hi, double *v)
{
	char *end;

	*v = strtod(s, &end);
	return *end || end == s || !(*v >= lo && *v <= hi) ? -EINVAL : 0;
}

static int parse_one(struct xi_opts *o, int opt, const char *arg,
		     const char **kinds)
{
	double v;
	int ret = 0;

	switch (opt) {
	case O_IFACE:
		if (!*arg || strlen(arg) >= sizeof(o->ifname))
			return -EINVAL;
		strcpy(o->ifname, arg);
		return 0;
	case O_DST:
		return parse_endpoint(arg, &o->daddr, &o->dport, 1);
	case O_SRC:
		return parse_endpoint(arg, &o->saddr, &o->sport, 0);
	case O_DST_MAC:
		return parse_mac(arg, o->dst_mac);
	case O_SRC_MAC:
		return parse_mac(arg, o->src_mac);
	case O_SRC_NET:
		return parse_net(arg, &o->net, &o->mask);
	case O_COUNT:
		ret = parse_number(arg, 1, 1e10, &v);
		o->count = (uint64_t)v;
		return ret;
	case O_RATE:
		ret = parse_number(arg, 0, 1e9, &v);
		o->rate = v;
		return ret;
	case O_SECONDS:
		ret = parse_number(arg, 0.001, MAX_SECONDS, &v);
		o->seconds = v;
		return ret;
	case O_SEED:
		ret = parse_number(arg, 0, 1e18, &v);
		o->seed = (uint64_t)v;
		return ret;
	case O_KIND:
		*kinds = arg;	/* resolved once the mode is known */
		return 0;
	}
	return -EINVAL;
}

static int check(struct xi_opts *o, int have_src_mac)
{
	const char *why = NULL;

	if (!o->ifname[0])
		why = "--iface is required";
	else if (!o->daddr)
		why = "--dst A.B.C.D:PORT is required";
	else if (!(o->dst_mac[0] | o->dst_mac[1] | o->dst_mac[2] |
		   o->dst_mac[3] | o->dst_mac[4] | o->dst_mac[5]))
		why = "--dst-mac is required";
	else if (o->mode == XI_FLOOD && !o->mask)
		why = "flood: --src-net A.B.C.D/LEN is required";
	else if (o->mode != XI_FLOOD && !o->saddr)
		why = "--src A.B.C.D is required";
	else if (o->mode == XI_BLIND && !o->sport)
		why = "blind: --src A.B.C.D:PORT is required";
	if (why) {
		fprintf(stderr, "xtcp-inject: %s\n", why);
		return -EINVAL;
	}
	if (!have_src_mac && if_mac(o->ifname, o->src_mac)) {
		fprintf(stderr, "xtcp-inject: no interface %s\n", o->ifname);
		return -EINVAL;
	}
	return 0;
}

int xi_opts_parse(struct xi_opts *o, int argc, char **argv)
{
	const char *kinds = NULL;
	int opt, have_src_mac = 0;

	memset(o, 0, sizeof(*o));
	o->count = DEFAULT_COUNT;
	o->seconds = DEFAULT_SECONDS;
	o->seed = 1;
	if (argc > 1 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
		usage(stdout);
		return 1;
	}
	if (argc < 2 || parse_mode(o, argv[1])) {
		usage(stderr);
		return -EINVAL;
	}
	optind = 2;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, "h", long_opts, NULL)) != -1) {
		if (opt == 'h') {
			usage(stdout);
			return 1;
		}
		have_src_mac |= opt == O_SRC_MAC;
		if (opt == '?' || parse_one(o, opt, optarg, &kinds)) {
			fprintf(stderr, "xtcp-inject: bad option or value: %s\n",
				argv[optind - 1]);
			return -EINVAL;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "xtcp-inject: unexpected '%s'\n", argv[optind]);
		return -EINVAL;
	}
	if (kinds && parse_kinds(o, kinds))
		return -EINVAL;
	return check(o, have_src_mac);
}

const struct xi_gen *xi_gen_of(const struct xi_opts *o)
{
	switch (o->mode) {
	case XI_FLOOD:
		return &xi_flood_gen;
	case XI_BLIND:
		return &xi_blind_gen;
	case XI_MALFORMED:
		return &xi_malformed_gen;
	}
	return NULL;
}
