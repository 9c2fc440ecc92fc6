// SPDX-License-Identifier: MIT
/*
 * For each interface: the pinned conns map (what XDP knows), then the
 * daemon's view of the same connections over its control socket; one row
 * per tuple, the daemon's state first (the map's lags by a batch).
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include "common/ctlsock.h"
#include "ctl/conns.h"
#include "tcp/stack.h"
#include "xdp/loader.h"
#include "xtcp/maps.h"

/* state.c's names, the RFC's */
const char *xt_tcp_state_name(enum xt_tcp_state state);

static const char *const timer_names[XT_TIMER_COUNT] = {
	[XT_TIMER_RTX] = "rtx", [XT_TIMER_DELACK] = "delack",
	[XT_TIMER_PERSIST] = "persist", [XT_TIMER_KEEPALIVE] = "keepalive",
	[XT_TIMER_TIMEWAIT] = "timewait",
};

struct row {
	struct xt_conn_info ci;
	int detailed;			/* ci came from the daemon */
};

struct snapshot {
	struct row *rows;
	unsigned n, cap;
	int daemon_err;			/* why there are no details, or 0 */
};

/* "fin_wait_1" and "FIN-WAIT-1" name the same state. */
static int same_name(const char *a, const char *b)
{
	for (; *a && *b; a++, b++) {
		char x = *a == '_' ? '-' : (char)toupper((unsigned char)*a);
		char y = *b == '_' ? '-' : (char)toupper((unsigned char)*b);

		if (x != y)
			return 0;
	}
	return *a == *b;
}

int ctl_state_parse(const char *name)
{
	for (int i = 0; i < XT_TCP_NSTATES; i++)
		if (same_name(name, xt_tcp_state_name((enum xt_tcp_state)i)))
			return i;
	return -1;
}

static struct row *snap_add(struct snapshot *s)
{
	if (s->n == s->cap) {
		unsigned cap = s->cap ? s->cap * 2 : 64;
		struct row *r = realloc(s->rows, cap * sizeof(*r));

		if (!r)
			return NULL;
		s->rows = r;
		s->cap = cap;
	}
	memset(&s->rows[s->n], 0, sizeof(s->rows[0]));
	return &s->rows[s->n++];
}

static struct row *snap_find(struct snapshot *s, const struct xt_conn_info *ci)
{
	for (unsigned i = 0; i < s->n; i++) {
		const struct xt_conn_info *r = &s->rows[i].ci;

		if (r->laddr == ci->laddr && r->raddr == ci->raddr &&
		    r->lport == ci->lport && r->rport == ci->rport)
			return &s->rows[i];
	}
	return NULL;
}

/* Every entry of IF's pinned conns map: tuple and state. */
static int read_map(const char *ifname, struct snapshot *s)
{
	char dir[PATH_MAX], path[PATH_MAX + 8];
	struct xt_conn_key k, next, *prev = NULL;
	struct xt_conn_val v;
	int fd, ret = xt_pin_dir(dir, sizeof(dir), ifname);

	if (ret)
		return ret;
	snprintf(path, sizeof(path), "%s/conns", dir);
	fd = bpf_obj_get(path);
	if (fd < 0)
		return -errno;
	while (!bpf_map_get_next_key(fd, prev, &next)) {
		struct row *r;

		k = next;
		prev = &k;
		if (bpf_map_lookup_elem(fd, &k, &v))
			continue;	/* deleted meanwhile */
		r = snap_add(s);
		if (!r) {
			close(fd);
			return -ENOMEM;
		}
		memcpy(&r->ci.laddr, k.laddr, 4);
		memcpy(&r->ci.raddr, k.raddr, 4);
		r->ci.lport = k.lport;
		r->ci.rport = k.rport;
		r->ci.state = (uint8_t)v.state;
	}
	close(fd);
	return 0;
}

/* The daemon's view, merged into the map's rows. */
static int read_daemon(const char *ifname, struct snapshot *s)
{
	struct xt_ctl_req req = { .op = XT_CTL_OP_CONNS };
	struct xt_ctl_conns_hdr hdr;
	int fd = xt_ctl_connect(ifname), ret;

	if (fd < 0)
		return fd;
	ret = xt_write_full(fd, &req, sizeof(req));
	if (!ret && xt_read_full(fd, &hdr, sizeof(hdr)) != sizeof(hdr))
		ret = -EPROTO;
	for (uint32_t i = 0; !ret && i < hdr.n; i++) {
		struct xt_conn_info ci;
		struct row *r;

		if (xt_read_full(fd, &ci, sizeof(ci)) != sizeof(ci)) {
			ret = -EPROTO;
			break;
		}
		r = snap_find(s, &ci);
		if (!r)
			r = snap_add(s);
		if (!r) {
			ret = -ENOMEM;
			break;
		}
		r->ci = ci;
		r->detailed = 1;
	}
	close(fd);
	return ret;
}

static int row_matches(const struct row *r, const struct conns_filter *f)
{
	return (f->state < 0 || r->ci.state == f->state) &&
	       (!f->port || r->ci.lport == f->port || r->ci.rport == f->port);
}

static void addr_port(char *buf, size_t len, uint32_t addr, uint16_t port)
{
	char a[INET_ADDRSTRLEN];

	inet_ntop(AF_INET, &addr, a, sizeof(a));
	snprintf(buf, len, "%s:%u", a, port);
}

