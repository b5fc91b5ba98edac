// hog: allocates and touches MB megabytes, one at a time (to be killed by
// the OOM killer inside a memory-limited cgroup).
// usage: hog MB
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv)
{
	long mb = argc > 1 ? atol(argv[1]) : 64;
	for (long i = 0; i < mb; i++) {
		char *p = malloc(1 << 20);
		if (!p)
			return 1;
		memset(p, 1, 1 << 20);
	}
	return 0;
}
