/*
 * Prints the bytes of a `struct seccomp_data` as the C compiler lays it out on this host,
 * for the values on each stdin line (hex): nr arch ip a0 a1 a2 a3 a4 a5.
 *   cc -O2 -o seccomp_data seccomp_data.c
 */
#include <linux/seccomp.h>
#include <stdio.h>
#include <string.h>

int main(void)
{
	char line[512];
	while (fgets(line, sizeof line, stdin)) {
		struct seccomp_data d;
		unsigned long long nr, arch, ip, a[6];
		memset(&d, 0, sizeof d);
		if (sscanf(line, "%llx %llx %llx %llx %llx %llx %llx %llx %llx", &nr, &arch, &ip,
			   &a[0], &a[1], &a[2], &a[3], &a[4], &a[5]) != 9) {
			fprintf(stderr, "bad line: %s", line);
			return 2;
		}
		d.nr = (int)nr;
		d.arch = (unsigned)arch;
		d.instruction_pointer = ip;
		for (int i = 0; i < 6; i++) d.args[i] = a[i];
		const unsigned char *b = (const unsigned char *)&d;
		for (size_t i = 0; i < sizeof d; i++) printf("%02x", b[i]);
		printf("\n");
	}
	return 0;
}
