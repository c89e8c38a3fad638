/*
 * Prints what libpcap reads from capture files, one line per packet, so the capture reader's
 * tests can compare against it:
 *
 *   file <path>
 *   dlt <pcap_datalink> snaplen <pcap_snapshot>
 *   <n> <sec>.<nsec, 9 digits> caplen <caplen> len <len> fnv <FNV-1a 32 of the captured bytes>
 *   ...
 *   end                      (clean end of file)
 *   error <libpcap message>  (pcap_next_ex failed after the packets above)
 *   open-error <message>     (pcap_open_offline failed)
 *
 * Usage: capture_records FILE...   (timestamps are read at nanosecond precision)
 */
#include <pcap/pcap.h>
#include <stdint.h>
#include <stdio.h>

static uint32_t fnv1a(const u_char *p, bpf_u_int32 n)
{
	uint32_t h = 2166136261u;
	for (bpf_u_int32 i = 0; i < n; i++) {
		h ^= p[i];
		h *= 16777619u;
	}
	return h;
}

static void dump(const char *path)
{
	char errbuf[PCAP_ERRBUF_SIZE];
	printf("file %s\n", path);
	pcap_t *p = pcap_open_offline_with_tstamp_precision(path, PCAP_TSTAMP_PRECISION_NANO, errbuf);
	if (p == NULL) {
		printf("open-error %s\n", errbuf);
		return;
	}
	printf("dlt %d snaplen %d\n", pcap_datalink(p), pcap_snapshot(p));
	struct pcap_pkthdr *h;
	const u_char *data;
	unsigned long n = 0;
	for (;;) {
		int r = pcap_next_ex(p, &h, &data);
		if (r == 1) {
			n++;
			printf("%lu %lld.%09ld caplen %u len %u fnv %08x\n", n, (long long)h->ts.tv_sec,
			    (long)h->ts.tv_usec, h->caplen, h->len, fnv1a(data, h->caplen));
		} else if (r == PCAP_ERROR_BREAK) {
			printf("end\n");
			break;
		} else {
			printf("error %s\n", pcap_geterr(p));
			break;
		}
	}
	pcap_close(p);
}

int main(int argc, char **argv)
{
	for (int i = 1; i < argc; i++)
		dump(argv[i]);
	return 0;
}
