// SPDX-License-Identifier: MIT
#include <errno.h>
#include <string.h>
#include <sys/random.h>
#include <bpf/bpf.h>
#include "common/log.h"
#include "xtcpd/cookies.h"

#define EVAL_MS		1000	/* auto: how often the SYN rate is measured */
#define CALM_S		5	/* auto: calm seconds before cookies go off */

static int new_key(struct xt_siphash_key *k)
{
	return getrandom(k, sizeof(*k), 0) == sizeof(*k) ? 0 : -EIO;
}

static int keys_publish(const struct xt_cookies *c)
{
	__u32 zero = 0;

	return bpf_map_update_elem(c->keys_fd, &zero, &c->keys, BPF_ANY) ?
	       -errno : 0;
}

int xt_cookies_init(struct xt_cookies *c, const struct xt_config *cfg,
		    int keys_fd, uint64_t now)
{
	int ret;

	memset(c, 0, sizeof(*c));
	c->keys_fd = keys_fd;
	c->mode = cfg->cookie_mode;
	c->period_ms = (uint64_t)cfg->cookie_period_s * 1000;
	c->next_rotation = now + c->period_ms;
	c->rate = cfg->cookie_rate;
	c->half_open = cfg->cookie_half_open;
	c->on = c->mode == XT_COOKIES_ALWAYS;
	c->last_eval = now;
	ret = new_key(&c->keys.cur);
	if (!ret)
		ret = new_key(&c->keys.prev);
	if (!ret)
		ret = new_key(&c->keys.white);	/* for good: never rotated */
	if (!ret)
		ret = keys_publish(c);
	if (ret)
		xt_err("cannot set the SYN-cookie keys: %s", strerror(-ret));
	return ret;
}

/* The previous secret is the last; cookies made with it expire now. */
static void rotate(struct xt_cookies *c, uint64_t now)
{
	struct xt_cookie_keys next = c->keys;

	next.prev = c->keys.cur;
	if (new_key(&next.cur))
		return;
	next.generation++;
	c->keys = next;
	if (keys_publish(c))
		xt_warn("cannot rotate the SYN-cookie keys: %s", strerror(errno));
	c->next_rotation = now + c->period_ms;
}

/* Auto mode: on at once under a flood, off after CALM_S quiet seconds. */
static bool auto_decide(struct xt_cookies *c, uint64_t now, uint64_t syns,
			uint64_t half_open)
{
	uint64_t rate;
	bool flood, calm;

	if (now - c->last_eval < EVAL_MS && half_open <= c->half_open)
		return c->on;
	rate = (syns - c->last_syns) * 1000 / (now - c->last_eval ?: 1);
	c->last_syns = syns;
	c->last_eval = now;
	flood = rate > c->rate || half_open > c->half_open;
	calm = rate < c->rate / 2 && half_open < c->half_open / 2;
	c->calm_s = calm ? c->calm_s + 1 : 0;
	if (flood)
		return true;
	return c->on && c->calm_s < CALM_S;
}

bool xt_cookies_tick(struct xt_cookies *c, uint64_t now, uint64_t syns,
		     uint64_t half_open)
{
	bool was = c->on;

	if (now >= c->next_rotation)
		rotate(c, now);
	if (c->mode != XT_COOKIES_AUTO)
		return false;
	c->on = auto_decide(c, now, syns, half_open);
	if (c->on == was)
		return false;
	c->switches++;
	xt_info("SYN cookies %s (switch %llu)", c->on ? "on" : "off",
		(unsigned long long)c->switches);
	return true;
}

uint64_t xt_cookies_next_delay(const struct xt_cookies *c, uint64_t now)
{
	uint64_t d = c->next_rotation > now ? c->next_rotation - now : 0;

	if (c->mode == XT_COOKIES_AUTO && d > 100)
		d = 100;	/* watch the half-open count closely */
	return d;
}
