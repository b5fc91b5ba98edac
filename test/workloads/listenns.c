// listenns: listen on 127.0.0.1:PORT with a given backlog, optionally in a
// new network namespace, for the listen script's tests.
//
//	listenns PORT BACKLOG [newns]
//
// Prints "PID NETNS_INODE" once listening, then waits for a line (or EOF)
// on stdin and exits.
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

static void die(const char *what) {
	perror(what);
	exit(1);
}

// loopback_up brings lo up: a new namespace starts with it down.
static void loopback_up(void) {
	int s = socket(AF_INET, SOCK_DGRAM, 0);
	struct ifreq ifr;
	memset(&ifr, 0, sizeof(ifr));
	strcpy(ifr.ifr_name, "lo");
	if (s < 0 || ioctl(s, SIOCGIFFLAGS, &ifr) < 0)
		die("SIOCGIFFLAGS lo");
	ifr.ifr_flags |= IFF_UP;
	if (ioctl(s, SIOCSIFFLAGS, &ifr) < 0)
		die("SIOCSIFFLAGS lo");
	close(s);
}

int main(int argc, char **argv) {
	if (argc < 3) {
		fprintf(stderr, "usage: listenns PORT BACKLOG [newns]\n");
		return 2;
	}
	if (argc > 3 && strcmp(argv[3], "newns") == 0) {
		if (unshare(CLONE_NEWNET) < 0)
			die("unshare(CLONE_NEWNET)");
		loopback_up();
	}
	int s = socket(AF_INET, SOCK_STREAM, 0);
	int one = 1;
	setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(atoi(argv[1]))};
	inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
	if (bind(s, (struct sockaddr *)&a, sizeof(a)) < 0)
		die("bind");
	if (listen(s, atoi(argv[2])) < 0)
		die("listen");
	struct stat st;
	if (stat("/proc/self/ns/net", &st) < 0)
		die("stat /proc/self/ns/net");
	printf("%d %lu\n", getpid(), (unsigned long)st.st_ino);
	fflush(stdout);
	char line[16];
	if (!fgets(line, sizeof(line), stdin)) {
		// EOF: the test closed stdin.
	}
	return 0;
}
