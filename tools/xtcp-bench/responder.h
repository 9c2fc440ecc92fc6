/* SPDX-License-Identifier: MIT */
/* `xtcp-bench responder`: responder.bpf.c on the server's interface. */
#ifndef XB_RESPONDER_H
#define XB_RESPONDER_H

#include "opts.h"

/* Runs until *stop (or o->duration); exit status for main. */
int xb_responder_run(const struct xb_opts *o, volatile int *stop);

#endif /* XB_RESPONDER_H */
