// SPDX-License-Identifier: MIT
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "xtcp/csum.h"
#include "workload.h"

int xb_http_request(char *buf, unsigned size, const char *path)
{
	int n = snprintf(buf, size, "GET %s HTTP/1.1\r\nHost: xtcp-bench\r\n\r\n",
			 path);

	return n < 0 || (unsigned)n >= size ? -1 : n;
}

uint32_t xb_http_response_len(const char *buf, unsigned n)
{
	static const char clen[] = "\r\ncontent-length:";
	const char *end = memmem(buf, n, "\r\n\r\n", 4), *p;
	unsigned long body;
	char *stop;

	if (!end || n < 12 || memcmp(buf, "HTTP/1.", 7) || memcmp(buf + 8, " 200", 4))
		return 0;
	for (p = buf; p + sizeof(clen) - 1 <= end; p++) {
		if (strncasecmp(p, clen, sizeof(clen) - 1))
			continue;
		p += sizeof(clen) - 1;
		while (*p == ' ')
			p++;
		body = strtoul(p, &stop, 10);
		if (stop == p || body > UINT32_MAX / 2)
			return 0;
		return (uint32_t)(end + 4 - buf) + (uint32_t)body;
	}
	return 0;
}

uint32_t xb_payload_sum(const void *buf, unsigned len)
{
	return xt_csum_partial(buf, len, 0);
}
