/*
 * Runs libpcap's own userland interpreter over classic programs and packets, for the
 * differential tests of src/classic/interp.ts (semantics 'libpcap').
 *
 * Build (the test does this in a temp dir):
 *   cc -O1 -o harness pcap_filter_harness.c "$(cc -print-file-name=libpcap.a)" -DHAVE_PCAP_AUX
 *   cc -O1 -o harness pcap_filter_harness.c -lpcap          (no aux-data entry point)
 * The static archive exports pcap_filter_with_aux_data, which the shared library hides.
 *
 * Input: whitespace-separated tokens on stdin, commands one after another.
 *   p N c0 jt0 jf0 k0 ... c(N-1) jt jf k   set the program (decimal or 0x-hex numbers)
 *   v                                      print bpf_validate(program)
 *   r WIRELEN HEX                          print bpf_filter(program, bytes, WIRELEN, caplen)
 *   a WIRELEN PRESENT TAG HEX              print pcap_filter_with_aux_data with that aux data
 *                                          (prints "noaux" when built without it)
 *   q                                      quit
 * HEX is the captured bytes as hex digits, or "-" for none; caplen is their count.
 * Output: one line per v/r/a command, the unsigned result in decimal; "error <why>" on bad input.
 * stdout is flushed after every line, so a caller can talk to one process for many runs.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pcap/pcap.h>
#include <pcap/bpf.h>

#ifdef HAVE_PCAP_AUX
/* libpcap 1.10's pcap-int.h: the VLAN data pcap-linux.c hands to the userland filter. */
struct pcap_bpf_aux_data {
	u_short vlan_tag_present;
	u_short vlan_tag;
};
u_int pcap_filter_with_aux_data(const struct bpf_insn *, const u_char *, u_int, u_int,
    const struct pcap_bpf_aux_data *);
#endif

static char *tok;
static size_t tokcap;

/* Next whitespace-separated token, or NULL at end of input. */
static const char *next_token(void)
{
	int c;
	size_t n = 0;

	do {
		c = getchar();
	} while (c != EOF && isspace(c));
	if (c == EOF)
		return NULL;
	while (c != EOF && !isspace(c)) {
		if (n + 1 >= tokcap) {
			tokcap = tokcap ? tokcap * 2 : 256;
			tok = realloc(tok, tokcap);
			if (tok == NULL) {
				perror("realloc");
				exit(2);
			}
		}
		tok[n++] = (char)c;
		c = getchar();
	}
	tok[n] = '\0';
	return tok;
}

static int next_number(unsigned long *out)
{
	const char *t = next_token();
	char *end;

	if (t == NULL)
		return 0;
	*out = strtoul(t, &end, 0);
	return *end == '\0';
}

static int hex_digit(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Decodes the next token as packet bytes into *buf; returns the byte count or -1. */
static long next_bytes(u_char **buf, size_t *cap)
{
	const char *t = next_token();
	size_t len, i;

	if (t == NULL)
		return -1;
	if (strcmp(t, "-") == 0)
		return 0;
	len = strlen(t);
	if (len % 2)
		return -1;
	if (len / 2 > *cap) {
		*cap = len / 2;
		*buf = realloc(*buf, *cap);
		if (*buf == NULL) {
			perror("realloc");
			exit(2);
		}
	}
	for (i = 0; i < len / 2; i++) {
		int hi = hex_digit(t[2 * i]), lo = hex_digit(t[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return -1;
		(*buf)[i] = (u_char)(hi << 4 | lo);
	}
	return (long)(len / 2);
}

static void reply(const char *line)
{
	fputs(line, stdout);
	fputc('\n', stdout);
	fflush(stdout);
}

static void reply_u(unsigned long v)
{
	printf("%lu\n", v);
	fflush(stdout);
}

int main(void)
{
	struct bpf_insn *prog = NULL;
	unsigned long n = 0;
	u_char *pkt = NULL;
	size_t pktcap = 0;
	const char *cmd;

	while ((cmd = next_token()) != NULL) {
		if (strcmp(cmd, "q") == 0)
			break;
		if (strcmp(cmd, "p") == 0) {
			unsigned long i, v[4];
			if (!next_number(&n) || n == 0 || n > 1000000) {
				reply("error bad program length");
				return 1;
			}
			prog = realloc(prog, n * sizeof(*prog));
			if (prog == NULL) {
				perror("realloc");
				return 2;
			}
			for (i = 0; i < n; i++) {
				if (!next_number(&v[0]) || !next_number(&v[1]) || !next_number(&v[2]) || !next_number(&v[3])) {
					reply("error bad instruction");
					return 1;
				}
				prog[i].code = (u_short)v[0];
				prog[i].jt = (u_char)v[1];
				prog[i].jf = (u_char)v[2];
				prog[i].k = (bpf_u_int32)v[3];
			}
		} else if (strcmp(cmd, "v") == 0) {
			reply_u((unsigned long)bpf_validate(prog, (int)n));
		} else if (strcmp(cmd, "r") == 0 || strcmp(cmd, "a") == 0) {
			unsigned long wirelen, present = 0, tag = 0;
			long caplen;
			int aux = cmd[0] == 'a';
			if (!next_number(&wirelen) || (aux && (!next_number(&present) || !next_number(&tag)))) {
				reply("error bad packet header");
				return 1;
			}
			caplen = next_bytes(&pkt, &pktcap);
			if (caplen < 0 || prog == NULL) {
				reply("error bad packet bytes or no program");
				return 1;
			}
			if (!aux) {
				reply_u(bpf_filter(prog, pkt, (u_int)wirelen, (u_int)caplen));
			} else {
#ifdef HAVE_PCAP_AUX
				struct pcap_bpf_aux_data ad;
				ad.vlan_tag_present = (u_short)present;
				ad.vlan_tag = (u_short)tag;
				reply_u(pcap_filter_with_aux_data(prog, pkt, (u_int)wirelen, (u_int)caplen, &ad));
#else
				reply("noaux");
#endif
			}
		} else {
			reply("error unknown command");
			return 1;
		}
	}
	free(prog);
	free(pkt);
	free(tok);
	return 0;
}
