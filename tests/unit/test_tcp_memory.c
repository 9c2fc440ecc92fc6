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
#define ECHO_BYTES		100

TestSuite(memory, .init = fx_init, .fini = fx_fini);

static size_t heap_used(void)
{
	return mallinfo2().uordblks;
}

/* A connection from the peer's port; with echo, one exchange, all acked. */
static void idle_conn(uint16_t rport, bool echo)
{
	struct xt_sock *s = fx_established_from(rport);

	if (echo) {
		fx_peer_data(s, 0, ECHO_BYTES, XT_TCP_ACK | XT_TCP_PSH);
		fx_poll();
		cr_assert_eq(xt_tcp_outstanding(s), ECHO_BYTES);
		fx_ack_all(s);
		cr_assert_eq(xt_tcp_outstanding(s), 0);
		cr_assert_eq(xt_ring_len(&s->rcvbuf), 0);
	}
	fx_clear_out();		/* the fixture's copies of our output */
}

/* Heap bytes per connection over IDLE_CONNS of them, at most the bound. */
static void check_idle_conns(bool echo)
{
	size_t before, after, per;

	fx.app.autoread = fx.app.echo = echo;
	cr_assert_eq(fx_listen(), 0);
	/* The fixture's own buffers grow with the first one. */
	idle_conn(PKT_PEER_PORT, echo);
	before = heap_used();
	for (uint16_t i = 1; i <= IDLE_CONNS; i++)
		idle_conn((uint16_t)(PKT_PEER_PORT + i), echo);
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

Test(memory, idle_connection_holds_one_small_block)
{
	check_idle_conns(false);
}

/* Sent, echoed and acknowledged: the buffers and the scoreboard go back. */
Test(memory, idle_after_an_exchange_gives_its_buffers_back)
{
	check_idle_conns(true);
}
