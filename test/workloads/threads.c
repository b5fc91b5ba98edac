// threads: T threads each call lt_work(i) N times; lt_work(i) returns
// i * 10 after spinning a little, so calls overlap across threads.
// usage: threads T N
#include <pthread.h>
#include <stdlib.h>

static int rounds;

__attribute__((noinline)) long lt_work(long i)
{
	volatile long spin = 0;
	for (int k = 0; k < 20000; k++)
		spin += k;
	__asm__ volatile("" ::: "memory");
	return i * 10;
}

static void *run(void *arg)
{
	long id = (long)arg;
	long acc = 0;
	for (int r = 0; r < rounds; r++)
		acc += lt_work(id);
	return (void *)acc;
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 4;
	rounds = argc > 2 ? atoi(argv[2]) : 100;
	pthread_t t[64];
	if (n > 64)
		n = 64;
	for (long i = 0; i < n; i++)
		pthread_create(&t[i], NULL, run, (void *)(i + 1));
	for (int i = 0; i < n; i++)
		pthread_join(t[i], NULL);
	return 0;
}
