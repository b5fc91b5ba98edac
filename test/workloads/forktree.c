// forktree: a tree of processes DEPTH levels below this one, each with
// FANOUT children. Every process first calls getppid() K times (a child
// right after fork returns, before anything else), then forks its
// children and waits for them: 1 + F + F^2 + ... + F^DEPTH processes.
// usage: forktree DEPTH FANOUT K
#define _GNU_SOURCE
#include <stdlib.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static int fanout;
static long calls;

static void calls_then_children(int depth)
{
	for (long i = 0; i < calls; i++)
		syscall(SYS_getppid);
	if (depth == 0)
		return;
	for (int c = 0; c < fanout; c++) {
		pid_t pid = fork();
		if (pid == 0) {
			calls_then_children(depth - 1);
			_exit(0);
		}
		if (pid < 0)
			exit(1);
	}
	while (wait(NULL) > 0)
		;
}

int main(int argc, char **argv)
{
	if (argc != 4)
		return 2;
	fanout = atoi(argv[2]);
	calls = atol(argv[3]);
	calls_then_children(atoi(argv[1]));
	return 0;
}
