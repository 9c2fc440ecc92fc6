/* SPDX-License-Identifier: MIT */
/*
 * The bytes of the crr workload (bench.h): the request every engine sends
 * and the response xtcpd's http service, tools/kernel_httpd.c and the XDP
 * responder all send back for it.
 */
#ifndef XB_WORKLOAD_H
#define XB_WORKLOAD_H

#include <stdint.h>
#include "bench.h"

/* HTTP/1.1 keep-alive, so the server closes only when the client has. */
#define XB_REQUEST \
	"GET /63 HTTP/1.1\r\nHost: xtcp-bench\r\nX-Pad: 0123456789abcdefg\r\n\r\n"
/* xtcpd's http answer to it: 65 header bytes, 63 of its body pattern. */
#define XB_RESPONSE \
	"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 63\r\n\r\n" \
	"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ."

_Static_assert(sizeof(XB_REQUEST) - 1 == XB_REQ_LEN, "request is 64 bytes");
_Static_assert(sizeof(XB_RESPONSE) - 1 == XB_RESP_LEN, "response is 128 bytes");

/*
 * --path: any HTTP server's response to GET path, instead of the fixed
 * 128 bytes. The request into buf (NUL-terminated); its length, or -1 if
 * it does not fit.
 */
int xb_http_request(char *buf, unsigned size, const char *path);
/*
 * The length of the whole response (header and Content-Length body) from
 * its first bytes, which must hold the status line and header; 0 when
 * they do not, or the status is not 200, or no Content-Length is given.
 */
uint32_t xb_http_response_len(const char *buf, unsigned n);

/* The one's-complement sum (network order, unfolded) of len bytes. */
uint32_t xb_payload_sum(const void *buf, unsigned len);

#endif /* XB_WORKLOAD_H */
