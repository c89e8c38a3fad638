/*
 * A real Linux packet socket as the oracle for what a classic socket filter returns: the
 * filter is attached with SO_ATTACH_FILTER to an AF_PACKET socket on the loopback device of a
 * network namespace of our own, a frame is sent on that device, and what the socket receives
 * tells the filter's verdict: nothing (it returned 0) or the frame cut to min(return value,
 * frame length) bytes.
 *
 * Every frame sent on the loopback device reaches a packet socket twice:
 *   - out: the transmit tap (dev_queue_xmit_nit), pkt_type PACKET_OUTGOING. The frame is as
 *     sent: a VLAN tag stays in the data and skb->protocol is the frame's ethertype, which is
 *     what `replay --vlan packet` models.
 *   - in: the receive path after loopback_xmit and eth_type_trans, where an outer VLAN tag
 *     is moved into the skb's metadata (skb_vlan_untag), which is `replay --vlan metadata`.
 * In both, the socket's data starts at the Ethernet header and the network header is 14
 * bytes in.
 *
 * Build: cc -O1 -o socket_filter_harness socket_filter_harness.c
 *
 * Input, one command per line:
 *   f N c0 jt0 jf0 k0 ...   attach this classic program (a new socket); answer: 0 or the errno
 *   p HEX                   send the frame (at least 14 bytes); answer: "OUT IN", the bytes
 *                           the filtered socket got from each copy, 0 when the filter dropped
 *                           it, -1 when that copy never reached any socket (the kernel
 *                           dropped the frame before the taps, e.g. a truncated VLAN tag)
 *   q                       quit
 * A first line "ready" (or "unavailable: REASON", then exit 77) says whether the namespace and
 * sockets could be set up.
 *
 * Why the answers can be trusted without timeouts: an unfiltered reference socket, opened
 * first, receives every copy. Packet sockets bound to a device are called newest first, so by
 * the time the reference socket holds a copy, the filtered socket has already been given it.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <linux/filter.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAX_FRAME 65536

static int lo_index;
static int tx = -1, ref = -1, filtered = -1;

static int bind_all(int fd)
{
	struct sockaddr_ll sll;

	memset(&sll, 0, sizeof(sll));
	sll.sll_family = AF_PACKET;
	sll.sll_protocol = htons(ETH_P_ALL);
	sll.sll_ifindex = lo_index;
	return bind(fd, (struct sockaddr *)&sll, sizeof(sll));
}

static const char *setup(void)
{
	struct ifreq ifr;
	int fd;

	if (unshare(CLONE_NEWNET) != 0)
		return "unshare(CLONE_NEWNET) failed (needs root)";
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (fd < 0)
		return "no AF_INET socket";
	memset(&ifr, 0, sizeof(ifr));
	strcpy(ifr.ifr_name, "lo");
	if (ioctl(fd, SIOCGIFFLAGS, &ifr) != 0)
		return "SIOCGIFFLAGS lo failed";
	ifr.ifr_flags |= IFF_UP;
	if (ioctl(fd, SIOCSIFFLAGS, &ifr) != 0)
		return "cannot bring lo up";
	close(fd);
	lo_index = (int)if_nametoindex("lo");
	if (lo_index <= 0)
		return "no lo";
	/* Protocol 0: the sending socket receives nothing itself. */
	tx = socket(AF_PACKET, SOCK_RAW, 0);
	if (tx < 0)
		return "AF_PACKET sockets unavailable";
	ref = socket(AF_PACKET, SOCK_RAW, 0);
	if (ref < 0 || bind_all(ref) != 0)
		return "cannot bind a packet socket to lo";
	return NULL;
}

static int attach(const struct sock_filter *prog, unsigned long n)
{
	struct sock_fprog fprog = { .len = (unsigned short)n, .filter = (struct sock_filter *)prog };

	if (filtered >= 0)
		close(filtered);
	/* Attach before binding, so no frame reaches the socket unfiltered. */
	filtered = socket(AF_PACKET, SOCK_RAW, 0);
	if (filtered < 0)
		return errno;
	if (setsockopt(filtered, SOL_SOCKET, SO_ATTACH_FILTER, &fprog, sizeof(fprog)) != 0) {
		int e = errno;
		close(filtered);
		filtered = -1;
		return e;
	}
	if (bind_all(filtered) != 0)
		return errno;
	return 0;
}

