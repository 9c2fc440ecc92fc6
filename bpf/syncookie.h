/* SPDX-License-Identifier: (MIT OR GPL-2.0) */
/*
 * SYN cookies at the NIC (DESIGN.md, "SYN cookies"): a SYN to a listening
 * port is answered here with a SYN-ACK whose ISS is a cookie, and nothing
 * is kept; the ACK that brings a valid cookie back goes on to xtcpd, which
 * creates the connection; a bad cookie is dropped, or answered with a RST.
 *
 *   syncookie_step() -> syncookie_answer_syn() -> syncookie_synack()
 *                                             -> syncookie_emit()
 *                    -> syncookie_check_ack()  -> syncookie_send_rst()
 *                                             -> syncookie_emit()
 *
 * Replies are written in place. What a reply needs from the segment is
 * saved first (struct syncookie_reply); then the frame is resized to the
 * reply's length and every header is written afresh at fixed offsets, so
 * the segment's IP options, TCP options and payload all fall away.
 */
#ifndef XTCP_SYNCOOKIE_H
#define XTCP_SYNCOOKIE_H

#include <linux/bpf.h>
#include <linux/in.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "xtcp/cookie.h"
#include "xtcp/csum.h"
#include "xtcp/wire.h"
#include "csum_check.h"
#include "maps.bpf.h"
#include "parse.h"
#include "rst_limit.h"

/* A SYN's window is never scaled (RFC 7323 §2.2): offer all 16 bits. */
#define SYNCOOKIE_SYN_WND	0xffff
#define SYNCOOKIE_NS_PER_MS	1000000ULL
/* MSS, SACK_PERM or NOP,NOP + TS (3 words), NOP + WS. */
#define SYNCOOKIE_OPT_WORDS	5
/* Where TCP options can start: after Ethernet and a 15-word IPv4 header. */
#define SYNCOOKIE_OPT_OFF_MAX	(XT_ETH_HLEN + 0xf * 4 + XT_TCP_HDR_MIN)
/* The flags that say which segment this is. */
#define SYNCOOKIE_FLAGS	(XT_TCP_SYN | XT_TCP_ACK | XT_TCP_RST | XT_TCP_FIN)

/* What a SYN's options ask for (RFC 9293 §3.2, RFC 7323, RFC 2018). */
struct syncookie_syn_opts {
	struct xt_cookie_opts ck;	/* mss 0: no MSS option;
					 * wscale XT_COOKIE_NO_WS: no WS */
	__u8 has_ts;
	__u32 tsval;
};

/* A reply, from what the segment it answers said, before it is rewritten. */
struct syncookie_reply {
	__u8 src_mac[ETH_ALEN], dst_mac[ETH_ALEN];
	__be32 saddr, daddr;
	__be16 sport, dport;
	__u32 seq, ack;			/* host order */
	__u16 wnd;
	__u8 flags;			/* XT_TCP_* */
	__u8 nopt;			/* words used in opt[] */
	__be32 opt[SYNCOOKIE_OPT_WORDS];
};

/* --- the segment ------------------------------------------------------- */

/* The connection as the cookie names it: the client's end first. */
static __always_inline void syncookie_tuple(const struct xt_pkt *pkt,
					    struct xt_cookie_tuple *t)
{
	t->saddr = pkt->ip->saddr;
	t->daddr = pkt->ip->daddr;
	t->sport = bpf_ntohs(pkt->tcp->source);
	t->dport = bpf_ntohs(pkt->tcp->dest);
}

/*
 * A valid cookie ACK makes the tuple live at once (XT_SLOT_PENDING), so
 * the client's next segments, which no longer carry ISN+1, are steered to
 * xtcpd instead of failing the cookie check before xtcpd's batch writes
 * the entry. BPF_NOEXIST: never overwrite xtcpd's own entry.
 */
static __always_inline void syncookie_mark_pending(const struct xdp_md *ctx,
						   const struct xt_pkt *pkt)
{
	struct xt_conn_val v = {
		.slot = XT_SLOT_PENDING + (ctx->rx_queue_index & 0xff),
		.state = XT_ESTABLISHED,
	};
	struct xt_conn_key k;

	pkt_conn_key(pkt, &k);
	bpf_map_update_elem(&conns, &k, &v, BPF_NOEXIST);
}

