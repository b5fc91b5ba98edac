// reads: N read(2) calls of SIZE bytes from /dev/zero.
// usage: reads SIZE N
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: reads SIZE N\n");
		return 2;
	}
	size_t size = strtoul(argv[1], NULL, 0);
	int n = atoi(argv[2]);
	char *buf = malloc(size ? size : 1);
	int fd = open("/dev/zero", O_RDONLY);
	if (!buf || fd < 0)
		return 1;
	for (int i = 0; i < n; i++)
		if (read(fd, buf, size) < 0)
			return 1;
	return 0;
}
