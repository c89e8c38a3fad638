/*
 * Benchmark reference: libpcap's own C interpreter, bpf_filter(), over every packet of a
 * capture held in memory, for a classic program given in `tcpdump -ddd` form.
 * Usage: pcap_bench PROGRAM.ddd CAPTURE.pcap ROUNDS [MAX_PACKETS]
 * Prints one line: packets accepted ns_per_packet (best round).
 */
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e9 + ts.tv_nsec;
}

int main(int argc, char **argv) {
  if (argc != 4 && argc != 5) { fprintf(stderr, "usage: %s PROGRAM.ddd CAPTURE ROUNDS [MAX_PACKETS]\n", argv[0]); return 64; }
  size_t max = argc == 5 ? (size_t)strtoull(argv[4], NULL, 10) : (size_t)-1;
  FILE *pf = fopen(argv[1], "r");
  if (!pf) { perror(argv[1]); return 66; }
  unsigned n;
  if (fscanf(pf, "%u", &n) != 1 || n == 0) { fprintf(stderr, "bad program\n"); return 65; }
  struct bpf_insn *prog = calloc(n, sizeof *prog);
  for (unsigned i = 0; i < n; i++) {
    unsigned code, jt, jf, k;
    if (fscanf(pf, "%u %u %u %u", &code, &jt, &jf, &k) != 4) { fprintf(stderr, "bad program\n"); return 65; }
    prog[i].code = code; prog[i].jt = jt; prog[i].jf = jf; prog[i].k = k;
  }
  fclose(pf);

  char err[PCAP_ERRBUF_SIZE];
  pcap_t *p = pcap_open_offline(argv[2], err);
  if (!p) { fprintf(stderr, "%s\n", err); return 66; }
  size_t cap = 1 << 20, count = 0, used = 0, bytes_cap = 64u << 20;
  unsigned char *data = malloc(bytes_cap);
  size_t *off = malloc(cap * sizeof *off);
  unsigned *caplen = malloc(cap * sizeof *caplen), *wirelen = malloc(cap * sizeof *wirelen);
  struct pcap_pkthdr *h;
  const u_char *bytes;
  while (count < max && pcap_next_ex(p, &h, &bytes) == 1) {
    if (count == cap) {
      cap *= 2;
      off = realloc(off, cap * sizeof *off);
      caplen = realloc(caplen, cap * sizeof *caplen);
      wirelen = realloc(wirelen, cap * sizeof *wirelen);
    }
    if (used + h->caplen > bytes_cap) { bytes_cap = 2 * (used + h->caplen); data = realloc(data, bytes_cap); }
    memcpy(data + used, bytes, h->caplen);
    off[count] = used; caplen[count] = h->caplen; wirelen[count] = h->len;
    used += h->caplen;
    count++;
  }
  pcap_close(p);

  int rounds = atoi(argv[3]);
  double best = 1e300;
  unsigned long accepted = 0;
  for (int r = 0; r < rounds; r++) {
    unsigned long acc = 0;
    double t0 = now_ns();
    for (size_t i = 0; i < count; i++) acc += bpf_filter(prog, data + off[i], wirelen[i], caplen[i]) != 0;
    double t = now_ns() - t0;
    if (t < best) best = t;
    accepted = acc;
  }
  printf("%zu %lu %.3f\n", count, accepted, best / (double)count);
  return 0;
}
