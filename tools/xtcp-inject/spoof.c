// SPDX-License-Identifier: MIT
/*
 * Well-formed forged segments: a flood from random sources, and a blind
 * attacker's segments on a live 4-tuple (RFC 5961 §§3-5). Checksums are
 * right, so that only TCP's own checks can stop them.
 */
#include <arpa/inet.h>
#include <string.h>
#include "inject.h"
#include "wire/codec.h"

#define XI_PAYLOAD	100
#define XI_PORT_MIN	1024

static const uint8_t payload[XI_PAYLOAD] = "xtcp-inject: forged bytes that "
	"must never reach an application's stream. ";

static struct xt_seg_out seg_base(const struct xi_opts *o)
{
	struct xt_seg_out s = {
		.saddr = o->saddr, .daddr = o->daddr,
		.sport = o->sport, .dport = o->dport, .wnd = 65535,
	};

	memcpy(s.src_mac, o->src_mac, 6);
	memcpy(s.dst_mac, o->dst_mac, 6);
	return s;
}

/* An address of --src-net that is neither end's, nor net or broadcast. */
static uint32_t random_source(const struct xi_opts *o, uint64_t *rng)
{
	uint32_t host_bits = ~ntohl(o->mask), a;

	for (;;) {
		uint32_t h = (uint32_t)xi_rand(rng) & host_bits;

		a = o->net | htonl(h);
		if (h && h != host_bits && a != o->saddr && a != o->daddr)
			return a;
	}
}

static void set_data(struct xt_seg_out *s)
{
	s->flags |= XT_TCP_PSH;
	s->payload = payload;
	s->payload_len = sizeof(payload);
}

/* --- flood ---------------------------------------------------------------- */

enum { FLOOD_ACK, FLOOD_DATA, FLOOD_FIN, FLOOD_NKINDS };

static const char *const flood_names[FLOOD_NKINDS] = { "ack", "data", "fin" };

static int flood_make(const struct xi_opts *o, uint64_t *rng, int k,
		      uint64_t i, uint64_t n, uint8_t *buf, size_t cap)
{
	struct xt_seg_out s = seg_base(o);

	(void)i;
	(void)n;
	s.saddr = random_source(o, rng);
	s.sport = (uint16_t)(XI_PORT_MIN + xi_rand(rng) % (65536 - XI_PORT_MIN));
	s.seq = (uint32_t)xi_rand(rng);
	s.ack = (uint32_t)xi_rand(rng);
	s.flags = XT_TCP_ACK;
	if (k == FLOOD_DATA)
		set_data(&s);
	else if (k == FLOOD_FIN)
		s.flags |= XT_TCP_FIN;
	return xt_frame_build(&s, buf, cap);
}

const struct xi_gen xi_flood_gen = { flood_names, FLOOD_NKINDS, flood_make };

/* --- blind ---------------------------------------------------------------- */

enum { BLIND_RST, BLIND_SYN, BLIND_DATA, BLIND_ACK, BLIND_NKINDS };

static const char *const blind_names[BLIND_NKINDS] = {
	"rst", "syn", "data", "ack",
};

/*
 * Sequence numbers sprayed over the whole space, n of them evenly apart
 * from a random start, as an attacker who knows the tuple but not the
 * window would send them; ACK numbers at random.
 */
static int blind_make(const struct xi_opts *o, uint64_t *rng, int k,
		      uint64_t i, uint64_t n, uint8_t *buf, size_t cap)
{
	/* The start: from --seed, the same for every frame of the kind. */
	uint32_t start = (uint32_t)(((o->seed + (uint64_t)k) *
				     0x9e3779b97f4a7c15ULL) >> 32);
	uint64_t step = (1ULL << 32) / (n ? n : 1);
	struct xt_seg_out s = seg_base(o);

	s.seq = start + (uint32_t)(i * (step ? step : 1));
	s.ack = (uint32_t)xi_rand(rng);
	if (k == BLIND_RST) {
		s.flags = XT_TCP_RST;
		s.ack = 0;
	} else if (k == BLIND_SYN) {
		s.flags = XT_TCP_SYN;
		s.ack = 0;
	} else {
		s.flags = XT_TCP_ACK;
		if (k == BLIND_DATA)
			set_data(&s);
	}
	return xt_frame_build(&s, buf, cap);
}

const struct xi_gen xi_blind_gen = { blind_names, BLIND_NKINDS, blind_make };
