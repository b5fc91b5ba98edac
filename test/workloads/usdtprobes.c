// usdtprobes: USDT probes (sys/sdt.h) for the usdt tests.
// usage: usdtprobes N   fires each probe N times (i = 0..N-1), then prints
// "guarded M": how many times the semaphore said lt:guarded was traced.
//
//   lt:regs    (int)-(i+1), (unsigned char)(200+i), (long)0x123456789abcdef, (short)-300
//   lt:mem     p->a = 1000+i, p->b = -(i+7)    (read from memory)
//   lt:consts  5, -7, i                        (immediates, then a register)
//   lt:guarded i                                (only fired when its semaphore is set)
#define _SDT_HAS_SEMAPHORES 1
#include <stdio.h>
#include <stdlib.h>
#include <sys/sdt.h>

// sys/sdt.h names each probe's semaphore PROVIDER_NAME_semaphore; the
// kernel increments it while a uprobe with a ref_ctr_offset is attached.
#define LT_SEMAPHORE(name) unsigned short lt_##name##_semaphore __attribute__((unused, section(".probes")))
LT_SEMAPHORE(regs);
LT_SEMAPHORE(mem);
LT_SEMAPHORE(consts);
LT_SEMAPHORE(guarded);

struct lt_pair {
	long a;
	int b;
};

__attribute__((noinline)) static int fire(int i, struct lt_pair *p)
{
	int neg = -(i + 1);
	unsigned char byte = 200 + i;
	long wide = 0x123456789abcdefL;
	short s = -300;
	DTRACE_PROBE4(lt, regs, neg, byte, wide, s);
	DTRACE_PROBE2(lt, mem, p->a, p->b);
	DTRACE_PROBE3(lt, consts, 5, -7, i);
	if (lt_guarded_semaphore) {
		DTRACE_PROBE1(lt, guarded, i);
		return 1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 1;
	int guarded = 0;
	for (int i = 0; i < n; i++) {
		struct lt_pair *p = malloc(sizeof(*p));
		p->a = 1000 + i;
		p->b = -(i + 7);
		guarded += fire(i, p);
		free(p);
	}
	printf("guarded %d\n", guarded);
	return 0;
}
