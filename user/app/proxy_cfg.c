// SPDX-License-Identifier: MIT
/* proxy's --listen argument: "HOST:PORT" or "unix:PATH", then flags. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>
#include "app/service.h"

#define PROXY_SPEC_MAX	256

static int parse_u32(const char *s, uint32_t lo, uint32_t hi, uint32_t *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || end == s || *end || v < lo || v > hi)
		return -EINVAL;
	*out = (uint32_t)v;
	return 0;
}

static int parse_backend(char *b, struct xt_proxy_cfg *pc)
{
	struct sockaddr_in *in = (struct sockaddr_in *)&pc->addr;
	struct sockaddr_un *un = (struct sockaddr_un *)&pc->addr;
	char *colon;
	uint32_t port;

	if (!strncmp(b, "unix:", 5)) {
		if (!b[5] || strlen(b + 5) >= sizeof(un->sun_path))
			return -EINVAL;
		un->sun_family = AF_UNIX;
		strcpy(un->sun_path, b + 5);
		pc->addrlen = sizeof(*un);
		return 0;
	}
	colon = strrchr(b, ':');
	if (!colon)
		return -EINVAL;
	*colon = '\0';
	if (inet_pton(AF_INET, b, &in->sin_addr) != 1 ||
	    parse_u32(colon + 1, 1, 65535, &port))
		return -EINVAL;
	in->sin_family = AF_INET;
	in->sin_port = htons((uint16_t)port);
	pc->addrlen = sizeof(*in);
	return 0;
}

static int parse_flag(const char *f, struct xt_proxy_cfg *pc)
{
	if (!strcmp(f, "proxy-v2")) {
		pc->v2 = 1;
		return 0;
	}
	if (!strncmp(f, "max=", 4))
		return parse_u32(f + 4, 1, 1u << 20, &pc->max_conns);
	if (!strncmp(f, "timeout=", 8))
		return parse_u32(f + 8, 1, 3600000, &pc->connect_timeout_ms);
	return -EINVAL;
}

int xt_proxy_parse(const char *spec, struct xt_proxy_cfg *pc)
{
	char buf[PROXY_SPEC_MAX], *save = NULL, *tok;

	if (strlen(spec) >= sizeof(buf))
		return -EINVAL;
	strcpy(buf, spec);
	memset(pc, 0, sizeof(*pc));
	pc->max_conns = XT_PROXY_MAX_CONNS_DEFAULT;
	pc->connect_timeout_ms = XT_PROXY_TIMEOUT_MS_DEFAULT;
	tok = strtok_r(buf, ",", &save);
	if (!tok || parse_backend(tok, pc))
		return -EINVAL;
	while ((tok = strtok_r(NULL, ",", &save)))
		if (parse_flag(tok, pc))
			return -EINVAL;
	return 0;
}
