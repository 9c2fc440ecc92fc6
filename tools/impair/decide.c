// SPDX-License-Identifier: MIT
/*
 * Each impairment is an independent Bernoulli trial per segment, drawn
 * from splitmix64 (fast, and good enough for counting statistics: it
 * passes BigCrush). Delay is uniform in delay ± jitter, but in-order
 * segments never overtake each other: a segment leaves no earlier than the
 * one before it (as netem with a FIFO child), so jitter alone never
 * reorders, and --reorder is the only source of reordering.
 */
#include <math.h>
#include "decide.h"

static uint64_t next_rand(struct xt_decider *d)
{
	uint64_t z = (d->rng += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* p in [0, 1] as a threshold t: a draw r "hits" when r < t, or always
 * when p is 1 (t = UINT64_MAX would miss r = UINT64_MAX). */
static uint64_t threshold(double p)
{
	if (p <= 0)
		return 0;
	if (p >= 1)
		return UINT64_MAX;
	return (uint64_t)ldexp(p, 64);
}

static bool hit(struct xt_decider *d, uint64_t thr)
{
	if (thr == 0)
		return false;	/* no draw: a zero rate costs nothing */
	return thr == UINT64_MAX || next_rand(d) < thr;
}

void xt_decide_init(struct xt_decider *d, const struct xt_imp_cfg *cfg,
		    uint64_t seed)
{
	*d = (struct xt_decider){
		.cfg = *cfg,
		.thr_loss = threshold(cfg->loss),
		.thr_dup = threshold(cfg->dup),
		.thr_reorder = threshold(cfg->reorder),
		.thr_corrupt = threshold(cfg->corrupt),
		.rng = seed,
	};
}

static uint64_t draw_delay(struct xt_decider *d)
{
	uint64_t delay = d->cfg.delay_ns, jitter = d->cfg.jitter_ns, span;

	if (jitter == 0)
		return delay;
	span = 2 * jitter + 1;
	delay += next_rand(d) % span;	/* modulo bias: span / 2^64, nil */
	return delay > jitter ? delay - jitter : 0;
}

struct xt_plan xt_decide(struct xt_decider *d, uint64_t now_ns)
{
	struct xt_plan p = { .release_ns = now_ns };

	if (hit(d, d->thr_loss)) {
		p.drop = true;
		return p;
	}
	p.corrupt = hit(d, d->thr_corrupt);
	if (p.corrupt)
		p.rand = next_rand(d);
	p.dup = hit(d, d->thr_dup);
	p.reorder = hit(d, d->thr_reorder);
	p.release_ns = now_ns + draw_delay(d);
	if (p.reorder) {
		/* Out of the FIFO: later segments leave at their own time. */
		p.release_ns += d->cfg.reorder_gap_ns;
		return p;
	}
	if (p.release_ns < d->floor_ns)
		p.release_ns = d->floor_ns;
	d->floor_ns = p.release_ns;
	return p;
}
