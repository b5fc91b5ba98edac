// bursts: N rounds of SPIN_MS milliseconds of CPU time then a SLEEP_MS
// nap, for scheduler tools (run-queue latency, on-CPU time). Prints its
// pid and waits for a line on stdin first, so a tracer can attach.
// usage: bursts N SPIN_MS SLEEP_MS
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static long long cpu_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 10;
	long spin_ms = argc > 2 ? atol(argv[2]) : 10;
	long sleep_ms = argc > 3 ? atol(argv[3]) : 10;
	struct timespec nap = {.tv_sec = sleep_ms / 1000, .tv_nsec = (sleep_ms % 1000) * 1000000L};
	char line[16];

	printf("%d\n", (int)getpid());
	fflush(stdout);
	if (!fgets(line, sizeof(line), stdin))
		return 1;
	for (int i = 0; i < n; i++) {
		// CPU time, not wall time: a preempted burst still burns SPIN_MS.
		long long end = cpu_ns() + spin_ms * 1000000LL;
		while (cpu_ns() < end)
			;
		nanosleep(&nap, NULL);
	}
	return 0;
}
