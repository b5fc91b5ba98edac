// loopback.h: 127.0.0.1:port as a socket address, for the TCP workloads.
#include <arpa/inet.h>
#include <netinet/in.h>

static struct sockaddr_in loopback(int port) {
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
	inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
	return a;
}
