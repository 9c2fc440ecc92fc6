// SPDX-License-Identifier: MIT
/*
 * http: a minimal HTTP/1.1 responder with keep-alive and pipelining.
 *
 *   GET /     200, "hello from xtcp\n"
 *   GET /N    200, N bytes (N <= the cfg's cap, else 404); byte i of the
 *             body is HTTP_PATTERN_LINE[i % 64], made as send space allows
 *   other     404
 *   malformed 400 (405, 501, 505 where those say more), then close
 *
 * One request at a time: while a response is still going out, no more
 * input is read, so pipelined requests wait in the receive buffer and
 * the peer's window closes (flow control end to end). Responses are
 * always HTTP/1.1 (RFC 9110 §6.2 lets a server answer 1.0 with it).
 *
 * http_pump() -> http_flush() (what is left of the response), then
 * http_next() (read, parse, http_answer() the next request).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "app/http_parse.h"
#include "app/service.h"

#define HTTP_IN_SIZE	2048
#define HTTP_OUT_SIZE	512

#define HTTP_ROOT_BODY		"hello from xtcp\n"
#define HTTP_OVER_CAP_BODY	"over the size cap\n"

/* 64 bytes; /N bodies repeat it. */
#define HTTP_PATTERN_LINE \
	"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.\n"
#define HTTP_PATTERN_PERIOD	(sizeof(HTTP_PATTERN_LINE) - 1)
#define HTTP_PATTERN_4(x)	x x x x
/*
 * 4 KiB of the pattern, so that one xt_send() moves a useful amount from
 * any phase of it: body byte i lives at http_pattern[i % period].
 */
static const char http_pattern[] =
	HTTP_PATTERN_4(HTTP_PATTERN_4(HTTP_PATTERN_4(HTTP_PATTERN_LINE)));

struct http_status {
	int code;
	const char *reason;
	const char *headers;		/* extra lines, each ending in CRLF */
	const char *body;		/* unless the caller has its own */
};

/* The first one stands in for codes that are not here. */
static const struct http_status http_statuses[] = {
	{ XT_HTTP_BAD_REQUEST, "Bad Request", "", "bad request\n" },
	{ XT_HTTP_OK, "OK", "", "" },
	{ XT_HTTP_NOT_FOUND, "Not Found", "", "not found\n" },
	{ XT_HTTP_BAD_METHOD, "Method Not Allowed", "Allow: GET\r\n",
	  "only GET\n" },
	{ XT_HTTP_NOT_IMPLEMENTED, "Not Implemented", "",
	  "transfer codings unsupported\n" },
	{ XT_HTTP_BAD_VERSION, "HTTP Version Not Supported", "",
	  "HTTP/1.x only\n" },
};

struct http_conn {
	uint64_t max_body;		/* the cfg's cap for /N */
	struct xt_http_parser parser;
	/* The response: out[out_off, out_len), then pattern bytes. */
	char out[HTTP_OUT_SIZE];
	size_t out_off, out_len;
	uint64_t body_off, body_len;
	bool close_after;		/* close once the response is out */
	bool keep_alive_header;		/* a 1.0 client asked for it */
	/* Input read from the socket, not parsed yet: in[in_off, in_len). */
	char in[HTTP_IN_SIZE];
	size_t in_off, in_len;
};

static const struct http_status *http_status_find(int code)
{
	size_t n = sizeof(http_statuses) / sizeof(http_statuses[0]);

	for (size_t i = 0; i < n; i++)
		if (http_statuses[i].code == code)
			return &http_statuses[i];
	return &http_statuses[0];
}

static const char *http_connection_header(const struct http_conn *c)
{
	if (c->close_after)
		return "Connection: close\r\n";
	return c->keep_alive_header ? "Connection: keep-alive\r\n" : "";
}

/*
 * Puts the status line, the headers and text into out; body_len more
 * pattern bytes follow text. 0, or -ENOSPC if out is too small.
 */
static int http_format(struct http_conn *c, const struct http_status *st,
		       const char *text, uint64_t body_len)
{
	uint64_t len = strlen(text) + body_len;
	int n;

	n = snprintf(c->out, sizeof(c->out),
		     "HTTP/1.1 %d %s\r\n"
		     "Content-Type: text/plain\r\n"
		     "Content-Length: %" PRIu64 "\r\n"
		     "%s%s\r\n%s",
		     st->code, st->reason, len, st->headers,
		     http_connection_header(c), text);
	if (n < 0 || (size_t)n >= sizeof(c->out))
		return -ENOSPC;
	c->out_off = 0;
	c->out_len = (size_t)n;
	c->body_off = 0;
	c->body_len = body_len;
	return 0;
}

