// SPDX-License-Identifier: MIT
/* xtcpd's command line: every bad input is refused with a reason. */
#include <criterion/criterion.h>
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/un.h>
#include "app/service.h"
#include "tcp/cc.h"
#include "xtcpd/config.h"

#define ARGV(...) ((char *[]){ "xtcpd", __VA_ARGS__, NULL })
#define ARGC(...) ((int)(sizeof((char *[]){ "xtcpd", __VA_ARGS__ }) / sizeof(char *)))
#define PARSE(cfg, err, ...) \
	xt_config_parse(cfg, ARGC(__VA_ARGS__), ARGV(__VA_ARGS__), err, sizeof(err))

static struct xt_config cfg;
static char err[256];

Test(config, full_command_line)
{
	cr_assert_eq(PARSE(&cfg, err, "--iface", "eth0", "--addr", "198.18.0.1",
			   "--listen", "80:http", "--listen", "7:echo",
			   "--connect", "198.18.0.2:5000:discard",
			   "--keepalive", "60,5,3", "--msl", "2",
			   "--max-conns", "1000", "--xdp-mode", "skb",
			   "--queues", "2", "-v"), 0, "%s", err);
	cr_assert_str_eq(cfg.ifname, "eth0");
	cr_assert_eq(cfg.addr, inet_addr("198.18.0.1"));
	cr_assert_eq(cfg.nlisten, 2);
	cr_assert_eq(cfg.listen[0].port, 80);
	cr_assert_eq(cfg.listen[0].service, XT_SVC_HTTP);
	cr_assert_eq(cfg.nconnect, 1);
	cr_assert_eq(cfg.connect[0].port, 5000);
	cr_assert_eq(cfg.ka_idle_s, 60);
	cr_assert_eq(cfg.ka_intvl_s, 5);
	cr_assert_eq(cfg.ka_count, 3);
	cr_assert_eq(cfg.msl_s, 2);
	cr_assert_eq(cfg.max_conns, 1000);
	cr_assert_eq(cfg.xdp_mode, XT_XDP_MODE_SKB);
	cr_assert_eq(cfg.queues, 2);
	cr_assert_eq(cfg.verbose, 1);
}

Test(config, defaults)
{
	cr_assert_eq(PARSE(&cfg, err, "--iface", "eth0", "--listen", "80:http"), 0);
	cr_assert_eq(cfg.msl_s, 30);
	cr_assert_eq(cfg.ka_idle_s, 0, "keepalive is off by default");
	cr_assert_eq(cfg.xdp_mode, XT_XDP_MODE_AUTO);
	cr_assert_eq(cfg.eph_lo, 61000);
	cr_assert_null(cfg.cc, "the engine's default, CUBIC");
	cr_assert_eq(cfg.spin_us, 50);
	cr_assert_eq(cfg.busy_poll, 0, "sleeping when idle is the default");
}

Test(config, worker_polling)
{
	cr_assert_eq(PARSE(&cfg, err, "--iface", "e", "--listen", "80:http",
			   "--spin-us", "0", "--busy-poll"), 0, "%s", err);
	cr_assert_eq(cfg.spin_us, 0);
	cr_assert_eq(cfg.busy_poll, 1);
}

Test(config, congestion_control_by_name)
{
	cr_assert_eq(PARSE(&cfg, err, "--iface", "e", "--listen", "80:http",
			   "--cc", "newreno"), 0, "%s", err);
	cr_assert_eq(cfg.cc, &xt_cc_newreno);
	cr_assert_eq(PARSE(&cfg, err, "--iface", "e", "--listen", "80:http",
			   "--cc", "cubic"), 0, "%s", err);
	cr_assert_eq(cfg.cc, &xt_cc_cubic);
	cr_assert_eq(PARSE(&cfg, err, "--iface", "e", "--listen", "80:http",
			   "--cc", "bbr"), 0, "%s", err);
	cr_assert_eq(cfg.cc, &xt_cc_bbr);
}

