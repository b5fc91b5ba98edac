// writebuf: writes N bytes of a known pattern (byte i is 'a' + i % 26) to
// /dev/null with one write(2), R times.
// usage: writebuf N R
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 4000;
	int r = argc > 2 ? atoi(argv[2]) : 1;
	char *buf = malloc(n);
	if (!buf)
		return 1;
	for (int i = 0; i < n; i++)
		buf[i] = 'a' + i % 26;
	int fd = open("/dev/null", O_WRONLY);
	for (int i = 0; i < r; i++)
		if (write(fd, buf, n) != n)
			return 1;
	return 0;
}
