// values: calls lt_value(v, group) with a fixed list of values in three
// groups, for tests that compare luatrace's maps with bpftrace's. Each
// group has its own count, sum, min, max and average, so maps keyed by
// group have no ties and print in one order; the values reach the
// histograms' underflow, zero and overflow buckets, and group 0's average
// is negative and not whole (-6 / 5).
// usage: values [ROUNDS]   makes the calls ROUNDS times (default 1)
#include <stdlib.h>

__attribute__((noinline)) long lt_value(long v, long group)
{
	__asm__ volatile("" ::: "memory");
	return v + group;
}

static const struct {
	long group, v;
} calls[] = {
	{0, -12}, {0, 0}, {0, 1}, {0, 2}, {0, 3},
	{1, 7}, {1, 100}, {1, 1000}, {1, 5000},
	{2, 1L << 20}, {2, 64}, {2, 9}, {2, 10}, {2, 11}, {2, 12},
};

int main(int argc, char **argv)
{
	int rounds = argc > 1 ? atoi(argv[1]) : 1;
	long acc = 0;
	for (int r = 0; r < rounds; r++)
		for (unsigned i = 0; i < sizeof(calls) / sizeof(calls[0]); i++)
			acc += lt_value(calls[i].v, calls[i].group);
	return acc == 0;
}
