// int80: N 32-bit (compat) system calls from a 64-bit program: int $0x80
// with eax 20, getpid in the i386 table (writev in the x86-64 one). Prints
// "ok" when each returned the pid. Needs IA-32 emulation in the kernel.
// usage: int80 N
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 1;
	int ok = 1;
	for (long i = 0; i < n; i++) {
		long r;
		__asm__ volatile("int $0x80" : "=a"(r) : "a"(20L) : "memory");
		ok = ok && r == getpid();
	}
	printf("%s\n", ok ? "ok" : "wrong pid");
	return 0;
}
