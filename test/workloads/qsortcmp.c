// qsortcmp: sorts arrays of pseudo-random numbers with libc's qsort for MS
// milliseconds (default 1000; 0 runs until killed). The comparator cmp is
// the hot function and is called from inside libc, so a sample there has
// the stack cmp <- (libc qsort frames) <- work <- main: the unwinding tests
// build it with -O2 -fomit-frame-pointer (CFI only) and with frame pointers
// but no CFI, to cross from one kind of code to the other in both ways.
// usage: qsortcmp [MS]
#include <stdlib.h>
#include <time.h>

#define N 2048

static unsigned values[N];
static volatile unsigned long sink;

// key spends some work per comparison, so cmp dominates a profile.
static unsigned key(unsigned v)
{
	for (int i = 0; i < 32; i++)
		v = v * 2654435761u + (v >> 13);
	return v;
}

__attribute__((noinline)) int cmp(const void *a, const void *b)
{
	unsigned x = key(*(const unsigned *)a), y = key(*(const unsigned *)b);
	return (x > y) - (x < y);
}

// work is not inlined and uses the sorted result after qsort returns, so
// its frame stays on the stack (no tail call).
__attribute__((noinline)) void work(unsigned seed)
{
	for (int i = 0; i < N; i++)
		values[i] = seed = seed * 1103515245u + 12345u;
	qsort(values, N, sizeof values[0], cmp);
	sink += values[0];
}

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
	unsigned seed = 1;
	do
		work(seed++);
	while (ms == 0 || now_ms() < end);
	return 0;
}
