/*
 * krules.c — programs kestrel's kernel audit rules and settings with
 * libaudit (krules.h): keeps the filter terms (syscalls + field pairs) the
 * rule engine and the process table need, one `always,exit` rule per arch
 * and term (built in kterm.c),
 * lists the kernel's rules to find kestrel's own (key "kestrel", matched
 * exactly), and restores what it changed. Every call opens its own control
 * socket through kaudit.h, so none of this shares a socket with the data
 * stream.
 */
#include "config.h"

#include <errno.h>
#include <libaudit.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kernel/kaudit.h"
#include "kernel/krules.h"
#include "kernel/krules_int.h"
#include "util/log.h"

/*
 * Process-table needs. Measured on a 2-core VM (kernel 6.18), 30,000
 * fork+exec of a static binary, 2 workers, kestrel unicast: execve/execveat
 * only = 6.9 records per exec (SYSCALL, EXECVE, CWD, 2 PATH, PROCTITLE,
 * EOE); adding clone/clone3/fork/vfork success=1 adds one event of ~2.8
 * records per fork (SYSCALL, PROCTITLE, EOE): +87% events, +35% records,
 * +19% receive CPU. exit_group would add a similar event per process.
 * Hence only exec is on by default (see krules.h).
 */
static const char *const proc_exec_calls[] = {"execve", "execveat"};
static const char *const proc_fork_calls[] = {"clone", "clone3", "fork", "vfork"};
static const char *const proc_exit_calls[] = {"exit_group"};

static const char *const proc_ns_calls[] = {"pivot_root"};

struct krules *krules_new(pid_t exclude_pid)
{
	static const char *const arch_names[KRULES_MAX_ARCHES] = {"b64", "b32"};
	struct krules *kr = calloc(1, sizeof(*kr));

	if (!kr)
		return NULL;
	/* libaudit would print its own errors to stderr; we report ours. */
	set_aumessage_mode(MSG_QUIET, DBG_NO);
	kr->exclude_pid = exclude_pid;
	for (int i = 0; i < KRULES_MAX_ARCHES; i++) {
		int m = audit_determine_machine(arch_names[i]);
		unsigned elf = m >= 0 ? audit_machine_to_elf(m) : 0;
		if (elf == 0)
			continue; /* no such ABI on this machine (e.g. b64 on i686) */
		kr->arch[kr->narch].name = arch_names[i];
		kr->arch[kr->narch].machine = m;
		kr->arch[kr->narch].elf = elf;
		kr->narch++;
	}
	kr->set.backlog_limit = kr->set.backlog_wait_time = kr->set.rate_limit = KRULES_UNSET;
	kr->prev = kr->set;
	return kr;
}

static void free_built(struct krules *kr)
{
	for (size_t i = 0; i < kr->nbuilt; i++)
		audit_rule_free_data(kr->built[i]);
	free(kr->built);
	kr->built = NULL;
	kr->nbuilt = 0;
}

static void free_strv(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

void krules_free(struct krules *kr)
{
	if (!kr)
		return;
	for (size_t t = 0; t < kr->nterms; t++) {
		free_strv(kr->terms[t].names, kr->terms[t].n);
		free_strv(kr->terms[t].fields, (size_t)kr->terms[t].nf);
		free_strv(kr->terms[t].why, kr->terms[t].nwhy);
	}
	free(kr->terms);
	free_built(kr);
	free(kr);
}

static int same_fields(const struct krules_term *t, const char *const *fields, int nf)
{
	if (t->nf != nf)
		return 0;
	for (int i = 0; i < nf; i++)
		if (strcmp(t->fields[i], fields[i]) != 0)
			return 0;
	return 1;
}

/* The term with exactly these fields, created when missing. */
static struct krules_term *term_for(struct krules *kr, const char *const *fields, int nf,
                                    int ns_bound)
{
	struct krules_term *t;

	for (size_t i = 0; i < kr->nterms; i++)
		if (same_fields(&kr->terms[i], fields, nf))
			return &kr->terms[i];
	if (kr->nterms == kr->tcap) {
		size_t cap = kr->tcap ? kr->tcap * 2 : 8;
		t = realloc(kr->terms, cap * sizeof(*t));
		if (!t)
			return NULL;
		kr->terms = t;
		kr->tcap = cap;
	}
	t = &kr->terms[kr->nterms];
	memset(t, 0, sizeof(*t));
	if (nf > 0 && !(t->fields = calloc((size_t)nf, sizeof(*t->fields))))
		return NULL;
	for (int i = 0; i < nf; i++) {
		if (!(t->fields[i] = strdup(fields[i]))) {
			free_strv(t->fields, (size_t)i);
			return NULL;
		}
	}
	t->nf = nf;
	t->ns_bound = ns_bound;
	kr->nterms++;
	return t;
}

static int strv_has(char *const *v, size_t n, const char *s)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(v[i], s) == 0)
			return 1;
	return 0;
}

