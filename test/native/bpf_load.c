/*
 * Kernel oracle for internal BPF programs: asks the running kernel's verifier whether it
 * accepts a program, and optionally runs it with BPF_PROG_TEST_RUN.
 *
 *   bpf_load --probe
 *       Loads `r0 = 0; exit` as a socket filter. Exit 0 if bpf() works, 77 if not (the
 *       tests skip on 77).
 *
 *   bpf_load [--run] PROG
 *       PROG: a file of raw `struct bpf_insn` records (8 bytes each, host order), or `-`
 *       for stdin (then --run is not available). Loaded as BPF_PROG_TYPE_SOCKET_FILTER
 *       with the verifier log at level 1.
 *       stdout, loaded:   "ok <insn count>"
 *       stdout, refused:  "rejected <errno name>" then the verifier log.
 *       Exit 0 loaded, 1 refused, 2 usage or I/O error, 77 bpf() unavailable.
 *
 *       With --run, after "ok": stdin holds one packet per line as hex digits (spaces
 *       and colons ignored; an empty line is an empty packet). Each packet P is run
 *       once and one line is printed: "<retval>" (the program's return value, unsigned
 *       decimal), or "error <errno name>" when the kernel refuses the run.
 *       The program sees P from offset 0, with skb->len = |P| and skb->protocol = P[12..13]:
 *       for socket filters the kernel's test run takes an Ethernet frame, sets
 *       skb->protocol from it and pulls its 14-byte header, so the harness sends
 *       P[0..14) (zero-padded) followed by P. The device is the loopback (ifindex 1).
 *
 *   bpf_load --stream
 *       Many programs and packets in one process (a process start costs more than a load).
 *       stdin: one command per line:
 *         load HEX   the program's bytes as hex (16 digits per instruction)
 *         run HEX    a packet P as for --run, run with the program of the last `load`
 *       stdout: one answer per command:
 *         load -> "ok <insn count>" or "rejected <errno name>", then the verifier log
 *                 (refused programs only) with each line prefixed by "| ", then "."
 *         run  -> "<retval>" or "error <errno name>" (ENOENT: no program loaded)
 *       Exit 0 at the end of input, 2 on a malformed command.
 *
 * Built by the tests into a temporary directory: cc -O2 -o bpf_load bpf_load.c
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/bpf.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#define LOG_SIZE (16u << 20)
#define MAX_PACKET 65536

static int sys_bpf(int cmd, union bpf_attr *attr) {
  return (int)syscall(__NR_bpf, cmd, attr, sizeof(*attr));
}

static const char *errno_name(int e) {
  switch (e) {
    case EINVAL: return "EINVAL";
    case EACCES: return "EACCES";
    case EPERM: return "EPERM";
    case E2BIG: return "E2BIG";
    case ENOSPC: return "ENOSPC";
    case ENOMEM: return "ENOMEM";
    case EFAULT: return "EFAULT";
    case ENOSYS: return "ENOSYS";
    case ENOTSUP: return "ENOTSUP";
    default: return strerrorname_np(e) ? strerrorname_np(e) : "E?";
  }
}

static int load(const struct bpf_insn *insns, size_t count, char *log, unsigned log_size) {
  union bpf_attr attr;
  memset(&attr, 0, sizeof(attr));
  attr.prog_type = BPF_PROG_TYPE_SOCKET_FILTER;
  attr.insns = (uint64_t)(uintptr_t)insns;
  attr.insn_cnt = (uint32_t)count;
  attr.license = (uint64_t)(uintptr_t)"GPL";
  if (log) {
    attr.log_buf = (uint64_t)(uintptr_t)log;
    attr.log_size = log_size;
    attr.log_level = 1;
  }
  return sys_bpf(BPF_PROG_LOAD, &attr);
}

static int probe(void) {
  struct bpf_insn prog[2];
  memset(prog, 0, sizeof(prog));
  prog[0].code = BPF_ALU64 | BPF_MOV | BPF_K; /* r0 = 0 */
  prog[1].code = BPF_JMP | BPF_EXIT;
  int fd = load(prog, 2, NULL, 0);
  if (fd < 0) {
    fprintf(stderr, "bpf_load: bpf(BPF_PROG_LOAD) unavailable: %s\n", strerror(errno));
    return 77;
  }
  close(fd);
  puts("ok");
  return 0;
}

static unsigned char *read_all(FILE *f, size_t *len) {
  size_t cap = 1 << 16, n = 0;
  unsigned char *buf = malloc(cap);
  for (;;) {
    if (n == cap) buf = realloc(buf, cap *= 2);
    size_t got = fread(buf + n, 1, cap - n, f);
    if (got == 0) break;
    n += got;
  }
  *len = n;
  return buf;
}

