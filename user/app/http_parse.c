// SPDX-License-Identifier: MIT
/*
 * HTTP/1.x request parser: one byte at a time through the grammar of
 * RFC 9112 §2-§6, so that a request may be split anywhere.
 *
 * xt_http_parse() -> http_parse_byte() -> one handler per state, each
 * returning 0 to go on or the status to answer with; the body, when there
 * is one, is skipped in bulk.
 *
 * Strict where leniency would let two parsers disagree on where a request
 * ends (request smuggling): bare LF, whitespace before a colon, folded
 * lines, two Content-Lengths and any Transfer-Encoding are refused.
 */
#include <string.h>
#include "app/http_parse.h"

/* "HTTP/1.1": the name, then major digit, dot, minor digit at these. */
#define HTTP_VERSION_NAME	"HTTP/"
#define HTTP_VERSION_MAJOR	5
#define HTTP_VERSION_DOT	6
#define HTTP_VERSION_MINOR	7
#define HTTP_VERSION_END	8

enum http_parse_state {
	HTTP_S_METHOD,		/* or the empty lines allowed before it */
	HTTP_S_LEADING_LF,	/* after the CR of an empty leading line */
	HTTP_S_TARGET,
	HTTP_S_VERSION,
	HTTP_S_LINE_LF,		/* after the request line's CR */
	HTTP_S_FIELD,		/* a header line starts, or the blank one */
	HTTP_S_NAME,
	HTTP_S_VALUE,
	HTTP_S_VALUE_LF,	/* after a header line's CR */
	HTTP_S_HEAD_LF,		/* after the blank line's CR */
	HTTP_S_BODY,
	HTTP_S_DONE,
	HTTP_S_ERROR,
};

enum http_parse_header {
	HTTP_H_OTHER,
	HTTP_H_CONNECTION,
	HTTP_H_CONTENT_LENGTH,
};

/* Where a Content-Length value is: its digits, with OWS either side. */
enum http_parse_length_pos {
	HTTP_LEN_BEFORE,
	HTTP_LEN_DIGITS,
	HTTP_LEN_AFTER,
};

#define HTTP_CR		'\r'
#define HTTP_LF		'\n'
#define HTTP_DEL	0x7f

void xt_http_parser_init(struct xt_http_parser *p)
{
	memset(p, 0, sizeof(*p));
	p->state = HTTP_S_METHOD;
	p->req.target = XT_HTTP_TARGET_OTHER;
}

/* RFC 9110 §5.6.2: the characters of a method or a header name. */
static bool http_parse_is_tchar(unsigned char c)
{
	if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
	    (c >= 'A' && c <= 'Z'))
		return true;
	return c && strchr("!#$%&'*+-.^_`|~", c);
}

static bool http_parse_is_ows(unsigned char c)
{
	return c == ' ' || c == '\t';
}

static bool http_parse_is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

/* Header names and Connection options compare without case. */
static char http_parse_lower(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : (char)c;
}

/* Appends c to buf; past its size, only remembers that it overflowed. */
static void http_parse_collect(struct xt_http_parser *p, char c)
{
	if (p->buf_len < sizeof(p->buf))
		p->buf[p->buf_len] = c;
	if (p->buf_len <= sizeof(p->buf))
		p->buf_len++;
}

static bool http_parse_is(const struct xt_http_parser *p, const char *s)
{
	return p->buf_len == strlen(s) && !memcmp(p->buf, s, p->buf_len);
}

/* Sets *v = *v * 10 + digit; false if that does not fit. */
static bool http_parse_add_digit(uint64_t *v, unsigned char c)
{
	unsigned d = c - '0';

	if (*v > (UINT64_MAX - d) / 10)
		return false;
	*v = *v * 10 + d;
	return true;
}

/* RFC 9112 §3: method SP; §2.2 lets empty lines come first. */
static int http_parse_method(struct xt_http_parser *p, unsigned char c)
{
	if (c == HTTP_CR && !p->buf_len) {
		p->state = HTTP_S_LEADING_LF;
		return 0;
	}
	if (http_parse_is_tchar(c)) {
		http_parse_collect(p, (char)c);
		return 0;
	}
	if (c != ' ' || !p->buf_len)
		return XT_HTTP_BAD_REQUEST;
	/* Methods are case-sensitive (RFC 9110 §9.1). */
	if (!http_parse_is(p, "GET"))
		return XT_HTTP_BAD_METHOD;
	p->state = HTTP_S_TARGET;
	return 0;
}

static int http_parse_leading_lf(struct xt_http_parser *p, unsigned char c)
{
	if (c != HTTP_LF)
		return XT_HTTP_BAD_REQUEST;
	p->state = HTTP_S_METHOD;
	return 0;
}

