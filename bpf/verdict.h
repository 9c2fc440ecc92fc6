/* SPDX-License-Identifier: (MIT OR GPL-2.0) */
/*
 * Each step of the XDP program returns an XDP action when it has decided,
 * or XT_CONTINUE to hand the frame to the next step, so every call site
 * reads `if (act >= 0) return act;`.
 */
#ifndef XTCP_VERDICT_H
#define XTCP_VERDICT_H

#define XT_CONTINUE	(-1)

#endif /* XTCP_VERDICT_H */