Test(config, drain_and_log_level)
{
	cr_assert_eq(PARSE(&cfg, err, "--iface", "e", "--listen", "80:http"), 0);
	cr_assert_eq(cfg.drain_ms, 5000, "a few seconds by default");
	cr_assert_eq(cfg.log_level, XT_LOG_INFO);
	cr_assert_eq(PARSE(&cfg, err, "--iface", "e", "--listen", "80:http",
			   "--drain-timeout", "0.25", "--log-level", "warning"),
		     0, "%s", err);
	cr_assert_eq(cfg.drain_ms, 250);
	cr_assert_eq(cfg.log_level, XT_LOG_WARN);
	cr_assert_eq(PARSE(&cfg, err, "--iface", "e", "--listen", "80:http",
			   "-v"), 0, "%s", err);
	cr_assert_eq(cfg.log_level, XT_LOG_DEBUG);
}

Test(config, rst_rate)
{
	cr_assert_eq(PARSE(&cfg, err, "--iface", "e", "--listen", "80:http"), 0);
	cr_assert_eq(cfg.rst_rate, 1000, "Linux's icmp_msgs_per_sec");
	cr_assert_eq(cfg.rst_burst, 50, "Linux's icmp_msgs_burst");
	cr_assert_eq(PARSE(&cfg, err, "--iface", "e", "--listen", "80:http",
			   "--rst-rate", "0", "--rst-burst", "7"), 0, "%s", err);
	cr_assert_eq(cfg.rst_rate, 0, "0: no limit");
	cr_assert_eq(cfg.rst_burst, 7);
}

/* FILE with text in it, under /tmp; the caller unlinks it. */
static void write_config(char *path, const char *text)
{
	int fd = mkstemp(path);
	FILE *f;

	cr_assert_geq(fd, 0);
	f = fdopen(fd, "w");
	cr_assert_not_null(f);
	fputs(text, f);
	fclose(f);
}

Test(config, file_then_command_line)
{
	char path[] = "/tmp/xtcpd-conf.XXXXXX";

	write_config(path,
		     "# the example's layout\n"
		     "iface eth0\n"
		     "listen 80:http   # a comment\n"
		     "listen = 7:echo\n"
		     "\n"
		     "drain-timeout 2.5\n"
		     "drop-bad-cookies\n");
	cr_assert_eq(PARSE(&cfg, err, "--config", path, "--listen", "9:discard",
			   "--msl", "3"), 0, "%s", err);
	cr_assert_str_eq(cfg.ifname, "eth0");
	cr_assert_eq(cfg.nlisten, 3);
	cr_assert_eq(cfg.listen[1].port, 7);
	cr_assert_eq(cfg.listen[2].port, 9, "the command line adds to the file");
	cr_assert_eq(cfg.drain_ms, 2500);
	cr_assert_eq(cfg.drop_bad_cookies, 1);
	cr_assert_eq(cfg.msl_s, 3);
	unlink(path);
}

Test(config, bad_file)
{
	char path[] = "/tmp/xtcpd-conf.XXXXXX", path2[] = "/tmp/xtcpd-conf.XXXXXX";

	cr_assert_lt(PARSE(&cfg, err, "--config", "/nonexistent/xtcpd.conf"), 0);
	cr_assert(strstr(err, "/nonexistent/xtcpd.conf"), "%s", err);
	write_config(path, "iface eth0\nlisten 80:http\nbogus-flag 3\n");
	cr_assert_lt(PARSE(&cfg, err, "--config", path), 0);
	write_config(path2, "iface eth0 eth1\nlisten 80:http\n");
	cr_assert_lt(PARSE(&cfg, err, "--config", path2), 0);
	cr_assert(strstr(err, ":1: one flag"), "%s", err);
	unlink(path);
	unlink(path2);
}

struct bad_case {
	const char *why;
	int argc;
	char **argv;
};

#define BAD(why, ...) { why, ARGC(__VA_ARGS__), ARGV(__VA_ARGS__) }

