// setuids: a fixed sequence of set*uid calls (run as root):
//   setfsuid(1234) = 0, setfsuid(0) = 1234, setreuid(-1, 0) = 0,
//   setresuid(-1, 65534, -1) = 0, setresuid(-1, 0, -1) = 0, setuid(65534) = 0
#define _GNU_SOURCE
#include <sys/fsuid.h>
#include <unistd.h>

int main(void)
{
	setfsuid(1234);
	setfsuid(0);
	if (setreuid(-1, 0) || setresuid(-1, 65534, -1) || setresuid(-1, 0, -1) || setuid(65534))
		return 1;
	return 0;
}
