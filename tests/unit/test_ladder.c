// SPDX-License-Identifier: MIT
/*
 * The ladder formatter (common/ladder.h): tap records in, lines out. Each
 * test feeds a connection's records as xtcpd's tap would deliver them and
 * checks the lines, in order: arrows, relative numbers, and the states of
 * each side where the textbook draws them.
 */
#include <criterion/criterion.h>
#include <arpa/inet.h>
#include <string.h>
#include "common/ladder.h"
#include "lib/pkt.h"
#include "xtcp/state.h"

#define PEER_ISN	0xfffffff0u	/* near the wrap */
#define OUR_ISN		1000u
#define TEXT_MAX	8192

static struct xt_ladder l;
static char text[TEXT_MAX];
static size_t text_len;
static uint64_t now_ns = 1000000;

static void out(size_t n)
{
	cr_assert_lt(text_len + n, sizeof(text));
	text_len += n;
}

static void feed(const struct xt_tap_rec *r)
{
	out(xt_ladder_feed(&l, r, text + text_len, sizeof(text) - text_len));
}

static void flush(void)
{
	out(xt_ladder_flush(&l, text + text_len, sizeof(text) - text_len));
}

static void start(bool json)
{
	xt_ladder_init(&l, json, NULL);
	text_len = 0;
	text[0] = '\0';
}

static void seg(uint8_t kind, uint8_t flags, uint32_t seq, uint32_t ack,
		uint32_t len)
{
	bool in = kind == XT_TAP_RX || kind == XT_TAP_XDP_IN ||
		  kind == XT_TAP_XDP_DROP;
	struct xt_seg_out s = in ? pkt_from_peer() : pkt_from_local();
	static uint8_t payload[64];
	struct xt_tap_rec r = { .kind = kind, .ts_ns = now_ns += 1000 };
	struct pkt_frame f;

	s.flags = flags;
	s.seq = seq;
	s.ack = ack;
	s.payload = payload;
	s.payload_len = len;
	if (flags & XT_TCP_SYN)
		pkt_set_mss(&s, 1460);
	f = pkt_build(&s);
	r.len = (uint32_t)f.len;
	r.caplen = (uint16_t)(f.len < XT_TAP_SNAPLEN ? f.len : XT_TAP_SNAPLEN);
	memcpy(r.data, f.buf, r.caplen);
	feed(&r);
}

static void state(uint8_t from, uint8_t to)
{
	struct xt_tap_rec r = { .kind = XT_TAP_STATE, .ts_ns = now_ns += 1000 };

	r.conn.laddr = htonl(PKT_LOCAL_IP);
	r.conn.raddr = htonl(PKT_PEER_IP);
	r.conn.lport = PKT_LOCAL_PORT;
	r.conn.rport = PKT_PEER_PORT;
	r.conn.from = from;
	r.conn.to = to;
	feed(&r);
}

/* Each needle found after the one before (on its line or later). */
static void expect_in_order(const char *const *needles, size_t n)
{
	const char *at = text;

	for (size_t i = 0; i < n; i++) {
		const char *hit = strstr(at, needles[i]);

		cr_assert_not_null(hit, "'%s' not found after '%.60s'\n%s",
				   needles[i], at, text);
		at = hit + strlen(needles[i]);
	}
}

#define EXPECT(...) do {						\
	static const char *const n_[] = { __VA_ARGS__ };		\
	expect_in_order(n_, sizeof(n_) / sizeof(n_[0]));		\
} while (0)

static unsigned lines(void)
{
	unsigned n = 0;

	for (const char *p = text; *p; p++)
		n += *p == '\n';
	return n;
}

/* The passive open and the close curl starts, as xtcpd's http answers. */
static void passive_open(void)
{
	seg(XT_TAP_RX, XT_TCP_SYN, PEER_ISN, 0, 0);
	state(XT_CLOSED, XT_SYN_RCVD);
	seg(XT_TAP_TX, XT_TCP_SYN | XT_TCP_ACK, OUR_ISN, PEER_ISN + 1, 0);
	seg(XT_TAP_RX, XT_TCP_ACK, PEER_ISN + 1, OUR_ISN + 1, 0);
	state(XT_SYN_RCVD, XT_ESTABLISHED);
}