/* Appends s to the vector unless it is there; 0 or -1 (out of memory). */
static int strv_add_new(char ***v, size_t *n, size_t *cap, const char *s)
{
	if (strv_has(*v, *n, s))
		return 0;
	if (*n == *cap) {
		size_t c = *cap ? *cap * 2 : 8;
		char **nv = realloc(*v, c * sizeof(*nv));
		if (!nv)
			return -1;
		*v = nv;
		*cap = c;
	}
	if (!((*v)[*n] = strdup(s)))
		return -1;
	(*n)++;
	return 0;
}

int krules_syscall_known(const struct krules *kr, const char *name)
{
	for (int a = 0; a < kr->narch; a++)
		if (audit_name_to_syscall(name, kr->arch[a].machine) >= 0)
			return 1;
	return 0;
}

/* Field pairs a rule can carry beside arch, the pid exclusion and the key. */
#define KRULES_TERM_FIELDS (AUDIT_MAX_FIELDS - 3)

int krules_add_term(struct krules *kr, const char *const *names, size_t n,
                    const char *const *fields, int nf, int ns_bound, const char *const *why,
                    size_t nwhy, char *err, size_t errlen)
{
	struct krules_term *t;

	for (size_t i = 0; i < n; i++)
		if (!krules_syscall_known(kr, names[i])) {
			snprintf(err, errlen, "kernel rules: unknown syscall '%s'", names[i]);
			return -1;
		}
	if (nf > KRULES_TERM_FIELDS) {
		/* a conjunction with fewer fields matches more: sound */
		log_info("kernel rules: a filter of %d fields keeps its first %d (kernel limit)",
		         nf, KRULES_TERM_FIELDS);
		nf = KRULES_TERM_FIELDS;
	}
	if (!(t = term_for(kr, fields, nf, ns_bound)))
		goto oom;
	for (size_t i = 0; i < n; i++)
		if (strv_add_new(&t->names, &t->n, &t->cap, names[i]) < 0)
			goto oom;
	for (size_t i = 0; i < nwhy; i++)
		if (strv_add_new(&t->why, &t->nwhy, &t->whycap, why[i]) < 0)
			goto oom;
	return 0;
oom:
	snprintf(err, errlen, "kernel rules: out of memory");
	return -1;
}

int krules_add(struct krules *kr, const char *const *names, size_t n, unsigned flags, char *err,
               size_t errlen)
{
	static const char *const success[] = {"success=1"};

	return krules_add_term(kr, names, n, success, (flags & KRULES_SUCCESS_ONLY) ? 1 : 0, 0,
	                       NULL, 0, err, errlen);
}

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

static int add_fixed(struct krules *kr, const char *const *names, size_t n, unsigned flags,
                     const char *why)
{
	static const char *const success[] = {"success=1"};
	char err[256];

	if (krules_add_term(kr, names, n, success, (flags & KRULES_SUCCESS_ONLY) ? 1 : 0, 0, &why,
	                    1, err, sizeof(err)) < 0) {
		log_warnx("%s", err);
		return -1;
	}
	return 0;
}

int krules_add_proc_needs(struct krules *kr, unsigned needs)
{
	if ((needs & KRULES_PROC_EXEC) &&
	    add_fixed(kr, proc_exec_calls, NELEM(proc_exec_calls), 0, "process table (exec)") < 0)
		return -1;
	if ((needs & KRULES_PROC_NS) &&
	    add_fixed(kr, proc_ns_calls, NELEM(proc_ns_calls), 0,
	              "container path rules (pivot_root)") < 0)
		return -1;
	if ((needs & KRULES_PROC_FORK) &&
	    add_fixed(kr, proc_fork_calls, NELEM(proc_fork_calls), KRULES_SUCCESS_ONLY,
	              "process table (fork)") < 0)
		return -1;
	if ((needs & KRULES_PROC_EXIT) &&
	    add_fixed(kr, proc_exit_calls, NELEM(proc_exit_calls), 0, "process table (exit)") < 0)
		return -1;
	return 0;
}