/* One option the loop below has bounded; returns -1 if it is malformed. */
static __always_inline int syncookie_parse_opt(const __u8 *p, __u8 olen,
					       const void *end,
					       struct syncookie_syn_opts *o)
{
	switch (p[0]) {
	case XT_TCPOPT_MSS:
		if (olen != XT_TCPOLEN_MSS ||
		    (void *)(p + XT_TCPOLEN_MSS) > end)
			return -1;
		o->ck.mss = p[2] << 8 | p[3];
		break;
	case XT_TCPOPT_WSCALE:
		if (olen != XT_TCPOLEN_WSCALE ||
		    (void *)(p + XT_TCPOLEN_WSCALE) > end)
			return -1;
		o->ck.wscale = p[2] < XT_TCP_MAX_WSCALE ? p[2] :
						       XT_TCP_MAX_WSCALE;
		break;
	case XT_TCPOPT_SACK_PERM:
		if (olen != XT_TCPOLEN_SACK_PERM)
			return -1;
		o->ck.sack_ok = 1;
		break;
	case XT_TCPOPT_TS:
		if (olen != XT_TCPOLEN_TS || (void *)(p + XT_TCPOLEN_TS) > end)
			return -1;
		o->has_ts = 1;
		o->tsval = (__u32)p[2] << 24 | p[3] << 16 | p[4] << 8 | p[5];
		break;
	case XT_TCPOPT_SACK:	/* RFC 2018 §3: 2 + 8n bytes, as the codec */
		if (olen < 2 + XT_TCPOLEN_SACK_BLOCK ||
		    (olen - 2) % XT_TCPOLEN_SACK_BLOCK)
			return -1;
		break;
	}
	return 0;	/* unknown kinds are skipped by their length */
}

/*
 * RFC 9293 §3.2: EOL ends the list, NOP is one byte, every other kind has
 * a length byte that counts the kind and itself. opt_off is where the
 * options start in the frame, len their length. Returns -1 when the option
 * area is malformed. Every read is checked against data_end, though
 * classify_owned() saw the whole header in the frame: the verifier cannot
 * carry that over to these pointers.
 *
 * A global function, where every other step is inline: the verifier checks
 * it once, on its own, and its caller sees only that *o was written.
 * Inlined, each way through the loop went on through the cookie and the
 * reply with a state of its own, past the verifier's million instructions.
 */
__noinline int syncookie_parse_opts(struct xdp_md *ctx, __u32 opt_off,
				    __u32 len, struct syncookie_syn_opts *o)
{
	const __u8 *opt = (void *)(long)ctx->data + opt_off;
	const void *end = (void *)(long)ctx->data_end;
	__u32 off = 0;

	/* The bounds the verifier needs; the caller's values are within. */
	if (!o || opt_off > SYNCOOKIE_OPT_OFF_MAX || len > XT_TCP_OPT_SPACE)
		return -1;
	/* Bounded: each turn eats at least a byte of at most 40. */
	while (off < len) {
		const __u8 *p;
		__u8 olen;

		/*
		 * Never true (off < len <= 40), but the verifier cannot see
		 * off + olen <= len: without a constant bound, opt + off is
		 * unbounded to it, and each way through the loop a state of
		 * its own. The empty asm hides the bound from clang, which
		 * would drop the test as redundant.
		 */
		asm volatile("" : "+r"(off));
		if (off >= XT_TCP_OPT_SPACE)
			return -1;
		p = opt + off;
		if ((void *)(p + 1) > end)
			return -1;
		if (p[0] == XT_TCPOPT_EOL)
			break;
		if (p[0] == XT_TCPOPT_NOP) {
			off++;
			continue;
		}
		if ((void *)(p + 2) > end)
			return -1;
		olen = p[1];
		if (olen < 2 || olen > len - off ||
		    syncookie_parse_opt(p, olen, end, o))
			return -1;
		off += olen;
	}
	return 0;
}

static __always_inline void syncookie_opts_none(struct syncookie_syn_opts *o)
{
	*o = (struct syncookie_syn_opts){ .ck.wscale = XT_COOKIE_NO_WS };
}

/* --- the reply --------------------------------------------------------- */

/* The ends of the reply: the segment's, swapped. */
static __always_inline void syncookie_reply_init(const struct xt_pkt *pkt,
						 struct syncookie_reply *r)
{
	__builtin_memcpy(r->src_mac, pkt->eth->h_dest, ETH_ALEN);
	__builtin_memcpy(r->dst_mac, pkt->eth->h_source, ETH_ALEN);
	r->saddr = pkt->ip->daddr;
	r->daddr = pkt->ip->saddr;
	r->sport = pkt->tcp->dest;
	r->dport = pkt->tcp->source;
}

