// SPDX-License-Identifier: MIT
/*
 * The rings between workers (user/xtcpd/handoff.c): who owns a frame,
 * frames in order and intact, a full ring refusing, and the wakeup of a
 * sleeping owner.
 */
#include <criterion/criterion.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>
#include <sys/eventfd.h>
#include "xtcpd/handoff.h"
#include "xtcp/maps.h"

#define SHARE	1000u
#define FMAX	2048u

Test(handoff, a_slot_names_the_worker_whose_share_holds_it)
{
	struct xt_handoff *h = xt_handoff_new(4, SHARE, FMAX);

	cr_assert_not_null(h);
	cr_assert_eq(xt_handoff_owner(h, 0, 2), 0);
	cr_assert_eq(xt_handoff_owner(h, SHARE - 1, 2), 0);
	cr_assert_eq(xt_handoff_owner(h, SHARE, 2), 1);
	cr_assert_eq(xt_handoff_owner(h, 3 * SHARE + 7, 2), 3);
	xt_handoff_free(h);
}

Test(handoff, a_pending_tuple_belongs_to_the_queue_of_its_cookie_ack)
{
	struct xt_handoff *h = xt_handoff_new(4, SHARE, FMAX);

	cr_assert_not_null(h);
	cr_assert_eq(xt_handoff_owner(h, XT_SLOT_PENDING + 0, 3), 0);
	cr_assert_eq(xt_handoff_owner(h, XT_SLOT_PENDING + 2, 0), 2);
	cr_assert_eq(xt_handoff_owner(h, XT_SLOT_PENDING + 9, 1), 1,
		     "a queue without a worker: the one that got it");
	xt_handoff_free(h);
}

Test(handoff, a_tuple_without_entry_stays_where_it_came_in)
{
	struct xt_handoff *h = xt_handoff_new(2, SHARE, FMAX);

	cr_assert_not_null(h);
	cr_assert_eq(xt_handoff_owner(h, XT_SLOT_NONE, 0), 0);
	cr_assert_eq(xt_handoff_owner(h, XT_SLOT_NONE, 1), 1);
	cr_assert_eq(xt_handoff_owner(h, 2 * SHARE, 1), 1,
		     "past every share: the one that got it");
	xt_handoff_free(h);
}

struct got {
	unsigned n;
	uint32_t len[512];
	uint8_t first[512];
};

static void collect(void *ctx, const uint8_t *frame, uint32_t len)
{
	struct got *g = ctx;

	g->len[g->n] = len;
	g->first[g->n] = len ? frame[0] : 0;
	g->n++;
}

Test(handoff, frames_arrive_in_order_and_intact)
{
	struct xt_handoff *h = xt_handoff_new(3, SHARE, FMAX);
	uint8_t frame[FMAX];
	struct got g = { 0 };

	cr_assert_not_null(h);
	for (unsigned i = 0; i < 10; i++) {
		memset(frame, (int)i, sizeof(frame));
		cr_assert(xt_handoff_push(h, 1, 2, frame, 60 + i));
	}
	cr_assert_eq(xt_handoff_drain(h, 0, 64, collect, &g), 0,
		     "nothing for worker 0");
	cr_assert_eq(xt_handoff_drain(h, 2, 4, collect, &g), 4, "max holds");
	cr_assert_eq(xt_handoff_drain(h, 2, 64, collect, &g), 6);
	for (unsigned i = 0; i < 10; i++) {
		cr_assert_eq(g.len[i], 60 + i);
		cr_assert_eq(g.first[i], i);
	}
	cr_assert_eq(xt_handoff_drain(h, 2, 64, collect, &g), 0);
	xt_handoff_free(h);
}

Test(handoff, a_full_ring_refuses_and_takes_again_once_drained)
{
	struct xt_handoff *h = xt_handoff_new(2, SHARE, FMAX);
	uint8_t frame[64] = { 0 };
	struct got g = { 0 };
	unsigned pushed = 0;

	cr_assert_not_null(h);
	while (pushed < 10000 && xt_handoff_push(h, 0, 1, frame, sizeof(frame)))
		pushed++;
	cr_assert_eq(pushed, 256, "the ring holds 256 frames, took %u", pushed);
	cr_assert_eq(xt_handoff_drain(h, 1, 1, collect, &g), 1);
	cr_assert(xt_handoff_push(h, 0, 1, frame, sizeof(frame)));
	cr_assert_not(xt_handoff_push(h, 0, 1, frame, sizeof(frame)));
	xt_handoff_free(h);
}

Test(handoff, refuses_itself_and_frames_too_long)
{
	struct xt_handoff *h = xt_handoff_new(2, SHARE, 100);
	uint8_t frame[101] = { 0 };

	cr_assert_not_null(h);
	cr_assert_not(xt_handoff_push(h, 0, 0, frame, 10), "to itself");
	cr_assert_not(xt_handoff_push(h, 0, 1, frame, 101), "too long");
	cr_assert(xt_handoff_push(h, 0, 1, frame, 100));
	xt_handoff_free(h);
	cr_assert_null(xt_handoff_new(1, SHARE, 100), "one worker needs none");
}

static bool readable(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	return poll(&p, 1, 0) == 1;
}

Test(handoff, a_sleeping_owner_is_woken_an_awake_one_is_not)
{
	struct xt_handoff *h = xt_handoff_new(2, SHARE, FMAX);
	int fd = eventfd(0, EFD_NONBLOCK);
	uint8_t frame[64] = { 0 };
	uint64_t v;

	cr_assert_not_null(h);
	cr_assert_geq(fd, 0);
	xt_handoff_set_wake_fd(h, 1, fd);

	cr_assert(xt_handoff_push(h, 0, 1, frame, sizeof(frame)));
	xt_handoff_flush(h, 0);
	cr_assert_not(readable(fd), "awake: no eventfd write");
	cr_assert_not(xt_handoff_sleep_begin(h, 1), "a frame waits: no sleep");

	cr_assert_eq(xt_handoff_drain(h, 1, 64, collect, &(struct got){ 0 }), 1);
	cr_assert(xt_handoff_sleep_begin(h, 1), "nothing waits: it may sleep");
	cr_assert(xt_handoff_push(h, 0, 1, frame, sizeof(frame)));
	xt_handoff_flush(h, 0);
	cr_assert(readable(fd), "asleep: woken");
	cr_assert_eq(read(fd, &v, sizeof(v)), (ssize_t)sizeof(v));
	xt_handoff_sleep_end(h, 1);
	close(fd);
	xt_handoff_free(h);
}
