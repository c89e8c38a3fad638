/*
 * libpcap's answer for a replay: reads a capture with libpcap's own reader
 * (pcap_open_offline + pcap_next_ex) and runs a classic program over every packet with
 * libpcap's own userland interpreter (bpf_filter, with the record's caplen and wire length),
 * printing one return value per packet. The truth the replay goldens are recorded from.
 *
 * Build (the record script and the tests do this in a temp dir):
 *   cc -O1 -o pcap_replay_harness pcap_replay_harness.c -lpcap
 *
 * Usage:
 *   pcap_replay_harness PROG.ddd CAPTURE     one replay
 *   pcap_replay_harness --stream             many: stdin lines "PROG.ddd<TAB>CAPTURE"
 *
 * PROG.ddd is `tcpdump -ddd` output: the instruction count, then "code jt jf k" per line.
 * Output for each replay:
 *   dlt <N>                 the capture's link type as libpcap reports it (pcap_datalink)
 *   <ret>                   one line per packet: bpf_filter's result, unsigned decimal
 *   . end                   the capture was read to its end
 *   . error <message>       libpcap stopped on a read error after the packets above
 *   . open-error <message>  libpcap could not open the capture (no dlt line, no packets)
 * Exit 0, or 2 on a usage error or an unreadable program.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pcap/pcap.h>

static struct bpf_insn *read_ddd(const char *path, unsigned *count)
{
	FILE *f = fopen(path, "r");
	unsigned n, i;
	struct bpf_insn *prog;

	if (f == NULL) {
		perror(path);
		return NULL;
	}
	if (fscanf(f, "%u", &n) != 1 || n == 0 || n > 1000000) {
		fprintf(stderr, "%s: no instruction count\n", path);
		fclose(f);
		return NULL;
	}
	prog = calloc(n, sizeof(*prog));
	for (i = 0; i < n; i++) {
		unsigned code, jt, jf;
		unsigned long k;
		if (fscanf(f, "%u %u %u %lu", &code, &jt, &jf, &k) != 4) {
			fprintf(stderr, "%s: instruction %u is malformed\n", path, i);
			free(prog);
			fclose(f);
			return NULL;
		}
		prog[i].code = (u_short)code;
		prog[i].jt = (u_char)jt;
		prog[i].jf = (u_char)jf;
		prog[i].k = (bpf_u_int32)k;
	}
	fclose(f);
	*count = n;
	return prog;
}

static int replay(const char *prog_path, const char *capture)
{
	char errbuf[PCAP_ERRBUF_SIZE];
	unsigned count;
	struct bpf_insn *prog = read_ddd(prog_path, &count);
	pcap_t *p;
	struct pcap_pkthdr *hdr;
	const u_char *data;
	int r;

	if (prog == NULL)
		return 2;
	p = pcap_open_offline(capture, errbuf);
	if (p == NULL) {
		printf(". open-error %s\n", errbuf);
		free(prog);
		return 0;
	}
	printf("dlt %d\n", pcap_datalink(p));
	while ((r = pcap_next_ex(p, &hdr, &data)) == 1)
		printf("%u\n", bpf_filter(prog, data, hdr->len, hdr->caplen));
	if (r == -1)
		printf(". error %s\n", pcap_geterr(p));
	else
		printf(". end\n");
	pcap_close(p);
	free(prog);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 3)
		return replay(argv[1], argv[2]);
	if (argc == 2 && strcmp(argv[1], "--stream") == 0) {
		char *line = NULL;
		size_t cap = 0;
		ssize_t got;
		while ((got = getline(&line, &cap, stdin)) > 0) {
			char *tab = strchr(line, '\t');
			if (line[got - 1] == '\n')
				line[got - 1] = '\0';
			if (tab == NULL) {
				fprintf(stderr, "pcap_replay_harness: expected PROG<TAB>CAPTURE\n");
				return 2;
			}
			*tab = '\0';
			if (replay(line, tab + 1) != 0)
				return 2;
			fflush(stdout);
		}
		free(line);
		return 0;
	}
	fprintf(stderr, "usage: pcap_replay_harness PROG.ddd CAPTURE | --stream\n");
	return 2;
}