/*
 * Options of a cookie SYN-ACK in Linux's order (tcp_options_write()):
 * MSS; SACK-permitted before the timestamps, or alone behind two NOPs;
 * window scale. Only what the SYN offered is offered back (RFC 7323 §1.3,
 * RFC 2018); the cookie itself remembers it (xtcp/cookie.h).
 */
static __always_inline void
syncookie_synack_opts(struct syncookie_reply *r,
		      const struct syncookie_syn_opts *o,
		      const struct xt_ctl *c)
{
	__u32 lead = o->ck.sack_ok ?
		XT_TCPOPT_SACK_PERM << 24 | XT_TCPOLEN_SACK_PERM << 16 :
		XT_TCPOPT_NOP << 24 | XT_TCPOPT_NOP << 16;
	__be32 ws = bpf_htonl(XT_TCPOPT_NOP << 24 | XT_TCPOPT_WSCALE << 16 |
			      XT_TCPOLEN_WSCALE << 8 | c->wscale);
	int has_ws = o->ck.wscale != XT_COOKIE_NO_WS;
	__u32 now;

	r->opt[0] = bpf_htonl(XT_TCPOPT_MSS << 24 | XT_TCPOLEN_MSS << 16 |
			      c->mss);
	r->nopt = 1;
	/* Constant indices: the verifier takes no variable stack offset. */
	if (o->has_ts) {
		now = bpf_ktime_get_ns() / SYNCOOKIE_NS_PER_MS + c->ts_offset;
		r->opt[1] = bpf_htonl(lead | XT_TCPOPT_TS << 8 | XT_TCPOLEN_TS);
		r->opt[2] = bpf_htonl(now);
		r->opt[3] = bpf_htonl(o->tsval);
		r->opt[4] = ws;
		r->nopt = has_ws ? 5 : 4;
	} else if (o->ck.sack_ok) {
		r->opt[1] = bpf_htonl(lead >> 16 | XT_TCPOPT_NOP << 24 |
				      XT_TCPOPT_NOP << 16);
		r->opt[2] = ws;
		r->nopt = has_ws ? 3 : 2;
	} else if (has_ws) {
		r->opt[1] = ws;
		r->nopt = 2;
	}
}

/*
 * Sizes the frame to the reply (the segment may be longer or shorter) and
 * points pkt at where the reply's headers go. Returns -1, with the frame as
 * it came, when the driver has no room to grow it.
 */
static __always_inline int syncookie_resize(struct xdp_md *ctx,
					    struct xt_pkt *pkt, __u32 len)
{
	int delta = (int)len - (int)bpf_xdp_get_buff_len(ctx);

	if (bpf_xdp_adjust_tail(ctx, delta))
		return -1;
	/* The helper voided every packet pointer: derive them again. */
	pkt->data_end = (void *)(long)ctx->data_end;
	pkt->eth = (void *)(long)ctx->data;
	pkt->ip = (void *)(pkt->eth + 1);
	pkt->tcp = (void *)(pkt->ip + 1);
	return 0;
}

static __always_inline __u32 syncookie_csum(const void *p, __u32 len,
					    __u32 seed)
{
	return (__u32)bpf_csum_diff(NULL, 0, (void *)p, len, seed);
}

static __always_inline void syncookie_write_ip(struct iphdr *ip,
					       const struct syncookie_reply *r,
					       __u32 tcp_len)
{
	*ip = (struct iphdr){
		.version = XT_IP_VERSION,
		.ihl = XT_IP_MIN_IHL,
		.tot_len = bpf_htons(sizeof(*ip) + tcp_len),
		.frag_off = bpf_htons(XT_IP_DF),
		.ttl = XT_IP_DEFAULT_TTL,
		.protocol = IPPROTO_TCP,
		.saddr = r->saddr,
		.daddr = r->daddr,
	};
	ip->check = xt_csum_fold(syncookie_csum(ip, sizeof(*ip), 0));
}

