// recstep: a known workload for recording tests. For i in 0..N-1 it opens
// DIR/recstep-i (which need not exist), calls lt_step(i), and sleeps
// PAUSE_MS milliseconds; with GATE, before step N/2 it waits until the
// file GATE exists, so that a recorder can be killed mid-way.
// usage: recstep N DIR PAUSE_MS [GATE]
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

__attribute__((noinline)) long lt_step(long i)
{
	__asm__ volatile("" ::: "memory");
	return i * 2;
}

int main(int argc, char **argv)
{
	if (argc != 4 && argc != 5) {
		fprintf(stderr, "usage: recstep N DIR PAUSE_MS [GATE]\n");
		return 2;
	}
	int n = atoi(argv[1]);
	long pause = atol(argv[3]);
	struct timespec ts = {pause / 1000, (pause % 1000) * 1000000L};
	char path[4096];
	struct timespec poll = {0, 10 * 1000000L};
	for (int i = 0; i < n; i++) {
		while (argc == 5 && i == n / 2 && access(argv[4], F_OK) != 0)
			nanosleep(&poll, NULL);
		snprintf(path, sizeof path, "%s/recstep-%d", argv[2], i);
		int fd = openat(AT_FDCWD, path, O_RDONLY | O_CLOEXEC);
		if (fd >= 0)
			close(fd);
		lt_step(i);
		if (pause > 0)
			nanosleep(&ts, NULL);
	}
	return 0;
}
