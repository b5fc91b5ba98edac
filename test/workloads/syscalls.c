// syscalls: N rounds of getppid() and getpid() as raw syscalls, optionally
// waiting for a line on stdin before starting (so a tracer can attach).
// usage: syscalls N [wait]   prints its pid first when waiting.
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 1;
	if (argc > 2 && strcmp(argv[2], "wait") == 0) {
		char line[16];
		printf("%d\n", getpid());
		fflush(stdout);
		if (!fgets(line, sizeof(line), stdin))
			return 1;
	}
	for (long i = 0; i < n; i++) {
		syscall(SYS_getppid);
		syscall(SYS_getpid);
	}
	return 0;
}
