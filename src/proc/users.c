/*
 * users.c — uid/gid to name, read from the passwd and group files of the
 * process's own root (so names inside a container are the container's), one
 * table per (mount namespace, file). The engine asks for a name only when a
 * rule or output uses user.name, user.loginname or group.name.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <linux/openat2.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "proc/users.h"
#include "util/clock.h"
#include "util/file.h"
#include "util/log.h"

/* Buckets of the namespace list and of one namespace's id table. */
#define USER_NS_BUCKETS 64
#define USER_ID_BUCKETS 256
/* fgetpwent_r/fgetgrent_r line buffer: starts small, grows for long group
 * member lists, and a line longer than the maximum ends the read. */
#define USER_LINE_INIT 4096
#define USER_LINE_MAX (1u << 20)
/* Bound of a /proc/<pid>/mountinfo read (~150 bytes a mount). */
#define USER_MOUNTINFO_MAX (1u << 20)
/* "mnt:[4026531841]" and then some */
#define USER_NS_LINK_MAX 64

enum user_file { USER_PASSWD, USER_GROUP };

static const char *const user_file_path[] = {
    [USER_PASSWD] = "etc/passwd",
    [USER_GROUP] = "etc/group",
};

struct uentry {
	struct uentry *next;
	uint32_t id;
	char name[]; /* NUL-terminated */
};

/* One passwd or group file of one mount namespace. */
struct nsdb {
	struct nsdb *next;
	uint64_t ns; /* inode number of the mount namespace */
	enum user_file kind;
	struct uentry *ids[USER_ID_BUCKETS];
	size_t n;
	/* identity of the file last read, to re-read it only when it changed */
	int have_file;
	dev_t f_dev;
	ino_t f_ino;
	off_t f_size;
	struct timespec f_mtime;
	uint64_t checked_ns;
	int refusal_logged; /* this root's file was refused and said so */
};

struct user_cache {
	char *procroot;
	/* the pid that made the cache and its mount namespace, read once
	 * (ns_of; 0 until read) */
	int64_t self_pid;
	uint64_t self_ns;
	struct nsdb *ns[USER_NS_BUCKETS];
	uint64_t refused;
	/* refusals logged in the current window (USER_LOG_BURST at most) */
	uint64_t log_window_ns;
	unsigned log_count;
};

struct user_cache *user_cache_new(const char *procroot)
{
	struct user_cache *uc = calloc(1, sizeof(*uc));

	if (!uc)
		return NULL;
	uc->procroot = strdup(procroot ? procroot : "/proc");
	if (!uc->procroot) {
		free(uc);
		return NULL;
	}
	uc->self_pid = getpid();
	return uc;
}

void user_cache_free(struct user_cache *uc)
{
	size_t i, j;

	if (!uc)
		return;
	for (i = 0; i < USER_NS_BUCKETS; i++) {
		while (uc->ns[i]) {
			struct nsdb *db = uc->ns[i];

			uc->ns[i] = db->next;
			for (j = 0; j < USER_ID_BUCKETS; j++) {
				while (db->ids[j]) {
					struct uentry *e = db->ids[j];

					db->ids[j] = e->next;
					free(e);
				}
			}
			free(db);
		}
	}
	free(uc->procroot);
	free(uc);
}

static struct uentry *find_id(struct nsdb *db, uint32_t id)
{
	struct uentry *e;

	for (e = db->ids[id % USER_ID_BUCKETS]; e; e = e->next)
		if (e->id == id)
			return e;
	return NULL;
}

/* Add id → name unless the table already says so. A changed name is put in
 * front of the old one, which stays allocated: callers may still hold it. */
static void add_id(struct nsdb *db, uint32_t id, const char *name)
{
	struct uentry *e = find_id(db, id);
	size_t n = strlen(name);

	if ((e && strcmp(e->name, name) == 0) || db->n >= USER_MAX_ENTRIES || n == 0)
		return;
	e = malloc(sizeof(*e) + n + 1);
	if (!e)
		return;
	e->id = id;
	memcpy(e->name, name, n + 1);
	e->next = db->ids[id % USER_ID_BUCKETS];
	db->ids[id % USER_ID_BUCKETS] = e;
	db->n++;
}