/* TCP header, options and checksum; pkt->tcp was proven in the frame. */
static __always_inline int syncookie_write_tcp(struct xt_pkt *pkt,
					       const struct syncookie_reply *r,
					       __u32 tcp_len)
{
	struct csum_pseudo ph = {
		.saddr = r->saddr, .daddr = r->daddr,
		.proto = IPPROTO_TCP, .len = bpf_htons(tcp_len),
	};
	struct tcphdr *tcp = pkt->tcp;
	__be32 *opt = (void *)(tcp + 1);
	__u32 sum, i;

	*tcp = (struct tcphdr){
		.source = r->sport, .dest = r->dport,
		.seq = bpf_htonl(r->seq), .ack_seq = bpf_htonl(r->ack),
		.doff = tcp_len / 4, .window = bpf_htons(r->wnd),
	};
	xt_tcp_set_flags(tcp, r->flags);
	for (i = 0; i < SYNCOOKIE_OPT_WORDS && i < r->nopt; i++) {
		/* The frame fits the reply, but each store must be proven. */
		if ((void *)(opt + i + 1) > pkt->data_end)
			return -1;
		opt[i] = r->opt[i];
	}
	sum = syncookie_csum(&ph, sizeof(ph), 0);
	sum = syncookie_csum(tcp, sizeof(*tcp), sum);
	/* From the stack copy: the frame's end is not proven past opt[nopt]. */
	sum = syncookie_csum(r->opt, tcp_len - sizeof(*tcp), sum);
	tcp->check = xt_csum_fold(sum);
	return 0;
}

/*
 * Turns the frame into the reply r. Returns XDP_TX; XT_CONTINUE when the
 * frame could not be resized (it is then untouched); XDP_ABORTED if the
 * resized frame is not what was asked for, which cannot happen and shows
 * in the xdp:xdp_exception tracepoint if it does.
 */
static __always_inline int syncookie_emit(struct xdp_md *ctx,
					  struct xt_pkt *pkt,
					  const struct syncookie_reply *r)
{
	__u32 tcp_len;

	/* Bounds the checksum's size over r->opt for the verifier. */
	if (r->nopt > SYNCOOKIE_OPT_WORDS)
		return XDP_ABORTED;
	tcp_len = sizeof(struct tcphdr) + r->nopt * sizeof(__be32);
	if (syncookie_resize(ctx, pkt, XT_ETH_HLEN + sizeof(struct iphdr) +
				       tcp_len))
		return XT_CONTINUE;
	/* Cannot fail: the frame was just sized for this. The verifier asks. */
	if ((void *)(pkt->tcp + 1) > pkt->data_end)
		return XDP_ABORTED;
	__builtin_memcpy(pkt->eth->h_dest, r->dst_mac, ETH_ALEN);
	__builtin_memcpy(pkt->eth->h_source, r->src_mac, ETH_ALEN);
	syncookie_write_ip(pkt->ip, r, tcp_len);
	if (syncookie_write_tcp(pkt, r, tcp_len))
		return XDP_ABORTED;
	return XDP_TX;
}

/* --- the two segments a cookie handles --------------------------------- */

/* The SYN-ACK for the SYN in pkt: its ISS is the cookie. */
static __always_inline void syncookie_synack(struct xdp_md *ctx,
					     const struct xt_pkt *pkt,
					     const struct xt_ctl *c,
					     const struct xt_cookie_keys *keys,
					     struct syncookie_reply *r)
{
	__u32 opt_off = (void *)(pkt->tcp + 1) - (void *)pkt->eth;
	__u32 opt_len = pkt->tcp->doff * 4 - sizeof(struct tcphdr);
	__u32 isn = bpf_ntohl(pkt->tcp->seq);
	struct syncookie_syn_opts o;
	struct xt_cookie_tuple t;

	syncookie_opts_none(&o);
	if (syncookie_parse_opts(ctx, opt_off, opt_len, &o))
		syncookie_opts_none(&o);	/* malformed: as if none */
	if (!o.ck.mss)
		o.ck.mss = XT_TCP_DEFAULT_MSS;
	if (o.ck.mss > c->mss)
		o.ck.mss = c->mss;
	syncookie_tuple(pkt, &t);
	syncookie_reply_init(pkt, r);
	r->seq = xt_cookie_make(keys, &t, isn, &o.ck);
	r->ack = isn + 1;
	r->flags = XT_TCP_SYN | XT_TCP_ACK;
	r->wnd = SYNCOOKIE_SYN_WND;
	syncookie_synack_opts(r, &o, c);
}

/* A pure SYN is answered, and nothing is kept. */
static __always_inline int
syncookie_answer_syn(struct xdp_md *ctx, struct xt_pkt *pkt,
		     const struct xt_ctl *c, const struct xt_cookie_keys *keys,
		     struct xt_xdp_stats *st)
{
	struct syncookie_reply r = {};
	int act;

	syncookie_synack(ctx, pkt, c, keys, &r);
	act = syncookie_emit(ctx, pkt, &r);
	/* No room to grow: xtcpd answers; reload what the helper voided. */
	if (act == XT_CONTINUE)
		return parse_frame(ctx, pkt, st);
	if (act == XDP_TX)
		st->tx_synack_cookie++;
	return act;
}

