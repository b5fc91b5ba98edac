// getppid_loop: the benchmark workload. Makes N getppid() syscalls, either
// back to back or paced at RATE calls per second, and prints the mean
// nanoseconds per call. Flat out, GETPPID_CPU=1 in the environment makes
// that the thread's own CPU time instead of wall-clock time: a BPF program
// on its system calls runs in it, while time other processes held the CPU
// does not count (the benchmark's per-event costs on a shared machine).
// usage: getppid_loop N [RATE]
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static long long clock_ns(clockid_t id)
{
	struct timespec ts;
	clock_gettime(id, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static long long now_ns(void)
{
	return clock_ns(CLOCK_MONOTONIC);
}

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 1000000;
	double rate = argc > 2 ? atof(argv[2]) : 0;
	long long start = now_ns(), spent = 0;
	if (rate <= 0) {
		const char *cpu = getenv("GETPPID_CPU");
		clockid_t id = cpu && *cpu == '1' ? CLOCK_THREAD_CPUTIME_ID : CLOCK_MONOTONIC;
		start = clock_ns(id);
		for (long i = 0; i < n; i++)
			syscall(SYS_getppid);
		printf("%.1f\n", (double)(clock_ns(id) - start) / n);
		return 0;
	}
	for (long i = 0; i < n; i++) {
		long long due = start + (long long)(i * 1e9 / rate);
		while (now_ns() < due)
			;
		long long t0 = now_ns();
		syscall(SYS_getppid);
		spent += now_ns() - t0;
	}
	printf("%.1f\n", (double)spent / n);
	return 0;
}