static void print_text_details(FILE *out, const struct xt_conn_info *ci)
{
	fprintf(out, "\t rtt:%.3f/%.3f rto:%u mss:%u cwnd:%u", ci->srtt_us / 1000.0,
		ci->rttvar_us / 1000.0, ci->rto_ms, ci->mss, ci->cwnd);
	if (ci->ssthresh && ci->ssthresh != UINT32_MAX)
		fprintf(out, " ssthresh:%u", ci->ssthresh);
	fprintf(out, " snd_wnd:%u rcv_wnd:%u retrans:%u/%u", ci->snd_wnd,
		ci->rcv_wnd, ci->backoff, ci->retrans);
	if (ci->timers) {
		fprintf(out, " timers:");
		for (int t = 0; t < XT_TIMER_COUNT; t++)
			if (ci->timers & (1u << t))
				fprintf(out, "(%s,%ums)", timer_names[t],
					ci->timer_ms[t]);
	}
	fputc('\n', out);
}

static void print_text(FILE *out, const char *ifname, const struct snapshot *s,
		       const struct conns_filter *f)
{
	for (unsigned i = 0; i < s->n; i++) {
		const struct row *r = &s->rows[i];
		char l[32], p[32];

		if (!row_matches(r, f))
			continue;
		addr_port(l, sizeof(l), r->ci.laddr, r->ci.lport);
		addr_port(p, sizeof(p), r->ci.raddr, r->ci.rport);
		if (r->detailed)
			fprintf(out, "%-13s %-7u %-7u %-21s %-21s %s\n",
				xt_tcp_state_name(r->ci.state), r->ci.recvq,
				r->ci.sendq, l, p, ifname);
		else
			fprintf(out, "%-13s %-7s %-7s %-21s %-21s %s\n",
				xt_tcp_state_name(r->ci.state), "-", "-", l, p,
				ifname);
		if (r->detailed)
			print_text_details(out, &r->ci);
	}
}

static void print_json_row(FILE *out, const char *ifname, const struct row *r)
{
	const struct xt_conn_info *ci = &r->ci;
	char l[32], p[32];
	int first = 1;

	addr_port(l, sizeof(l), ci->laddr, ci->lport);
	addr_port(p, sizeof(p), ci->raddr, ci->rport);
	fprintf(out, "{\"iface\":\"%s\",\"local\":\"%s\",\"peer\":\"%s\","
		"\"state\":\"%s\"", ifname, l, p, xt_tcp_state_name(ci->state));
	if (!r->detailed) {
		fputc('}', out);
		return;
	}
	fprintf(out, ",\"recv_q\":%u,\"send_q\":%u,\"rtt_ms\":%.3f,"
		"\"rttvar_ms\":%.3f,\"rto_ms\":%u,\"mss\":%u,\"cwnd\":%u,",
		ci->recvq, ci->sendq, ci->srtt_us / 1000.0, ci->rttvar_us / 1000.0,
		ci->rto_ms, ci->mss, ci->cwnd);
	if (ci->ssthresh && ci->ssthresh != UINT32_MAX)
		fprintf(out, "\"ssthresh\":%u,", ci->ssthresh);
	else
		fprintf(out, "\"ssthresh\":null,");
	fprintf(out, "\"snd_wnd\":%u,\"rcv_wnd\":%u,\"retrans\":%u,"
		"\"backoff\":%u,\"worker\":%u,\"timers\":{",
		ci->snd_wnd, ci->rcv_wnd, ci->retrans, ci->backoff, ci->worker);
	for (int t = 0; t < XT_TIMER_COUNT; t++)
		if (ci->timers & (1u << t)) {
			fprintf(out, "%s\"%s\":%u", first ? "" : ",",
				timer_names[t], ci->timer_ms[t]);
			first = 0;
		}
	fprintf(out, "}}");
}

static int read_iface(const char *ifname, struct snapshot *s)
{
	int ret = read_map(ifname, s);

	if (ret)
		return ret;
	s->daemon_err = read_daemon(ifname, s);
	return 0;
}

int ctl_conns(FILE *out, char ifnames[][64], int n,
	      const struct conns_filter *f, int json)
{
	int ok = 0, last_err = -ENOENT, first = 1;

	if (json)
		fprintf(out, "{\"conns\":[");
	else
		fprintf(out, "%-13s %-7s %-7s %-21s %-21s %s\n", "State", "Recv-Q",
			"Send-Q", "Local Address:Port", "Peer Address:Port",
			"Interface");
	for (int i = 0; i < n; i++) {
		struct snapshot s = { 0 };
		int ret = read_iface(ifnames[i], &s);

		if (ret) {
			fprintf(stderr, "xtcpctl: %s: cannot read its conns map: %s\n",
				ifnames[i], strerror(-ret));
			last_err = ret;
			free(s.rows);
			continue;
		}
		ok++;
		if (s.daemon_err)
			fprintf(stderr, "xtcpctl: %s: no details from xtcpd's control "
				"socket (%s)\n", ifnames[i], strerror(-s.daemon_err));
		if (!json)
			print_text(out, ifnames[i], &s, f);
		for (unsigned r = 0; json && r < s.n; r++) {
			if (!row_matches(&s.rows[r], f))
				continue;
			fputs(first ? "" : ",", out);
			print_json_row(out, ifnames[i], &s.rows[r]);
			first = 0;
		}
		free(s.rows);
	}
	if (json)
		fprintf(out, "]}\n");
	fflush(out);
	return ok ? 0 : last_err;
}
