// SPDX-License-Identifier: MIT
#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include "ctl/stats.h"
#include "xdp/counters.h"
#include "xtcp/maps.h"

#define FIELD(name) { #name, offsetof(struct xt_xdp_stats, name) }

static const struct {
	const char *name;
	size_t off;
} stats_fields[] = {
	FIELD(rx_frames),
	FIELD(pass_not_ipv4),
	FIELD(pass_not_tcp),
	FIELD(pass_fragment),
	FIELD(pass_malformed_ip),
	FIELD(pass_unowned),
	FIELD(drop_malformed_tcp),
	FIELD(redirect),
	FIELD(drop_no_socket),
	FIELD(tx_synack_cookie),
	FIELD(redirect_cookie_ack),
	FIELD(tx_rst_bad_cookie),
	FIELD(drop_bad_cookie),
	FIELD(tx_rst_unknown),
	FIELD(drop_rst_unknown),
	FIELD(drop_rst_window),
	FIELD(drop_bad_csum),
	FIELD(tap_ring_full),
	FIELD(drop_rst_ratelimit),
};

_Static_assert(sizeof(stats_fields) / sizeof(stats_fields[0]) ==
	       XT_STATS_FIELD_COUNT, "every counter has a name");

static int stats_sum(const char *pin_dir, struct xt_xdp_stats *sum)
{
	char path[PATH_MAX];
	int fd, ret;

	snprintf(path, sizeof(path), "%s/stats", pin_dir);
	fd = bpf_obj_get(path);
	if (fd < 0)
		return -errno;
	ret = xt_xdp_stats_read(fd, sum);
	close(fd);
	return ret;
}

#define DFIELD(name) { #name, offsetof(struct xt_daemon_stats, name) }

static const struct {
	const char *name;
	size_t off;
} dstats_fields[] = {
	DFIELD(segs_in), DFIELD(segs_out), DFIELD(malformed), DFIELD(bad_csum),
	DFIELD(active_opens), DFIELD(passive_opens),
	DFIELD(resets_sent), DFIELD(resets_received),
	DFIELD(retransmits), DFIELD(fast_retransmits), DFIELD(timeouts),
	DFIELD(challenge_acks), DFIELD(paws_drops), DFIELD(bad_acks),
	DFIELD(backlog_drops), DFIELD(conn_limit_drops),
	DFIELD(keepalive_drops), DFIELD(ooo_segments), DFIELD(ooo_limit_drops),
	DFIELD(rto_expiries), DFIELD(tlp_probes), DFIELD(tlp_recoveries),
	DFIELD(dsacks), DFIELD(undos), DFIELD(sack_renegings),
	DFIELD(xsk_rx_dropped), DFIELD(xsk_rx_ring_full), DFIELD(xsk_fill_empty),
	DFIELD(tx_ring_full), DFIELD(tx_no_frame),
	DFIELD(handoff_out), DFIELD(handoff_in), DFIELD(handoff_drops),
	DFIELD(oow_acks_skipped), DFIELD(spin_yields),
};

_Static_assert(sizeof(dstats_fields) / sizeof(dstats_fields[0]) ==
	       XT_DSTATS_COUNTERS, "every daemon counter has a name");

/* "conns_" and the state's name, as ss(8) spells states, lower case. */
static const char *const conn_names[XT_TCP_NSTATES] = {
	"conns_closed", "conns_listen", "conns_syn_sent", "conns_syn_recv",
	"conns_established", "conns_fin_wait1", "conns_fin_wait2",
	"conns_close_wait", "conns_closing", "conns_last_ack",
	"conns_time_wait",
};

/* Every worker's slot added up (unused slots are zero), or one's. */
static int dstats_sum(const char *pin_dir, int worker,
		      struct xt_daemon_stats *sum)
{
	struct xt_daemon_stats one;
	char path[PATH_MAX];
	int fd;

	snprintf(path, sizeof(path), "%s/dstats", pin_dir);
	fd = bpf_obj_get(path);
	if (fd < 0)
		return -errno;
	memset(sum, 0, sizeof(*sum));
	for (__u32 k = 0; k < XT_MAX_QUEUES; k++) {
		if (worker >= 0 && k != (__u32)worker)
			continue;
		if (bpf_map_lookup_elem(fd, &k, &one)) {
			close(fd);
			return -errno;
		}
		for (size_t f = 0; f < sizeof(one) / sizeof(__u64); f++)
			((__u64 *)sum)[f] += ((__u64 *)&one)[f];
	}
	close(fd);
	return 0;
}

struct printer {
	FILE *out;
	int json;
	int n;
};

static void put(struct printer *p, const char *name, __u64 v)
{
	if (p->json)
		fprintf(p->out, "%s\"%s\": %llu", p->n ? ", " : "", name,
			(unsigned long long)v);
	else
		fprintf(p->out, "%-22s %llu\n", name, (unsigned long long)v);
	p->n++;
}

static __u64 field(const void *base, size_t off)
{
	return *(const __u64 *)((const char *)base + off);
}

/* The settings xtcpd gave XDP: cookie mode and its switches. */
static int ctl_read(const char *pin_dir, struct xt_ctl *c)
{
	char path[PATH_MAX];
	__u32 zero = 0;
	int fd, ret = 0;

	snprintf(path, sizeof(path), "%s/ctl", pin_dir);
	fd = bpf_obj_get(path);
	if (fd < 0)
		return -errno;
	if (bpf_map_lookup_elem(fd, &zero, c))
		ret = -errno;
	close(fd);
	return ret;
}

int ctl_stats(FILE *out, const char *pin_dir, int json, int worker)
{
	struct printer p = { .out = out, .json = json };
	struct xt_xdp_stats xdp;
	struct xt_daemon_stats d;
	struct xt_ctl c;
	int ret = stats_sum(pin_dir, &xdp);

	if (!ret)
		ret = dstats_sum(pin_dir, worker, &d);
	if (!ret)
		ret = ctl_read(pin_dir, &c);
	if (ret)
		return ret;
	if (json)
		fprintf(out, "{");
	for (size_t i = 0; worker < 0 && i < XT_STATS_FIELD_COUNT; i++)
		put(&p, stats_fields[i].name, field(&xdp, stats_fields[i].off));
	for (int i = XT_LISTEN; i < XT_TCP_NSTATES; i++)
		put(&p, conn_names[i], d.conns[i]);
	for (size_t i = 0; i < XT_DSTATS_COUNTERS; i++)
		put(&p, dstats_fields[i].name, field(&d, dstats_fields[i].off));
	put(&p, "syncookies_on", !!(c.flags & XT_CTL_COOKIES));
	put(&p, "syncookie_switches", c.cookie_switches);
	if (json)
		fprintf(out, "}\n");
	return 0;
}
