// synretrans: make the kernel retransmit a SYN on loopback, exactly once.
// A listener on 127.0.0.1:PORT with backlog 0 that never accepts holds
// one connection in its accept queue; the SYN of a second one, from
// 127.0.0.1:LPORT, finds the queue full and is dropped, so the client
// retransmits it after the initial RTO (1 s). TCP_SYNCNT 1 allows that one
// retransmission only: kernels since 6.7 retransmit a SYN every second
// (net.ipv4.tcp_syn_linear_timeouts), so waiting a fixed time saw one or
// two. Exits once the kernel counts the retransmission as sent
// (TCP_INFO), or with status 1 after 10 s without it.
//
//	synretrans PORT LPORT
#include <fcntl.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include "loopback.h"

int main(int argc, char **argv) {
	if (argc != 3) {
		fprintf(stderr, "usage: synretrans PORT LPORT\n");
		return 2;
	}
	struct sockaddr_in server = loopback(atoi(argv[1])), local = loopback(atoi(argv[2]));
	int one = 1, ln = socket(AF_INET, SOCK_STREAM, 0), first = socket(AF_INET, SOCK_STREAM, 0),
	    second = socket(AF_INET, SOCK_STREAM, 0);
	setsockopt(ln, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	setsockopt(second, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	setsockopt(second, IPPROTO_TCP, TCP_SYNCNT, &one, sizeof(one));
	if (bind(ln, (struct sockaddr *)&server, sizeof(server)) < 0 || listen(ln, 0) < 0 ||
	    connect(first, (struct sockaddr *)&server, sizeof(server)) < 0 ||
	    bind(second, (struct sockaddr *)&local, sizeof(local)) < 0) {
		perror("synretrans");
		return 1;
	}
	// The queue is full once the first connection is in it (the listener
	// is readable); before that, the second SYN could be answered.
	struct pollfd queued = {.fd = ln, .events = POLLIN};
	if (poll(&queued, 1, 10000) != 1) {
		fprintf(stderr, "synretrans: the first connection never reached the accept queue\n");
		return 1;
	}
	fcntl(second, F_SETFL, O_NONBLOCK);
	connect(second, (struct sockaddr *)&server, sizeof(server));
	for (int waited = 0; waited < 10000; waited += 10) {
		struct tcp_info info;
		socklen_t n = sizeof(info);
		if (getsockopt(second, IPPROTO_TCP, TCP_INFO, &info, &n) == 0 && info.tcpi_total_retrans >= 1)
			return 0;
		usleep(10000);
	}
	fprintf(stderr, "synretrans: no SYN retransmitted within 10 s\n");
	return 1;
}