size_t krules_term_arch_count(const struct krules *kr, const struct krules_term *t, int a)
{
	size_t k = 0;
	for (size_t i = 0; i < t->n; i++)
		k += audit_name_to_syscall(t->names[i], kr->arch[a].machine) >= 0;
	return k;
}

size_t krules_count(const struct krules *kr)
{
	size_t k = 0;
	for (size_t t = 0; t < kr->nterms; t++)
		for (int a = 0; a < kr->narch; a++)
			k += krules_term_arch_count(kr, &kr->terms[t], a) > 0;
	return k;
}

size_t krules_ns_count(const struct krules *kr)
{
	size_t k = 0;
	for (size_t t = 0; t < kr->nterms; t++)
		for (int a = 0; a < kr->narch; a++)
			k += kr->terms[t].ns_bound && krules_term_arch_count(kr, &kr->terms[t], a) > 0;
	return k;
}

static void print_term(const struct krules *kr, const struct krules_term *t, int a, FILE *out)
{
	const char *sep = "";

	fprintf(out, "-a always,exit -F arch=%s -S ", kr->arch[a].name);
	for (size_t i = 0; i < t->n; i++) {
		if (audit_name_to_syscall(t->names[i], kr->arch[a].machine) < 0)
			continue;
		fprintf(out, "%s%s", sep, t->names[i]);
		sep = ",";
	}
	if (kr->exclude_pid > 0)
		fprintf(out, " -F pid!=%ld", (long)kr->exclude_pid);
	for (int i = 0; i < t->nf; i++)
		fprintf(out, " -F %s", t->fields[i]);
	fprintf(out, " -F key=%s\n", KRULES_KEY);
}

/* "# A; B" above a term's rules; control bytes in a rule name (a name
 * is free text from a rules file) become spaces so the comment stays one
 * line for auditctl. */
static void print_why(const struct krules_term *t, FILE *out)
{
	if (t->nwhy == 0)
		return;
	fputs("#", out);
	for (size_t i = 0; i < t->nwhy; i++) {
		fputs(i ? "; " : " ", out);
		for (const unsigned char *p = (const unsigned char *)t->why[i]; *p; p++)
			fputc(*p < 0x20 || *p == 0x7f ? ' ' : *p, out);
	}
	fputc('\n', out);
}

int krules_print(const struct krules *kr, FILE *out)
{
	int lines = 0;

	for (size_t t = 0; t < kr->nterms; t++) {
		int first = 1;
		for (int a = 0; a < kr->narch; a++) {
			if (krules_term_arch_count(kr, &kr->terms[t], a) == 0)
				continue;
			if (first)
				print_why(&kr->terms[t], out);
			first = 0;
			print_term(kr, &kr->terms[t], a, out);
			lines++;
		}
	}
	return lines;
}

static int build_all(struct krules *kr, char *err, size_t errlen)
{
	size_t want = krules_count(kr);

	free_built(kr);
	if (want == 0)
		return 0;
	if (!(kr->built = calloc(want, sizeof(*kr->built)))) {
		snprintf(err, errlen, "kernel rules: out of memory");
		return -1;
	}
	for (size_t t = 0; t < kr->nterms; t++)
		for (int a = 0; a < kr->narch; a++) {
			if (krules_term_arch_count(kr, &kr->terms[t], a) == 0)
				continue;
			struct audit_rule_data *r =
			    krules_build_term(kr, &kr->terms[t], a, NULL, KRULES_NS_KEEP, KRULES_KEY,
			                      strlen(KRULES_KEY), err, errlen);
			if (!r)
				return -1;
			kr->built[kr->nbuilt++] = r;
		}
	return 0;
}

/* ---- which rules are kestrel's ---- */

static int is_string_field(uint32_t f)
{
	switch (f) {
	case AUDIT_SUBJ_USER:
	case AUDIT_SUBJ_ROLE:
	case AUDIT_SUBJ_TYPE:
	case AUDIT_SUBJ_SEN:
	case AUDIT_SUBJ_CLR:
	case AUDIT_OBJ_USER:
	case AUDIT_OBJ_ROLE:
	case AUDIT_OBJ_TYPE:
	case AUDIT_OBJ_LEV_LOW:
	case AUDIT_OBJ_LEV_HIGH:
	case AUDIT_WATCH:
	case AUDIT_DIR:
	case AUDIT_FILTERKEY:
	case AUDIT_EXE:
		return 1;
	}
	return 0;
}

