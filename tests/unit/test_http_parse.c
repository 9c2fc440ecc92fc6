// SPDX-License-Identifier: MIT
/*
 * HTTP request parser: every request in the tables below is also parsed
 * split in two at every byte position and fed one byte at a time, and
 * must give the same result each way.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <criterion/criterion.h>
#include "app/http_parse.h"

#define MAX_OUTCOMES	8

/* A string with its length: some requests hold a NUL. */
struct bytes {
	const char *s;
	size_t len;
};

#define B(lit)	{ (lit), sizeof(lit) - 1 }

/* What the parser said about one request of a stream. */
struct outcome {
	enum xt_http_parse_res res;
	struct xt_http_req req;		/* when DONE */
	int status;			/* when ERROR */
};

struct good_case {
	struct bytes in;
	enum xt_http_target target;
	uint64_t size;
	unsigned minor;
	bool keep_alive;
};

struct bad_case {
	struct bytes in;
	int status;
};

/*
 * Feeds buf to p, starting a new request after each one that ends, and
 * records what each ended as. Returns the new count; *stop once an error
 * ended the stream.
 */
static int stream_feed(struct xt_http_parser *p, const char *buf, size_t len,
		       struct outcome *out, int n, bool *stop)
{
	while (!*stop && n < MAX_OUTCOMES) {
		size_t used;
		enum xt_http_parse_res r = xt_http_parse(p, buf, len, &used);

		cr_assert_leq(used, len);
		buf += used;
		len -= used;
		if (r == XT_HTTP_PARSE_MORE) {
			cr_assert_eq(len, 0, "MORE must use everything");
			break;
		}
		out[n++] = (struct outcome){
			.res = r, .req = p->req, .status = p->status,
		};
		*stop = r == XT_HTTP_PARSE_ERROR;
		xt_http_parser_init(p);
	}
	return n;
}

/* The whole stream in pieces of at most piece bytes, first one split. */
static int stream_parse(struct bytes in, size_t split, size_t piece,
			struct outcome *out)
{
	struct xt_http_parser p;
	bool stop = false;
	int n;

	xt_http_parser_init(&p);
	n = stream_feed(&p, in.s, split, out, 0, &stop);
	for (size_t at = split; at < in.len; at += piece) {
		size_t len = in.len - at < piece ? in.len - at : piece;

		n = stream_feed(&p, in.s + at, len, out, n, &stop);
	}
	return n;
}

static void outcome_expect_eq(const struct outcome *a,
			      const struct outcome *b, const char *what)
{
	cr_assert_eq(a->res, b->res, "%s: result", what);
	if (a->res == XT_HTTP_PARSE_ERROR) {
		cr_assert_eq(a->status, b->status, "%s: status", what);
		return;
	}
	cr_assert_eq(a->req.target, b->req.target, "%s: target", what);
	cr_assert_eq(a->req.size, b->req.size, "%s: size", what);
	cr_assert_eq(a->req.minor, b->req.minor, "%s: minor", what);
	cr_assert_eq(a->req.keep_alive, b->req.keep_alive,
		     "%s: keep-alive", what);
}

/* Past this length, split at every SPLIT_STRIDE-th byte only. */
#define SPLIT_EVERY_MAX	1024
#define SPLIT_STRIDE	61

/*
 * Parses in whole, then split in two at every position, then byte by
 * byte: all must agree. Returns the count; out holds the whole-parse
 * results.
 */
static int stream_parse_all_ways(struct bytes in, struct outcome *out)
{
	struct outcome other[MAX_OUTCOMES];
	size_t stride = in.len > SPLIT_EVERY_MAX ? SPLIT_STRIDE : 1;
	char what[64];
	int n = stream_parse(in, in.len, in.len ? in.len : 1, out);

	for (size_t split = 0; split <= in.len; split += stride) {
		snprintf(what, sizeof(what), "split at %zu", split);
		cr_assert_eq(stream_parse(in, split, in.len + 1, other), n,
			     "%s: count", what);
		for (int i = 0; i < n; i++)
			outcome_expect_eq(&other[i], &out[i], what);
	}
	cr_assert_eq(stream_parse(in, 0, 1, other), n, "bytewise: count");
	for (int i = 0; i < n; i++)
		outcome_expect_eq(&other[i], &out[i], "bytewise");
	return n;
}

