// strfuncs: N calls of glibc's strlen, an IFUNC, through its PLT entry
// (the call goes through a volatile pointer so the compiler cannot fold
// it), then prints the sum of the lengths.
// usage: strfuncs N
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 1;
	size_t (*volatile len)(const char *) = strlen;
	size_t total = 0;
	for (long i = 0; i < n; i++)
		total += len(argv[0]);
	printf("%zu\n", total);
	return 0;
}
