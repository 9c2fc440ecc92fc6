/* SPDX-License-Identifier: MIT */
/* Corrupting one IPv4/TCP segment in place, so that only the TCP checksum
 * can tell. */
#ifndef XTCP_IMPAIR_MANGLE_H
#define XTCP_IMPAIR_MANGLE_H

#include <stddef.h>
#include <stdint.h>

/*
 * Changes one byte of the segment's payload (chosen and changed by rand),
 * or, when it carries none, one bit of the TCP checksum field. Addresses,
 * ports, lengths and the IP checksum are never touched, and the TCP
 * checksum is not fixed: the receiver's check must catch it. Returns 0, or
 * -EINVAL (nothing changed) when pkt is not a whole first-fragment
 * IPv4/TCP segment.
 */
int xt_mangle_corrupt(uint8_t *pkt, size_t len, uint64_t rand);

#endif /* XTCP_IMPAIR_MANGLE_H */