/* 1 if a component of the rule's key (components are separated by
 * KRULES_KEY_SEP) is exactly KRULES_KEY: "kestrel" and the namespace
 * rules' "kestrel\001mntns=N" are ours, "kestrel_x" is not. */
static int key_is_ours(const char *k, size_t len)
{
	size_t klen = strlen(KRULES_KEY);
	const char *end = k + len;

	while (k <= end) {
		const char *sep = memchr(k, KRULES_KEY_SEP, (size_t)(end - k));
		size_t n = (size_t)((sep ? sep : end) - k);
		if (n == klen && memcmp(k, KRULES_KEY, klen) == 0)
			return 1;
		if (!sep)
			break;
		k = sep + 1;
	}
	return 0;
}

int krules_rule_is_ours(const struct audit_rule_data *r)
{
	uint32_t off = 0;

	for (uint32_t i = 0; i < r->field_count && i < AUDIT_MAX_FIELDS; i++) {
		if (!is_string_field(r->fields[i]))
			continue;
		if (off + r->values[i] > r->buflen)
			return 0;
		if (r->fields[i] == AUDIT_FILTERKEY)
			return key_is_ours(r->buf + off, r->values[i]);
		off += r->values[i];
	}
	return 0;
}

int krules_rule_equal(const struct audit_rule_data *a, const struct audit_rule_data *b)
{
	uint32_t n = a->field_count;

	if ((a->flags & ~AUDIT_FILTER_PREPEND) != (b->flags & ~AUDIT_FILTER_PREPEND) ||
	    a->action != b->action || n != b->field_count || n > AUDIT_MAX_FIELDS ||
	    a->buflen != b->buflen)
		return 0;
	return memcmp(a->mask, b->mask, sizeof(a->mask)) == 0 &&
	       memcmp(a->fields, b->fields, n * sizeof(a->fields[0])) == 0 &&
	       memcmp(a->values, b->values, n * sizeof(a->values[0])) == 0 &&
	       memcmp(a->fieldflags, b->fieldflags, n * sizeof(a->fieldflags[0])) == 0 &&
	       memcmp(a->buf, b->buf, a->buflen) == 0;
}

/* 1 if the rule excludes a pid (-F pid!=N): kestrel puts its own pid on
 * every rule it installs, so a kestrel-keyed rule with the exclusion is a
 * kestrel process's; one without it was loaded by an administrator (e.g.
 * audit-rules/kestrel.rules through augenrules) and is left alone. */
static int rule_excludes_pid(const struct audit_rule_data *r)
{
	for (uint32_t i = 0; i < r->field_count && i < AUDIT_MAX_FIELDS; i++)
		if (r->fields[i] == AUDIT_PID && r->fieldflags[i] == AUDIT_NOT_EQUAL)
			return 1;
	return 0;
}

static int delete_listed(int fd, struct kaudit_rules *l)
{
	int removed = 0;

	for (size_t i = 0; i < l->n; i++) {
		struct audit_rule_data *r = l->r[i];
		if (!krules_rule_is_ours(r) || !rule_excludes_pid(r))
			continue;
		int rc = audit_delete_rule_data(fd, r, (int)r->flags, (int)r->action);
		if (rc < 0 && rc != -ENOENT) {
			log_warnx("kernel rules: cannot remove a stale %s rule: %s", KRULES_KEY,
			          strerror(-rc));
			return -1;
		}
		removed += rc >= 0;
	}
	return removed;
}

int krules_remove_stale(char *err, size_t errlen)
{
	struct kaudit_rules l = {0};
	int fd = kaudit_open(), rc;

	if (fd < 0) {
		snprintf(err, errlen, "kernel rules: cannot open the audit control socket: %s",
		         strerror(-fd));
		return -1;
	}
	if ((rc = kaudit_list_rules(fd, &l)) < 0) {
		snprintf(err, errlen, "kernel rules: cannot list rules: %s", strerror(-rc));
		rc = -1;
	} else if ((rc = delete_listed(fd, &l)) < 0)
		snprintf(err, errlen, "kernel rules: cannot remove stale %s rules", KRULES_KEY);
	kaudit_rules_free(&l);
	kaudit_close(fd);
	return rc;
}

