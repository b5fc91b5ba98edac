// ufuncs: known functions for uprobe/uretprobe tests.
// usage: ufuncs N [linger]   calls each function N times, then exits 0
// (after a second with "linger", so a tracer can still read its maps).
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

__attribute__((noinline)) int lt_add(int a, int b)
{
	__asm__ volatile("" ::: "memory");
	return a + b;
}

// Returns a value wider than 2^53 to check that 64-bit values keep every bit.
__attribute__((noinline)) unsigned long lt_wide(unsigned long a, long b, long c, long d, long e, long f)
{
	__asm__ volatile("" ::: "memory");
	return a ^ (unsigned long)(b + c + d + e + f);
}

__attribute__((noinline)) long lt_neg(long a)
{
	__asm__ volatile("" ::: "memory");
	return -a;
}

struct lt_inner {
	int id;
	char name[16];
};

struct lt_outer {
	long pad;
	struct lt_inner *inner;
	const char *label;
};

// Reached through pointers for the capture tests: label and inner->name.
__attribute__((noinline)) int lt_chain(struct lt_outer *o)
{
	__asm__ volatile("" ::: "memory");
	return o->inner->id;
}

// Recursion for the entry/return pairing tests: lt_fact(3) enters with
// 3, 2, 1 and returns 1, 2, 6 in reverse order.
__attribute__((noinline)) long lt_fact(long n)
{
	__asm__ volatile("" ::: "memory");
	return n <= 1 ? 1 : n * lt_fact(n - 1);
}

// Fills buf and returns how many bytes it wrote: a uretprobe reads the
// buffer through the entry argument with the returned length.
__attribute__((noinline)) int lt_fill(char *buf, int n)
{
	static const char msg[] = "filled-by-lt_fill";
	int i;
	for (i = 0; i < n && msg[i]; i++)
		buf[i] = msg[i];
	__asm__ volatile("" ::: "memory");
	return i;
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 1;
	unsigned long acc = 0;
	struct lt_inner inner = {.id = 7, .name = "inner-name"};
	struct lt_outer outer = {.pad = 1, .inner = &inner, .label = "outer-label"};
	// Touch the label so its page is present: a probe cannot fault it in.
	acc += *(volatile const char *)outer.label;
	for (int i = 0; i < n; i++) {
		acc += lt_add(3, 4);
		acc += lt_wide(0xdeadbeefcafebab0UL, 1, 2, 3, 4, 5);
		acc += lt_neg(42);
		acc += lt_chain(&outer);
		acc += lt_fact(3);
		char fill[64];
		acc += lt_fill(fill, sizeof(fill));
	}
	if (argc > 2 && strcmp(argv[2], "linger") == 0)
		sleep(1);
	// Use the results without printing: the tracer's stdout is shared.
	return acc == 0;
}
