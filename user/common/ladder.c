// SPDX-License-Identifier: MIT
/*
 * feed: decode -> filter -> find the connection (or start one, with its
 * header) -> relative numbers -> the peer's inferred state -> a line, held
 * back when the state xtcpd enters next belongs on it.
 */
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "common/ladder.h"
#include "common/tapseg.h"
#include "tcp/tcp.h"

#define ARROW_W		60	/* columns of an arrow, label included */
#define STATE_W		13	/* columns of a state name */
#define UNKNOWN		XT_LADDER_STATE_UNKNOWN

static const char *const H = "─";	/* each 1 column, 3 bytes */
static const char *const HEAD_RIGHT = "▶";
static const char *const HEAD_LEFT = "◀";
static const char *const HEAD_DROP = "✕";

struct out {
	char *p;
	size_t cap, len;
};

static void outf(struct out *o, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (o->len + 1 >= o->cap)
		return;
	va_start(ap, fmt);
	n = vsnprintf(o->p + o->len, o->cap - o->len, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	o->len += (size_t)n < o->cap - o->len ? (size_t)n : o->cap - o->len - 1;
}

static const char *state_name(uint8_t s)
{
	return s == UNKNOWN ? "?" : xt_tcp_state_name((enum xt_tcp_state)s);
}

static bool inbound(uint8_t kind)
{
	return kind == XT_TAP_RX || kind == XT_TAP_XDP_IN ||
	       kind == XT_TAP_XDP_DROP;
}

/* --- connections ------------------------------------------------------ */

struct tuple {
	uint32_t laddr, raddr;
	uint16_t lport, rport;
};

static bool filter_ok(const struct xt_ladder_filter *f, const struct tuple *t)
{
	if (f->have_addr)
		return (t->laddr == f->addr && t->lport == f->port) ||
		       (t->raddr == f->addr && t->rport == f->port);
	return !f->port || t->lport == f->port || t->rport == f->port;
}

static struct xt_ladder_conn *conn_find(struct xt_ladder *l,
					const struct tuple *t)
{
	for (int i = 0; i < XT_LADDER_CONNS; i++) {
		struct xt_ladder_conn *c = &l->conns[i];

		if (c->used && c->laddr == t->laddr && c->raddr == t->raddr &&
		    c->lport == t->lport && c->rport == t->rport)
			return c;
	}
	return NULL;
}

/* A free slot, else the one quiet the longest. */
static struct xt_ladder_conn *conn_slot(struct xt_ladder *l)
{
	struct xt_ladder_conn *old = &l->conns[0];

	for (int i = 0; i < XT_LADDER_CONNS; i++) {
		if (!l->conns[i].used)
			return &l->conns[i];
		if (l->conns[i].last_ns < old->last_ns)
			old = &l->conns[i];
	}
	return old;
}

static void addr_port(char *buf, size_t len, uint32_t addr, uint16_t port)
{
	char a[INET_ADDRSTRLEN];

	inet_ntop(AF_INET, &addr, a, sizeof(a));
	snprintf(buf, len, "%s:%u", a, port);
}

/* --- drawing ---------------------------------------------------------- */

static void put_line(struct xt_ladder *l, struct out *o,
		     const struct xt_ladder_conn *c, uint64_t ts_ns,
		     const char *left, const char *arrow, const char *right)
{
	double ms = (double)(ts_ns - l->t0_ns) / 1e6;

	if (*right)
		outf(o, "#%-3u %9.3f  %-*s %s %s\n", c->id, ms, STATE_W, left,
		     arrow, right);
	else if (*arrow && *arrow != ' ')
		outf(o, "#%-3u %9.3f  %-*s %s\n", c->id, ms, STATE_W, left, arrow);
	else
		outf(o, "#%-3u %9.3f  %s\n", c->id, ms, left);
}

/* An arrow ARROW_W columns wide with the label at the sender's end. */
static void build_arrow(char *buf, size_t len, bool in, const char *label,
			const char *head)
{
	struct out o = { .p = buf, .cap = len };
	int dashes = ARROW_W - 4 - (int)strlen(label);

	if (dashes < 3)
		dashes = 3;
	if (in) {
		outf(&o, "%s%s %s ", H, H, label);
		for (int i = 0; i < dashes; i++)
			outf(&o, "%s", H);
		outf(&o, "%s", head);
	} else {
		outf(&o, "%s", head);
		for (int i = 0; i < dashes; i++)
			outf(&o, "%s", H);
		outf(&o, " %s %s%s", label, H, H);
	}
}

static void blank_arrow(char *buf, size_t len)
{
	snprintf(buf, len, "%*s", ARROW_W, "");
}

static void emit_hold(struct xt_ladder *l, struct out *o)
{
	struct xt_ladder_line *h = &l->hold;
	const struct xt_ladder_conn *c = &l->conns[h->conn];
	char arrow[XT_LADDER_LINE];

	if (!h->held)
		return;
	if (h->seg)
		build_arrow(arrow, sizeof(arrow), h->inbound, h->label, h->tail);
	else
		blank_arrow(arrow, sizeof(arrow));
	put_line(l, o, c, h->ts_ns, h->left, arrow, h->right);
	h->held = false;
}

static void header(struct xt_ladder *l, struct out *o,
		   const struct xt_ladder_conn *c, uint64_t ts_ns)
{
	char p[32], x[32], line[XT_LADDER_LINE];

	addr_port(p, sizeof(p), c->raddr, c->rport);
	addr_port(x, sizeof(x), c->laddr, c->lport);
	outf(o, "#%-3u %9s  %-*s %-*s xtcpd %s\n", c->id, "ms", STATE_W,
	     "peer", ARROW_W, p, x);
	if (c->peer_state != UNKNOWN || c->our_state != UNKNOWN) {
		blank_arrow(line, sizeof(line));
		put_line(l, o, c, ts_ns,
			 c->peer_state == UNKNOWN ? "" : state_name(c->peer_state),
			 line, c->our_state == UNKNOWN ? "" : state_name(c->our_state));
	}
}

/* --- the peer's state, inferred (RFC 9293 §3.3.2, §3.10.7) ------------ */

/* What the peer enters by sending s; UNKNOWN: no change. */
static uint8_t peer_sends(struct xt_ladder_conn *c, const struct xt_tapseg *s)
{
	if (s->flags & XT_TCP_RST)
		return XT_CLOSED;
	if ((s->flags & (XT_TCP_SYN | XT_TCP_ACK)) == XT_TCP_SYN)
		return XT_SYN_SENT;
	if (s->flags & XT_TCP_SYN)
		return c->peer_state == XT_SYN_RCVD ? UNKNOWN : XT_SYN_RCVD;
	if (s->flags & XT_TCP_FIN) {
		c->peer_fin_sent = true;
		c->peer_fin_end = s->seq + s->len + 1;
		/* Had it seen our FIN, it would ack it: the FINs crossed. */
		if (c->peer_state == XT_CLOSE_WAIT && c->our_fin_sent &&
		    (!(s->flags & XT_TCP_ACK) ||
		     (int32_t)(s->ack - c->our_fin_end) < 0))
			return XT_CLOSING;
		if (c->peer_state == XT_CLOSE_WAIT)
			return XT_LAST_ACK;
		if (c->peer_state == XT_ESTABLISHED ||
		    c->peer_state == XT_SYN_RCVD || c->peer_state == UNKNOWN)
			return XT_FIN_WAIT_1;
		return UNKNOWN;
	}
	return c->peer_state == UNKNOWN ? XT_ESTABLISHED : UNKNOWN;
}

/* The ACK part of what the peer receives: its SYN or FIN acknowledged. */
static uint8_t peer_acked(const struct xt_ladder_conn *c,
			  const struct xt_tapseg *s, uint8_t st)
{
	bool fin_acked = c->peer_fin_sent &&
			 (int32_t)(s->ack - c->peer_fin_end) >= 0;

	if (!(s->flags & XT_TCP_ACK))
		return st;
	if (st == XT_SYN_RCVD || (st == XT_SYN_SENT && (s->flags & XT_TCP_SYN)))
		return XT_ESTABLISHED;
	if (!fin_acked)
		return st;
	switch (st) {
	case XT_FIN_WAIT_1:
		return XT_FIN_WAIT_2;
	case XT_CLOSING:
		return XT_TIME_WAIT;
	case XT_LAST_ACK:
		return XT_CLOSED;
	default:
		return st;
	}
}

/* What the peer enters when s from xtcpd (or XDP) reaches it. */
static uint8_t peer_receives(struct xt_ladder_conn *c,
			     const struct xt_tapseg *s)
{
	uint8_t st = c->peer_state;

	if (s->flags & XT_TCP_FIN) {
		c->our_fin_sent = true;
		c->our_fin_end = s->seq + s->len + 1;
	}
	if (s->flags & XT_TCP_RST)
		return XT_CLOSED;
	if ((s->flags & (XT_TCP_SYN | XT_TCP_ACK)) == XT_TCP_SYN)
		return XT_SYN_RCVD;	/* from LISTEN, or a simultaneous open */
	st = peer_acked(c, s, st);
	if (s->flags & XT_TCP_FIN) {
		if (st == XT_ESTABLISHED)
			st = XT_CLOSE_WAIT;
		else if (st == XT_FIN_WAIT_1)
			st = XT_CLOSING;
		else if (st == XT_FIN_WAIT_2)
			st = XT_TIME_WAIT;
	}
	return st == c->peer_state ? UNKNOWN : st;
}

/* --- segments --------------------------------------------------------- */

static const struct {
	uint8_t bit;
	const char *name;
} flag_names[] = {
	{ XT_TCP_SYN, "SYN" }, { XT_TCP_FIN, "FIN" }, { XT_TCP_RST, "RST" },
	{ XT_TCP_PSH, "PSH" }, { XT_TCP_ACK, "ACK" }, { XT_TCP_URG, "URG" },
	{ XT_TCP_ECE, "ECE" }, { XT_TCP_CWR, "CWR" },
};

static void flags_str(char *buf, size_t len, uint8_t flags)
{
	struct out o = { .p = buf, .cap = len };

	buf[0] = '\0';
	for (size_t i = 0; i < sizeof(flag_names) / sizeof(flag_names[0]); i++)
		if (flags & flag_names[i].bit)
			outf(&o, "%s%s", o.len ? "," : "", flag_names[i].name);
	if (!o.len)
		outf(&o, "none");
}

/* Each side's numbers from 0 at its ISN; an ISN not seen is guessed. */
static void relative(struct xt_ladder_conn *c, bool in,
		     const struct xt_tapseg *s, uint32_t *seq, uint32_t *ack)
{
	bool *sk = in ? &c->peer_isn_known : &c->our_isn_known;
	uint32_t *si = in ? &c->peer_isn : &c->our_isn;
	bool *ak = in ? &c->our_isn_known : &c->peer_isn_known;
	uint32_t *ai = in ? &c->our_isn : &c->peer_isn;

	if (!*sk || (s->flags & XT_TCP_SYN)) {
		*si = (s->flags & XT_TCP_SYN) ? s->seq : s->seq - 1;
		*sk = true;
	}
	if ((s->flags & XT_TCP_ACK) && !*ak) {
		*ai = s->ack - 1;
		*ak = true;
	}
	*seq = s->seq - *si;
	*ack = s->ack - *ai;
}

static const char *origin(uint8_t kind, const struct xt_tapseg *s)
{
	switch (kind) {
	case XT_TAP_XDP_IN:
		return " (to XDP)";
	case XT_TAP_XDP_DROP:
		return " (XDP dropped it)";
	case XT_TAP_XDP_TX:
		return (s->flags & XT_TCP_SYN) ? " (XDP, cookie)" : " (XDP)";
	default:
		return "";
	}
}

static void seg_label(char *buf, size_t len, uint8_t kind,
		      const struct xt_tapseg *s, uint32_t seq, uint32_t ack)
{
	struct out o = { .p = buf, .cap = len };
	char f[48];

	flags_str(f, sizeof(f), s->flags);
	outf(&o, "%s seq %u", f, seq);
	if (s->flags & XT_TCP_ACK)
		outf(&o, " ack %u", ack);
	outf(&o, " win %u", s->wnd);
	if (s->len)
		outf(&o, " len %u", s->len);
	if (s->flags & XT_TCP_SYN) {
		outf(&o, " <");
		if (s->mss)
			outf(&o, "mss %u", s->mss);
		if (s->sack_perm)
			outf(&o, ",sackOK");
		if (s->ts)
			outf(&o, ",TS");
		if (s->wscale >= 0)
			outf(&o, ",wscale %d", s->wscale);
		outf(&o, ">");
	}
	if (s->nsack)
		outf(&o, " sack %u", s->nsack);
	outf(&o, "%s", origin(kind, s));
}

static void json_seg(struct xt_ladder *l, struct out *o,
		     const struct xt_ladder_conn *c, const struct xt_tap_rec *r,
		     const struct xt_tapseg *s, uint32_t seq, uint32_t ack)
{
	static const char *const by[] = {
		[XT_TAP_RX] = "xtcpd", [XT_TAP_TX] = "xtcpd",
		[XT_TAP_XDP_IN] = "xdp", [XT_TAP_XDP_TX] = "xdp",
		[XT_TAP_XDP_DROP] = "xdp",
	};
	char src[32], dst[32], f[48];

	addr_port(src, sizeof(src), s->saddr, s->sport);
	addr_port(dst, sizeof(dst), s->daddr, s->dport);
	flags_str(f, sizeof(f), s->flags);
	outf(o, "{\"t_ms\":%.3f,\"conn\":%u,\"event\":\"segment\","
	     "\"from\":\"%s\",\"to\":\"%s\",\"by\":\"%s\",\"dropped\":%s,"
	     "\"src\":\"%s\",\"dst\":\"%s\",\"flags\":\"%s\",\"seq\":%u,"
	     "\"ack\":%u,\"win\":%u,\"len\":%u,\"peer_state\":\"%s\","
	     "\"xtcpd_state\":\"%s\"}\n",
	     (double)(r->ts_ns - l->t0_ns) / 1e6, c->id,
	     inbound(r->kind) ? "peer" : "xtcpd",
	     inbound(r->kind) ? "xtcpd" : "peer", by[r->kind],
	     r->kind == XT_TAP_XDP_DROP ? "true" : "false", src, dst, f, seq,
	     (s->flags & XT_TCP_ACK) ? ack : 0, s->wnd, s->len,
	     state_name(c->peer_state), state_name(c->our_state));
}

/* The connection a record belongs to, started (with its header) if new. */
static struct xt_ladder_conn *conn_get(struct xt_ladder *l, struct out *o,
				       const struct tuple *t, uint64_t ts_ns,
				       uint8_t peer0, uint8_t our0, bool opens)
{
	struct xt_ladder_conn *c = conn_find(l, t);

	if (c && !(opens && c->finished))
		return c;
	emit_hold(l, o);	/* it may be the slot's last connection's */
	c = c ? c : conn_slot(l);
	memset(c, 0, sizeof(*c));
	c->used = true;
	c->id = ++l->next_id;
	c->laddr = t->laddr;
	c->raddr = t->raddr;
	c->lport = t->lport;
	c->rport = t->rport;
	c->peer_state = peer0;
	c->our_state = our0;
	c->last_ns = ts_ns;
	if (!l->json)
		header(l, o, c, ts_ns);
	return c;
}

static void finish(struct xt_ladder *l, struct xt_ladder_conn *c)
{
	if (!c->finished)
		l->finished++;
	c->finished = true;
}

static void hold_line(struct xt_ladder *l, struct xt_ladder_conn *c,
		      uint64_t ts_ns)
{
	l->hold.held = true;
	l->hold.conn = (unsigned)(c - l->conns);
	l->hold.ts_ns = ts_ns;
}

static void feed_segment(struct xt_ladder *l, struct out *o,
			 const struct xt_tap_rec *r)
{
	struct xt_ladder_line *h = &l->hold;
	bool in = inbound(r->kind), opens;
	struct xt_tapseg s;
	struct xt_ladder_conn *c;
	struct tuple t;
	uint32_t seq, ack;
	uint8_t ps;

	if (xt_tapseg_decode(r, &s))
		return;
	t = in ? (struct tuple){ s.daddr, s.saddr, s.dport, s.sport } :
		 (struct tuple){ s.saddr, s.daddr, s.sport, s.dport };
	if (!filter_ok(&l->filter, &t))
		return;
	opens = in && (s.flags & (XT_TCP_SYN | XT_TCP_ACK)) == XT_TCP_SYN;
	c = conn_get(l, o, &t, r->ts_ns, opens ? XT_CLOSED : UNKNOWN,
		     opens ? XT_LISTEN : UNKNOWN, opens);
	c->last_ns = r->ts_ns;
	relative(c, in, &s, &seq, &ack);
	ps = in ? peer_sends(c, &s) : peer_receives(c, &s);
	if (ps != UNKNOWN)
		c->peer_state = ps;
	if (r->kind == XT_TAP_XDP_TX && (s.flags & XT_TCP_RST))
		finish(l, c);
	if (l->json) {
		json_seg(l, o, c, r, &s, seq, ack);
		return;
	}
	/* A state xtcpd just entered, held back: it goes on this arrow. */
	if (h->held && !h->seg && !in && h->conn == (unsigned)(c - l->conns)) {
		h->held = false;
	} else {
		emit_hold(l, o);
		h->right[0] = '\0';
	}
	h->seg = true;
	h->inbound = in;
	h->tail = !in ? HEAD_LEFT : r->kind == XT_TAP_XDP_DROP ? HEAD_DROP :
		  HEAD_RIGHT;
	snprintf(h->left, sizeof(h->left), "%s",
		 ps != UNKNOWN ? state_name(ps) : "");
	seg_label(h->label, sizeof(h->label), r->kind, &s, seq, ack);
	hold_line(l, c, r->ts_ns);
	if (!in)	/* only what xtcpd receives may still get a state */
		emit_hold(l, o);
}

/*
 * The states xtcpd enters by sending (its SYN, its FIN): drawn where that
 * segment leaves. The rest it enters on what it receives: drawn where the
 * segment that caused them arrives, several if one segment caused more.
 */
static bool entered_by_sending(uint8_t to)
{
	return to == XT_SYN_SENT || to == XT_FIN_WAIT_1 || to == XT_LAST_ACK;
}

static void add_state(struct xt_ladder_line *h, uint8_t to)
{
	size_t n = strlen(h->right);

	snprintf(h->right + n, sizeof(h->right) - n, "%s%s", n ? ", " : "",
		 state_name(to));
}

static void feed_state(struct xt_ladder *l, struct out *o,
		       const struct xt_tap_rec *r)
{
	const struct xt_tap_conn *tc = &r->conn;
	struct tuple t = { tc->laddr, tc->raddr, tc->lport, tc->rport };
	struct xt_ladder_line *h = &l->hold;
	struct xt_ladder_conn *c;
	bool opens = tc->from == XT_CLOSED;

	if (!filter_ok(&l->filter, &t))
		return;
	/* xtcpd's own SYN: the peer is taken to listen. */
	c = conn_get(l, o, &t, r->ts_ns,
		     tc->to == XT_SYN_SENT ? XT_LISTEN : UNKNOWN,
		     tc->from, opens && tc->to == XT_SYN_SENT);
	c->last_ns = r->ts_ns;
	c->our_state = tc->to;
	if (tc->to == XT_CLOSED || tc->to == XT_TIME_WAIT)
		finish(l, c);
	if (l->json) {
		outf(o, "{\"t_ms\":%.3f,\"conn\":%u,\"event\":\"state\","
		     "\"side\":\"xtcpd\",\"from\":\"%s\",\"to\":\"%s\"}\n",
		     (double)(r->ts_ns - l->t0_ns) / 1e6, c->id,
		     state_name(tc->from), state_name(tc->to));
		return;
	}
	if (h->held && h->conn == (unsigned)(c - l->conns) &&
	    (h->seg ? h->inbound && !entered_by_sending(tc->to) : true)) {
		add_state(h, tc->to);
		return;
	}
	emit_hold(l, o);
	h->seg = false;
	h->left[0] = h->right[0] = '\0';
	add_state(h, tc->to);
	hold_line(l, c, r->ts_ns);
}

static void feed_lost(struct xt_ladder *l, struct out *o,
		      const struct xt_tap_rec *r)
{
	const struct xt_tap_lost *x = &r->lost;

	if (l->json) {
		outf(o, "{\"event\":\"lost\",\"ring_full\":%llu,"
		     "\"queue_full\":%llu,\"client_slow\":%llu}\n",
		     (unsigned long long)x->ring_full,
		     (unsigned long long)x->queue_full,
		     (unsigned long long)x->client_slow);
		return;
	}
	emit_hold(l, o);
	outf(o, "-- lost so far: %llu from XDP (tap_ring full), %llu from "
	     "xtcpd (tap queues full), %llu not sent (this reader too slow)\n",
	     (unsigned long long)x->ring_full,
	     (unsigned long long)x->queue_full,
	     (unsigned long long)x->client_slow);
}

void xt_ladder_init(struct xt_ladder *l, bool json,
		    const struct xt_ladder_filter *f)
{
	memset(l, 0, sizeof(*l));
	l->json = json;
	if (f)
		l->filter = *f;
}

size_t xt_ladder_feed(struct xt_ladder *l, const struct xt_tap_rec *r,
		      char *out, size_t cap)
{
	struct out o = { .p = out, .cap = cap };

	if (cap)
		out[0] = '\0';
	if (!l->t0_ns)
		l->t0_ns = r->ts_ns;
	switch (r->kind) {
	case XT_TAP_STATE:
		feed_state(l, &o, r);
		break;
	case XT_TAP_LOST:
		feed_lost(l, &o, r);
		break;
	case XT_TAP_RX:
	case XT_TAP_TX:
	case XT_TAP_XDP_IN:
	case XT_TAP_XDP_TX:
	case XT_TAP_XDP_DROP:
		feed_segment(l, &o, r);
		break;
	default:
		break;
	}
	return o.len;
}

size_t xt_ladder_flush(struct xt_ladder *l, char *out, size_t cap)
{
	struct out o = { .p = out, .cap = cap };

	if (cap)
		out[0] = '\0';
	emit_hold(l, &o);
	return o.len;
}
