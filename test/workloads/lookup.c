// lookup: resolves NAME with getaddrinfo(3) N times.
// usage: lookup NAME N
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: lookup NAME N\n");
		return 2;
	}
	int n = atoi(argv[2]);
	for (int i = 0; i < n; i++) {
		struct addrinfo hints, *res;
		memset(&hints, 0, sizeof(hints));
		hints.ai_family = AF_UNSPEC;
		if (getaddrinfo(argv[1], NULL, &hints, &res) != 0)
			return 1;
		freeaddrinfo(res);
	}
	return 0;
}