/*
 * Open etc/passwd or etc/group inside the process's root. RESOLVE_IN_ROOT
 * keeps a symlink planted in the container (etc/passwd -> /etc/shadow)
 * inside the container's root instead of following it on the host.
 */
static int open_in_root(struct user_cache *uc, int64_t pid, enum user_file kind)
{
	struct open_how how = {
	    /* O_NONBLOCK: opening a FIFO must not wait for a writer */
	    .flags = O_RDONLY | O_CLOEXEC | O_NONBLOCK,
	    .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
	};
	char path[PATH_MAX];
	int dirfd, fd;

	snprintf(path, sizeof(path), "%s/%lld/root", uc->procroot, (long long)pid);
	dirfd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dirfd < 0)
		return -1;
	fd = (int)syscall(SYS_openat2, dirfd, user_file_path[kind], &how, sizeof(how));
	if (fd < 0 && errno == ENOSYS) /* before Linux 5.6: refuse a symlinked file */
		fd = openat(dirfd, user_file_path[kind],
		            O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	close(dirfd);
	return fd;
}

/*
 * Whether the file system that holds etc/passwd (or group) in the process's
 * root is a FUSE mount. O_NONBLOCK protects the open from a FIFO, not a
 * path lookup or open answered by a FUSE server, which the user (who may
 * mount FUSE in its own user namespace) can leave unanswered forever. The
 * kernel's mountinfo says it without touching that file system: the mount
 * with the longest mount point covering the path, the last of equals
 * (mounted over the others), decides. 1 for FUSE, 2 when the table is too
 * large to check whole (a user can add mounts), 0 otherwise.
 */
static int on_fuse(struct user_cache *uc, int64_t pid, enum user_file kind)
{
	char path[PATH_MAX], want[32];
	size_t len, best = 0, wl;
	int fuse = 0, found = 0;
	char *text, *line, *next;

	snprintf(path, sizeof(path), "%s/%lld/mountinfo", uc->procroot, (long long)pid);
	text = file_read_small(AT_FDCWD, path, USER_MOUNTINFO_MAX, FILE_TRUNCATE, &len, NULL, 0);
	if (!text)
		return 0; /* no mountinfo (gone, or a test tree): nothing known */
	snprintf(want, sizeof(want), "/%s", user_file_path[kind]);
	wl = strlen(want);
	for (line = text; line && *line; line = next) {
		char *f[5], *sep, *save = NULL;
		size_t ml;
		int i;

		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		sep = strstr(line, " - ");
		if (!sep)
			continue;
		*sep = '\0';
		for (i = 0; i < 5; i++)
			if (!(f[i] = strtok_r(i ? NULL : line, " ", &save)))
				break;
		if (i < 5)
			continue;
		ml = strlen(f[4]); /* the mount point, relative to the process's root */
		if (!(strcmp(f[4], "/") == 0 ||
		      (ml <= wl && strncmp(want, f[4], ml) == 0 && (want[ml] == '/' || !want[ml]))))
			continue;
		if (ml == 1)
			ml = 0;
		if (found && ml < best)
			continue;
		found = 1;
		best = ml;
		fuse = strncmp(sep + 3, "fuse", 4) == 0;
	}
	free(text);
	return len >= USER_MOUNTINFO_MAX ? 2 : fuse;
}

static int same_file(const struct nsdb *db, const struct stat *st)
{
	return db->have_file && db->f_dev == st->st_dev && db->f_ino == st->st_ino &&
	       db->f_size == st->st_size && db->f_mtime.tv_sec == st->st_mtim.tv_sec &&
	       db->f_mtime.tv_nsec == st->st_mtim.tv_nsec;
}

