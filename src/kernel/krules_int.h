/*
 * krules_int.h — what krules.c shares with kns.c (per-mount-namespace
 * rules) and kpath.c (path resolution): the term list of a krules set and
 * the building of one kernel rule (struct audit_rule_data) from a term.
 * Not for use outside src/kernel.
 */
#ifndef KESTREL_KERNEL_KRULES_INT_H
#define KESTREL_KERNEL_KRULES_INT_H

#include <stddef.h>
#include <sys/types.h>
#include <linux/audit.h>

#include "kernel/kaudit.h"
#include "kernel/krules.h"

#define KRULES_MAX_ARCHES 2
/* The audit key separator (linux/audit.h AUDIT_KEY_SEPARATOR). */
#define KRULES_KEY_SEP '\x01'

/* One kernel rule per arch: any of the syscalls, with all the fields. */
struct krules_term {
	char **names; /* syscall names */
	size_t n, cap;
	char **fields; /* libaudit field pair texts ("a2&3", "path=/etc/shadow") */
	int nf;
	int ns_bound; /* has path=, dir= or exe= */
	char **why;   /* what needs it: rule names, "process table (exec)" */
	size_t nwhy, whycap;
};

struct krules_arch {
	const char *name; /* "b64" / "b32" as auditctl spells them */
	int machine;      /* libaudit MACH_* for name lookups */
	unsigned elf;     /* AUDIT_ARCH_* value stored in the rule */
};

struct krules {
	pid_t exclude_pid;
	struct krules_arch arch[KRULES_MAX_ARCHES];
	int narch;
	struct krules_term *terms;
	size_t nterms, tcap;
	struct audit_rule_data **built; /* installed rules, for restore and removal */
	size_t nbuilt;
	struct krules_settings set;  /* what install applied (KRULES_UNSET = not touched) */
	struct krules_settings prev; /* values before install */
};

/* How build_term treats path=, dir= and exe=. */
enum krules_ns_mode {
	KRULES_NS_KEEP, /* resolve under root (NULL: kestrel's own namespace) */
	KRULES_NS_DROP, /* leave them out (host-wide fallback: wider, sound) */
};

/* Syscalls of term t that arch a knows. */
size_t krules_term_arch_count(const struct krules *kr, const struct krules_term *t, int a);

/* The kernel rule for term t on arch a, keyed key (klen bytes: may hold
 * KRULES_KEY_SEP). root: the directory path=/dir= names are resolved under
 * ("/proc/<pid>/root"; NULL = "/"). NULL with err filled on error. */
struct audit_rule_data *krules_build_term(const struct krules *kr, const struct krules_term *t,
                                          int a, const char *root, enum krules_ns_mode mode,
                                          const char *key, size_t klen, char *err,
                                          size_t errlen);

/* Same rule as the kernel compares them: list, action, syscalls, every
 * field, string fields (path, dir, exe, key) included. */
int krules_rule_equal(const struct audit_rule_data *a, const struct audit_rule_data *b);

/* Adds the rules not in present (NULL: none) on fd; returns the number
 * added or -errno. */
int krules_add_rules(int fd, struct audit_rule_data *const *rules, size_t n,
                     const struct kaudit_rules *present);

/*
 * kpath.c: resolves path (absolute) as the namespace whose root is root
 * (NULL: "/") sees it, following symlinks inside that root (an absolute
 * link target restarts at root). is_dir: the name is a dir= tree, else a
 * path= watch. out receives the resolved name inside the namespace and
 * *is_dir_out what the field becomes: a missing dir= (or a path= whose
 * parent is missing) becomes a dir= on the nearest existing ancestor, a
 * sound widening (*widened = 1). Returns 0 or -1 (name too long).
 */
int kpath_resolve(const char *root, const char *path, int is_dir, char *out, size_t outlen,
                  int *is_dir_out, int *widened);

#endif