/* Sorts the target into "/", "/N" or other as its bytes go by. */
static void http_parse_classify(struct xt_http_parser *p, unsigned char c)
{
	struct xt_http_req *r = &p->req;

	if (!p->pos) {
		r->target = c == '/' ? XT_HTTP_TARGET_ROOT :
				       XT_HTTP_TARGET_OTHER;
		return;
	}
	if (r->target == XT_HTTP_TARGET_OTHER)
		return;
	if (!http_parse_is_digit(c)) {
		r->target = XT_HTTP_TARGET_OTHER;
		r->size = 0;		/* only a "/N" has one */
		return;
	}
	r->target = XT_HTTP_TARGET_SIZE;
	/* Too big for the cap whatever the cap: saturate. */
	if (!http_parse_add_digit(&r->size, c))
		r->size = UINT64_MAX;
}

/* RFC 9112 §3.2: request-target SP, visible characters only. */
static int http_parse_target(struct xt_http_parser *p, unsigned char c)
{
	if (c == ' ' && p->pos) {
		p->state = HTTP_S_VERSION;
		p->pos = 0;
		return 0;
	}
	if (c <= ' ' || c >= HTTP_DEL)
		return XT_HTTP_BAD_REQUEST;
	http_parse_classify(p, c);
	p->pos++;
	return 0;
}

/* RFC 9112 §2.3: "HTTP/" DIGIT "." DIGIT, then CR. */
static int http_parse_version(struct xt_http_parser *p, unsigned char c)
{
	size_t at = p->pos++;

	if (at < HTTP_VERSION_MAJOR)
		return c == HTTP_VERSION_NAME[at] ? 0 :
						    XT_HTTP_BAD_REQUEST;
	if (at == HTTP_VERSION_DOT)
		return c == '.' ? 0 : XT_HTTP_BAD_REQUEST;
	if (at == HTTP_VERSION_END) {
		if (c != HTTP_CR)
			return XT_HTTP_BAD_REQUEST;
		p->state = HTTP_S_LINE_LF;
		return 0;
	}
	if (!http_parse_is_digit(c))
		return XT_HTTP_BAD_REQUEST;
	if (at == HTTP_VERSION_MAJOR)
		return c == '1' ? 0 : XT_HTTP_BAD_VERSION;
	p->req.minor = c - '0';
	return 0;
}

/* An LF that must follow a CR, leading to next. */
static int http_parse_lf(struct xt_http_parser *p, unsigned char c,
			 enum http_parse_state next)
{
	if (c != HTTP_LF)
		return XT_HTTP_BAD_REQUEST;
	p->state = next;
	return 0;
}

/* A header line starts, or the blank line that ends the head does. */
static int http_parse_field(struct xt_http_parser *p, unsigned char c)
{
	if (c == HTTP_CR) {
		p->state = HTTP_S_HEAD_LF;
		return 0;
	}
	/* Includes obs-fold (RFC 9112 §5.2): a line starting with OWS. */
	if (!http_parse_is_tchar(c))
		return XT_HTTP_BAD_REQUEST;
	p->buf_len = 0;
	http_parse_collect(p, http_parse_lower(c));
	p->state = HTTP_S_NAME;
	return 0;
}

/* The name is complete: decide what its value means to us. */
static int http_parse_name_end(struct xt_http_parser *p)
{
	p->header = HTTP_H_OTHER;
	if (http_parse_is(p, "transfer-encoding"))
		return XT_HTTP_NOT_IMPLEMENTED;
	if (http_parse_is(p, "content-length")) {
		/* Two lengths: which one frames the body? (§6.3) */
		if (p->has_length)
			return XT_HTTP_BAD_REQUEST;
		p->has_length = true;
		p->header = HTTP_H_CONTENT_LENGTH;
		p->pos = HTTP_LEN_BEFORE;
	} else if (http_parse_is(p, "connection")) {
		p->header = HTTP_H_CONNECTION;
	}
	p->buf_len = 0;
	p->state = HTTP_S_VALUE;
	return 0;
}

/* RFC 9112 §5.1: no whitespace between the name and the colon. */
static int http_parse_name(struct xt_http_parser *p, unsigned char c)
{
	if (c == ':')
		return http_parse_name_end(p);
	if (!http_parse_is_tchar(c))
		return XT_HTTP_BAD_REQUEST;
	http_parse_collect(p, http_parse_lower(c));
	return 0;
}

/* One Connection option is complete (RFC 9110 §7.6.1). */
static void http_parse_option_end(struct xt_http_parser *p)
{
	if (http_parse_is(p, "close"))
		p->conn_close = true;
	else if (http_parse_is(p, "keep-alive"))
		p->conn_keep_alive = true;
	p->buf_len = 0;
}

static void http_parse_connection(struct xt_http_parser *p, unsigned char c)
{
	if (c == ',' || http_parse_is_ows(c))
		http_parse_option_end(p);
	else
		http_parse_collect(p, http_parse_lower(c));
}

