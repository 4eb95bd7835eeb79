/*
 * normalize.c — assembled audit event -> struct kevent. Walks the records
 * once, decoding only the fields the kevent carries; strings go into an
 * arena that is reset per event, argv into a growable buffer (a split
 * argument arrives in chunks, possibly across several EXECVE records).
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <libaudit.h>
#include <stdlib.h>
#include <string.h>

#include "event/normalize.h"
#include "util/arena.h"
#include "util/buf.h"

/* Syscall numbers cached per machine type; above this libaudit is asked. */
#define KNORM_SYSCALL_CACHE 512
/* Most EXECVE arguments kept: more than the kernel's argument space can
 * hold (ARG_MAX / 2 bytes per empty argument); beyond it a record is
 * hostile or corrupt, and argv is marked truncated. */
#define KNORM_MAX_ARGS (1 << 20)
/* The kernel writes a0, a1 ... in order (a long one split into aN[i]
 * chunks); an index further ahead than this is not filled in with empty
 * arguments: argv cannot grow faster than the record's own bytes. */
#define KNORM_MAX_ARG_GAP 1
/* st_mode in octal: 0177777 and a few digits of slack, no more. */
#define KNORM_MAX_MODE_DIGITS 12
/* Decimal digits that cannot overflow int64_t: parsed inline. */
#define KNORM_FAST_DIGITS 18
/* Hex values shorter than this are parsed inline: 15 digits stay below
 * 2^60, never KEV_UNSET (INT64_MIN) nor a sign change. */
#define KNORM_FAST_HEX_DIGITS 16
/* libaudit's machine types (MACH_X86 ... MACH_IO_URING) fit below this. */
#define KNORM_MACHINES 16

struct arg_span {
	size_t off, len;
	int present;
};

/* An event's PROCTITLE value until kevent_proctitle() decodes it: the
 * record text stays alive while the event is handed on (the assembler
 * emits from its own storage), and the words go into the event's arena. */
struct kev_lazy_title {
	struct knorm *n;
	const char *text; /* the PROCTITLE record's text */
	struct arec_field f;
	int pending; /* 1 until decoded */
	int nwords;
	const char **words;
};

struct knorm {
	struct arena arena;
	struct kev_lazy_title title;
	/* argv under construction */
	struct buf args; /* the arguments, each NUL-terminated */
	struct arg_span *spans;
	int nspans;
	size_t spancap;
	int cur_arg;
	const char **argv;
	size_t argvcap;
	struct kev_path *paths;
	size_t pathcap;
	const char **ptitle;
	size_t ptitlecap;
	/* the last syscall name asked of dirfd_args() and its answer */
	const char *dirfd_sc;
	int dirfd_known, dirfd_is, dirfd_second;
};

struct knorm *knorm_new(void)
{
	struct knorm *n = calloc(1, sizeof(*n));
	if (n) {
		arena_init(&n->arena);
		n->title.n = n;
	}
	return n;
}

void knorm_free(struct knorm *n)
{
	if (!n)
		return;
	arena_free(&n->arena);
	buf_free(&n->args);
	free(n->spans);
	free(n->argv);
	free(n->paths);
	free(n->ptitle);
	free(n);
}

const char *knorm_syscall_name(uint32_t arch, int syscall)
{
	static const char *cache[KNORM_MACHINES][KNORM_SYSCALL_CACHE];
	static unsigned char filled[KNORM_MACHINES][KNORM_SYSCALL_CACHE];
	int mach = audit_elf_to_machine(arch);

	if (mach < 0 || syscall < 0)
		return NULL;
	if (mach < KNORM_MACHINES && syscall < KNORM_SYSCALL_CACHE) {
		if (!filled[mach][syscall]) {
			cache[mach][syscall] = audit_syscall_to_name(syscall, mach);
			filled[mach][syscall] = 1;
		}
		return cache[mach][syscall];
	}
	return audit_syscall_to_name(syscall, mach);
}

/* Decoded copy of a field's value in the arena; NULL for a null value.
 * The decoded value is never longer than the raw one: one decoding pass
 * into a buffer of the raw length, not a measuring pass and a copy. */
