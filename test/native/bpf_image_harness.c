/*
 * Test oracle for the classic disassembler and the -d/-dd/-ddd encoders: feeds
 * instructions to libpcap's public bpf_image() and bpf_dump(), so our output is
 * compared with the library tcpdump itself uses.
 *
 *   bpf_image_harness image     stdin: "pc code jt jf k" per line (decimal);
 *                               stdout: bpf_image(insn, pc) per line.
 *   bpf_image_harness dump N    stdin: "code jt jf k" per line (decimal);
 *                               stdout: bpf_dump(program, N) (N = 1 -d, 2 -dd, 3 -ddd).
 *
 * Built by the tests into a temporary directory: cc bpf_image_harness.c -lpcap
 */
#include <pcap/pcap.h>
#include <pcap/bpf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int usage(void) {
  fprintf(stderr, "usage: bpf_image_harness image | dump 1|2|3\n");
  return 2;
}

int main(int argc, char **argv) {
  if (argc < 2) return usage();
  if (strcmp(argv[1], "image") == 0) {
    long pc;
    unsigned long code, jt, jf, k;
    while (scanf("%ld %lu %lu %lu %lu", &pc, &code, &jt, &jf, &k) == 5) {
      struct bpf_insn insn;
      insn.code = (u_short)code;
      insn.jt = (u_char)jt;
      insn.jf = (u_char)jf;
      insn.k = (bpf_u_int32)k;
      puts(bpf_image(&insn, (int)pc));
    }
    return 0;
  }
  if (strcmp(argv[1], "dump") == 0 && argc == 3) {
    int option = atoi(argv[2]);
    size_t cap = 64, n = 0;
    struct bpf_insn *insns = malloc(cap * sizeof *insns);
    unsigned long code, jt, jf, k;
    if (insns == NULL) return 1;
    while (scanf("%lu %lu %lu %lu", &code, &jt, &jf, &k) == 4) {
      if (n == cap) {
        cap *= 2;
        insns = realloc(insns, cap * sizeof *insns);
        if (insns == NULL) return 1;
      }
      insns[n].code = (u_short)code;
      insns[n].jt = (u_char)jt;
      insns[n].jf = (u_char)jf;
      insns[n].k = (bpf_u_int32)k;
      n++;
    }
    struct bpf_program prog;
    prog.bf_len = (u_int)n;
    prog.bf_insns = insns;
    bpf_dump(&prog, option);
    fflush(stdout);
    free(insns);
    return 0;
  }
  return usage();
}