/* RFC 9112 §6.3: 1*DIGIT, nothing else but the OWS around it. */
static int http_parse_length(struct xt_http_parser *p, unsigned char c)
{
	if (http_parse_is_ows(c)) {
		if (p->pos == HTTP_LEN_DIGITS)
			p->pos = HTTP_LEN_AFTER;
		return 0;
	}
	if (!http_parse_is_digit(c) || p->pos == HTTP_LEN_AFTER ||
	    !http_parse_add_digit(&p->length, c))
		return XT_HTTP_BAD_REQUEST;
	p->pos = HTTP_LEN_DIGITS;
	return 0;
}

static int http_parse_value_end(struct xt_http_parser *p)
{
	if (p->header == HTTP_H_CONNECTION)
		http_parse_option_end(p);
	if (p->header == HTTP_H_CONTENT_LENGTH && p->pos == HTTP_LEN_BEFORE)
		return XT_HTTP_BAD_REQUEST;
	p->state = HTTP_S_VALUE_LF;
	return 0;
}

/* RFC 9110 §5.5: field-value is VCHAR, obs-text, SP and HTAB. */
static int http_parse_value(struct xt_http_parser *p, unsigned char c)
{
	if (c == HTTP_CR)
		return http_parse_value_end(p);
	if ((c < ' ' && c != '\t') || c == HTTP_DEL)
		return XT_HTTP_BAD_REQUEST;
	if (p->header == HTTP_H_CONTENT_LENGTH)
		return http_parse_length(p, c);
	if (p->header == HTTP_H_CONNECTION)
		http_parse_connection(p, c);
	return 0;
}

/* The blank line ended the head: RFC 9112 §9.3 decides persistence. */
static int http_parse_head_end(struct xt_http_parser *p, unsigned char c)
{
	struct xt_http_req *r = &p->req;

	if (c != HTTP_LF)
		return XT_HTTP_BAD_REQUEST;
	if (r->minor)
		r->keep_alive = !p->conn_close;
	else
		r->keep_alive = p->conn_keep_alive && !p->conn_close;
	p->state = p->length ? HTTP_S_BODY : HTTP_S_DONE;
	return 0;
}

static int http_parse_byte(struct xt_http_parser *p, unsigned char c)
{
	/* Bounds what a peer can make us chew before we answer. */
	if (++p->head_len > XT_HTTP_HEAD_MAX)
		return XT_HTTP_BAD_REQUEST;
	switch ((enum http_parse_state)p->state) {
	case HTTP_S_METHOD:
		return http_parse_method(p, c);
	case HTTP_S_LEADING_LF:
		return http_parse_leading_lf(p, c);
	case HTTP_S_TARGET:
		return http_parse_target(p, c);
	case HTTP_S_VERSION:
		return http_parse_version(p, c);
	case HTTP_S_LINE_LF:
		return http_parse_lf(p, c, HTTP_S_FIELD);
	case HTTP_S_FIELD:
		return http_parse_field(p, c);
	case HTTP_S_NAME:
		return http_parse_name(p, c);
	case HTTP_S_VALUE:
		return http_parse_value(p, c);
	case HTTP_S_VALUE_LF:
		return http_parse_lf(p, c, HTTP_S_FIELD);
	case HTTP_S_HEAD_LF:
		return http_parse_head_end(p, c);
	case HTTP_S_BODY:
	case HTTP_S_DONE:
	case HTTP_S_ERROR:
		break;		/* xt_http_parse() handles these */
	}
	return XT_HTTP_BAD_REQUEST;
}

/* Skips body bytes; returns how many of the len offered it took. */
static size_t http_parse_body(struct xt_http_parser *p, size_t len)
{
	size_t n = p->length < len ? (size_t)p->length : len;

	p->length -= n;
	if (!p->length)
		p->state = HTTP_S_DONE;
	return n;
}

enum xt_http_parse_res xt_http_parse(struct xt_http_parser *p,
				     const char *buf, size_t len,
				     size_t *used)
{
	size_t i = 0;

	while (i < len && p->state != HTTP_S_DONE &&
	       p->state != HTTP_S_ERROR) {
		int status;

		if (p->state == HTTP_S_BODY) {
			i += http_parse_body(p, len - i);
			continue;
		}
		status = http_parse_byte(p, (unsigned char)buf[i++]);
		if (status) {
			p->status = status;
			p->state = HTTP_S_ERROR;
		}
	}
	*used = i;
	if (p->state == HTTP_S_DONE)
		return XT_HTTP_PARSE_DONE;
	return p->state == HTTP_S_ERROR ? XT_HTTP_PARSE_ERROR :
					  XT_HTTP_PARSE_MORE;
}