static const char *dup_value(struct knorm *n, const struct arec *r, const struct arec_field *f)
{
	if (!f || arec_is_null(r, f))
		return NULL;
	char *p = arena_alloc_raw(&n->arena, (size_t)f->vlen + 1);
	if (!p)
		return NULL;
	arec_value(r, f, p, (size_t)f->vlen + 1);
	return p;
}

static const char *dup_key(struct knorm *n, const struct arec *r, const char *key)
{
	return dup_value(n, r, arec_find(r, key));
}

/* field_num() for all but short unsigned decimals. */
static int64_t field_num_slow(const struct arec *r, const struct arec_field *f, int base,
                              struct kevent *ev)
{
	int64_t v;

	if (arec_is_null(r, f))
		return KEV_UNSET; /* the kernel's "?": no value, not a bad one */
	if (arec_num(arec_raw(r, f), f->vlen, base, &v) < 0 || v == KEV_UNSET) {
		ev->malformed++;
		return KEV_UNSET;
	}
	return v;
}

/* Integer value of field f (decimal, or hex when base is 16); KEV_UNSET and
 * counted in ev->malformed when it is not a number or out of range. */
static inline int64_t field_num(const struct arec *r, const struct arec_field *f, int base,
                                struct kevent *ev)
{
	if (base == 10 && f->vlen != 0 && f->vlen <= KNORM_FAST_DIGITS) {
		/* the common case inline: a short unsigned decimal (pid, uid,
		 * exit...), never a null marker ("?", "(null)"); anything else,
		 * '-' included, takes the slow path */
		const unsigned char *u = (const unsigned char *)arec_raw(r, f);
		uint64_t x = 0;
		uint32_t i;
		for (i = 0; i < f->vlen; i++) {
			unsigned d = (unsigned)u[i] - '0';
			if (d > 9)
				break;
			x = x * 10 + d;
		}
		if (i == f->vlen)
			return (int64_t)x; /* below 10^18: never KEV_UNSET */
	} else if (base == 16 && f->vlen != 0 && f->vlen < KNORM_FAST_HEX_DIGITS) {
		/* a0..a3 and arch of every SYSCALL record: up to 15 digits
		 * cannot reach KEV_UNSET's bit pattern */
		const unsigned char *u = (const unsigned char *)arec_raw(r, f);
		uint64_t x = 0;
		uint32_t i;
		for (i = 0; i < f->vlen; i++) {
			unsigned d = arec_hexv[u[i]];
			if (!d)
				break;
			x = x << 4 | (d - 1);
		}
		if (i == f->vlen)
			return (int64_t)x;
	}
	return field_num_slow(r, f, base, ev);
}

static int64_t int_or_unset(const struct arec *r, const char *key, struct kevent *ev)
{
	const struct arec_field *f = arec_find(r, key);
	return f ? field_num(r, f, 10, ev) : KEV_UNSET;
}