/* ---- immutable mode: do the loaded rules cover ours? ---- */

static int rule_covers(const struct audit_rule_data *r, unsigned elf, int nr, unsigned gflags)
{
	if ((r->flags & ~AUDIT_FILTER_PREPEND) != AUDIT_FILTER_EXIT || r->action != AUDIT_ALWAYS)
		return 0;
	if (nr < 0 || nr >= AUDIT_BITMASK_SIZE * 32 || !(r->mask[nr / 32] & (1u << (nr % 32))))
		return 0;
	for (uint32_t i = 0; i < r->field_count && i < AUDIT_MAX_FIELDS; i++) {
		switch (r->fields[i]) {
		case AUDIT_ARCH:
			if (r->fieldflags[i] != AUDIT_EQUAL || r->values[i] != elf)
				return 0;
			break;
		case AUDIT_FILTERKEY:
			break;
		case AUDIT_SUCCESS:
			/* success=1 covers a success-only group; anything else filters more */
			if (!(gflags & KRULES_SUCCESS_ONLY) || r->fieldflags[i] != AUDIT_EQUAL ||
			    r->values[i] != 1)
				return 0;
			break;
		default:
			return 0; /* any other field narrows the rule */
		}
	}
	return 1;
}

/* The group flags a term stands for in immutable mode: a success=1-only
 * term is covered by a success=1 rule; any other filtered term is judged
 * as if it had no filter (a covering rule must audit every call). */
static unsigned term_gflags(const struct krules_term *t)
{
	return t->nf == 1 && strcmp(t->fields[0], "success=1") == 0 ? KRULES_SUCCESS_ONLY : 0;
}

int krules_uncovered(const struct krules *kr, struct audit_rule_data *const *rules, size_t n,
                     int log_each)
{
	int missing = 0;

	for (size_t t = 0; t < kr->nterms; t++)
		for (int a = 0; a < kr->narch; a++)
			for (size_t i = 0; i < kr->terms[t].n; i++) {
				const char *name = kr->terms[t].names[i];
				int nr = audit_name_to_syscall(name, kr->arch[a].machine);
				int covered = nr < 0;
				for (size_t k = 0; !covered && k < n; k++)
					covered = rule_covers(rules[k], kr->arch[a].elf, nr,
					                      term_gflags(&kr->terms[t]));
				if (covered)
					continue;
				if (log_each)
					log_warnx("kernel rules: the loaded rules do not audit %s "
					          "on arch=%s",
					          name, kr->arch[a].name);
				missing++;
			}
	return missing;
}

/* ---- settings ---- */

static int apply_one(int fd, const char *name, long want, long cur, long *prev, long *applied,
                     int (*setter)(int, uint32_t))
{
	if (want == KRULES_UNSET || want == cur)
		return 0;
	if (setter(fd, (uint32_t)want) < 0) {
		log_warnx("audit: cannot set %s to %ld (kernel keeps %ld)", name, want, cur);
		return -1;
	}
	*prev = cur;
	*applied = want;
	log_info("audit: %s %ld -> %ld (restored on exit)", name, cur, want);
	return 0;
}

static void apply_settings(struct krules *kr, int fd, const struct krules_settings *set,
                           const struct audit_status *st)
{
	apply_one(fd, "backlog_limit", set->backlog_limit, st->backlog_limit,
	          &kr->prev.backlog_limit, &kr->set.backlog_limit, kaudit_set_backlog_limit);
	apply_one(fd, "backlog_wait_time", set->backlog_wait_time, st->backlog_wait_time,
	          &kr->prev.backlog_wait_time, &kr->set.backlog_wait_time,
	          kaudit_set_backlog_wait_time);
	apply_one(fd, "rate_limit", set->rate_limit, st->rate_limit, &kr->prev.rate_limit,
	          &kr->set.rate_limit, kaudit_set_rate_limit);
}

static void restore_one(int fd, const char *name, long *applied, long prev, long cur,
                        int (*setter)(int, uint32_t))
{
	if (*applied == KRULES_UNSET)
		return;
	if (cur != *applied)
		log_info("audit: %s was changed to %ld by someone else; leaving it", name, cur);
	else if (setter(fd, (uint32_t)prev) < 0)
		log_warnx("audit: cannot restore %s to %ld", name, prev);
	*applied = KRULES_UNSET;
}

