// naps: a function that sleeps a known time, for latency tools.
// usage: naps N MS   calls lt_nap(MS) N times, then exits 0
#include <stdlib.h>
#include <time.h>

__attribute__((noinline)) void lt_nap(long ms)
{
	struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
	__asm__ volatile("" ::: "memory");
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 1;
	long ms = argc > 2 ? atol(argv[2]) : 10;
	for (int i = 0; i < n; i++)
		lt_nap(ms);
	return 0;
}