/* Read every entry of an open passwd or group file into db. */
static void read_entries(struct nsdb *db, FILE *f)
{
	size_t cap = USER_LINE_INIT;
	char *buf = malloc(cap);

	while (buf) {
		struct passwd pw, *pwp = NULL;
		struct group gr, *grp = NULL;
		int rc;

		if (db->kind == USER_PASSWD)
			rc = fgetpwent_r(f, &pw, buf, cap, &pwp);
		else
			rc = fgetgrent_r(f, &gr, buf, cap, &grp);
		if (rc == ERANGE && cap < USER_LINE_MAX) {
			char *bigger = realloc(buf, cap * 2);

			if (!bigger)
				break;
			buf = bigger;
			cap *= 2;
			continue;
		}
		if (rc != 0)
			break;
		if (pwp)
			add_id(db, (uint32_t)pwp->pw_uid, pwp->pw_name);
		else if (grp)
			add_id(db, (uint32_t)grp->gr_gid, grp->gr_name);
	}
	free(buf);
}

/* Says once per root (and at most USER_LOG_BURST times a minute in all)
 * which file was refused and why; every refusal is counted. */
static void refuse(struct user_cache *uc, struct nsdb *db, int64_t pid, const char *why)
{
	uint64_t now = clock_monotonic_ns();

	uc->refused++;
	if (db->refusal_logged)
		return;
	db->refusal_logged = 1;
	if (now - uc->log_window_ns >= USER_LOG_WINDOW_NS) {
		uc->log_window_ns = now;
		uc->log_count = 0;
	}
	if (uc->log_count++ >= USER_LOG_BURST)
		return;
	log_warnx("user names: %s in the root of pid %lld (mount namespace %llu) refused: %s; "
	          "names are not taken from it",
	          user_file_path[db->kind], (long long)pid, (unsigned long long)db->ns, why);
}

/* (Re)load db from the process's root when the file is new or changed. The
 * file belongs to whoever controls that root: it is opened non-blocking,
 * refused unless it is a regular file of at most USER_FILE_MAX_BYTES, and
 * parsed from memory. */
static void load(struct user_cache *uc, struct nsdb *db, int64_t pid)
{
	char err[128];
	struct stat st;
	size_t len;
	char *text;
	FILE *f;
	int fd;

	db->checked_ns = clock_monotonic_ns();
	switch (on_fuse(uc, pid, db->kind)) {
	case 1:
		refuse(uc, db, pid, "on a FUSE file system (its server could stall the read)");
		return;
	case 2:
		refuse(uc, db, pid, "mount table over 1 MiB, cannot rule out FUSE");
		return;
	}
	fd = open_in_root(uc, pid, db->kind);
	if (fd < 0)
		return;
	if (fstat(fd, &st) < 0 || same_file(db, &st)) {
		close(fd);
		return;
	}
	if (!S_ISREG(st.st_mode) || st.st_size > (off_t)USER_FILE_MAX_BYTES) {
		refuse(uc, db, pid,
		       S_ISREG(st.st_mode) ? "larger than 4 MiB" : "not a regular file");
		close(fd);
		return;
	}
	text = file_read_fd(fd, user_file_path[db->kind], USER_FILE_MAX_BYTES, 0, &len, err,
	                    sizeof(err));
	close(fd);
	if (!text) {
		if (errno == EFBIG) /* grew between fstat and read */
			refuse(uc, db, pid, "larger than 4 MiB");
		return;
	}
	f = len ? fmemopen(text, len, "r") : NULL;
	if (f) {
		read_entries(db, f);
		fclose(f);
	}
	free(text);
	db->have_file = 1;
	db->f_dev = st.st_dev;
	db->f_ino = st.st_ino;
	db->f_size = st.st_size;
	db->f_mtime = st.st_mtim;
}

