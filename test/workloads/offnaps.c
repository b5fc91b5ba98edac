// offnaps: blocks N times for US microseconds in nap_here(), whose own
// syscall instruction enters nanosleep, so the user stack of every block
// starts in nap_here and its kernel stack runs through do_nanosleep. Prints
// its pid and waits for a line on stdin first, so a tracer can attach;
// then prints "naps N us TOTAL": the wall time around the N calls, summed
// (CLOCK_MONOTONIC, the clock of BPF timestamps), which contains every
// moment they spent off the CPU. It exits when stdin closes, so that a
// tracer can still read its symbols.
// usage: offnaps N US
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <time.h>

__attribute__((noinline)) long nap_here(const struct timespec *ts)
{
	long ret;
	__asm__ volatile("syscall" : "=a"(ret) : "a"(SYS_nanosleep), "D"(ts), "S"(0) : "rcx", "r11", "memory");
	return ret;
}

static long long now_ns(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000000000LL + t.tv_nsec;
}

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 10;
	long us = argc > 2 ? atol(argv[2]) : 1000;
	struct timespec ts = {.tv_sec = us / 1000000, .tv_nsec = (us % 1000000) * 1000};
	char line[16];
	long long total = 0;

	printf("%d\n", (int)getpid());
	fflush(stdout);
	if (!fgets(line, sizeof(line), stdin))
		return 1;
	for (long i = 0; i < n; i++) {
		long long t0 = now_ns();
		if (nap_here(&ts))
			return 1;
		total += now_ns() - t0;
	}
	printf("naps %ld us %lld\n", n, total / 1000);
	fflush(stdout);
	while (fgets(line, sizeof(line), stdin))
		;
	return 0;
}