/* One field of a SYSCALL record into ev. */
static void take_syscall_field(struct knorm *n, const struct arec *r, const struct arec_field *f,
                               struct kevent *ev)
{
	const char *k = arec_key(r, f);
	size_t klen = f->klen;
#define K(lit) (klen == sizeof(lit) - 1 && memcmp(k, lit, sizeof(lit) - 1) == 0)
	switch (k[0]) {
	case 'a':
		if (klen == 2 && k[1] >= '0' && k[1] <= '3')
			ev->a[k[1] - '0'] = (uint64_t)field_num(r, f, 16, ev);
		else if (K("arch"))
			ev->arch = (uint32_t)field_num(r, f, 16, ev);
		else if (K("auid"))
			ev->auid = field_num(r, f, 10, ev);
		break;
	case 'c':
		if (K("comm"))
			ev->comm = dup_value(n, r, f);
		break;
	case 'e':
		if (K("exit"))
			ev->exit = field_num(r, f, 10, ev);
		else if (K("exe"))
			ev->exe = dup_value(n, r, f);
		else if (K("euid"))
			ev->euid = field_num(r, f, 10, ev);
		else if (K("egid"))
			ev->egid = field_num(r, f, 10, ev);
		break;
	case 'f':
		if (K("fsuid"))
			ev->fsuid = field_num(r, f, 10, ev);
		else if (K("fsgid"))
			ev->fsgid = field_num(r, f, 10, ev);
		break;
	case 'g':
		if (K("gid"))
			ev->gid = field_num(r, f, 10, ev);
		break;
	case 'k':
		if (K("key"))
			ev->key = dup_value(n, r, f);
		break;
	case 'p':
		if (K("pid"))
			ev->pid = field_num(r, f, 10, ev);
		else if (K("ppid"))
			ev->ppid = field_num(r, f, 10, ev);
		break;
	case 's':
		if (K("syscall")) {
			int64_t v = field_num(r, f, 10, ev);
			ev->syscall = v == KEV_UNSET ? -1 : (int)v;
		} else if (K("success")) {
			ev->success = f->vlen == 3 && memcmp(arec_raw(r, f), "yes", 3) == 0;
		} else if (K("suid")) {
			ev->suid = field_num(r, f, 10, ev);
		} else if (K("sgid")) {
			ev->sgid = field_num(r, f, 10, ev);
		} else if (K("ses")) {
			ev->ses = field_num(r, f, 10, ev);
		} else if (K("subj")) {
			ev->subj = dup_value(n, r, f);
		}
		break;
	case 't':
		if (K("tty"))
			ev->tty = dup_value(n, r, f);
		break;
	case 'u':
		if (K("uid"))
			ev->uid = field_num(r, f, 10, ev);
		break;
	default:
		break;
	}
#undef K
}

/* One pass over the SYSCALL record's fields, dispatching on the key:
 * this record is in every event, so it is worth not scanning it per key. */
static void take_syscall(struct knorm *n, const struct arec *r, struct kevent *ev)
{
	ev->has_syscall = 1;
	for (int i = 0; i < r->nfields; i++) {
		const struct arec_field *f = &r->fields[i];
		if (f->flags)
			continue; /* enriched or nested */
		take_syscall_field(n, r, f, ev);
	}
	ev->syscall_name = knorm_syscall_name(ev->arch, ev->syscall);
}

/* Non-syscall events (USER_*, ...) still say who: take what they carry. */
static void take_identity(struct knorm *n, const struct arec *r, struct kevent *ev)
{
	if (ev->pid == KEV_UNSET)
		ev->pid = int_or_unset(r, "pid", ev);
	if (ev->uid == KEV_UNSET)
		ev->uid = int_or_unset(r, "uid", ev);
	if (ev->auid == KEV_UNSET)
		ev->auid = int_or_unset(r, "auid", ev);
	if (ev->ses == KEV_UNSET)
		ev->ses = int_or_unset(r, "ses", ev);
	if (!ev->comm)
		ev->comm = dup_key(n, r, "comm");
	if (!ev->exe)
		ev->exe = dup_key(n, r, "exe");
	if (!ev->subj)
		ev->subj = dup_key(n, r, "subj");
}

/* Append a decoded piece to argument idx (a whole aN, or one aN[i] chunk). */
static int arg_append(struct knorm *n, int idx, const struct arec *r, const struct arec_field *f)
{
	if (idx != n->cur_arg) {
		if (n->cur_arg >= 0)
			n->args.p[n->args.len++] = '\0';
		if (buf_grow_array((void **)&n->spans, &n->spancap, idx + 1, sizeof(*n->spans)) < 0)
			return -1;
		for (int i = n->nspans; i <= idx; i++)
			n->spans[i].present = 0;
		if (idx + 1 > n->nspans)
			n->nspans = idx + 1;
		n->spans[idx].off = n->args.len;
		n->spans[idx].len = 0;
		n->spans[idx].present = 1;
		n->cur_arg = idx;
		if (buf_reserve(&n->args, 0) < 0)
			return -1;
	}
	if (arec_is_null(r, f))
		return 0;
	if (buf_reserve(&n->args, (size_t)f->vlen + 1) < 0)
		return -1;
	long len = arec_value(r, f, n->args.p + n->args.len, (size_t)f->vlen + 1);
	n->args.len += (size_t)len;
	n->spans[idx].len += (size_t)len;
	return 0;
}