Test(ladder, handshake_with_states_at_the_arrowheads)
{
	start(false);
	passive_open();
	flush();
	EXPECT("peer          198.18.0.2:40000", "xtcpd 198.18.0.1:80",
	       "CLOSED", "LISTEN",
	       "SYN-SENT      ── SYN seq 0 win 65535 <mss 1460> ─", "─▶ SYN-RECEIVED\n",
	       "ESTABLISHED   ◀─", "─ SYN,ACK seq 0 ack 1 win 65535 <mss 1460> ──\n",
	       "── ACK seq 1 ack 1 win 65535 ─", "─▶ ESTABLISHED\n");
	cr_assert_eq(lines(), 5, "%s", text);
}

Test(ladder, close_the_peer_starts_with_fin_on_the_ack)
{
	start(false);
	passive_open();
	seg(XT_TAP_RX, XT_TCP_FIN | XT_TCP_ACK, PEER_ISN + 1, OUR_ISN + 1, 0);
	state(XT_ESTABLISHED, XT_CLOSE_WAIT);
	state(XT_CLOSE_WAIT, XT_LAST_ACK);
	seg(XT_TAP_TX, XT_TCP_FIN | XT_TCP_ACK, OUR_ISN + 1, PEER_ISN + 2, 0);
	seg(XT_TAP_RX, XT_TCP_ACK, PEER_ISN + 2, OUR_ISN + 2, 0);
	state(XT_LAST_ACK, XT_CLOSED);
	flush();
	EXPECT("FIN-WAIT-1    ── FIN,ACK seq 1 ack 1 ", "─▶ CLOSE-WAIT\n",
	       "TIME-WAIT     ◀─", " FIN,ACK seq 1 ack 2 win 65535 ── LAST-ACK\n",
	       "── ACK seq 2 ack 2 ", "─▶ CLOSED\n");
	cr_assert_eq(l.finished, 1);
}

Test(ladder, four_way_close_xtcpd_starts)
{
	start(false);
	passive_open();
	state(XT_ESTABLISHED, XT_FIN_WAIT_1);
	seg(XT_TAP_TX, XT_TCP_FIN | XT_TCP_ACK, OUR_ISN + 1, PEER_ISN + 1, 0);
	seg(XT_TAP_RX, XT_TCP_ACK, PEER_ISN + 1, OUR_ISN + 2, 0);
	state(XT_FIN_WAIT_1, XT_FIN_WAIT_2);
	seg(XT_TAP_RX, XT_TCP_FIN | XT_TCP_ACK, PEER_ISN + 1, OUR_ISN + 2, 0);
	state(XT_FIN_WAIT_2, XT_TIME_WAIT);
	seg(XT_TAP_TX, XT_TCP_ACK, OUR_ISN + 2, PEER_ISN + 2, 0);
	flush();
	EXPECT("CLOSE-WAIT    ◀─", " FIN,ACK seq 1 ack 1 win 65535 ── FIN-WAIT-1\n",
	       "── ACK seq 1 ack 2 ", "─▶ FIN-WAIT-2\n",
	       "LAST-ACK      ── FIN,ACK seq 1 ack 2 ", "─▶ TIME-WAIT\n",
	       "CLOSED        ◀─", " ACK seq 2 ack 2 win 65535 ──\n");
	cr_assert_eq(l.finished, 1, "TIME-WAIT ends the connection for --count");
}

Test(ladder, simultaneous_close_is_closing)
{
	start(false);
	passive_open();
	state(XT_ESTABLISHED, XT_FIN_WAIT_1);
	seg(XT_TAP_TX, XT_TCP_FIN | XT_TCP_ACK, OUR_ISN + 1, PEER_ISN + 1, 0);
	/* The peer's FIN crossed ours: it does not ack it. */
	seg(XT_TAP_RX, XT_TCP_FIN | XT_TCP_ACK, PEER_ISN + 1, OUR_ISN + 1, 0);
	state(XT_FIN_WAIT_1, XT_CLOSING);
	seg(XT_TAP_TX, XT_TCP_ACK, OUR_ISN + 2, PEER_ISN + 2, 0);
	flush();
	EXPECT("CLOSE-WAIT    ◀─", "FIN,ACK seq 1 ack 1 win 65535 ── FIN-WAIT-1\n",
	       "CLOSING       ── FIN,ACK seq 1 ack 1 ", "─▶ CLOSING\n",
	       "TIME-WAIT     ◀─", " ACK seq 2 ack 2 ");
}

