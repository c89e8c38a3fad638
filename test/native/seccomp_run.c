/*
 * The running kernel as the truth for seccomp verdicts. For each request line on stdin
 *
 *   <abi> <nr> <a0> <a1> <a2> <a3> <a4> <a5> <filter>[,<filter>...]
 *
 * (abi `x86_64` or `i386`, numbers in hex, filters as hex strings of little-endian
 * struct sock_filter records, installed in the order given, `-` for none) it forks a child
 * that sets no_new_privs, installs the filters, makes that one syscall (`syscall` for
 * x86_64, `int $0x80` for i386) and records what happened in shared memory, without any
 * further syscall. It prints one line per request:
 *
 *   ok | errno <n> | trap <si_errno> <si_syscall> <si_arch> | killed <signal> | refused <errno>
 *
 * Only call harmless syscalls (getpid, getppid, getuid, uname...): they really run.
 *   cc -O2 -o seccomp_run seccomp_run.c && ./seccomp_run --probe
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAX_FILTERS 16

struct outcome {
	volatile int done;      /* the call returned */
	volatile long ret;
	volatile int err;
	volatile int trapped;   /* SIGSYS handler ran */
	volatile int trap_errno, trap_syscall;
	volatile unsigned trap_arch;
	volatile int refused;   /* installing a filter failed (errno) */
};

static struct outcome *shared;

static void on_sigsys(int sig, siginfo_t *info, void *ctx)
{
	(void)sig; (void)ctx;
	shared->trapped = 1;
	shared->trap_errno = info->si_errno;
	shared->trap_syscall = info->si_syscall;
	shared->trap_arch = info->si_arch;
}

static int unhex(const char *s, unsigned char *out, size_t max)
{
	size_t n = strlen(s);
	if (n % 2 || n / 2 > max) return -1;
	for (size_t i = 0; i < n / 2; i++) {
		unsigned v;
		if (sscanf(s + 2 * i, "%2x", &v) != 1) return -1;
		out[i] = (unsigned char)v;
	}
	return (int)(n / 2);
}

static long call_i386(unsigned long nr, unsigned long *a)
{
#if defined(__x86_64__)
	long ret;
	/* int 0x80 takes the i386 ABI: eax = nr, ebx ecx edx esi edi ebp = args. rbp is saved
	 * around it, below the red zone the compiler may be using. */
	register unsigned long arg5 __asm__("r12") = a[5];
	__asm__ volatile(
		"sub $128, %%rsp\n\t"
		"push %%rbp\n\t"
		"mov %%r12, %%rbp\n\t"
		"int $0x80\n\t"
		"pop %%rbp\n\t"
		"add $128, %%rsp"
		: "=a"(ret)
		: "a"(nr), "b"(a[0]), "c"(a[1]), "d"(a[2]), "S"(a[3]), "D"(a[4]), "r"(arg5)
		: "memory", "cc", "r8", "r9", "r10", "r11");
	return (int)ret;
#else
	(void)nr; (void)a;
	return -ENOSYS;
#endif
}

static void child(int i386, unsigned long nr, unsigned long *args, struct sock_fprog *progs, int nprogs)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = on_sigsys;
	sa.sa_flags = SA_SIGINFO;
	sigaction(SIGSYS, &sa, NULL);
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) { shared->refused = errno; _exit(0); }
	for (int i = 0; i < nprogs; i++) {
		if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &progs[i]) != 0) { shared->refused = errno; _exit(0); }
	}
	long ret;
	if (i386) {
		ret = call_i386(nr, args);
		shared->err = ret < 0 && ret > -4096 ? (int)-ret : 0;
		shared->ret = shared->err ? -1 : ret;
	} else {
		errno = 0;
		ret = syscall(nr, args[0], args[1], args[2], args[3], args[4], args[5]);
		shared->ret = ret;
		shared->err = ret == -1 ? errno : 0;
	}
	shared->done = 1;
	_exit(0);
}

int main(int argc, char **argv)
{
	shared = mmap(NULL, sizeof *shared, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (shared == MAP_FAILED) { perror("mmap"); return 2; }
	if (argc > 1 && strcmp(argv[1], "--probe") == 0) {
		/* A child that installs an ERRNO(7) filter for everything but exit: does getpid fail with 7? */
		struct sock_filter f[] = {
			BPF_STMT(BPF_LD | BPF_W | BPF_ABS, 0),
			BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_getpid, 0, 1),
			BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | 7),
			BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		};
		struct sock_fprog p = { .len = 4, .filter = f };
		unsigned long args[6] = {0};
		memset(shared, 0, sizeof *shared);
		pid_t pid = fork();
		if (pid == 0) child(0, SYS_getpid, args, &p, 1);
		int st;
		waitpid(pid, &st, 0);
		if (shared->refused) { fprintf(stderr, "seccomp refused: %s\n", strerror(shared->refused)); return 1; }
		if (!shared->done || shared->err != 7) { fprintf(stderr, "seccomp filter had no effect\n"); return 1; }
		puts("ok");
		return 0;
	}

	static char line[1 << 20];
	static unsigned char bytes[MAX_FILTERS][4096 * 8];
	while (fgets(line, sizeof line, stdin)) {
		char abi[16], filters[sizeof line];
		unsigned long nr, a[6];
		if (sscanf(line, "%15s %lx %lx %lx %lx %lx %lx %lx %s", abi, &nr, &a[0], &a[1], &a[2], &a[3], &a[4], &a[5], filters) != 9) {
			fprintf(stderr, "bad request: %s", line);
			return 2;
		}
		struct sock_fprog progs[MAX_FILTERS];
		int nprogs = 0;
		if (strcmp(filters, "-") != 0) {
			for (char *tok = strtok(filters, ","); tok; tok = strtok(NULL, ",")) {
				if (nprogs == MAX_FILTERS) { fprintf(stderr, "too many filters\n"); return 2; }
				int n = unhex(tok, bytes[nprogs], sizeof bytes[nprogs]);
				if (n <= 0 || n % 8) { fprintf(stderr, "bad filter hex\n"); return 2; }
				progs[nprogs].len = (unsigned short)(n / 8);
				progs[nprogs].filter = (struct sock_filter *)bytes[nprogs];
				nprogs++;
			}
		}
		memset(shared, 0, sizeof *shared);
		fflush(stdout);
		pid_t pid = fork();
		if (pid < 0) { perror("fork"); return 2; }
		if (pid == 0) child(strcmp(abi, "i386") == 0, nr, a, progs, nprogs);
		int st;
		if (waitpid(pid, &st, 0) < 0) { perror("waitpid"); return 2; }
		if (shared->refused) printf("refused %d\n", shared->refused);
		else if (shared->trapped) printf("trap %d %d 0x%x\n", shared->trap_errno, shared->trap_syscall, shared->trap_arch);
		else if (shared->done) {
			if (shared->err) printf("errno %d\n", shared->err);
			else printf("ok\n");
		} else if (WIFSIGNALED(st)) printf("killed %d\n", WTERMSIG(st));
		else printf("exited %d\n", WEXITSTATUS(st));
	}
	return 0;
}