static int take_execve(struct knorm *n, const struct arec *r, struct kevent *ev)
{
	for (int i = 0; i < r->nfields; i++) {
		const struct arec_field *f = &r->fields[i];
		const char *k = arec_key(r, f);
		if (f->flags & ARF_ENRICHED)
			continue;
		if (f->klen == 4 && memcmp(k, "argc", 4) == 0) {
			int64_t v = field_num(r, f, 10, ev);
			if (v != KEV_UNSET)
				ev->argc = v < 0 ? 0 : v > KNORM_MAX_ARGS ? KNORM_MAX_ARGS : (int)v;
			continue;
		}
		if (k[0] != 'a' || f->klen < 2 || k[1] < '0' || k[1] > '9')
			continue;
		long idx = 0;
		size_t j = 1;
		while (j < f->klen && k[j] >= '0' && k[j] <= '9' && idx < (1L << 30))
			idx = idx * 10 + (k[j++] - '0');
		if (j < f->klen && k[j] == '_')
			continue; /* aN_len: the chunks that follow carry the bytes */
		if (j != f->klen && k[j] != '[')
			continue;
		/* the kernel writes a0 .. a(argc-1): an index past argc (or past
		 * the cap when argc is missing) is not an argument, and must not
		 * make the argv arrays grow to it */
		if (idx >= (ev->argc > 0 ? ev->argc : KNORM_MAX_ARGS) ||
		    idx > n->nspans + KNORM_MAX_ARG_GAP) {
			ev->argv_truncated = 1;
			continue;
		}
		if (arg_append(n, (int)idx, r, f) < 0)
			return -1;
	}
	return 0;
}

static void finish_argv(struct knorm *n, struct kevent *ev)
{
	if (n->cur_arg < 0)
		return;
	n->args.p[n->args.len++] = '\0';
	if (buf_grow_array((void **)&n->argv, &n->argvcap, n->nspans + 1, sizeof(*n->argv)) < 0)
		return;
	for (int i = 0; i < n->nspans; i++) {
		if (n->spans[i].present) {
			n->argv[i] = n->args.p + n->spans[i].off;
		} else {
			n->argv[i] = "";
			ev->argv_truncated = 1;
		}
	}
	n->argv[n->nspans] = NULL;
	ev->argv = n->argv;
	ev->nargv = n->nspans;
	if (ev->argc > ev->nargv)
		ev->argv_truncated = 1;
}

/* st_mode as the record prints it (octal); KEV_UNSET otherwise. */
static int64_t field_mode(const struct arec *r, const struct arec_field *f, struct kevent *ev)
{
	const char *v = arec_raw(r, f);
	int64_t m = 0;

	if (f->vlen == 0 || f->vlen > KNORM_MAX_MODE_DIGITS) {
		ev->malformed++;
		return KEV_UNSET;
	}
	for (uint32_t i = 0; i < f->vlen; i++) {
		if (v[i] < '0' || v[i] > '7') {
			ev->malformed++;
			return KEV_UNSET;
		}
		m = m * 8 + (v[i] - '0');
	}
	return m;
}

