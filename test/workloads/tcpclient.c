// tcpclient: connect from 127.0.0.1:LPORT to 127.0.0.1:PORT, send "hello",
// read until the peer closes, then close. Fixed ports let tests match
// the connection in trace output.
//
//	tcpclient PORT LPORT
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include "loopback.h"

int main(int argc, char **argv) {
	if (argc != 3) {
		fprintf(stderr, "usage: tcpclient PORT LPORT\n");
		return 2;
	}
	struct sockaddr_in peer = loopback(atoi(argv[1])), local = loopback(atoi(argv[2]));
	int one = 1, s = socket(AF_INET, SOCK_STREAM, 0);
	setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (s < 0 || bind(s, (struct sockaddr *)&local, sizeof(local)) < 0 ||
	    connect(s, (struct sockaddr *)&peer, sizeof(peer)) < 0) {
		perror("tcpclient");
		return 1;
	}
	char buf[64];
	if (write(s, "hello", 5) != 5) {
		perror("tcpclient: write");
		return 1;
	}
	while (read(s, buf, sizeof(buf)) > 0) {
	}
	close(s);
	return 0;
}
