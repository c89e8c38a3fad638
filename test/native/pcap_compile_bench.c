/*
 * The compile bench's reference: libpcap's own pcap_compile, in process. Reads expressions
 * (one per line) from argv[3], compiles each for DLT argv[1] (a name) with optimize argv[2]
 * (0/1), `rounds` times (argv[4]), and prints the best round's seconds and the total length.
 */
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int main(int argc, char **argv) {
  if (argc != 5) { fprintf(stderr, "usage: %s DLTNAME OPTIMIZE FILE ROUNDS\n", argv[0]); return 64; }
  int dlt = pcap_datalink_name_to_val(argv[1]);
  int optimize = atoi(argv[2]);
  int rounds = atoi(argv[4]);
  FILE *f = fopen(argv[3], "r");
  if (!f || dlt < 0) { perror(argv[3]); return 66; }
  char *lines[4096];
  int n = 0;
  char buf[4096];
  while (n < 4096 && fgets(buf, sizeof buf, f)) { buf[strcspn(buf, "\n")] = 0; lines[n++] = strdup(buf); }
  pcap_t *p = pcap_open_dead(dlt, 262144);
  double best = 1e9;
  long total = 0;
  for (int r = 0; r < rounds; r++) {
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    total = 0;
    for (int i = 0; i < n; i++) {
      struct bpf_program prog;
      if (pcap_compile(p, &prog, lines[i], optimize, 0) == 0) { total += prog.bf_len; pcap_freecode(&prog); }
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double s = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
    if (s < best) best = s;
  }
  printf("%.9f %ld %d\n", best, total, n);
  return 0;
}
