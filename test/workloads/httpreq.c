// httpreq: send one HTTP request to 127.0.0.1:PORT, with write(2) (one
// buffer: ITER_UBUF on 6.0+ kernels) or sendmsg(2) with two iovecs
// (ITER_IOVEC), optionally with an extra header line, and read the reply.
//
//	httpreq PORT write|sendmsg [HEADER]
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

int main(int argc, char **argv) {
	if (argc < 3) {
		fprintf(stderr, "usage: httpreq PORT write|sendmsg [HEADER]\n");
		return 2;
	}
	// Room after the request: the tracer reads a fixed number of bytes.
	static char req[4096];
	snprintf(req, sizeof(req), "GET / HTTP/1.0\r\nHost: 127.0.0.1\r\n%s%s\r\n",
		 argc > 3 ? argv[3] : "", argc > 3 ? "\r\n" : "");
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(atoi(argv[1]))};
	inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
	int s = socket(AF_INET, SOCK_STREAM, 0);
	if (s < 0 || connect(s, (struct sockaddr *)&a, sizeof(a)) < 0) {
		perror("httpreq: connect");
		return 1;
	}
	ssize_t n;
	if (strcmp(argv[2], "sendmsg") == 0) {
		struct iovec iov[2] = {{req, strlen(req)}, {"", 0}};
		struct msghdr msg = {.msg_iov = iov, .msg_iovlen = 2};
		n = sendmsg(s, &msg, 0);
	} else {
		n = write(s, req, strlen(req));
	}
	if (n < 0) {
		perror("httpreq: send");
		return 1;
	}
	char buf[512];
	while (read(s, buf, sizeof(buf)) > 0) {
	}
	return 0;
}
