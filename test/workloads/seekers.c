// seekers: T threads each seek their own descriptor of PATH N times, to
// offsets that differ per thread and call (thread t, call i: t*100000+i),
// so a return probe on the seek sees overlapping calls from all threads.
// usage: seekers PATH T N
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static const char *path;
static int rounds;

static void *seek_loop(void *arg)
{
	long t = (long)arg;
	int fd = open(path, O_RDONLY);
	if (fd < 0) {
		perror("open");
		exit(1);
	}
	for (int i = 0; i < rounds; i++)
		lseek(fd, t * 100000 + i, SEEK_SET);
	close(fd);
	return NULL;
}

int main(int argc, char **argv)
{
	if (argc != 4) {
		fprintf(stderr, "usage: seekers PATH T N\n");
		return 2;
	}
	path = argv[1];
	int threads = atoi(argv[2]);
	rounds = atoi(argv[3]);
	pthread_t tid[64];
	if (threads < 1 || threads > 64)
		threads = 4;
	for (long t = 0; t < threads; t++)
		pthread_create(&tid[t], NULL, seek_loop, (void *)t);
	for (int t = 0; t < threads; t++)
		pthread_join(tid[t], NULL);
	return 0;
}