Test(config, refuses_bad_input)
{
	const struct bad_case cases[] = {
		BAD("no iface", "--listen", "80:http"),
		BAD("nothing to serve", "--iface", "eth0"),
		BAD("unknown flag", "--iface", "eth0", "--bogus"),
		BAD("missing value", "--iface"),
		BAD("port 0", "--iface", "e", "--listen", "0:http"),
		BAD("port 65536", "--iface", "e", "--listen", "65536:http"),
		BAD("no service", "--iface", "e", "--listen", "80"),
		BAD("unknown service", "--iface", "e", "--listen", "80:ftp"),
		BAD("same port twice", "--iface", "e", "--listen", "80:http",
		    "--listen", "80:echo"),
		BAD("bad address", "--iface", "e", "--addr", "1.2.3",
		    "--listen", "80:http"),
		BAD("bad mode", "--iface", "e", "--xdp-mode", "fast",
		    "--listen", "80:http"),
		BAD("keepalive two fields", "--iface", "e", "--keepalive", "1,2",
		    "--listen", "80:http"),
		BAD("keepalive four fields", "--iface", "e",
		    "--keepalive", "1,2,3,4", "--listen", "80:http"),
		BAD("msl 0", "--iface", "e", "--msl", "0", "--listen", "80:http"),
		BAD("http has no client", "--iface", "e",
		    "--connect", "198.18.0.2:80:http"),
		BAD("listen inside local ports", "--iface", "e",
		    "--listen", "61500:echo"),
		BAD("stray argument", "--iface", "e", "--listen", "80:http", "x"),
		BAD("tiny buffer", "--iface", "e", "--listen", "80:http",
		    "--sndbuf", "10"),
		BAD("unknown congestion control", "--iface", "e",
		    "--listen", "80:http", "--cc", "vegas"),
		BAD("negative spin", "--iface", "e", "--listen", "80:http",
		    "--spin-us", "-1"),
		BAD("spin of two seconds", "--iface", "e", "--listen", "80:http",
		    "--spin-us", "2000000"),
		BAD("negative drain", "--iface", "e", "--listen", "80:http",
		    "--drain-timeout", "-1"),
		BAD("drain not a number", "--iface", "e", "--listen", "80:http",
		    "--drain-timeout", "5s"),
		BAD("unknown log level", "--iface", "e", "--listen", "80:http",
		    "--log-level", "loud"),
		BAD("negative RST rate", "--iface", "e", "--listen", "80:http",
		    "--rst-rate", "-1"),
		BAD("RST burst 0", "--iface", "e", "--listen", "80:http",
		    "--rst-burst", "0"),
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		err[0] = '\0';
		cr_expect_lt(xt_config_parse(&cfg, cases[i].argc, cases[i].argv,
					     err, sizeof(err)), 0, "%s",
			     cases[i].why);
		cr_expect_neq(err[0], '\0', "%s: says why", cases[i].why);
	}
}

Test(config, proxy_listen)
{
	const struct xt_proxy_cfg *pc;
	const struct sockaddr_in *in;

	cr_assert_eq(PARSE(&cfg, err, "--iface", "eth0",
			   "--listen", "80:proxy=198.18.0.1:8080,proxy-v2,max=10",
			   "--listen", "81:proxy=unix:/run/app.sock,timeout=250"),
		     0, "%s", err);
	cr_assert_eq(cfg.listen[0].service, XT_SVC_PROXY);
	pc = &cfg.listen[0].svc.proxy;
	in = (const struct sockaddr_in *)&pc->addr;
	cr_assert_eq(in->sin_family, AF_INET);
	cr_assert_eq(in->sin_addr.s_addr, inet_addr("198.18.0.1"));
	cr_assert_eq(ntohs(in->sin_port), 8080);
	cr_assert_eq(pc->v2, 1);
	cr_assert_eq(pc->max_conns, 10);
	cr_assert_eq(pc->connect_timeout_ms, XT_PROXY_TIMEOUT_MS_DEFAULT);
	pc = &cfg.listen[1].svc.proxy;
	cr_assert_eq(pc->addr.ss_family, AF_UNIX);
	cr_assert_str_eq(((const struct sockaddr_un *)&pc->addr)->sun_path,
			 "/run/app.sock");
	cr_assert_eq(pc->v2, 0);
	cr_assert_eq(pc->max_conns, XT_PROXY_MAX_CONNS_DEFAULT);
	cr_assert_eq(pc->connect_timeout_ms, 250);
}

Test(config, proxy_listen_refused)
{
	static const char *const bad[] = {
		"80:proxy=", "80:proxy=198.18.0.1", "80:proxy=198.18.0.1:0",
		"80:proxy=host.example:80", "80:proxy=unix:",
		"80:proxy=198.18.0.1:80,max=0", "80:proxy=198.18.0.1:80,bogus",
		"80:proxy",
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		cr_expect_neq(PARSE(&cfg, err, "--iface", "eth0", "--listen",
				    (char *)bad[i]), 0, "%s accepted", bad[i]);
}
