/*
 * users.h — user and group names (user.name, user.loginname, group.name)
 * resolved in the process's own root, <procroot>/<pid>/root/etc/passwd and
 * etc/group, so a process in a container gets the container's names. Each
 * file is read once per mount namespace and cached by (mount namespace
 * inode, id); a miss re-reads it only if it changed, at most every
 * USER_RELOAD_MIN_NS. The files belong to whoever controls that root: one
 * that is not a regular file, is larger than USER_FILE_MAX_BYTES or lives on
 * a FUSE mount is refused (counted, logged once per root) and never blocks.
 *
 * Memory: the cache owns every returned string; a name stays valid until
 * user_cache_free() (entries are never dropped, only added).
 */
#ifndef KESTREL_USERS_H
#define KESTREL_USERS_H

#include <stdint.h>

/* Audit's unset loginuid (auid=4294967295); Falco shows it as -1. */
#define USER_LOGINUID_UNSET 4294967295ll
/* Minimum time between two re-reads of one namespace's passwd/group. */
#define USER_RELOAD_MIN_NS 5000000000ull
/* Entries kept per namespace and file; the rest of a huge file is ignored. */
#define USER_MAX_ENTRIES 65536
/* A passwd or group file larger than this is refused, not read: the file
 * belongs to whoever controls the process's root (a container, or any user
 * with `unshare -Urm` and a bind mount). Debian's are ~2 KB; 65,536 entries
 * of ~60 bytes fit. */
#define USER_FILE_MAX_BYTES (4u << 20)
/* Refusals logged per USER_LOG_WINDOW_NS across all roots (each root's file
 * is logged once); the rest are only counted. */
#define USER_LOG_BURST 10
#define USER_LOG_WINDOW_NS (60ull * 1000000000ull)

struct user_cache;

/* procroot is "/proc" outside tests. NULL on allocation failure. */
struct user_cache *user_cache_new(const char *procroot);
void user_cache_free(struct user_cache *uc);

/* Name of uid / gid as seen by process pid; NULL when the id has no entry
 * or the process (its root or mount namespace) cannot be read. A caller that
 * knows a vanished process ran on the host may ask again with pid 1. */
const char *user_cache_name(struct user_cache *uc, int64_t pid, int64_t uid);
const char *user_cache_group(struct user_cache *uc, int64_t pid, int64_t gid);

/* The mount namespace of pid: the inode number /proc/<pid>/ns/mnt links to
 * ("mnt:[4026531841]"), 0 when it cannot be read. A caller that keeps it per
 * process (it changes only through setns/unshare, so refresh it on those)
 * saves the readlink that each lookup above costs. */
uint64_t user_mnt_ns(const struct user_cache *uc, int64_t pid);
/* As above, for a namespace the caller already knows; pid (a process in
 * that namespace) is only read when the namespace's files are not cached. */
const char *user_cache_name_ns(struct user_cache *uc, uint64_t mnt_ns, int64_t pid, int64_t uid);
const char *user_cache_group_ns(struct user_cache *uc, uint64_t mnt_ns, int64_t pid, int64_t gid);

/* passwd/group files refused so far (FIFO, device, directory, larger than
 * USER_FILE_MAX_BYTES): such a file never blocks or slows the caller. */
uint64_t user_cache_refused(const struct user_cache *uc);

/* user.loginuid as Falco shows it: -1 for the unset auid (4294967295 or -1). */
int64_t user_loginuid(int64_t auid);
/* user.loginname: the name of auid in the process's root; NULL when unset. */
const char *user_cache_loginname(struct user_cache *uc, int64_t pid, int64_t auid);

#endif