static void good_expect(const struct good_case *c, size_t i)
{
	struct outcome out[MAX_OUTCOMES];
	int n = stream_parse_all_ways(c->in, out);

	cr_assert_eq(n, 1, "case %zu: one request", i);
	cr_assert_eq(out[0].res, XT_HTTP_PARSE_DONE, "case %zu: status %d",
		     i, out[0].status);
	cr_assert_eq(out[0].req.target, c->target, "case %zu: target", i);
	cr_assert_eq(out[0].req.size, c->size, "case %zu: size %llu", i,
		     (unsigned long long)out[0].req.size);
	cr_assert_eq(out[0].req.minor, c->minor, "case %zu: minor", i);
	cr_assert_eq(out[0].req.keep_alive, c->keep_alive,
		     "case %zu: keep-alive", i);
}

static void bad_expect(const struct bad_case *c, size_t i)
{
	struct outcome out[MAX_OUTCOMES];
	int n = stream_parse_all_ways(c->in, out);

	cr_assert_eq(n, 1, "case %zu: one outcome", i);
	cr_assert_eq(out[0].res, XT_HTTP_PARSE_ERROR, "case %zu: result", i);
	cr_assert_eq(out[0].status, c->status, "case %zu: status %d", i,
		     out[0].status);
}

#define ARRAY_LEN(a)	(sizeof(a) / sizeof((a)[0]))

/* One request whose head is exactly len bytes, with a long header. */
static char *head_of_len(size_t len)
{
	static const char pre[] = "GET / HTTP/1.1\r\nX-Pad: ";
	static const char post[] = "\r\n\r\n";
	char *s = malloc(len + 1);

	cr_assert_not_null(s);
	cr_assert_geq(len, sizeof(pre) + sizeof(post));
	memset(s, 'a', len);
	memcpy(s, pre, sizeof(pre) - 1);
	memcpy(s + len - (sizeof(post) - 1), post, sizeof(post) - 1);
	s[len] = '\0';
	return s;
}

/* ---- request line ---- */

static const struct good_case good_requests[] = {
	{ B("GET / HTTP/1.1\r\n\r\n"), XT_HTTP_TARGET_ROOT, 0, 1, true },
	{ B("GET / HTTP/1.0\r\n\r\n"), XT_HTTP_TARGET_ROOT, 0, 0, false },
	{ B("GET /1024 HTTP/1.1\r\nHost: x\r\n\r\n"),
	  XT_HTTP_TARGET_SIZE, 1024, 1, true },
	{ B("GET /index.html HTTP/1.1\r\n\r\n"),
	  XT_HTTP_TARGET_OTHER, 0, 1, true },
	/* RFC 9112 §2.2: empty lines before the request line. */
	{ B("\r\n\r\nGET / HTTP/1.1\r\n\r\n"), XT_HTTP_TARGET_ROOT, 0, 1,
	  true },
	{ B("GET / HTTP/1.1\r\nHost: example.com\r\n"
	    "User-Agent: curl/8.5.0 (x86_64)\r\nAccept: */*\r\n\r\n"),
	  XT_HTTP_TARGET_ROOT, 0, 1, true },
	{ B("GET / HTTP/1.1\r\nX-Empty:\r\nX-Ows: \t \r\n\r\n"),
	  XT_HTTP_TARGET_ROOT, 0, 1, true },
	{ B("GET / HTTP/1.1\r\nX-Utf8: caf\xc3\xa9\r\n\r\n"),
	  XT_HTTP_TARGET_ROOT, 0, 1, true },
	{ B("GET / HTTP/1.1\r\nContent-Length: 0\r\n\r\n"),
	  XT_HTTP_TARGET_ROOT, 0, 1, true },
	{ B("GET /5 HTTP/1.1\r\nContent-Length:  3 \r\n\r\nabc"),
	  XT_HTTP_TARGET_SIZE, 5, 1, true },
	/* A later 1.x is read as 1.1 (RFC 9110 §6.2). */
	{ B("GET / HTTP/1.9\r\n\r\n"), XT_HTTP_TARGET_ROOT, 0, 9, true },
	{ B("GET / HTTP/1.1\r\nX-Very-Long-Header-Name-That-Overflows: 1\r\n"
	    "\r\n"), XT_HTTP_TARGET_ROOT, 0, 1, true },
	{ B("GET / HTTP/1.1\r\n!#$%&'*+-.^_`|~09az: tchars\r\n\r\n"),
	  XT_HTTP_TARGET_ROOT, 0, 1, true },
};