static void restore_settings(struct krules *kr, int fd)
{
	struct audit_status st;

	if (kr->set.backlog_limit == KRULES_UNSET && kr->set.backlog_wait_time == KRULES_UNSET &&
	    kr->set.rate_limit == KRULES_UNSET)
		return;
	if (kaudit_status(&st) < 0) {
		log_warnx("audit: cannot read the status to restore settings");
		return;
	}
	restore_one(fd, "backlog_limit", &kr->set.backlog_limit, kr->prev.backlog_limit,
	            st.backlog_limit, kaudit_set_backlog_limit);
	restore_one(fd, "backlog_wait_time", &kr->set.backlog_wait_time, kr->prev.backlog_wait_time,
	            st.backlog_wait_time, kaudit_set_backlog_wait_time);
	restore_one(fd, "rate_limit", &kr->set.rate_limit, kr->prev.rate_limit, st.rate_limit,
	            kaudit_set_rate_limit);
}

/* ---- install / restore / uninstall ---- */

int krules_add_rules(int fd, struct audit_rule_data *const *rules, size_t n,
                     const struct kaudit_rules *present)
{
	int added = 0;

	for (size_t i = 0; i < n; i++) {
		int there = 0;
		for (size_t k = 0; present && !there && k < present->n; k++)
			there = krules_rule_equal(rules[i], present->r[k]);
		if (there)
			continue;
		int rc = audit_add_rule_data(fd, rules[i], AUDIT_FILTER_EXIT, AUDIT_ALWAYS);
		if (rc < 0 && rc != -EEXIST)
			return rc;
		added += rc >= 0;
	}
	return added;
}

static int add_built(struct krules *kr, int fd, const struct kaudit_rules *present)
{
	return krules_add_rules(fd, kr->built, kr->nbuilt, present);
}

int krules_install(struct krules *kr, const struct krules_settings *set, char *err, size_t errlen)
{
	struct audit_status st;
	struct kaudit_rules l = {0};
	int fd = -1, rc, ret = -1;

	if (build_all(kr, err, errlen) < 0)
		return -1;
	if ((rc = kaudit_status(&st)) < 0) {
		snprintf(err, errlen, "audit status: %s", strerror(-rc));
		return -1;
	}
	if ((fd = kaudit_open()) < 0) {
		snprintf(err, errlen, "kernel rules: cannot open the audit control socket: %s",
		         strerror(-fd));
		return -1;
	}
	if ((rc = kaudit_list_rules(fd, &l)) < 0) {
		snprintf(err, errlen, "kernel rules: cannot list rules: %s", strerror(-rc));
		goto out;
	}
	if (st.enabled == KAUDIT_ENABLED_LOCKED) {
		int missing = krules_uncovered(kr, l.r, l.n, 1);
		log_warnx("audit configuration is immutable (enabled 2): kestrel cannot change "
		          "rules or settings until reboot; %s",
		          missing ? "some needed syscalls are not audited"
		                  : "the loaded rules cover what kestrel needs");
		free_built(kr); /* nothing of ours is in the kernel */
		ret = missing ? KRULES_IMMUTABLE_INCOMPLETE : KRULES_IMMUTABLE_COVERED;
		goto out;
	}
	if ((rc = delete_listed(fd, &l)) < 0) {
		snprintf(err, errlen, "kernel rules: cannot remove stale %s rules", KRULES_KEY);
		goto out;
	}
	if (rc > 0)
		log_notice("kernel rules: removed %d stale %s rule(s) left by an earlier run", rc,
		           KRULES_KEY);
	if (set)
		apply_settings(kr, fd, set, &st);
	if ((rc = add_built(kr, fd, NULL)) < 0) {
		snprintf(err, errlen, "kernel rules: cannot add a rule: %s", strerror(-rc));
		krules_uninstall(kr);
		goto out;
	}
	log_info("kernel rules: %zu %s rule(s) installed", kr->nbuilt, KRULES_KEY);
	ret = KRULES_INSTALLED;
out:
	kaudit_rules_free(&l);
	kaudit_close(fd);
	return ret;
}