uint64_t user_mnt_ns(const struct user_cache *uc, int64_t pid)
{
	static const char prefix[] = "mnt:[";
	char path[PATH_MAX], link[USER_NS_LINK_MAX];
	unsigned long long ino;
	char *end;
	ssize_t n;

	if (!uc || pid <= 0)
		return 0;
	snprintf(path, sizeof(path), "%s/%lld/ns/mnt", uc->procroot, (long long)pid);
	/* readlink costs about half a stat() of the nsfs inode */
	n = readlink(path, link, sizeof(link) - 1);
	if (n <= (ssize_t)(sizeof(prefix) - 1))
		return 0;
	link[n] = '\0';
	if (strncmp(link, prefix, sizeof(prefix) - 1) != 0)
		return 0;
	errno = 0;
	ino = strtoull(link + sizeof(prefix) - 1, &end, 10);
	if (errno || *end != ']' || end[1] != '\0')
		return 0;
	return (uint64_t)ino;
}

/* The table of one mount namespace for one file, created on first use. */
static struct nsdb *get_db(struct user_cache *uc, uint64_t ns, enum user_file kind, int *created)
{
	size_t b = (size_t)((ns * 2 + (uint64_t)kind) % USER_NS_BUCKETS);
	struct nsdb *db;

	*created = 0;
	for (db = uc->ns[b]; db; db = db->next)
		if (db->ns == ns && db->kind == kind)
			return db;
	db = calloc(1, sizeof(*db));
	if (!db)
		return NULL;
	db->ns = ns;
	db->kind = kind;
	db->next = uc->ns[b];
	uc->ns[b] = db;
	*created = 1;
	return db;
}

static const char *resolve(struct user_cache *uc, uint64_t ns, int64_t pid, int64_t id,
                           enum user_file kind)
{
	struct uentry *e;
	struct nsdb *db;
	int created;

	if (!uc || ns == 0 || pid <= 0 || id < 0 || id > (int64_t)UINT32_MAX)
		return NULL;
	db = get_db(uc, ns, kind, &created);
	if (!db)
		return NULL;
	if (created)
		load(uc, db, pid);
	e = find_id(db, (uint32_t)id);
	if (!e && clock_monotonic_ns() - db->checked_ns >= USER_RELOAD_MIN_NS) {
		load(uc, db, pid);
		e = find_id(db, (uint32_t)id);
	}
	return e ? e->name : NULL;
}

const char *user_cache_name_ns(struct user_cache *uc, uint64_t mnt_ns, int64_t pid, int64_t uid)
{
	return resolve(uc, mnt_ns, pid, uid, USER_PASSWD);
}

const char *user_cache_group_ns(struct user_cache *uc, uint64_t mnt_ns, int64_t pid, int64_t gid)
{
	return resolve(uc, mnt_ns, pid, gid, USER_GROUP);
}

/* kestrel's own namespace is asked for on every alert of a replay (and
 * for host processes already gone) and does not change while it runs: one
 * readlink, not one per alert (nor a getpid: the pid is the one that made
 * the cache; a forked child's own pid is another and reads its link). */
static uint64_t ns_of(struct user_cache *uc, int64_t pid)
{
	if (uc && pid > 0 && pid == uc->self_pid) {
		if (uc->self_ns == 0) /* 0: not read yet, or unreadable: ask again */
			uc->self_ns = user_mnt_ns(uc, pid);
		return uc->self_ns;
	}
	return user_mnt_ns(uc, pid);
}

const char *user_cache_name(struct user_cache *uc, int64_t pid, int64_t uid)
{
	return resolve(uc, ns_of(uc, pid), pid, uid, USER_PASSWD);
}

const char *user_cache_group(struct user_cache *uc, int64_t pid, int64_t gid)
{
	return resolve(uc, ns_of(uc, pid), pid, gid, USER_GROUP);
}

int64_t user_loginuid(int64_t auid)
{
	return auid < 0 || auid >= USER_LOGINUID_UNSET ? -1 : auid;
}

const char *user_cache_loginname(struct user_cache *uc, int64_t pid, int64_t auid)
{
	if (user_loginuid(auid) < 0)
		return NULL;
	return user_cache_name(uc, pid, auid);
}

uint64_t user_cache_refused(const struct user_cache *uc)
{
	return uc ? uc->refused : 0;
}