Test(http_parse_line, good_requests_every_split)
{
	for (size_t i = 0; i < ARRAY_LEN(good_requests); i++)
		good_expect(&good_requests[i], i);
}

static const struct bad_case bad_requests[] = {
	{ B("GET / HTTP/1.1\n\n"), 400 },		/* bare LF */
	{ B("GET / HTTP/1.1\r\nHost: x\n\r\n"), 400 },
	{ B("GET / HTTP/1.1\r\nHost: x\r\n\n"), 400 },
	{ B("GET / HTTP/1.1\rX"), 400 },		/* CR, no LF */
	{ B("GET / HTTP/1.1\r\nHost: x\r\n\rX"), 400 },
	{ B("\rGET / HTTP/1.1\r\n\r\n"), 400 },
	{ B("GET /\r\n\r\n"), 400 },			/* no version */
	{ B("GET / \r\n\r\n"), 400 },
	{ B("GET\r\n\r\n"), 400 },
	{ B("GET  / HTTP/1.1\r\n\r\n"), 400 },
	{ B("GET / HTTP/1.1 \r\n\r\n"), 400 },
	{ B("GET / HTTP/1.1\t\r\n\r\n"), 400 },
	{ B(" GET / HTTP/1.1\r\n\r\n"), 400 },
	{ B("GET / http/1.1\r\n\r\n"), 400 },
	{ B("GET / HTTP/1.x\r\n\r\n"), 400 },
	{ B("GET / HTTP/11\r\n\r\n"), 400 },
	{ B("GET / HTTP/1.10\r\n\r\n"), 400 },
	{ B("GET / HTTP/x.1\r\n\r\n"), 400 },
	{ B("GET /\x7f HTTP/1.1\r\n\r\n"), 400 },
	{ B("GET /\x80 HTTP/1.1\r\n\r\n"), 400 },
	{ B("GET /\t HTTP/1.1\r\n\r\n"), 400 },
	{ B("G(T / HTTP/1.1\r\n\r\n"), 400 },
	{ B("GET / HTTP/2.0\r\n\r\n"), 505 },
	{ B("GET / HTTP/0.9\r\n\r\n"), 505 },
	{ B("POST / HTTP/1.1\r\n\r\n"), 405 },
	{ B("get / HTTP/1.1\r\n\r\n"), 405 },	/* methods keep case */
	{ B("GETS / HTTP/1.1\r\n\r\n"), 405 },
	{ B("GE / HTTP/1.1\r\n\r\n"), 405 },
	{ B("AVERYLONGMETHODNAMEINDEEDYES / HTTP/1.1\r\n\r\n"), 405 },
	{ B("GET / HTTP/1.1\r\nHost\r\n\r\n"), 400 },	/* no colon */
	{ B("GET / HTTP/1.1\r\nHost : x\r\n\r\n"), 400 },
	{ B("GET / HTTP/1.1\r\n: x\r\n\r\n"), 400 },
	{ B("GET / HTTP/1.1\r\nHo(st: x\r\n\r\n"), 400 },
	{ B("GET / HTTP/1.1\r\n Host: x\r\n\r\n"), 400 },
	{ B("GET / HTTP/1.1\r\nHost: x\r\n folded\r\n\r\n"), 400 },
	{ B("GET / HTTP/1.1\r\nHost: a\0b\r\n\r\n"), 400 },
	{ B("GET / HTTP/1.1\r\nHost: a\x7f\r\n\r\n"), 400 },
	{ B("GET / HTTP/1.1\r\nContent-Length: abc\r\n\r\n"), 400 },
	{ B("GET / HTTP/1.1\r\nContent-Length: 1 2\r\n\r\n"), 400 },
	{ B("GET / HTTP/1.1\r\nContent-Length: 1,1\r\n\r\n"), 400 },
	{ B("GET / HTTP/1.1\r\nContent-Length:\r\n\r\n"), 400 },
	{ B("GET / HTTP/1.1\r\nContent-Length:  \r\n\r\n"), 400 },
	{ B("GET / HTTP/1.1\r\nContent-Length: -1\r\n\r\n"), 400 },
	{ B("GET / HTTP/1.1\r\nContent-Length: 1\r\n"
	    "content-length: 1\r\n\r\nx"), 400 },
	{ B("GET / HTTP/1.1\r\n"
	    "Content-Length: 99999999999999999999\r\n\r\n"), 400 },
	{ B("GET / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"), 501 },
	{ B("GET / HTTP/1.1\r\ntransfer-ENCODING: chunked\r\n\r\n"), 501 },
};