static int hexval(int c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

/* Parses one line of hex into out[]; returns the byte count or -1. */
static long parse_hex(const char *line, unsigned char *out, size_t cap) {
  size_t n = 0;
  int hi = -1;
  for (const char *p = line; *p && *p != '\n'; p++) {
    if (*p == ' ' || *p == ':' || *p == '\t' || *p == '\r') continue;
    int v = hexval((unsigned char)*p);
    if (v < 0) return -1;
    if (hi < 0) { hi = v; continue; }
    if (n == cap) return -1;
    out[n++] = (unsigned char)(hi << 4 | v);
    hi = -1;
  }
  return hi < 0 ? (long)n : -1;
}

/* Runs the program once on packet P (see the header for the frame the kernel gets). */
static void run_one(int fd, const unsigned char *pkt, long n) {
  static unsigned char frame[MAX_PACKET + 14];
  memset(frame, 0, 14);
  memcpy(frame, pkt, n < 14 ? (size_t)n : 14);
  memcpy(frame + 14, pkt, (size_t)n);
  union bpf_attr attr;
  memset(&attr, 0, sizeof(attr));
  attr.test.prog_fd = (uint32_t)fd;
  attr.test.data_in = (uint64_t)(uintptr_t)frame;
  attr.test.data_size_in = (uint32_t)(n + 14);
  attr.test.repeat = 1;
  if (sys_bpf(BPF_PROG_TEST_RUN, &attr) < 0) printf("error %s\n", errno_name(errno));
  else printf("%u\n", attr.test.retval);
}

static int run_packets(int fd) {
  static char line[4 * MAX_PACKET];
  static unsigned char pkt[MAX_PACKET];
  while (fgets(line, sizeof(line), stdin)) {
    long n = parse_hex(line, pkt, MAX_PACKET);
    if (n < 0) {
      fprintf(stderr, "bpf_load: bad packet line\n");
      return 2;
    }
    run_one(fd, pkt, n);
    fflush(stdout);
  }
  return 0;
}

/* Prints the verifier log with every line prefixed, so no log line can look like an answer. */
static void print_log(const char *log) {
  const char *p = log;
  while (*p) {
    const char *nl = strchr(p, '\n');
    size_t len = nl ? (size_t)(nl - p) : strlen(p);
    printf("| %.*s\n", (int)len, p);
    p += len + (nl ? 1 : 0);
  }
}

static int stream(void) {
  char *line = NULL;
  size_t cap = 0;
  ssize_t got;
  int fd = -1;
  char *log = calloc(1, LOG_SIZE);
  unsigned char *buf = NULL;
  size_t buf_cap = 0;
  while ((got = getline(&line, &cap, stdin)) > 0) {
    int is_load = strncmp(line, "load ", 5) == 0;
    if (!is_load && strncmp(line, "run ", 4) != 0) {
      fprintf(stderr, "bpf_load: unknown command: %.20s\n", line);
      return 2;
    }
    if (buf_cap < (size_t)got) buf = realloc(buf, buf_cap = (size_t)got);
    long n = parse_hex(line + (is_load ? 5 : 4), buf, buf_cap);
    if (n < 0 || (is_load && (n == 0 || n % 8 != 0)) || (!is_load && n > MAX_PACKET)) {
      fprintf(stderr, "bpf_load: malformed %s command\n", is_load ? "load" : "run");
      return 2;
    }
    if (is_load) {
      if (fd >= 0) close(fd);
      log[0] = 0;
      fd = load((const struct bpf_insn *)buf, (size_t)n / 8, log, LOG_SIZE);
      if (fd >= 0) {
        printf("ok %ld\n.\n", n / 8);
      } else {
        printf("rejected %s\n", errno_name(errno));
        print_log(log);
        printf(".\n");
      }
    } else if (fd < 0) {
      printf("error ENOENT\n");
    } else {
      run_one(fd, buf, n);
    }
    fflush(stdout);
  }
  return 0;
}

int main(int argc, char **argv) {
  int do_run = 0;
  const char *path = NULL;
  for (int a = 1; a < argc; a++) {
    if (strcmp(argv[a], "--probe") == 0) return probe();
    if (strcmp(argv[a], "--stream") == 0) return stream();
    if (strcmp(argv[a], "--run") == 0) do_run = 1;
    else if (!path) path = argv[a];
    else path = NULL, a = argc;
  }
  if (!path || (do_run && strcmp(path, "-") == 0)) {
    fprintf(stderr, "usage: bpf_load --probe | --stream | [--run] PROG.bin|-\n");
    return 2;
  }
  FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
  if (!f) {
    fprintf(stderr, "bpf_load: %s: %s\n", path, strerror(errno));
    return 2;
  }
  size_t len;
  unsigned char *bytes = read_all(f, &len);
  if (f != stdin) fclose(f);
  if (len == 0 || len % sizeof(struct bpf_insn) != 0) {
    fprintf(stderr, "bpf_load: %s: %zu bytes is not a non-empty multiple of 8\n", path, len);
    return 2;
  }
  char *log = calloc(1, LOG_SIZE);
  int fd = load((const struct bpf_insn *)bytes, len / sizeof(struct bpf_insn), log, LOG_SIZE);
  if (fd < 0) {
    int e = errno;
    if (e == ENOSYS) {
      fprintf(stderr, "bpf_load: bpf() unavailable\n");
      return 77;
    }
    printf("rejected %s\n%s", errno_name(e), log);
    return 1;
  }
  printf("ok %zu\n", len / sizeof(struct bpf_insn));
  fflush(stdout);
  int rc = do_run ? run_packets(fd) : 0;
  close(fd);
  return rc;
}
