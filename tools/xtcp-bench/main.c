// SPDX-License-Identifier: MIT
/*
 * xtcp-bench: handshake rates (and rr, bulk, SYN floods) of any TCP server,
 * measured from the other end of a link. README.md, "Benchmarks", says how.
 *
 *   main -> xb_run(): open the engines -> seed -> warm up -> snapshot ->
 *           measure -> snapshot -> drain -> close -> report
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include "flood.h"
#include "kengine.h"
#include "opts.h"
#include "report.h"
#include "responder.h"
#include "xdp.h"

#define XB_WATCH_NS	10000000ull	/* xdp engine: slot check period */
#define XB_PACE_NS	1000000ull	/* xdp open loop: SYN batch period */
#define XB_DRAIN_NS	500000000ull

static volatile int xb_stop;

static void xb_on_signal(int sig)
{
	(void)sig;
	xb_stop = 1;
}

struct xb_run {
	const struct xb_opts *o;
	struct xb_xdp x;
	bool have_xdp;
	struct xb_kengine *ke;
	struct xb_flood flood;
	uint64_t timeouts;
	uint64_t t0, seeded;		/* xdp open loop */
};

static bool xb_xdp_engine(const struct xb_opts *o)
{
	return o->mode == XB_CRR && o->engine == XB_ENGINE_XDP;
}

static void xb_sleep_ns(uint64_t ns)
{
	struct timespec ts = { (time_t)(ns / 1000000000ull), (long)(ns % 1000000000ull) };

	nanosleep(&ts, NULL);
}

/* The xdp engine between snapshots: pace the open loop, restart stalls. */
static int xb_xdp_tend(struct xb_run *r, uint64_t until)
{
	const struct xb_opts *o = r->o;

	while (!xb_stop && xb_now_ns() < until) {
		if (o->rate > 0) {
			uint64_t due = (uint64_t)(o->rate * (double)(xb_now_ns() - r->t0) / 1e9);
			int err = xb_xdp_seed(&r->x, (unsigned)(due - r->seeded));

			if (err)
				return err;
			r->seeded = due;
			xb_sleep_ns(XB_PACE_NS);
			continue;
		}
		r->timeouts += xb_xdp_watch(&r->x, (uint64_t)o->timeout_ms * 1000000ull);
		xb_sleep_ns(XB_WATCH_NS);
	}
	return 0;
}

static int xb_until(struct xb_run *r, uint64_t until)
{
	if (r->ke)
		return xb_kengine_run(r->ke, until, &xb_stop);
	if (xb_xdp_engine(r->o))
		return xb_xdp_tend(r, until);
	while (!xb_stop && xb_now_ns() < until)
		xb_sleep_ns(XB_WATCH_NS);
	return 0;
}

static void xb_snapshot(struct xb_run *r, struct xb_snap *s)
{
	memset(s, 0, sizeof(*s));
	s->ns = xb_now_ns();
	xb_cpu_read(s);
	if (r->have_xdp)
		xb_xdp_read(&r->x, s);
	if (r->ke)
		xb_kengine_read(r->ke, s);
	s->flood_sent = xb_flood_sent(&r->flood);
	s->timeouts = r->timeouts;
	if (xb_xdp_engine(r->o))
		s->ops = s->c[XB_C_completed];
	if (r->o->mode == XB_SYNFLOOD)
		s->ops = s->c[XB_C_flood_synack];
}

static int xb_open(struct xb_run *r)
{
	const struct xb_opts *o = r->o;
	int err;

	if (o->iface) {
		err = xb_xdp_open(&r->x, o, xb_xdp_engine(o) ? o->conns : 0);
		if (err)
			return err;
		r->have_xdp = true;
	}
	if (o->mode != XB_SYNFLOOD && !xb_xdp_engine(o)) {
		err = xb_kengine_open(&r->ke, o);
		if (err)
			return err;
	}
	if (o->flood_rate != XB_FLOOD_OFF) {
		err = xb_flood_start(&r->flood, &r->x, o->flood_rate);
		if (err)
			return err;
	}
	r->t0 = xb_now_ns();
	if (xb_xdp_engine(o) && o->rate == 0)
		return xb_xdp_seed(&r->x, o->conns);
	return 0;
}

/* Stops the load; the whole run's totals (warm-up and drain in) in z. */
static void xb_close(struct xb_run *r, struct xb_snap *z)
{
	xb_flood_stop(&r->flood);
	if (r->have_xdp)
		xb_xdp_drain(&r->x, XB_DRAIN_NS);
	xb_snapshot(r, z);
	if (r->have_xdp)
		xb_xdp_close(&r->x);
	xb_kengine_close(r->ke);
}

static int xb_run(const struct xb_opts *o)
{
	struct xb_run r = { .o = o };
	struct xb_snap a, b, z;
	struct xb_result res;
	int err;

	err = xb_open(&r);
	if (!err)
		err = xb_until(&r, r.t0 + (uint64_t)(o->warmup * 1e9));
	xb_snapshot(&r, &a);
	if (!err)
		err = xb_until(&r, a.ns + (uint64_t)(o->duration * 1e9));
	xb_snapshot(&r, &b);
	if (!err && r.flood.err)
		err = r.flood.err;
	xb_close(&r, &z);
	if (err) {
		fprintf(stderr, "xtcp-bench: %s\n", strerror(-err));
		return 1;
	}
	xb_result_make(&res, o, &a, &b);
	xb_report_human(o->json ? stderr : stdout, o, &res);
	if (o->json)
		xb_report_json(stdout, o, &res, &z);
	return xb_stop ? 1 : 0;
}

int main(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = xb_on_signal };
	struct xb_opts o;

	if (xb_opts_parse(&o, argc, argv))
		return 2;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	if (o.mode == XB_RESPONDER)
		return xb_responder_run(&o, &xb_stop);
	return xb_run(&o);
}
