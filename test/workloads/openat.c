// openat: opens PATH with openat(AT_FDCWD, PATH, O_RDONLY|O_CLOEXEC) N
// times, or with "open" through the open(2) system call itself (which the
// C library's open() no longer uses; x86-64 has it, arm64 does not).
// usage: openat PATH N [open]
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static int open_once(const char *path, int legacy)
{
#ifdef SYS_open
	if (legacy)
		return syscall(SYS_open, path, O_RDONLY | O_CLOEXEC);
#else
	if (legacy)
		return -1;
#endif
	return openat(AT_FDCWD, path, O_RDONLY | O_CLOEXEC);
}

int main(int argc, char **argv)
{
	if (argc != 3 && argc != 4) {
		fprintf(stderr, "usage: openat PATH N [open]\n");
		return 2;
	}
	int n = atoi(argv[2]), legacy = argc == 4 && strcmp(argv[3], "open") == 0;
	for (int i = 0; i < n; i++) {
		int fd = open_once(argv[1], legacy);
		if (fd >= 0)
			close(fd);
	}
	return 0;
}
