/* SPDX-License-Identifier: MIT */
/*
 * An incremental HTTP/1.x request parser (RFC 9112), just big enough for
 * the http service. No I/O and no allocation: feed it bytes as they come,
 * in pieces of any size, and it says "need more", "here is a request" or
 * "answer with this error status and close".
 *
 * It keeps no copy of the request, only what the service acts on: the
 * method must be GET, the target is "/", "/N" or something else, and of
 * the headers only Connection, Content-Length and Transfer-Encoding
 * matter. A Content-Length body is skipped, so the next pipelined request
 * starts where it should; Transfer-Encoding is not supported (501).
 */
#ifndef XTCP_HTTP_PARSE_H
#define XTCP_HTTP_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Request line and headers, CRLFs included, may not exceed this. */
#define XT_HTTP_HEAD_MAX	8192

/* Room for the longest method, header name and option we look for. */
#define XT_HTTP_NAME_MAX	24

/* The status codes the parser and the service use (RFC 9110 §15). */
enum xt_http_status {
	XT_HTTP_OK = 200,
	XT_HTTP_BAD_REQUEST = 400,
	XT_HTTP_NOT_FOUND = 404,
	XT_HTTP_BAD_METHOD = 405,
	XT_HTTP_NOT_IMPLEMENTED = 501,
	XT_HTTP_BAD_VERSION = 505,
};

enum xt_http_target {
	XT_HTTP_TARGET_ROOT,		/* "/" */
	XT_HTTP_TARGET_SIZE,		/* "/N", N decimal digits */
	XT_HTTP_TARGET_OTHER,
};

struct xt_http_req {
	enum xt_http_target target;
	uint64_t size;			/* N; UINT64_MAX if it overflows */
	unsigned minor;			/* HTTP/1.minor */
	bool keep_alive;		/* after RFC 9112 §9.3's rules */
};

enum xt_http_parse_res {
	XT_HTTP_PARSE_MORE,		/* all fed was used; feed more */
	XT_HTTP_PARSE_DONE,		/* p->req is a whole request */
	XT_HTTP_PARSE_ERROR,		/* answer p->status, then close */
};

/* Fields are the parser's own, but for req (once DONE) and status. */
struct xt_http_parser {
	int state;
	struct xt_http_req req;
	int status;			/* once ERROR: xt_http_status */
	size_t head_len;		/* bytes of head so far */
	size_t pos;			/* in the token being matched */
	int header;			/* whose value is being read */
	char buf[XT_HTTP_NAME_MAX];	/* method, name or option */
	size_t buf_len;			/* > sizeof(buf): too long */
	bool conn_close, conn_keep_alive;
	bool has_length;
	uint64_t length;		/* Content-Length; body left to skip */
};

/* Ready for a new request; also what to do after DONE. */
void xt_http_parser_init(struct xt_http_parser *p);

/*
 * Feeds buf[0, len). Stops right after the end of a request, so *used
 * (always set) may be less than len: the rest belongs to the next
 * request, to be fed after xt_http_parser_init(). Once DONE or ERROR,
 * it stays there, using nothing, until xt_http_parser_init().
 */
enum xt_http_parse_res xt_http_parse(struct xt_http_parser *p,
				     const char *buf, size_t len,
				     size_t *used);

#endif /* XTCP_HTTP_PARSE_H */
