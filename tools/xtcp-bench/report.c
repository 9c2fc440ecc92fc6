// SPDX-License-Identifier: MIT
/* Results: rates, latency quantiles, CPU per operation; human and JSON. */
#include <arpa/inet.h>
#include <sched.h>
#include <string.h>
#include "report.h"

static const double xb_quantiles[4] = { 0.50, 0.90, 0.99, 0.999 };
static const char *const xb_qnames[4] = { "p50", "p90", "p99", "p999" };

/* The client's CPUs: our affinity, less the server's CPU. */
static void xb_client_mask(const struct xb_opts *o, uint64_t *mask)
{
	cpu_set_t set;

	memset(mask, 0, XB_MAX_CPUS / 8);
	CPU_ZERO(&set);
	if (sched_getaffinity(0, sizeof(set), &set))
		return;
	for (int i = 0; i < XB_MAX_CPUS && i < CPU_SETSIZE; i++)
		if (CPU_ISSET(i, &set) && i != o->server_cpu)
			mask[i / 64] |= 1ull << (i % 64);
}

void xb_result_make(struct xb_result *r, const struct xb_opts *o,
		    const struct xb_snap *a, const struct xb_snap *b)
{
	uint64_t hist[XB_HIST_BUCKETS], smask[XB_MAX_CPUS / 64] = { 0 };
	uint64_t cmask[XB_MAX_CPUS / 64];

	memset(r, 0, sizeof(*r));
	r->secs = (double)(b->ns - a->ns) / 1e9;
	for (int i = 0; i < XB_C_COUNT; i++)
		r->c[i] = b->c[i] - a->c[i];
	r->ops = b->ops - a->ops;
	if (o->mode == XB_BULK)		/* bulk's unit of work: a MiB sent */
		r->ops = (b->bytes - a->bytes) >> 20;
	r->errors = b->errors - a->errors;
	r->timeouts = b->timeouts - a->timeouts;
	r->bytes = b->bytes - a->bytes;
	r->flood_sent = b->flood_sent - a->flood_sent;
	for (int i = 0; i < XB_HIST_BUCKETS; i++)
		hist[i] = b->hist[i] - a->hist[i];
	for (int q = 0; q < 4; q++)
		r->lat_ns[q] = xb_hist_quantile(hist, xb_quantiles[q]);
	smask[o->server_cpu / 64] = 1ull << (o->server_cpu % 64);
	xb_client_mask(o, cmask);
	r->srv_cpu = xb_cpu_busy(a, b, smask, &r->srv_busy_s);
	r->cli_cpu = xb_cpu_busy(a, b, cmask, &r->cli_busy_s);
}

static double xb_rate(const struct xb_result *r, uint64_t n)
{
	return r->secs > 0 ? (double)n / r->secs : 0;
}

/* Microseconds of busy CPU per operation. */
static double xb_per_op(double busy_s, uint64_t ops)
{
	return ops ? busy_s * 1e6 / (double)ops : 0;
}

static const char *xb_op_name(enum xb_mode m)
{
	switch (m) {
	case XB_CRR: return "conn";
	case XB_RR: return "trans";
	case XB_SYNFLOOD: return "synack";
	case XB_BULK: return "MiB";
	default: return "op";
	}
}

