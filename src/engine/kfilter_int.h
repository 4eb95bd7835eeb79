/*
 * kfilter_int.h — internals shared by the kernel-filter compiler's files:
 * the abstract constraints a rule's condition is reduced to (kfilter.c,
 * kfilter_check.c) and the compiled set (kfilter_emit.c). Not for other
 * modules: they use kfilter.h.
 */
#ifndef KESTREL_ENGINE_KFILTER_INT_H
#define KESTREL_ENGINE_KFILTER_INT_H

#include <stdint.h>

#include "engine/engine_int.h"
#include "engine/kfilter.h"

#define KF_MAXTERMS 64
#define KF_MAXV 64
#define KF_MAXMASK 4

/* Alternatives: one of the names holds. */
struct kstrs {
	int n; /* -1: no constraint */
	const char *s[KF_MAXV];
	unsigned char dir[KF_MAXV]; /* 1: directory subtree, 0: one file */
};

/* Alternatives: one of the values holds. */
struct kvals {
	int n; /* -1: no constraint */
	uint32_t v[KF_MAXV];
};

/* Where the path constraint was read: fd.name (open family) or a path
 * argument (file syscalls). */
enum pkind { PK_NONE, PK_FD, PK_ARG };

/* A conjunction of abstract constraints; cons_top() is "no constraint". */
struct kcons {
	enum pkind pk;
	struct kstrs path;
	int nmask;
	uint32_t mask[KF_MAXMASK]; /* open flags: each needs one of its bits */
	struct kvals dom, preq;
	int success;
	int succ_fd; /* success on the calls whose result is an fd */
	int has_uid, has_exit;
	int64_t ulo, uhi, elo, ehi;
	struct kstrs exe;
	/* the term reads fd-table state (KF_NEED_*) in a positive check: the
	 * syscalls that feed the table must be audited for its event types */
	unsigned fdneed;
};

#define KF_NEED_STATE 1u
#define KF_NEED_NAME 2u
/* fd.l4proto: only socket/socketpair/accept describe it, not connect */
#define KF_NEED_L4 4u
/* proc.cwd on a syscall without a CWD record: chdir/fchdir keep it current
 * (read also in negated checks: a stale cwd could hide a match) */
#define KF_NEED_CWD 8u
/* thread.cap_*: capset sets them between execs (read also in negated
 * checks: a stale set can hide a match) */
#define KF_NEED_CAPS 16u

struct kterm {
	struct evtset types;
	struct kcons c;
};

/* A disjunction of terms (malloc'ed array). */
struct tlist {
	int n;
	struct kterm *t;
	int oom; /* a term could not be added: the list is incomplete (unsound) */
};

struct krule_cls {
	const char *name;
	const char *cls;
};

struct kfilter_set {
	struct arena arena;
	struct ptrvec terms; /* kf_term * */
	struct ptrvec rules; /* krule_cls * */
	int oom; /* an allocation failed: the set is incomplete, never used */
};

/* kfilter.c */
void kf_cons_top(struct kcons *c);
/* The rule's condition as a disjunction of terms (precise=0: its event
 * types only). The caller frees the array. */
struct tlist kf_rule_terms(struct engine *e, const struct rl_rule *r, int precise);
int kf_es_has(const struct evtset *s, int i);
/* kfilter_check.c: the fd table's syscalls for a rule reading fd state. */
int kf_fd_table_terms(struct engine *e, const struct rl_rule *r, struct tlist *l);

/* kfilter_check.c: a positive check as a constraint; -1 when it bounds
 * nothing the compiler knows (c is then cons_top). */
int kf_check_cons(struct arena *a, const struct cnode *n, struct kcons *c);
/* The fd-table state one check reads (KF_NEED_* bits). */
unsigned kf_check_fd_needs(const struct cnode *n);

#endif