/* One pass over a PATH record's fields. */
static void path_fields(struct knorm *n, const struct arec *r, struct kev_path *p,
                        struct kevent *ev)
{
	for (int i = 0; i < r->nfields; i++) {
		const struct arec_field *f = &r->fields[i];
		const char *k = arec_key(r, f);
		size_t klen = f->klen;
		if (f->flags)
			continue;
#define K(lit) (klen == sizeof(lit) - 1 && memcmp(k, lit, sizeof(lit) - 1) == 0)
		if (K("item")) {
			int64_t v = field_num(r, f, 10, ev);
			if (v != KEV_UNSET && v >= 0 && v <= INT32_MAX)
				p->item = (int)v;
		} else if (K("name") && !p->name) {
			p->name = dup_value(n, r, f);
		} else if (K("nametype") && !p->nametype) {
			p->nametype = dup_value(n, r, f);
		} else if (K("inode") && p->inode == KEV_UNSET) {
			p->inode = field_num(r, f, 10, ev);
		} else if (K("ouid") && p->ouid == KEV_UNSET) {
			p->ouid = field_num(r, f, 10, ev);
		} else if (K("ogid") && p->ogid == KEV_UNSET) {
			p->ogid = field_num(r, f, 10, ev);
		} else if (K("dev") && !p->dev) {
			p->dev = dup_value(n, r, f);
		} else if (K("mode") && p->mode == KEV_UNSET) {
			p->mode = field_mode(r, f, ev);
		}
#undef K
	}
}

static int take_path(struct knorm *n, const struct arec *r, struct kevent *ev)
{
	if (buf_grow_array((void **)&n->paths, &n->pathcap, ev->npaths + 1, sizeof(*n->paths)) < 0)
		return -1;
	struct kev_path p;

	memset(&p, 0, sizeof(p));
	p.item = -1;
	p.inode = p.ouid = p.ogid = p.mode = KEV_UNSET;
	path_fields(n, r, &p, ev);
	if (p.item < 0)
		p.item = ev->npaths;
	/* keep item order even if records came out of order: insert p after
	 * the last item not greater than its own */
	int at = ev->npaths;
	while (at > 0 && n->paths[at - 1].item > p.item) {
		n->paths[at] = n->paths[at - 1];
		at--;
	}
	n->paths[at] = p;
	ev->npaths++;
	ev->paths = n->paths;
	return 0;
}

/* Syscalls whose a0 is the directory fd of every relative name they take
 * (x86-64 and generic names; renameat/linkat take two: a0 and a2). */
static int dirfd_args(const char *sc, int *second)
{
	static const char *const one[] = {
	    "openat",     "openat2",    "mkdirat",   "mknodat",    "fchownat", "futimesat",
	    "newfstatat", "fstatat64",  "unlinkat",  "readlinkat", "fchmodat", "fchmodat2",
	    "faccessat",  "faccessat2", "utimensat", "execveat",   "statx",    "name_to_handle_at",
	};
	*second = 0;
	if (!sc)
		return 0;
	if (!strcmp(sc, "renameat") || !strcmp(sc, "renameat2") || !strcmp(sc, "linkat")) {
		*second = 1;
		return 1;
	}
	for (size_t i = 0; i < sizeof(one) / sizeof(one[0]); i++)
		if (!strcmp(sc, one[i]))
			return 1;
	return 0;
}

/* A relative name given with a real dirfd is relative to a directory the
 * records do not name: mark it so no later stage joins it to the cwd. */
static void mark_dirfd_paths(struct knorm *n, struct kevent *ev)
{
	int second, i;

	if (!ev->has_syscall)
		return;
	for (i = 0; i < ev->npaths; i++)
		if (ev->paths[i].name && ev->paths[i].name[0] != '/')
			break;
	if (i == ev->npaths)
		return; /* no relative name: nothing to mark */
	/* names come from knorm_syscall_name's cache: one pointer compare
	 * answers for a run of events of the same syscall */
	if (ev->syscall_name != n->dirfd_sc || !n->dirfd_known) {
		n->dirfd_is = dirfd_args(ev->syscall_name, &n->dirfd_second);
		n->dirfd_sc = ev->syscall_name;
		n->dirfd_known = 1;
	}
	second = n->dirfd_second;
	if (!n->dirfd_is)
		return;
	int fd0 = (int32_t)(uint32_t)ev->a[0], fd2 = (int32_t)(uint32_t)ev->a[2];
	int at = fd0 != KEV_AT_FDCWD ? fd0 : second && fd2 != KEV_AT_FDCWD ? fd2 : KEV_AT_FDCWD;
	if (at == KEV_AT_FDCWD)
		return;
	for (; i < ev->npaths; i++) { /* from the first relative name */
		struct kev_path *p = &ev->paths[i];
		if (p->name && p->name[0] != '/') {
			p->dirfd_unresolved = 1;
			p->dirfd = at;
		}
	}
}

