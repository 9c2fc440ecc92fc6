/* SPDX-License-Identifier: MIT */
/*
 * A fuzz target's input read as fields, big-endian; every read past the
 * end gives zeros, so any input decodes.
 */
#ifndef XTCP_TESTS_FUZZ_INPUT_H
#define XTCP_TESTS_FUZZ_INPUT_H

#include <stddef.h>
#include <stdint.h>

struct input {
	const uint8_t *p;
	size_t n;
};

static inline uint8_t in_u8(struct input *in)
{
	if (!in->n)
		return 0;
	in->n--;
	return *in->p++;
}

static inline uint16_t in_u16(struct input *in)
{
	return (uint16_t)(in_u8(in) << 8 | in_u8(in));
}

static inline uint32_t in_u32(struct input *in)
{
	return (uint32_t)in_u16(in) << 16 | in_u16(in);
}

#endif /* XTCP_TESTS_FUZZ_INPUT_H */