Test(ladder, one_segment_two_states)
{
	start(false);
	passive_open();
	state(XT_ESTABLISHED, XT_FIN_WAIT_1);
	seg(XT_TAP_TX, XT_TCP_FIN | XT_TCP_ACK, OUR_ISN + 1, PEER_ISN + 1, 0);
	seg(XT_TAP_RX, XT_TCP_FIN | XT_TCP_ACK, PEER_ISN + 1, OUR_ISN + 2, 0);
	state(XT_FIN_WAIT_1, XT_FIN_WAIT_2);
	state(XT_FIN_WAIT_2, XT_TIME_WAIT);
	flush();
	EXPECT("── FIN,ACK seq 1 ack 2 ", "─▶ FIN-WAIT-2, TIME-WAIT\n");
}

Test(ladder, xdp_cookie_and_drop)
{
	start(false);
	seg(XT_TAP_XDP_IN, XT_TCP_SYN, PEER_ISN, 0, 0);
	seg(XT_TAP_XDP_TX, XT_TCP_SYN | XT_TCP_ACK, OUR_ISN, PEER_ISN + 1, 0);
	seg(XT_TAP_RX, XT_TCP_ACK, PEER_ISN + 1, OUR_ISN + 1, 0);
	state(XT_CLOSED, XT_ESTABLISHED);
	seg(XT_TAP_XDP_DROP, XT_TCP_RST, PEER_ISN + 1, 0, 0);
	flush();
	EXPECT("SYN-SENT      ── SYN seq 0 win 65535 <mss 1460> (to XDP) ─",
	       "ESTABLISHED   ◀─", " SYN,ACK seq 0 ack 1 win 65535 <mss 1460> (XDP, cookie) ──\n",
	       "── ACK seq 1 ack 1 ", "─▶ ESTABLISHED\n",
	       "CLOSED        ── RST seq 1 win 65535 (XDP dropped it) ─", "─✕\n");
}

Test(ladder, data_lengths_and_relative_numbers)
{
	start(false);
	passive_open();
	seg(XT_TAP_RX, XT_TCP_PSH | XT_TCP_ACK, PEER_ISN + 1, OUR_ISN + 1, 40);
	seg(XT_TAP_TX, XT_TCP_ACK, OUR_ISN + 1, PEER_ISN + 41, 0);
	flush();
	EXPECT("── PSH,ACK seq 1 ack 1 win 65535 len 40 ─",
	       "◀─", " ACK seq 1 ack 41 win 65535 ──\n");
}

Test(ladder, filter_keeps_other_ports_out)
{
	struct xt_ladder_filter f = { .port = 443 };

	xt_ladder_init(&l, false, &f);
	text_len = 0;
	text[0] = '\0';
	passive_open();
	flush();
	cr_assert_eq(text_len, 0, "%s", text);
}

Test(ladder, json_one_object_per_event)
{
	start(true);
	seg(XT_TAP_XDP_IN, XT_TCP_SYN, PEER_ISN, 0, 0);
	seg(XT_TAP_XDP_TX, XT_TCP_SYN | XT_TCP_ACK, OUR_ISN, PEER_ISN + 1, 0);
	state(XT_CLOSED, XT_ESTABLISHED);
	cr_assert_eq(lines(), 3, "%s", text);
	EXPECT("{\"t_ms\":0.000,\"conn\":1,\"event\":\"segment\",\"from\":\"peer\","
	       "\"to\":\"xtcpd\",\"by\":\"xdp\",\"dropped\":false,"
	       "\"src\":\"198.18.0.2:40000\",\"dst\":\"198.18.0.1:80\","
	       "\"flags\":\"SYN\",\"seq\":0,\"ack\":0,\"win\":65535,\"len\":0,"
	       "\"peer_state\":\"SYN-SENT\",\"xtcpd_state\":\"LISTEN\"}\n",
	       "\"flags\":\"SYN,ACK\",\"seq\":0,\"ack\":1,",
	       "{\"t_ms\":0.002,\"conn\":1,\"event\":\"state\",\"side\":\"xtcpd\","
	       "\"from\":\"CLOSED\",\"to\":\"ESTABLISHED\"}\n");
}

Test(ladder, a_new_syn_after_time_wait_is_a_new_connection)
{
	start(false);
	passive_open();
	state(XT_ESTABLISHED, XT_CLOSED);
	seg(XT_TAP_RX, XT_TCP_SYN, PEER_ISN + 100000, 0, 0);
	flush();
	EXPECT("#1  ", "ESTABLISHED, CLOSED\n", "#2          ms  peer", "#2 ",
	       "SYN-SENT      ── SYN seq 0 ");
}