/* Remember the PROCTITLE value; kevent_proctitle() decodes it. */
static void take_proctitle(struct knorm *n, const struct arec *r, struct kevent *ev)
{
	const struct arec_field *f = arec_find(r, "proctitle");
	if (!f || arec_is_null(r, f))
		return;
	n->title.text = r->text;
	n->title.f = *f;
	n->title.pending = 1;
	n->title.nwords = 0;
	n->title.words = NULL;
	ev->proctitle_src = &n->title;
}

/* Decode t's value and split it on NUL: a word ends at each NUL, the last
 * one at the end unless it is empty (a trailing NUL); memchr() finds the
 * few NULs. Returns 0, or -1 when out of memory. */
static int title_decode(struct kev_lazy_title *t)
{
	struct knorm *n = t->n;
	struct arec r = {.text = t->text, .type = AUDIT_PROCTITLE};
	char *buf = arena_alloc_raw(&n->arena, (size_t)t->f.vlen + 1);
	if (!buf)
		return -1;
	long len = arec_value(&r, &t->f, buf, (size_t)t->f.vlen + 1);
	int k = 0;
	const char *p = buf, *end = buf + len;
	if (buf_grow_array((void **)&n->ptitle, &n->ptitlecap, 2, sizeof(*n->ptitle)) < 0)
		return -1;
	for (;;) {
		const char *z = memchr(p, '\0', (size_t)(end - p));
		if (!z && p == end)
			break;
		size_t need = (size_t)k + 2; /* this word and the NULL */
		if (need > n->ptitlecap && buf_grow_array((void **)&n->ptitle, &n->ptitlecap, need,
		                                          sizeof(*n->ptitle)) < 0)
			return -1;
		n->ptitle[k++] = p;
		if (!z)
			break;
		p = z + 1;
	}
	n->ptitle[k] = NULL;
	t->words = n->ptitle;
	t->nwords = k;
	return 0;
}

int kevent_proctitle(const struct kevent *ev, const char *const **words)
{
	struct kev_lazy_title *t = ev->proctitle_src;
	if (!t) {
		*words = ev->proctitle;
		return ev->nproctitle;
	}
	if (t->pending) {
		t->pending = 0;
		if (title_decode(t) < 0) {
			t->nwords = 0;
			t->words = NULL;
		}
	}
	*words = t->words;
	return t->nwords;
}

void knorm_fill_lazy(struct kevent *ev)
{
	const char *const *w;
	ev->nproctitle = kevent_proctitle(ev, &w);
	ev->proctitle = (const char **)w;
	ev->proctitle_src = NULL;
}

static void take_sockaddr(const struct arec *r, struct kevent *ev)
{
	const struct arec_field *f = arec_find(r, "saddr");
	if (!f)
		return;
	if (knorm_decode_sockaddr(arec_raw(r, f), f->vlen, &ev->sockaddr) == 0)
		ev->has_sockaddr = 1;
}

/* A hex capability set of r called key into *out; 0, or -1 when absent. */
static int cap_field(const struct arec *r, const char *key, uint64_t *out, struct kevent *ev)
{
	const struct arec_field *f = arec_find(r, key);
	int64_t v;
	if (!f)
		return -1;
	if (arec_is_null(r, f) || arec_num(arec_raw(r, f), f->vlen, 16, &v) < 0) {
		ev->malformed++;
		return -1;
	}
	*out = (uint64_t)v;
	return 0;
}

/* BPRM_FCAPS (pe=, pp=, pi=, pa=) or CAPSET (cap_pe=, ...): prefix "" or
 * "cap_". All four must be there. */