void xb_report_human(FILE *f, const struct xb_opts *o, const struct xb_result *r)
{
	const char *op = xb_op_name(o->mode);

	fprintf(f, "%s %s c%u: ", xb_mode_name(o->mode),
		o->mode == XB_CRR ? xb_engine_name(o->engine) : "kernel", o->conns);
	if (o->mode == XB_BULK)
		fprintf(f, "%.2f Gbit/s", xb_rate(r, r->bytes) * 8 / 1e9);
	else
		fprintf(f, "%.0f %s/s (%llu in %.2f s)", xb_rate(r, r->ops), op,
			(unsigned long long)r->ops, r->secs);
	if (o->mode == XB_CRR || o->mode == XB_RR)
		fprintf(f, "; latency us p50 %.1f p90 %.1f p99 %.1f p99.9 %.1f",
			r->lat_ns[0] / 1e3, r->lat_ns[1] / 1e3, r->lat_ns[2] / 1e3,
			r->lat_ns[3] / 1e3);
	fprintf(f, "; server cpu%d %.0f%% %.2f us/%s; client %.0f%% %.2f us/%s",
		o->server_cpu, r->srv_cpu * 100, xb_per_op(r->srv_busy_s, r->ops), op,
		r->cli_cpu * 100, xb_per_op(r->cli_busy_s, r->ops), op);
	if (o->flood_rate != XB_FLOOD_OFF)
		fprintf(f, "; flood %.0f SYN/s, %.0f SYN-ACK/s", xb_rate(r, r->flood_sent),
			xb_rate(r, r->c[XB_C_flood_synack]));
	fprintf(f, "; errors %llu timeouts %llu resets %llu\n",
		(unsigned long long)r->errors, (unsigned long long)r->timeouts,
		(unsigned long long)r->c[XB_C_resets]);
}

void xb_report_json(FILE *f, const struct xb_opts *o, const struct xb_result *r,
		    const struct xb_snap *total)
{
	static const char *const names[] = {
#define XB_NAME(name, desc) #name,
		XB_COUNTERS(XB_NAME)
#undef XB_NAME
	};
	char server[INET_ADDRSTRLEN];

	inet_ntop(AF_INET, &o->server, server, sizeof(server));
	fprintf(f, "{\"mode\":\"%s\",\"engine\":\"%s\",\"server\":\"%s\",\"port\":%u,"
		"\"conns\":%u,\"rate\":%.0f,\"flood_rate\":%.0f,\"secs\":%.3f,"
		"\"ops\":%llu,\"ops_per_s\":%.1f,\"bytes\":%llu,\"gbit_s\":%.3f,",
		xb_mode_name(o->mode),
		o->mode == XB_CRR ? xb_engine_name(o->engine) : "kernel", server,
		o->port, o->conns, o->rate, o->flood_rate, r->secs,
		(unsigned long long)r->ops, xb_rate(r, r->ops),
		(unsigned long long)r->bytes, xb_rate(r, r->bytes) * 8 / 1e9);
	fprintf(f, "\"lat_us\":{");
	for (int q = 0; q < 4; q++)
		fprintf(f, "%s\"%s\":%.2f", q ? "," : "", xb_qnames[q], r->lat_ns[q] / 1e3);
	fprintf(f, "},\"server_cpu\":%.3f,\"server_us_per_op\":%.3f,"
		"\"client_cpu\":%.3f,\"client_us_per_op\":%.3f,",
		r->srv_cpu, xb_per_op(r->srv_busy_s, r->ops),
		r->cli_cpu, xb_per_op(r->cli_busy_s, r->ops));
	fprintf(f, "\"errors\":%llu,\"timeouts\":%llu,\"flood_sent\":%llu,"
		"\"flood_per_s\":%.1f,\"synack_per_s\":%.1f,\"counters\":{",
		(unsigned long long)r->errors, (unsigned long long)r->timeouts,
		(unsigned long long)r->flood_sent, xb_rate(r, r->flood_sent),
		xb_rate(r, r->c[XB_C_flood_synack]));
	for (int i = 0; i < XB_C_COUNT; i++)
		fprintf(f, "%s\"%s\":%llu", i ? "," : "", names[i],
			(unsigned long long)r->c[i]);
	fprintf(f, "},\"total\":{\"ops\":%llu,\"errors\":%llu,\"timeouts\":%llu,"
		"\"flood_sent\":%llu",
		(unsigned long long)total->ops, (unsigned long long)total->errors,
		(unsigned long long)total->timeouts,
		(unsigned long long)total->flood_sent);
	for (int i = 0; i < XB_C_COUNT; i++)
		fprintf(f, ",\"%s\":%llu", names[i], (unsigned long long)total->c[i]);
	fprintf(f, "}}\n");
}
