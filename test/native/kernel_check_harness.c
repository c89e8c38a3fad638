/*
 * Asks the running Linux kernel whether it accepts classic programs, for the checker tests
 * of src/classic/check.ts:
 *   - as a socket filter: setsockopt(SO_ATTACH_FILTER) on a UDP socket (bpf_check_classic,
 *     then the translation to internal BPF);
 *   - as a seccomp filter: seccomp(SECCOMP_SET_MODE_FILTER) in a forked child (bpf_check_classic
 *     then seccomp_check_filter). The child reports through shared memory, because once the
 *     filter is installed its own system calls are at the filter's mercy; the parent then
 *     kills it.
 *
 * Build: cc -O1 -o kernel_check_harness kernel_check_harness.c
 *
 * Input: whitespace-separated tokens on stdin.
 *   s N c0 jt0 jf0 k0 ...   attach as a socket filter
 *   c N c0 jt0 jf0 k0 ...   install as a seccomp filter
 *   q                       quit
 * Output: one line per program, 0 if the kernel accepted it, else the errno (EINVAL = 22).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static int read_program(struct sock_filter **prog, unsigned long *n)
{
	unsigned long i, code, jt, jf, k;

	if (scanf("%lu", n) != 1 || *n > 100000)
		return 0;
	*prog = realloc(*prog, (*n ? *n : 1) * sizeof(**prog));
	if (*prog == NULL)
		return 0;
	for (i = 0; i < *n; i++) {
		if (scanf("%lu %lu %lu %lu", &code, &jt, &jf, &k) != 4)
			return 0;
		(*prog)[i].code = (unsigned short)code;
		(*prog)[i].jt = (unsigned char)jt;
		(*prog)[i].jf = (unsigned char)jf;
		(*prog)[i].k = (unsigned int)k;
	}
	return 1;
}

static int socket_check(struct sock_filter *prog, unsigned long n)
{
	struct sock_fprog fprog = { .len = (unsigned short)n, .filter = prog };
	int fd = socket(AF_INET, SOCK_DGRAM, 0), r;

	if (fd < 0)
		return errno;
	/* sock_fprog.len is 16 bits: longer programs cannot even be described. */
	if (n > 0xffff) {
		close(fd);
		return EINVAL;
	}
	r = setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &fprog, sizeof(fprog));
	r = r == 0 ? 0 : errno;
	close(fd);
	return r;
}

/* Shared with the child: 0 = not yet, 1 = installed, 2 = refused (errno in [1]). */
static volatile int *shared;

static int seccomp_check(struct sock_filter *prog, unsigned long n)
{
	struct sock_fprog fprog = { .len = (unsigned short)n, .filter = prog };
	pid_t pid;
	int status, result, state;

	if (n > 0xffff)
		return EINVAL;
	shared[0] = 0;
	shared[1] = 0;
	pid = fork();
	if (pid < 0)
		return errno;
	if (pid == 0) {
		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
			shared[1] = errno;
			shared[0] = 2;
			_exit(0);
		}
		if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &fprog) != 0) {
			shared[1] = errno;
			__atomic_store_n(&shared[0], 2, __ATOMIC_SEQ_CST);
			_exit(0);
		}
		__atomic_store_n(&shared[0], 1, __ATOMIC_SEQ_CST);
		for (;;)
			; /* no system calls from here: the parent kills us */
	}
	while ((state = __atomic_load_n(&shared[0], __ATOMIC_SEQ_CST)) == 0) {
		if (waitpid(pid, &status, WNOHANG) == pid) {
			/* It exits right after reporting a refusal, so look again before calling it a crash. */
			state = __atomic_load_n(&shared[0], __ATOMIC_SEQ_CST);
			if (state == 0) /* died before reporting */
				return -1;
			return state == 1 ? 0 : shared[1];
		}
		sched_yield();
	}
	result = state == 1 ? 0 : shared[1];
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	return result;
}

int main(void)
{
	struct sock_filter *prog = NULL;
	unsigned long n;
	char cmd[8];

	shared = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (shared == MAP_FAILED) {
		perror("mmap");
		return 2;
	}
	while (scanf("%7s", cmd) == 1) {
		int r;
		if (strcmp(cmd, "q") == 0)
			break;
		if ((strcmp(cmd, "s") != 0 && strcmp(cmd, "c") != 0) || !read_program(&prog, &n)) {
			printf("error bad input\n");
			fflush(stdout);
			return 1;
		}
		r = cmd[0] == 's' ? socket_check(prog, n) : seccomp_check(prog, n);
		printf("%d\n", r);
		fflush(stdout);
	}
	free(prog);
	return 0;
}