int krules_check_and_restore(struct krules *kr)
{
	struct kaudit_rules l = {0};
	int fd, rc;

	if (kr->nbuilt == 0)
		return 0;
	if ((fd = kaudit_open()) < 0)
		return -1;
	if ((rc = kaudit_list_rules(fd, &l)) < 0)
		log_warnx("kernel rules: cannot list rules: %s", strerror(-rc));
	else if ((rc = add_built(kr, fd, &l)) < 0)
		log_warnx("kernel rules: cannot re-add a %s rule: %s", KRULES_KEY, strerror(-rc));
	else if (rc > 0)
		log_notice("kernel rules: %d %s rule(s) had been removed by someone else; re-added",
		           rc, KRULES_KEY);
	kaudit_rules_free(&l);
	kaudit_close(fd);
	return rc < 0 ? -1 : rc;
}

int krules_reload(struct krules *cur, struct krules *next, char *err, size_t errlen)
{
	int fd, rc, ret = -1;

	if (build_all(next, err, errlen) < 0)
		return -1;
	if ((fd = kaudit_open()) < 0) {
		snprintf(err, errlen, "kernel rules: cannot open the audit control socket: %s",
		         strerror(-fd));
		return -1;
	}
	if ((rc = add_built(next, fd, NULL)) < 0) {
		snprintf(err, errlen, "kernel rules: cannot add a rule: %s", strerror(-rc));
		/* take back what was added: the rules of next that cur does not have */
		for (size_t i = 0; i < next->nbuilt; i++) {
			int shared = 0;
			for (size_t k = 0; !shared && k < cur->nbuilt; k++)
				shared = krules_rule_equal(next->built[i], cur->built[k]);
			if (!shared)
				audit_delete_rule_data(fd, next->built[i], AUDIT_FILTER_EXIT,
				                       AUDIT_ALWAYS);
		}
		free_built(next);
		goto out;
	}
	for (size_t k = 0; k < cur->nbuilt; k++) {
		int kept = 0;
		for (size_t i = 0; !kept && i < next->nbuilt; i++)
			kept = krules_rule_equal(cur->built[k], next->built[i]);
		if (!kept &&
		    (rc = audit_delete_rule_data(fd, cur->built[k], AUDIT_FILTER_EXIT,
		                                 AUDIT_ALWAYS)) < 0 &&
		    rc != -ENOENT)
			log_warnx("kernel rules: cannot remove an old %s rule: %s", KRULES_KEY,
			          strerror(-rc));
	}
	next->set = cur->set;
	next->prev = cur->prev;
	cur->set.backlog_limit = cur->set.backlog_wait_time = cur->set.rate_limit = KRULES_UNSET;
	free_built(cur);
	log_info("kernel rules: reloaded, %zu %s rule(s) installed", next->nbuilt, KRULES_KEY);
	ret = 0;
out:
	kaudit_close(fd);
	return ret;
}

int krules_uninstall(struct krules *kr)
{
	int fd, removed = 0;

	if ((fd = kaudit_open()) < 0) {
		log_warn("kernel rules: cannot open the audit control socket");
		return -1;
	}
	for (size_t i = 0; i < kr->nbuilt; i++) {
		int rc = audit_delete_rule_data(fd, kr->built[i], AUDIT_FILTER_EXIT, AUDIT_ALWAYS);
		if (rc >= 0)
			removed++;
		else if (rc != -ENOENT)
			log_warnx("kernel rules: cannot remove a %s rule: %s", KRULES_KEY,
			          strerror(-rc));
	}
	restore_settings(kr, fd);
	free_built(kr);
	kaudit_close(fd);
	return removed;
}

int krules_config_change_is_removal(const char *text, size_t len)
{
	static const char op[] = "op=remove_rule";
	static const char key[] = "key=\"" KRULES_KEY "\"";
	const char *end = text + len;
	int has_op = 0, has_key = 0;

	/* whole-token matches: preceded by a space or the start of the text */
	for (const char *p = text; p < end; p++) {
		if (p != text && p[-1] != ' ')
			continue;
		size_t rem = (size_t)(end - p);
		if (rem >= sizeof(op) - 1 && memcmp(p, op, sizeof(op) - 1) == 0 &&
		    (rem == sizeof(op) - 1 || p[sizeof(op) - 1] == ' '))
			has_op = 1;
		if (rem >= sizeof(key) - 1 && memcmp(p, key, sizeof(key) - 1) == 0)
			has_key = 1;
	}
	return has_op && has_key;
}
