/*
 * fdtable.h — a process's file descriptors as kestrel rebuilds them from
 * audit records: each syscall that creates, duplicates or describes an fd
 * (socket, connect, accept, bind, listen, open*, memfd_create, dup*,
 * fcntl F_DUPFD*, pipe* and socketpair with their FD_PAIR record, close
 * when audited; sendto/sendmsg on an unconnected
 * socket set the remote end) writes the entry of the fd number in
 * its result or arguments. Audit keeps no fd state, so the table trusts the
 * latest writer of a number: a creator kestrel cannot describe removes the
 * stale entry rather than leave it. Gives Falco's fd.* fields on later
 * syscalls that use the fd (dup2 onto 0/1/2, sendto, ...).
 *
 * Bound: FDTABLE_MAX entries per process; past it the least recently
 * written entry is evicted (counted in fdtable_evictions()). Memory: the
 * table owns its entries and names; the process table owns the table.
 */
#ifndef KESTREL_FDTABLE_H
#define KESTREL_FDTABLE_H

#include <stddef.h>
#include <stdint.h>

#include "event/kevent.h"

/* Entries kept per process (about 200 bytes each with a short name). */
#define FDTABLE_MAX 128
/* Longest textual IP address kept (INET6_ADDRSTRLEN). */
#define FDTABLE_IPLEN 46

enum fd_kind {
	FDK_UNKNOWN = 0,
	FDK_FILE,
	FDK_DIR,
	FDK_IPV4,
	FDK_IPV6,
	FDK_UNIX,
	FDK_NETLINK,
	FDK_SOCK, /* another address family */
	FDK_PIPE,
	FDK_MEMFD,
};

enum fd_l4 { FDL4_NONE = 0, FDL4_TCP, FDL4_UDP, FDL4_RAW, FDL4_ICMP };

struct fd_entry {
	int fd;
	uint8_t kind;      /* enum fd_kind */
	uint8_t l4;        /* enum fd_l4 */
	uint8_t is_server; /* listening, or accepted by this process */
	uint8_t connected; /* connect succeeded (or in progress), or accepted */
	uint8_t has_local, has_remote;
	uint8_t name_changed;     /* the last sendto/sendmsg changed the remote end */
	uint8_t local_tried;      /* fdtable_resolve_local() already looked (once) */
	int lport, rport;         /* -1 unknown */
	uint8_t lip[16], rip[16]; /* binary: 4 bytes for ipv4, 16 for ipv6 */
	char *name;               /* file path, unix socket path, "memfd:..."; NULL unknown */
	uint64_t seq;             /* write order, for eviction */
};

struct fdtable;

/* Frees t and its entries (NULL is fine). */
void fdtable_free(struct fdtable *t);
/* A copy of t (fork): NULL when t is NULL or out of memory. */
struct fdtable *fdtable_clone(const struct fdtable *t);
/* The entry of fd, or NULL when unknown. */
const struct fd_entry *fdtable_get(const struct fdtable *t, int fd);
/* Number of entries. */
size_t fdtable_size(const struct fdtable *t);
/* Applies one event of the process (creates *t on first need). Returns 1
 * when the event wrote the table, 0 when it was not an fd event, -1 when
 * out of memory (the table is then left as it was or with the fd dropped). */
int fdtable_apply(struct fdtable **t, const struct kevent *ev);
/* 1 when ev's syscall is one fdtable_apply() reads. */
int fdtable_is_fd_syscall(const char *syscall_name);
/* The fd kind (enum fd_kind) of a socket of address family af. */
int fdtable_kind_of_family(int af);
/* Entries evicted at FDTABLE_MAX since the start of the program. */
uint64_t fdtable_evictions(void);

/*
 * The local end of a connected inet socket. Audit's SOCKADDR carries only
 * the address the process passed (connect: the remote end), so a client's
 * fd.name would read 0.0.0.0:0->remote. Live, the engine asks for it on
 * first use of the fd's name or local end: procroot/<pid>/fd/<fd> gives
 * socket:[inode], and procroot/<pid>/net/{tcp,udp}{,6} (the process's own
 * network namespace) the socket of that inode, whose remote end must be the
 * entry's (else the number was reused). At most FDTABLE_NET_MAX_LINES
 * lines per file are read, once per entry. When the process or fd is gone
 * the end stays unknown (printed 0.0.0.0:0) and fdtable_local_misses()
 * counts it.
 */
#define FDTABLE_NET_MAX_LINES 16384
/* 1 when e is a connected inet socket whose local end is unknown or the
 * wildcard and no lookup was tried yet. */
int fdtable_needs_local(const struct fd_entry *e);
/* Looks the local end of fd up (see above). Returns 1 when the entry has
 * a local end now, 0 when not (no entry, not needed, not found). */
int fdtable_resolve_local(struct fdtable *t, int fd, int64_t pid, const char *procroot);
/* Lookups made, and those that found nothing, since the start. */
uint64_t fdtable_local_lookups(void);
uint64_t fdtable_local_misses(void);

/*
 * The working directory a successful chdir or fchdir makes current:
 * chdir's PATH name joined to the CWD record (else to cur, the process's
 * known cwd) and normalised ("." and ".." removed, as Falco joins them, no
 * symlink resolved); fchdir's from the fd table's directory entry. Writes
 * out (n bytes) and returns 1; 0 when ev is no such event; -1 when it is
 * but the new directory is unknown (an fd the table does not describe, a
 * relative name without a base, too long).
 */
int fdtable_new_cwd(const struct fdtable *t, const struct kevent *ev, const char *cur, char *out,
                    size_t n);
/* 1 when ev's syscall is chdir or fchdir. */
int fdtable_is_chdir(const char *syscall_name);

/* The local or remote address of an inet entry as text into out (""
 * when unknown). Returns out. */
const char *fdtable_ip_text(const struct fd_entry *e, int local, char out[FDTABLE_IPLEN]);

/* Falco's names of a kind: fd.type ("ipv4", "file", ...) and fd.typechar. */
const char *fdtable_kind_name(int kind);
char fdtable_kind_char(int kind);

#endif