static void take_caps(const struct arec *r, const char *prefix, struct kevent *ev)
{
	static const char *const plain[4] = {"pe", "pp", "pi", "pa"};
	static const char *const capset[4] = {"cap_pe", "cap_pp", "cap_pi", "cap_pa"};
	const char *const *names = prefix[0] ? capset : plain;
	uint64_t *dst[4] = {&ev->cap_pe, &ev->cap_pp, &ev->cap_pi, &ev->cap_pa};
	for (int i = 0; i < 4; i++)
		if (cap_field(r, names[i], dst[i], ev) < 0)
			return;
	ev->has_caps = 1;
}

/* OPENAT2: oflag=0100101 mode=0644 (octal), resolve=0x... */
static void take_openat2(const struct arec *r, struct kevent *ev)
{
	const struct arec_field *f = arec_find(r, "oflag");
	if (f)
		ev->openat2_flags = field_mode(r, f, ev);
	if ((f = arec_find(r, "mode")))
		ev->openat2_mode = field_mode(r, f, ev);
}

static void take_fd_pair(const struct arec *r, struct kevent *ev)
{
	int64_t a = int_or_unset(r, "fd0", ev), b = int_or_unset(r, "fd1", ev);
	if (a == KEV_UNSET || b == KEV_UNSET || a < 0 || b < 0 || a > INT32_MAX || b > INT32_MAX)
		return;
	ev->fd_pair[0] = (int)a;
	ev->fd_pair[1] = (int)b;
}

static void kevent_reset(struct kevent *ev)
{
	memset(ev, 0, sizeof(*ev));
	ev->syscall = -1;
	ev->success = -1;
	ev->exit = KEV_UNSET;
	ev->pid = ev->ppid = KEV_UNSET;
	ev->uid = ev->euid = ev->suid = ev->fsuid = KEV_UNSET;
	ev->gid = ev->egid = ev->sgid = ev->fsgid = KEV_UNSET;
	ev->auid = ev->ses = KEV_UNSET;
	ev->sockaddr.port = -1;
	ev->fd_pair[0] = ev->fd_pair[1] = -1;
	ev->openat2_flags = ev->openat2_mode = KEV_UNSET;
}

int knorm_build(struct knorm *n, const struct asm_event *aev, struct kevent *ev)
{
	struct arec r;
	int nrec = asm_event_nrecords(aev);

	arena_reset(&n->arena);
	n->args.len = 0;
	n->nspans = 0;
	n->cur_arg = -1;
	kevent_reset(ev);
	ev->serial = asm_event_serial(aev);
	ev->time_ns = asm_event_time_ms(aev) * 1000000ull;
	ev->nrecords = nrec;
	ev->incomplete = asm_event_incomplete(aev);

	for (int i = 0; i < nrec; i++) {
		asm_event_record(aev, i, &r);
		if (i == 0) {
			ev->first_type = r.type;
			if (r.node_len)
				ev->node =
				    arena_strndup(&n->arena, r.text + r.node_off, r.node_len);
		}
		switch (r.type) {
		case AUDIT_SYSCALL:
			take_syscall(n, &r, ev);
			break;
		case AUDIT_EXECVE:
			if (take_execve(n, &r, ev) < 0)
				return -1;
			break;
		case AUDIT_CWD:
			ev->cwd = dup_key(n, &r, "cwd");
			break;
		case AUDIT_PATH:
			if (take_path(n, &r, ev) < 0)
				return -1;
			break;
		case AUDIT_PROCTITLE:
			take_proctitle(n, &r, ev);
			break;
		case AUDIT_SOCKADDR:
			take_sockaddr(&r, ev);
			break;
		case AUDIT_BPRM_FCAPS:
			take_caps(&r, "", ev);
			break;
		case AUDIT_CAPSET:
			take_caps(&r, "cap_", ev);
			break;
		case AUDIT_OPENAT2:
			take_openat2(&r, ev);
			break;
		case AUDIT_FD_PAIR:
			take_fd_pair(&r, ev);
			break;
		default:
			if (!ev->has_syscall)
				take_identity(n, &r, ev);
			break;
		}
	}
	if (ev->has_syscall && ev->first_type != AUDIT_SYSCALL)
		ev->first_type = AUDIT_SYSCALL;
	finish_argv(n, ev);
	mark_dirfd_paths(n, ev);
	return 0;
}
