/*
 * sockaddr.c — a SOCKADDR record's saddr= hex (the kernel's struct
 * sockaddr bytes) decoded into the kevent's family, address text and
 * port: IPv4, IPv6, unix paths (abstract ones as "@name"), netlink. Used by
 * the normalizer (normalize.c) for every connect/bind/accept/sendto event.
 */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "event/normalize.h"
#include "record/record.h"

/* Dotted quad of a (inet_ntop's text, without its sprintf per call);
 * out holds at least INET_ADDRSTRLEN bytes. */
static void ipv4_text(const unsigned char *a, char *out)
{
	for (int i = 0; i < 4; i++) {
		unsigned v = a[i];
		if (v >= 100)
			*out++ = (char)('0' + v / 100);
		if (v >= 10)
			*out++ = (char)('0' + v / 10 % 10);
		*out++ = (char)('0' + v % 10);
		*out++ = i < 3 ? '.' : '\0';
	}
}

int knorm_decode_sockaddr(const char *hex, size_t hexlen, struct kev_sockaddr *out)
{
	unsigned char b[sizeof(struct sockaddr_storage)];
	size_t nb = hexlen / 2;

	memset(out, 0, sizeof(*out));
	out->port = -1;
	if (nb < 2 || (hexlen & 1))
		return -1;
	if (nb > sizeof(b))
		nb = sizeof(b);
	/* the first nb bytes, decoded and validated in one pass */
	if (arec_hex_decode(hex, 2 * nb, (char *)b, nb) != (long)nb)
		return -1;
	/* sa_family is host-endian: accept a big-endian machine's records too */
	int fam = b[0] | b[1] << 8;
	int fam_be = b[0] << 8 | b[1];
	if (fam != AF_INET && fam != AF_INET6 && fam != AF_UNIX && fam != AF_NETLINK &&
	    (fam_be == AF_INET || fam_be == AF_INET6 || fam_be == AF_UNIX || fam_be == AF_NETLINK))
		fam = fam_be;
	out->raw_family = fam;
	switch (fam) {
	case AF_INET:
		if (nb < 8)
			return -1;
		out->family = KEV_SA_INET;
		out->port = b[2] << 8 | b[3];
		ipv4_text(b + 4, out->addr);
		return 0;
	case AF_INET6:
		if (nb < 24)
			return -1;
		out->family = KEV_SA_INET6;
		out->port = b[2] << 8 | b[3];
		inet_ntop(AF_INET6, b + 8, out->addr, sizeof(out->addr));
		return 0;
	case AF_UNIX: {
		out->family = KEV_SA_UNIX;
		size_t plen = nb - 2;
		const unsigned char *p = b + 2;
		size_t o = 0;
		if (plen > 0 && p[0] == '\0') {
			/* abstract socket: "@name", the name may hold NULs */
			out->addr[o++] = '@';
			p++;
			plen--;
		} else {
			const unsigned char *z = memchr(p, '\0', plen);
			if (z)
				plen = (size_t)(z - p);
		}
		for (size_t i = 0; i < plen && o + 1 < sizeof(out->addr); i++)
			out->addr[o++] = p[i] ? (char)p[i] : '@';
		out->addr[o] = '\0';
		return 0;
	}
	case AF_NETLINK:
		out->family = KEV_SA_NETLINK;
		return 0;
	default:
		out->family = KEV_SA_OTHER;
		return 0;
	}
}