/* Receives one copy; returns its pkt_type, or -1 after `ms` milliseconds without one. */
static int receive(int fd, int ms, unsigned char *buf, long *len)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	struct sockaddr_ll from;
	socklen_t fromlen = sizeof(from);
	ssize_t got;

	if (poll(&p, 1, ms) != 1)
		return -1;
	got = recvfrom(fd, buf, MAX_FRAME, MSG_TRUNC, (struct sockaddr *)&from, &fromlen);
	if (got < 0)
		return -1;
	*len = got;
	return from.sll_pkttype;
}

static void send_frame(const unsigned char *frame, long n)
{
	static unsigned char buf[MAX_FRAME];
	struct sockaddr_ll to;
	long out = -1, in = -1, len;
	int copies = 0, type;

	memset(&to, 0, sizeof(to));
	to.sll_family = AF_PACKET;
	to.sll_ifindex = lo_index;
	to.sll_halen = ETH_ALEN;
	if (sendto(tx, frame, (size_t)n, 0, (struct sockaddr *)&to, sizeof(to)) != n) {
		printf("error send %s\n", strerror(errno));
		return;
	}
	/* The reference socket sees both copies; a copy the kernel drops never comes. */
	while (copies < 2 && (type = receive(ref, copies == 0 ? 2000 : 200, buf, &len)) >= 0) {
		copies++;
		if (type == PACKET_OUTGOING)
			out = 0;
		else
			in = 0;
	}
	while ((type = receive(filtered, 0, buf, &len)) >= 0) {
		if (type == PACKET_OUTGOING)
			out = len;
		else
			in = len;
	}
	printf("%ld %ld\n", out, in);
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int main(void)
{
	static unsigned char frame[MAX_FRAME];
	struct sock_filter *prog = NULL;
	char *line = NULL;
	size_t cap = 0;
	const char *why = setup();

	if (why) {
		printf("unavailable: %s\n", why);
		return 77;
	}
	printf("ready\n");
	fflush(stdout);
	while (getline(&line, &cap, stdin) > 0) {
		if (line[0] == 'q')
			break;
		if (line[0] == 'f') {
			unsigned long n, i, code, jt, jf, k;
			int off, used;

			if (sscanf(line + 1, "%lu%n", &n, &off) != 1 || n > 0xffff) {
				printf("error bad program\n");
				return 1;
			}
			prog = realloc(prog, (n ? n : 1) * sizeof(*prog));
			for (i = 0; i < n; i++) {
				if (sscanf(line + 1 + off, "%lu %lu %lu %lu%n", &code, &jt, &jf, &k, &used) != 4) {
					printf("error bad program\n");
					return 1;
				}
				off += used;
				prog[i].code = (unsigned short)code;
				prog[i].jt = (unsigned char)jt;
				prog[i].jf = (unsigned char)jf;
				prog[i].k = (unsigned int)k;
			}
			printf("%d\n", attach(prog, n));
		} else if (line[0] == 'p') {
			long n = 0;
			int hi = -1;

			for (const char *p = line + 1; *p && *p != '\n'; p++) {
				int v = hexval((unsigned char)*p);
				if (*p == ' ')
					continue;
				if (v < 0 || n == MAX_FRAME) {
					printf("error bad frame\n");
					return 1;
				}
				if (hi < 0) {
					hi = v;
				} else {
					frame[n++] = (unsigned char)(hi << 4 | v);
					hi = -1;
				}
			}
			if (filtered < 0)
				printf("error no filter attached\n");
			else if (n < ETH_HLEN)
				printf("error a frame has at least 14 bytes\n");
			else
				send_frame(frame, n);
		} else {
			printf("error unknown command\n");
			return 1;
		}
		fflush(stdout);
	}
	free(prog);
	free(line);
	return 0;
}
