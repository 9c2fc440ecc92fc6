#!/usr/bin/env bash
# Memory per idle connection (issue 12), the short variant: xtcpd and the
# Linux kernel each holding 0, then 10 000 idle connections from the
# testbed's other side (tools/mem_per_conn.sh says how each is measured).
# Fails when a connection is not established or not counted in xtcpd's
# state counters, when one is lost while held, or, in the plain build, when
# xtcpd grows by more than 2 KiB per connection. `make memory` adds the
# 100 000 point.
exec "$(dirname "$0")/../../tools/mem_per_conn.sh" --max-per-conn 2048 0 10000
