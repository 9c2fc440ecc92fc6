/* SPDX-License-Identifier: MIT */
/* TCP connection states (RFC 9293 §3.3.2), shared so that maps print them. */
#ifndef XTCP_STATE_H
#define XTCP_STATE_H

enum xt_tcp_state {
	XT_CLOSED = 0,
	XT_LISTEN,
	XT_SYN_SENT,
	XT_SYN_RCVD,
	XT_ESTABLISHED,
	XT_FIN_WAIT_1,
	XT_FIN_WAIT_2,
	XT_CLOSE_WAIT,
	XT_CLOSING,
	XT_LAST_ACK,
	XT_TIME_WAIT,
	XT_TCP_NSTATES
};

#endif /* XTCP_STATE_H */
