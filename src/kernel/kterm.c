/*
 * kterm.c — one kernel rule (struct audit_rule_data) from one krules term:
 * arch, the term's syscalls known on that arch, kestrel's pid exclusion,
 * the term's field pairs (libaudit parses them; path=, dir= and exe= names
 * are first resolved by kpath.c in the namespace the rule is for), and the
 * key, which may carry a second component after KRULES_KEY_SEP.
 */
#include "config.h"

#include <errno.h>
#include <libaudit.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/krules_int.h"
#include "util/log.h"

/* Room for one field pair: "path=" + a path. */
#define KTERM_PAIR (PATH_MAX + 16)

/* Appends the key as a string field (the ABI of linux/audit.h: the value
 * is the length, the bytes go to buf). libaudit's fieldpair would refuse a
 * key here because it tracks "a syscall was added" in a global that only
 * auditctl sets. */
static int rule_add_key(struct audit_rule_data **rp, const char *key, size_t klen)
{
	struct audit_rule_data *r = *rp;

	if (r->field_count >= AUDIT_MAX_FIELDS || klen > AUDIT_MAX_KEY_LEN)
		return -1;
	r = realloc(r, sizeof(*r) + r->buflen + klen);
	if (!r)
		return -1;
	*rp = r;
	memcpy(r->buf + r->buflen, key, klen);
	r->fields[r->field_count] = AUDIT_FILTERKEY;
	r->fieldflags[r->field_count] = AUDIT_EQUAL;
	r->values[r->field_count] = (uint32_t)klen;
	r->field_count++;
	r->buflen += (uint32_t)klen;
	return 0;
}

/* Which watch-like field a pair is: 'p' path=, 'd' dir=, 'e' exe=, 0 other. */
static int ns_field(const char *pair)
{
	if (strncmp(pair, "path=", 5) == 0)
		return 'p';
	if (strncmp(pair, "dir=", 4) == 0)
		return 'd';
	if (strncmp(pair, "exe=", 4) == 0)
		return 'e';
	return 0;
}

/* The pair as the kernel should get it in the namespace rooted at root. */
static int resolve_pair(const char *pair, const char *root, int say, char *out, size_t len)
{
	char name[PATH_MAX];
	int kind = ns_field(pair), is_dir, widened;
	const char *path = strchr(pair, '=') + 1;

	if (kpath_resolve(root, path, kind == 'd', name, sizeof(name), &is_dir, &widened) < 0)
		return -1;
	if (kind == 'e' && is_dir != 0)
		return -1; /* no such executable: the caller drops the field */
	if (widened && say) {
		if (root)
			log_debug("kernel rules: %s is missing in %s: watching %s (dir=)", path,
			          root, name);
		else
			log_info("kernel rules: %s does not exist: watching the nearest existing "
			         "directory %s (dir=) instead",
			         path, name);
	}
	/* In a namespace the kernel gets the name through the process's root
	 * in the host's /proc ("/<pid>/root/var/log": kns.c adds the rules
	 * from a child chrooted into /proc after joining the namespace). The
	 * kernel shares one audit tree among all dir= rules with the same
	 * text, tagging only the first one's inode, so a plain "/var/log" in a
	 * second namespace would watch nothing there. */
	const char *prefix = root && strncmp(root, "/proc/", 6) == 0 ? root + 5 : "";
	int n = snprintf(out, len, "%s=%s%s", kind == 'e' ? "exe" : is_dir ? "dir" : "path",
	                 prefix, name);
	return n < 0 || (size_t)n >= len ? -1 : 0;
}

static int add_syscalls(const struct krules *kr, const struct krules_term *t, int a,
                        struct audit_rule_data *r)
{
	for (size_t i = 0; i < t->n; i++)
		if (audit_name_to_syscall(t->names[i], kr->arch[a].machine) >= 0 &&
		    audit_rule_syscallbyname_data(r, t->names[i]) < 0)
			return -1;
	return 0;
}

/* Adds the term's fields; 1-based index of the failing one, or 0. */
static int add_fields(const struct krules_term *t, const char *root, enum krules_ns_mode mode,
                      int say, struct audit_rule_data **rp, char *pair, size_t len)
{
	for (int i = 0; i < t->nf; i++) {
		if (ns_field(t->fields[i])) {
			if (mode == KRULES_NS_DROP)
				continue;
			/* exe= with no such file, or a name too long: without
			 * the field the rule is wider, so still sound */
			if (resolve_pair(t->fields[i], root, say, pair, len) < 0)
				continue;
		} else {
			snprintf(pair, len, "%s", t->fields[i]);
		}
		if (audit_rule_fieldpair_data(rp, pair, AUDIT_FILTER_EXIT) < 0)
			return i + 1;
	}
	return 0;
}

struct audit_rule_data *krules_build_term(const struct krules *kr, const struct krules_term *t,
                                          int a, const char *root, enum krules_ns_mode mode,
                                          const char *key, size_t klen, char *err,
                                          size_t errlen)
{
	struct audit_rule_data *r = audit_rule_create_data();
	static char pair[KTERM_PAIR]; /* large: not on the stack */
	int bad;

	if (!r)
		goto oom;
	/* arch first: it also selects the table libaudit resolves names with */
	snprintf(pair, sizeof(pair), "arch=%s", kr->arch[a].name);
	if (audit_rule_fieldpair_data(&r, pair, AUDIT_FILTER_EXIT) < 0)
		goto bad;
	if (add_syscalls(kr, t, a, r) < 0) {
		snprintf(pair, sizeof(pair), "a syscall");
		goto bad;
	}
	if (kr->exclude_pid > 0) {
		snprintf(pair, sizeof(pair), "pid!=%ld", (long)kr->exclude_pid);
		if (audit_rule_fieldpair_data(&r, pair, AUDIT_FILTER_EXIT) < 0)
			goto bad;
	}
	if ((bad = add_fields(t, root, mode, a == 0 /* once, not per arch */, &r, pair, sizeof(pair))) != 0)
		goto bad;
	if (rule_add_key(&r, key, klen) < 0)
		goto oom;
	return r;
bad:
	snprintf(err, errlen, "kernel rules: libaudit rejected %s for arch=%s", pair,
	         kr->arch[a].name);
	audit_rule_free_data(r);
	return NULL;
oom:
	snprintf(err, errlen, "kernel rules: out of memory");
	audit_rule_free_data(r);
	return NULL;
}
