// udpsend: send UDP datagrams with a known payload, for the packet
// scripts' tests.
//
//	udpsend ADDR PORT PAYLOAD [COUNT [SRCPORT]]
//
// ADDR is IPv4 or IPv6 (127.0.0.1, ::1). COUNT datagrams (default 1) go
// from SRCPORT (default: any) to ADDR:PORT.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int main(int argc, char **argv) {
	if (argc < 4) {
		fprintf(stderr, "usage: udpsend ADDR PORT PAYLOAD [COUNT [SRCPORT]]\n");
		return 2;
	}
	int count = argc > 4 ? atoi(argv[4]) : 1;
	int sport = argc > 5 ? atoi(argv[5]) : 0;
	struct sockaddr_storage dst = {0}, src = {0};
	socklen_t len;
	int family;
	struct sockaddr_in *d4 = (struct sockaddr_in *)&dst, *s4 = (struct sockaddr_in *)&src;
	struct sockaddr_in6 *d6 = (struct sockaddr_in6 *)&dst, *s6 = (struct sockaddr_in6 *)&src;
	if (inet_pton(AF_INET, argv[1], &d4->sin_addr) == 1) {
		family = AF_INET, len = sizeof(*d4);
		d4->sin_family = s4->sin_family = AF_INET;
		d4->sin_port = htons(atoi(argv[2]));
		s4->sin_port = htons(sport);
	} else if (inet_pton(AF_INET6, argv[1], &d6->sin6_addr) == 1) {
		family = AF_INET6, len = sizeof(*d6);
		d6->sin6_family = s6->sin6_family = AF_INET6;
		d6->sin6_port = htons(atoi(argv[2]));
		s6->sin6_port = htons(sport);
	} else {
		fprintf(stderr, "udpsend: bad address %s\n", argv[1]);
		return 2;
	}
	int s = socket(family, SOCK_DGRAM, 0);
	if (s < 0 || bind(s, (struct sockaddr *)&src, len) < 0) {
		perror("udpsend: socket/bind");
		return 1;
	}
	for (int i = 0; i < count; i++) {
		if (sendto(s, argv[3], strlen(argv[3]), 0, (struct sockaddr *)&dst, len) < 0) {
			perror("udpsend: sendto");
			return 1;
		}
	}
	return 0;
}