Test(http_parse_line, bad_requests_every_split)
{
	for (size_t i = 0; i < ARRAY_LEN(bad_requests); i++)
		bad_expect(&bad_requests[i], i);
}

Test(http_parse_line, error_stops_at_the_bad_byte)
{
	static const char in[] = "GET / HTTP/1.1\r\nHost : x\r\n\r\n";
	struct xt_http_parser p;
	size_t used;

	xt_http_parser_init(&p);
	cr_assert_eq(xt_http_parse(&p, in, sizeof(in) - 1, &used),
		     XT_HTTP_PARSE_ERROR);
	cr_assert_eq(used, strlen("GET / HTTP/1.1\r\nHost "));
}

/* ---- target: "/", "/N" and the rest ---- */

#define TARGET(t, kind, n) \
	{ B("GET " t " HTTP/1.1\r\n\r\n"), XT_HTTP_TARGET_##kind, n, 1, true }

static const struct good_case targets[] = {
	TARGET("/", ROOT, 0),
	TARGET("/0", SIZE, 0),
	TARGET("/1", SIZE, 1),
	TARGET("/007", SIZE, 7),
	TARGET("/65536", SIZE, 65536),
	TARGET("/67108864", SIZE, 67108864),
	TARGET("/18446744073709551614", SIZE, UINT64_MAX - 1),
	TARGET("/18446744073709551615", SIZE, UINT64_MAX),
	/* Past 2^64 - 1: saturates, so that it is over any cap. */
	TARGET("/18446744073709551616", SIZE, UINT64_MAX),
	TARGET("/99999999999999999999", SIZE, UINT64_MAX),
	TARGET("/999999999999999999999999999999999999", SIZE, UINT64_MAX),
	TARGET("/000000000000000000000000000000000042", SIZE, 42),
	TARGET("/12a", OTHER, 0),
	TARGET("/a12", OTHER, 0),
	TARGET("/-1", OTHER, 0),
	TARGET("/+1", OTHER, 0),
	TARGET("/1.5", OTHER, 0),
	TARGET("/1?x=2", OTHER, 0),
	TARGET("/1/", OTHER, 0),
	TARGET("//", OTHER, 0),
	TARGET("/index.html", OTHER, 0),
	TARGET("*", OTHER, 0),
	TARGET("1", OTHER, 0),
	TARGET("http://example.com/1", OTHER, 0),
};

Test(http_parse_target, kinds_and_sizes)
{
	for (size_t i = 0; i < ARRAY_LEN(targets); i++)
		good_expect(&targets[i], i);
}

Test(http_parse_target, oversize_is_other_not_size)
{
	struct outcome out[MAX_OUTCOMES];
	struct bytes in = B("GET /99999999999999999999x HTTP/1.1\r\n\r\n");

	cr_assert_eq(stream_parse_all_ways(in, out), 1);
	cr_assert_eq(out[0].req.target, XT_HTTP_TARGET_OTHER);
}

/* ---- headers and persistence (RFC 9112 §9.3) ---- */

#define KA(ver, hdrs, ka) \
	{ B("GET / HTTP/1." #ver "\r\n" hdrs "\r\n"), XT_HTTP_TARGET_ROOT, \
	  0, ver, ka }

static const struct good_case keep_alive[] = {
	KA(1, "", true),
	KA(1, "Host: x\r\n", true),
	KA(1, "Connection: close\r\n", false),
	KA(1, "connection: CLOSE\r\n", false),
	KA(1, "CONNECTION: Close\r\n", false),
	KA(1, "Connection:close\r\n", false),
	KA(1, "Connection: \t close \t\r\n", false),
	KA(1, "Connection: keep-alive\r\n", true),
	KA(1, "Connection: Upgrade, close\r\n", false),
	KA(1, "Connection: close,Upgrade\r\n", false),
	KA(1, "Connection: foo,,close\r\n", false),
	KA(1, "Connection: closed\r\n", true),
	KA(1, "Connection: clos\r\n", true),
	KA(1, "Connection: xclose\r\n", true),
	KA(1, "Connection: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaclose\r\n",
	   true),
	KA(1, "X-Connection: close\r\n", true),
	KA(1, "Connection-X: close\r\n", true),
	KA(1, "Connectionxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx: close\r\n", true),
	KA(1, "X-Note: close\r\n", true),
	KA(1, "Connection: keep-alive\r\nConnection: close\r\n", false),
	KA(0, "", false),
	KA(0, "Host: x\r\n", false),
	KA(0, "Connection: keep-alive\r\n", true),
	KA(0, "CONNECTION: Keep-Alive\r\n", true),
	KA(0, "Connection: Keep-Alive, Upgrade\r\n", true),
	KA(0, "Connection: keep-alive, close\r\n", false),
	KA(0, "Connection: close\r\n", false),
	KA(0, "Connection: keep-alive-ish\r\n", false),
	KA(0, "Connection: keep alive\r\n", false),
	KA(0, "Keep-Alive: timeout=5\r\n", false),
};

Test(http_parse_headers, keep_alive_rules)
{
	for (size_t i = 0; i < ARRAY_LEN(keep_alive); i++)
		good_expect(&keep_alive[i], i);
}

Test(http_parse_headers, head_of_exactly_the_cap)
{
	char *s = head_of_len(XT_HTTP_HEAD_MAX);
	struct good_case c = {
		{ s, XT_HTTP_HEAD_MAX }, XT_HTTP_TARGET_ROOT, 0, 1, true,
	};

	good_expect(&c, 0);
	free(s);
}

Test(http_parse_headers, head_over_the_cap)
{
	char *s = head_of_len(XT_HTTP_HEAD_MAX + 1);
	struct bad_case c = { { s, XT_HTTP_HEAD_MAX + 1 }, 400 };
	struct xt_http_parser p;
	size_t used;

	bad_expect(&c, 0);
	/* Refused at the first byte over, not at the end of the head. */
	xt_http_parser_init(&p);
	cr_assert_eq(xt_http_parse(&p, s, XT_HTTP_HEAD_MAX + 1, &used),
		     XT_HTTP_PARSE_ERROR);
	cr_assert_eq(used, XT_HTTP_HEAD_MAX + 1);
	free(s);
}

Test(http_parse_headers, endless_header_refused)
{
	char chunk[1000];
	struct xt_http_parser p;
	enum xt_http_parse_res r;
	size_t used, total = 0;

	memset(chunk, 'a', sizeof(chunk));
	xt_http_parser_init(&p);
	cr_assert_eq(xt_http_parse(&p, "GET / HTTP/1.1\r\nX: ", 19, &used),
		     XT_HTTP_PARSE_MORE);
	do {
		r = xt_http_parse(&p, chunk, sizeof(chunk), &used);
		total += used;
	} while (r == XT_HTTP_PARSE_MORE && total < 4 * XT_HTTP_HEAD_MAX);
	cr_assert_eq(r, XT_HTTP_PARSE_ERROR);
	cr_assert_eq(p.status, 400);
}

Test(http_parse_headers, endless_empty_lines_refused)
{
	struct xt_http_parser p;
	enum xt_http_parse_res r;
	size_t used, total = 0;

	xt_http_parser_init(&p);
	do {
		r = xt_http_parse(&p, "\r\n", 2, &used);
		total += used;
	} while (r == XT_HTTP_PARSE_MORE && total < 4 * XT_HTTP_HEAD_MAX);
	cr_assert_eq(r, XT_HTTP_PARSE_ERROR);
	cr_assert_eq(p.status, 400);
}

Test(http_parse_headers, body_does_not_count_toward_the_cap)
{
	static const char head[] =
		"GET / HTTP/1.1\r\nContent-Length: 100000\r\n\r\n";
	char body[4096];
	struct xt_http_parser p;
	enum xt_http_parse_res r;
	size_t used, left = 100000;

	memset(body, 'G', sizeof(body));
	xt_http_parser_init(&p);
	cr_assert_eq(xt_http_parse(&p, head, sizeof(head) - 1, &used),
		     XT_HTTP_PARSE_MORE);
	do {
		size_t n = left < sizeof(body) ? left : sizeof(body);

		r = xt_http_parse(&p, body, n, &used);
		cr_assert_eq(used, n);
		left -= n;
	} while (r == XT_HTTP_PARSE_MORE);
	cr_assert_eq(r, XT_HTTP_PARSE_DONE);
	cr_assert_eq(left, 0);
}

/* ---- pipelining ---- */

Test(http_parse_pipeline, three_requests_in_one_buffer)
{
	struct bytes in = B("GET /1 HTTP/1.1\r\n\r\n"
			    "GET /2 HTTP/1.1\r\nContent-Length: 13\r\n\r\n"
			    "GET /3 HTTP/1"
			    "\r\nGET / HTTP/1.0\r\n"
			    "Connection: keep-alive\r\n\r\n");
	struct outcome out[MAX_OUTCOMES];

	cr_assert_eq(stream_parse_all_ways(in, out), 3);
	for (int i = 0; i < 3; i++)
		cr_assert_eq(out[i].res, XT_HTTP_PARSE_DONE, "request %d", i);
	cr_assert_eq(out[0].req.size, 1);
	cr_assert_eq(out[1].req.size, 2);
	cr_assert_eq(out[2].req.target, XT_HTTP_TARGET_ROOT);
	cr_assert_eq(out[2].req.minor, 0);
	cr_assert(out[2].req.keep_alive);
}

Test(http_parse_pipeline, stops_right_after_each_request)
{
	static const char first[] = "GET /1 HTTP/1.1\r\n\r\n";
	static const char both[] =
		"GET /1 HTTP/1.1\r\n\r\nGET /2 HTTP/1.1\r\n\r\n";
	struct xt_http_parser p;
	size_t used;

	xt_http_parser_init(&p);
	cr_assert_eq(xt_http_parse(&p, both, sizeof(both) - 1, &used),
		     XT_HTTP_PARSE_DONE);
	cr_assert_eq(used, sizeof(first) - 1);
	cr_assert_eq(p.req.size, 1);
	/* Stays DONE, using nothing, until re-initialised. */
	cr_assert_eq(xt_http_parse(&p, both + used, 5, &used),
		     XT_HTTP_PARSE_DONE);
	cr_assert_eq(used, 0);
	xt_http_parser_init(&p);
	cr_assert_eq(xt_http_parse(&p, both + sizeof(first) - 1,
				   sizeof(both) - sizeof(first), &used),
		     XT_HTTP_PARSE_DONE);
	cr_assert_eq(p.req.size, 2);
}

Test(http_parse_pipeline, fields_do_not_leak_into_the_next)
{
	struct bytes in = B("GET /7 HTTP/1.1\r\nConnection: close\r\n"
			    "Content-Length: 1\r\n\r\nx"
			    "GET / HTTP/1.1\r\nContent-Length: 0\r\n\r\n");
	struct outcome out[MAX_OUTCOMES];

	cr_assert_eq(stream_parse_all_ways(in, out), 2);
	cr_assert_not(out[0].req.keep_alive);
	cr_assert_eq(out[1].res, XT_HTTP_PARSE_DONE);
	cr_assert(out[1].req.keep_alive);
	cr_assert_eq(out[1].req.size, 0);
	cr_assert_eq(out[1].req.target, XT_HTTP_TARGET_ROOT);
}

Test(http_parse_pipeline, error_after_good_requests)
{
	struct bytes in = B("GET / HTTP/1.1\r\n\r\nGET /9 HTTP/1.1\r\n\r\n"
			    "BAD\r\n\r\nGET / HTTP/1.1\r\n\r\n");
	struct outcome out[MAX_OUTCOMES];
	struct xt_http_parser p;
	size_t used;

	cr_assert_eq(stream_parse_all_ways(in, out), 3);
	cr_assert_eq(out[1].req.size, 9);
	cr_assert_eq(out[2].res, XT_HTTP_PARSE_ERROR);
	cr_assert_eq(out[2].status, 400);
	/* An error, too, stays until re-initialised. */
	xt_http_parser_init(&p);
	cr_assert_eq(xt_http_parse(&p, "BAD\r\n", 5, &used),
		     XT_HTTP_PARSE_ERROR);
	cr_assert_eq(xt_http_parse(&p, "GET", 3, &used), XT_HTTP_PARSE_ERROR);
	cr_assert_eq(used, 0);
}

Test(http_parse_pipeline, empty_input_needs_more)
{
	struct xt_http_parser p;
	size_t used = 99;

	xt_http_parser_init(&p);
	cr_assert_eq(xt_http_parse(&p, "", 0, &used), XT_HTTP_PARSE_MORE);
	cr_assert_eq(used, 0);
}