/* A request that parsed: queue its response. 0 or -errno. */
static int http_answer(struct http_conn *c, const struct xt_http_req *req)
{
	const struct http_status *ok = http_status_find(XT_HTTP_OK);
	const struct http_status *none = http_status_find(XT_HTTP_NOT_FOUND);

	c->close_after = !req->keep_alive;
	c->keep_alive_header = req->keep_alive && !req->minor;
	switch (req->target) {
	case XT_HTTP_TARGET_ROOT:
		return http_format(c, ok, HTTP_ROOT_BODY, 0);
	case XT_HTTP_TARGET_SIZE:
		if (req->size <= c->max_body)
			return http_format(c, ok, "", req->size);
		return http_format(c, none, HTTP_OVER_CAP_BODY, 0);
	case XT_HTTP_TARGET_OTHER:
		break;
	}
	return http_format(c, none, none->body, 0);
}

/* A request that did not parse: say why, then close. 0 or -errno. */
static int http_answer_error(struct http_conn *c, int code)
{
	const struct http_status *st = http_status_find(code);

	c->close_after = true;
	return http_format(c, st, st->body, 0);
}

/* The pattern bytes of the body, one xt_send() at a time. */
static int http_flush_body(struct xt_sock *s, struct http_conn *c)
{
	while (c->body_off < c->body_len) {
		size_t at = c->body_off % HTTP_PATTERN_PERIOD;
		size_t n = sizeof(http_pattern) - 1 - at;
		size_t sent = 0;
		int r;

		if (n > c->body_len - c->body_off)
			n = (size_t)(c->body_len - c->body_off);
		r = xt_service_send(s, http_pattern + at, n, &sent);
		c->body_off += sent;
		if (r <= 0)
			return r;
	}
	return 1;
}

/* 1 when the response is all queued, 0 to wait for writable(), -errno. */
static int http_flush(struct xt_sock *s, struct http_conn *c)
{
	int r = xt_service_send(s, c->out, c->out_len, &c->out_off);

	if (r <= 0)
		return r;
	return http_flush_body(s, c);
}

/*
 * Reads more input once all of it is parsed. 1 with input to parse, 0
 * with none for now, -errno. At EOF there will be no more requests: it
 * asks for the close and returns 1 with nothing to parse.
 */
static int http_fill(struct xt_sock *s, struct http_conn *c)
{
	ssize_t n;

	if (c->in_off < c->in_len)
		return 1;
	n = xt_recv(s, c->in, sizeof(c->in));
	if (n == -EAGAIN)
		return 0;
	if (n < 0)
		return (int)n;
	if (n == 0) {
		c->close_after = true;
		return 1;
	}
	c->in_off = 0;
	c->in_len = (size_t)n;
	return 1;
}

/*
 * Parses input until a request (or a bad one) is complete and queues its
 * answer. 1 when there is something to flush or the close is due, 0 to
 * wait for readable(), -errno.
 */
static int http_next(struct xt_sock *s, struct http_conn *c)
{
	for (;;) {
		enum xt_http_parse_res res;
		size_t used;
		int r = http_fill(s, c);

		if (r <= 0 || c->close_after)
			return r;
		res = xt_http_parse(&c->parser, c->in + c->in_off,
				    c->in_len - c->in_off, &used);
		c->in_off += used;
		if (res == XT_HTTP_PARSE_ERROR)
			r = http_answer_error(c, c->parser.status);
		else if (res == XT_HTTP_PARSE_DONE)
			r = http_answer(c, &c->parser.req);
		else
			continue;
		/* The next request starts from scratch. */
		xt_http_parser_init(&c->parser);
		return r < 0 ? r : 1;
	}
}

static void http_pump(struct xt_sock *s, struct http_conn *c)
{
	for (;;) {
		int r = http_flush(s, c);

		if (r < 0)
			break;
		if (r == 0)
			return;		/* writable() resumes */
		if (c->close_after) {
			xt_service_close(s, c);
			return;
		}
		r = http_next(s, c);
		if (r < 0)
			break;
		if (r == 0)
			return;		/* readable() resumes */
	}
	xt_service_abort(s, c);
}

static void http_accepted(struct xt_sock *s, void *arg)
{
	struct http_conn *c = malloc(sizeof(*c));

	if (!c) {
		xt_service_abort(s, NULL);
		return;
	}
	*c = (struct http_conn){
		.max_body = xt_service_http_max_body(arg),
	};
	xt_http_parser_init(&c->parser);
	xt_sock_set_ctx(s, c);
	/*
	 * A response goes out in as few segments as it can be queued in;
	 * Nagle would hold its tail for the client's delayed ACK.
	 */
	xt_sock_set_nodelay(s, 1);
	/* The request may have come with the handshake's last ACK. */
	http_pump(s, c);
}

static void http_resume(struct xt_sock *s)
{
	struct http_conn *c = xt_sock_ctx(s);

	if (c)
		http_pump(s, c);
}

/* Draining: the response under way goes out whole, then our FIN. */
static void http_drain(struct xt_sock *s)
{
	struct http_conn *c = xt_sock_ctx(s);

	if (!c)
		return;
	c->close_after = true;
	http_pump(s, c);
}

const struct xt_app_ops xt_http_ops = {
	.accepted = http_accepted,
	.readable = http_resume,
	.writable = http_resume,
	.closed = xt_service_closed,
	.drain = http_drain,
};
