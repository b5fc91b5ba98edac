// evexfirst: functions whose first instruction is VEX- or EVEX-encoded
// (AVX2, AVX-512), for the uprobe refusal of EVEX instructions. Each
// broadcasts its byte argument and returns one 32-bit lane: 0x41414141
// for 0x41. Prints "ok", or which function computed a wrong result.
// Needs AVX-512 (avx512bw, avx512vl) to run; the tests only read it
// otherwise.
// usage: evexfirst N
#include <stdio.h>
#include <stdlib.h>

__attribute__((noinline, naked)) int vex_first(int c)
{
	__asm__("vmovd %edi, %xmm1\n\t"
		"vpbroadcastb %xmm1, %ymm1\n\t"
		"vmovd %xmm1, %eax\n\t"
		"vzeroupper\n\t"
		"ret\n");
}

__attribute__((noinline, naked)) int evex_first(int c)
{
	__asm__("vpbroadcastb %edi, %ymm17\n\t"
		"vmovd %xmm17, %eax\n\t"
		"ret\n");
}

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 1;
	int bad = 0;
	for (long i = 0; i < n; i++) {
		if (vex_first(0x41) != 0x41414141)
			bad |= 1;
		if (evex_first(0x41) != 0x41414141)
			bad |= 2;
	}
	if (bad & 1)
		printf("vex_first computed a wrong result\n");
	if (bad & 2)
		printf("evex_first computed a wrong result\n");
	if (!bad)
		printf("ok\n");
	return 0;
}
