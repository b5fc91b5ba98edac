// synretrans: make the kernel retransmit a SYN on loopback. A listener on
// 127.0.0.1:PORT with backlog 0 that never accepts holds one connection
// in its accept queue; the SYN of a second one, from 127.0.0.1:LPORT,
// finds the queue full and is dropped, so the client retransmits it after
// the initial RTO (1 s). Exits once the retransmitted SYN has been sent.
//
//	synretrans PORT LPORT
#include <fcntl.h>
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
	if (bind(ln, (struct sockaddr *)&server, sizeof(server)) < 0 || listen(ln, 0) < 0 ||
	    connect(first, (struct sockaddr *)&server, sizeof(server)) < 0 ||
	    bind(second, (struct sockaddr *)&local, sizeof(local)) < 0) {
		perror("synretrans");
		return 1;
	}
	fcntl(second, F_SETFL, O_NONBLOCK);
	connect(second, (struct sockaddr *)&server, sizeof(server));
	// The retransmission leaves at about 1 s; wait longer, for a busy machine.
	struct pollfd p = {.fd = second, .events = POLLOUT};
	poll(&p, 1, 2000);
	return 0;
}
