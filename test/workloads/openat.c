// openat: opens PATH with openat(AT_FDCWD, PATH, O_RDONLY|O_CLOEXEC) N times.
// usage: openat PATH N
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: openat PATH N\n");
		return 2;
	}
	int n = atoi(argv[2]);
	for (int i = 0; i < n; i++) {
		int fd = openat(AT_FDCWD, argv[1], O_RDONLY | O_CLOEXEC);
		if (fd >= 0)
			close(fd);
	}
	return 0;
}
