// SPDX-License-Identifier: MIT
/*
 * What an idle established connection costs the heap (issue 12: at most
 * 2 KiB per idle connection in all, measured on the daemon by
 * tools/mem_per_conn.sh). Counted with glibc's mallinfo2(), chunk
 * overhead included, over many connections that carried no data.
 */
#include <malloc.h>
#include "unit/tcp_fixture.h"

#define IDLE_CONNS		2000
/* Heap bytes per idle connection: one calloc of struct xt_sock. */
#define IDLE_CONN_HEAP_MAX	1024

TestSuite(memory, .init = fx_init, .fini = fx_fini);

static size_t heap_used(void)
{
	return mallinfo2().uordblks;
}

Test(memory, idle_connection_holds_one_small_block)
{
	size_t before, after, per;

	cr_assert_eq(fx_listen(), 0);
	/* The fixture's own buffers grow with the first one. */
	fx_established_from(PKT_PEER_PORT);
	fx_clear_out();
	before = heap_used();
	for (uint16_t i = 1; i <= IDLE_CONNS; i++) {
		fx_established_from((uint16_t)(PKT_PEER_PORT + i));
		fx_clear_out();		/* the fixture's copies of our output */
	}
	after = heap_used();
	if (after <= before)	/* ASan's or valgrind's malloc, not glibc's */
		cr_skip_test("mallinfo2() does not see this allocator");
	per = (after - before) / IDLE_CONNS;
	cr_log_info("%zu heap bytes per idle connection (struct xt_sock: %zu)",
		    per, sizeof(struct xt_sock));
	cr_assert_leq(per, IDLE_CONN_HEAP_MAX,
		      "%zu heap bytes per idle connection, want <= %d", per,
		      IDLE_CONN_HEAP_MAX);
	cr_assert_eq(xt_stack_conn_count(fx.st), IDLE_CONNS + 1);
	fx_end();
}
