// pingpong: two threads pass a byte back and forth through pipes N times,
// so each blocks and is woken about N times, for scheduler tools at high
// event rates. Prints its pid and waits for a line on stdin first, so a
// tracer can attach.
// usage: pingpong N
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static int ping[2], pong[2];
static long rounds;

static void *partner(void *arg)
{
	char c;
	for (long i = 0; i < rounds; i++) {
		if (read(ping[0], &c, 1) != 1 || write(pong[1], &c, 1) != 1)
			exit(1);
	}
	return arg;
}

int main(int argc, char **argv)
{
	rounds = argc > 1 ? atol(argv[1]) : 1000;
	char line[16], c = 'x';
	pthread_t t;

	if (pipe(ping) || pipe(pong))
		return 1;
	printf("%d\n", (int)getpid());
	fflush(stdout);
	if (!fgets(line, sizeof(line), stdin))
		return 1;
	if (pthread_create(&t, NULL, partner, NULL))
		return 1;
	for (long i = 0; i < rounds; i++) {
		if (write(ping[1], &c, 1) != 1 || read(pong[0], &c, 1) != 1)
			return 1;
	}
	return pthread_join(t, NULL);
}
