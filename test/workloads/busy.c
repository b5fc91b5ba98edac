// busy: spins on the CPU for MS milliseconds (for profile sampling).
// usage: busy MS [report]
// With "report" it prints the CPU time it got ("cpu_ms N") when done, so a
// test on a loaded machine can bound what a sampler could have seen.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

static long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int main(int argc, char **argv)
{
	long ms = argc > 1 ? atol(argv[1]) : 1000;
	long end = now_ms() + ms;
	volatile unsigned long x = 0;
	while (now_ms() < end)
		for (int i = 0; i < 100000; i++)
			x += i;
	if (argc > 2 && strcmp(argv[2], "report") == 0) {
		struct rusage ru;
		getrusage(RUSAGE_SELF, &ru);
		printf("cpu_ms %ld\n", (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000 +
						 (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1000);
	}
	return 0;
}
