/*
 * kfilter.h — kernel audit filters compiled from the loaded rules: for each
 * active rule a sound over-approximation of the events it can match, in
 * audit filter terms (syscalls, a0..a3 tests, success=, exit=, uid=, exe=,
 * path=/dir= watches), merged into a small set of kernel rules, each with
 * the names of the rules it serves. Also an evaluator of those filters over
 * a recorded event (for the soundness test) and each rule's cost class.
 *
 * Memory: kfilter_build() allocates the set; kfilter_free() frees it. The
 * set copies every string it keeps; the engine may be freed first.
 *
 * For the integration layer (installing the terms in the kernel):
 *  - path=, dir= and exe= are resolved to inodes once, when the rule is
 *    added, in kestrel's mount namespace (terms carrying them are
 *    ns_bound): container files need the same names under each
 *    container's /proc/<pid>/root, or the term without the field.
 *  - path= (a watch) resolves intermediate symlinks but watches the final
 *    component itself. dir= (the audit tree) resolves its path with
 *    kern_path(..., 0), which does not follow a symlink at the final
 *    component: a dir= path must be realpath()-ed before it is given to
 *    the kernel (/lib -> usr/lib on merged-/usr systems, /etc/alternatives
 *    entries, ...), else the rule watches the link and sees nothing. For
 *    path=, canonicalising the name is also right: events name the file
 *    by whatever path, the watch matches the inode.
 *  - dir= needs the directory to exist when the rule is added: use the
 *    nearest existing ancestor (a sound widening) and re-add on reload.
 *  - kfilter_term_fieldpairs() gives each field as the text libaudit's
 *    audit_rule_fieldpair_data() parses; kfilter_print() uses the same
 *    renderer, so the printed rules are the installed ones.
 */
#ifndef KESTREL_ENGINE_KFILTER_H
#define KESTREL_ENGINE_KFILTER_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "engine/engine.h"
#include "event/kevent.h"

/* The kernel's AUDIT_MAX_FIELDS, and the most kernel rules one detection
 * rule may cause before its filter is widened. */
#define KFILTER_MAX_FIELDS 64
#define KFILTER_MAX_PER_RULE 32
/* Longest path the compiler keeps in a field (longer ones bound nothing),
 * and room for one rendered field pair ("path=" + path + NUL). */
#define KFILTER_MAX_PATH 4095
#define KFILTER_FIELD_TEXT (KFILTER_MAX_PATH + 16)

enum kf_ftype {
	KF_A0,
	KF_A1,
	KF_A2,
	KF_A3,
	KF_SUCCESS, /* success=1 */
	KF_EXIT,    /* exit= (compared as u32, like the kernel) */
	KF_UID,
	KF_EXE,  /* exe=: an executable path, resolved like a watch */
	KF_PATH, /* path=: a watch on one file */
	KF_DIR,  /* dir=: a watch on a directory subtree */
};

enum kf_op { KF_EQ, KF_NE, KF_LT, KF_LE, KF_GT, KF_GE, KF_BITANY, KF_BITALL };

struct kf_field {
	enum kf_ftype type;
	enum kf_op op;
	uint32_t val;    /* numeric fields */
	const char *str; /* KF_EXE, KF_PATH, KF_DIR */
};

/* One kernel rule (per arch when installed): any of the syscalls, with all
 * of the fields. */
struct kf_term {
	size_t nsys;
	const char **sys; /* syscall names, sorted */
	int nf;
	struct kf_field f[KFILTER_MAX_FIELDS];
	size_t nrules;
	const char **rules; /* names of the rules it serves */
	/* 1 when a field is resolved in kestrel's mount namespace (path=,
	 * dir=, exe=): container files need their own copies of this term
	 * (the same names under /proc/<pid>/root/...) or, for exe=, the term
	 * without that field. */
	int ns_bound;
};

struct kfilter_set;

/* Compiles the engine's active rules (engine_compile done). precise=0
 * gives syscalls only, one term per set of syscalls (the event-type
 * filters kestrel had before). Returns 0, or -1 with errbuf filled. */
int kfilter_build(struct engine *e, int precise, struct kfilter_set **out, char *errbuf,
                  size_t errlen);
void kfilter_free(struct kfilter_set *s);

size_t kfilter_count(const struct kfilter_set *s);
const struct kf_term *kfilter_term(const struct kfilter_set *s, size_t i);

/* The cost class of an active rule: "exec", "narrow", "broad: every openat,
 * connect on the host", or "broad: any syscall (not audited)". NULL when
 * the rule is unknown or inactive. */
const char *kfilter_rule_class(const struct kfilter_set *s, const char *rule);
/* Rules (active) the set classifies, and the name of the i-th. */
size_t kfilter_rule_count(const struct kfilter_set *s);
const char *kfilter_rule_name(const struct kfilter_set *s, size_t i);

/* Prints every term in auditctl syntax, each preceded by a comment naming
 * the rules it serves:
 *   # Read sensitive file untrusted
 *   -a always,exit -F arch=b64 -S openat -F a2&3 -F path=/etc/shadow -F key=kestrel
 * arch is "b64" or "b32". Returns the number of rule lines. */
int kfilter_print(const struct kfilter_set *s, const char *arch, FILE *out);
/* One term's filter fields in auditctl syntax ("-F a2&3 -F dir=/etc"). */
void kfilter_print_fields(const struct kf_term *t, FILE *out);

/* One field as the "name<op>value" text libaudit's
 * audit_rule_fieldpair_data() parses: "a2&3", "a0=17", "success=1",
 * "exit<=2", "uid=0", "path=/etc/shadow", "dir=/etc/sudoers.d",
 * "exe=/usr/bin/x". Returns 0, or -1 when it does not fit in size. */
int kfilter_field_text(const struct kf_field *f, char *out, size_t size);
/* Every field of t, in order, into out[0..]; returns their number (t->nf),
 * or -1 when max is smaller than that. arch= and key= are not fields of
 * the term: the caller adds them. */
int kfilter_term_fieldpairs(const struct kf_term *t, char out[][KFILTER_FIELD_TEXT], int max);

/* 1 when the event passes some term of the set: its syscall is in the
 * term and every field holds. Watches (path=, dir=) match by name: any
 * PATH name of the event, joined to its cwd, equals the file or lies in
 * the directory. exe= compares the SYSCALL record's exe=. */
int kfilter_match(const struct kfilter_set *s, const struct kevent *ev);
int kfilter_term_match(const struct kf_term *t, const struct kevent *ev);

#endif