/*
 * RFC 9293 §3.10.7.2, an ACK to a listener: <SEQ=SEG.ACK><CTL=RST>, within
 * the RST rate (rst_limit.h); over it, dropped.
 */
static __always_inline int syncookie_send_rst(struct xdp_md *ctx,
					      struct xt_pkt *pkt,
					      struct xt_xdp_stats *st)
{
	struct syncookie_reply r = {};
	int act;

	if (!rst_limit_take(pkt->ctl)) {
		st->drop_rst_ratelimit++;
		return XDP_DROP;
	}
	syncookie_reply_init(pkt, &r);
	r.seq = bpf_ntohl(pkt->tcp->ack_seq);
	r.flags = XT_TCP_RST;
	act = syncookie_emit(ctx, pkt, &r);
	if (act == XDP_TX)
		st->tx_rst_bad_cookie++;
	if (act != XT_CONTINUE)
		return act;
	st->drop_bad_cookie++;		/* no room for the RST */
	return XDP_DROP;
}

/*
 * Whether an ACK's options are well formed: xtcpd's codec drops a segment
 * whose options are not, so a cookie ACK let through with broken ones
 * would leave its pending conns entry behind, for good if the client
 * sends nothing more (fuzz_xdp found it). RFC 9293 §3.2's rules, as
 * syncookie_parse_opts() applies them to SYNs.
 */
static __always_inline int syncookie_ack_opts_ok(struct xdp_md *ctx,
						 const struct xt_pkt *pkt)
{
	__u32 opt_off = (void *)(pkt->tcp + 1) - (void *)pkt->eth;
	__u32 opt_len = pkt->tcp->doff * 4 - sizeof(struct tcphdr);
	struct syncookie_syn_opts o;

	syncookie_opts_none(&o);
	return !syncookie_parse_opts(ctx, opt_off, opt_len, &o);
}

/* An ACK for a tuple xtcpd does not hold: it must bring a valid cookie. */
static __always_inline int
syncookie_check_ack(struct xdp_md *ctx, struct xt_pkt *pkt,
		    const struct xt_ctl *c, const struct xt_cookie_keys *keys,
		    struct xt_xdp_stats *st)
{
	__u32 seq = bpf_ntohl(pkt->tcp->seq);
	__u32 ack = bpf_ntohl(pkt->tcp->ack_seq);
	struct xt_cookie_opts co;
	struct xt_cookie_tuple t;

	if (!syncookie_ack_opts_ok(ctx, pkt)) {
		st->drop_malformed_tcp++;
		return XDP_DROP;
	}
	syncookie_tuple(pkt, &t);
	if (!xt_cookie_check(keys, &t, seq - 1, ack - 1, &co)) {
		syncookie_mark_pending(ctx, pkt);
		st->redirect_cookie_ack++;
		return XT_CONTINUE;	/* steered to xtcpd, which opens it */
	}
	if (c->flags & XT_CTL_RST_BAD_COOKIE)
		return syncookie_send_rst(ctx, pkt, st);
	st->drop_bad_cookie++;
	return XDP_DROP;
}

/*
 * For a tuple xtcpd does not hold (conn_filter.h looked): with cookies on,
 * a pure SYN to a listening port is answered here; an ACK (no SYN, no RST)
 * to one must bring a valid cookie, whether cookies are on or not now.
 * Everything else goes on.
 */
static __always_inline int syncookie_step(struct xdp_md *ctx,
					  struct xt_pkt *pkt,
					  struct xt_xdp_stats *st)
{
	__u8 flags = xt_tcp_flags(pkt->tcp) & SYNCOOKIE_FLAGS;
	const struct xt_cookie_keys *keys;
	const struct xt_ctl *c = pkt->ctl;
	__u32 zero = 0;

	if (flags != XT_TCP_SYN && (flags & ~XT_TCP_FIN) != XT_TCP_ACK)
		return XT_CONTINUE;
	if (!c || !pkt->listening)
		return XT_CONTINUE;
	keys = bpf_map_lookup_elem(&cookie_keys, &zero);
	if (!keys)	/* no secret to check against: xtcpd decides */
		return XT_CONTINUE;
	if (flags == XT_TCP_SYN)
		return c->flags & XT_CTL_COOKIES ?
		       syncookie_answer_syn(ctx, pkt, c, keys, st) : XT_CONTINUE;
	/* Even with cookies off: auto mode may have issued some a moment ago. */
	return syncookie_check_ack(ctx, pkt, c, keys, st);
}

#endif /* XTCP_SYNCOOKIE_H */
