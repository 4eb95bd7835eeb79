/*
 * evtidx.c — the event-type index: names of event types (syscalls) as bit
 * positions, bit-set helpers, each rule's event-type set derived from its
 * condition (Falco's algorithm), and the per-type buckets of active rules
 * that engine_eval_with() consults so a rule only sees events it can match.
 */
#include <libaudit.h>
#include <string.h>

#include "engine/engine_int.h"
#include "engine/sets.h"

/* Syscall numbers probed in libaudit's tables when building the event-type
 * universe. */
#define ENGINE_SYSCALL_PROBE 1024

static void add_machine_names(struct engine *e, int machine)
{
	for (int i = 0; i < ENGINE_SYSCALL_PROBE; i++) {
		const char *n = audit_syscall_to_name(i, machine);
		if (n)
			engine_evt_id(e, n, 1);
	}
}

void evtidx_init(struct engine *e)
{
	e->nevt = 1; /* id 0 = EVT_OTHER */
	e->evt_names[EVT_OTHER] = "<other>";
	add_machine_names(e, MACH_86_64);
	add_machine_names(e, MACH_X86);
	add_machine_names(e, MACH_AARCH64);
}

int engine_evt_id(struct engine *e, const char *name, int add)
{
	uint64_t h;
	size_t j;

	if (!name)
		return EVT_OTHER;
	h = sets_hash(name, strlen(name));
	j = h & (EVT_HASH_SIZE - 1);
	while (e->evt_hash[j]) {
		int id = e->evt_hash[j] - 1;
		if (strcmp(e->evt_names[id], name) == 0)
			return id;
		j = (j + 1) & (EVT_HASH_SIZE - 1);
	}
	if (!add || e->nevt >= EVT_MAX)
		return EVT_OTHER;
	e->evt_names[e->nevt] = arena_strdup(&e->arena, name);
	e->evt_hash[j] = (uint16_t)(e->nevt + 1);
	return e->nevt++;
}

void evtset_all(struct evtset *s)
{
	memset(s->w, 0xff, sizeof(s->w));
}

void evtset_none(struct evtset *s)
{
	memset(s->w, 0, sizeof(s->w));
}

void evtset_set(struct evtset *s, int id)
{
	s->w[id / 64] |= 1ull << (id % 64);
}

int evtset_has(const struct evtset *s, int id)
{
	return (s->w[id / 64] >> (id % 64)) & 1;
}

void evtset_not(struct evtset *s)
{
	for (int i = 0; i < EVT_WORDS; i++)
		s->w[i] = ~s->w[i];
}

void evtset_and(struct evtset *a, const struct evtset *b)
{
	for (int i = 0; i < EVT_WORDS; i++)
		a->w[i] &= b->w[i];
}

void evtset_or(struct evtset *a, const struct evtset *b)
{
	for (int i = 0; i < EVT_WORDS; i++)
		a->w[i] |= b->w[i];
}

/* Falco's ppm_codes algorithm over the expanded tree. */
void evtset_of_cond(struct engine *e, const struct cnode *n, int neg, struct evtset *out)
{
	struct evtset k;

	switch (n->kind) {
	case CN_AND:
	case CN_OR: {
		int inter = (n->kind == CN_AND) != neg;
		if (inter)
			evtset_all(out);
		else
			evtset_none(out);
		for (int i = 0; i < n->nkids; i++) {
			evtset_of_cond(e, n->kids[i], neg, &k);
			if (inter)
				evtset_and(out, &k);
			else
				evtset_or(out, &k);
		}
		return;
	}
	case CN_NOT:
		evtset_of_cond(e, n->kids[0], !neg, out);
		return;
	case CN_CHECK:
		if (strcmp(n->lhs.name, "evt.type") == 0 && !n->lhs.nxforms && !n->lhs.arg &&
		    (n->op == OP_EQ || n->op == OP_NE || n->op == OP_IN) && n->mod == MOD_NONE &&
		    n->rhs_kind != RHS_FIELD) {
			evtset_none(out);
			for (int i = 0; i < n->nvals; i++)
				evtset_set(out, engine_evt_id(e, n->vals[i], 1));
			if ((n->op == OP_NE) != neg)
				evtset_not(out);
			return;
		}
		evtset_all(out);
		return;
	default:
		evtset_all(out);
	}
}

void evtset_print(const struct engine *e, const struct evtset *s, FILE *out)
{
	int n = 0, total = 0;

	for (int i = 1; i < e->nevt; i++)
		total += evtset_has(s, i);
	if (total >= e->nevt - 1) {
		fputs("<all>", out);
		return;
	}
	for (int i = 1; i < e->nevt; i++)
		if (evtset_has(s, i))
			fprintf(out, "%s%s", n++ ? " " : "", e->evt_names[i]);
	if (n == 0)
		fputs("<none>", out);
}

int evtidx_build(struct engine *e)
{
	for (int i = 0; i < e->nevt; i++)
		e->buckets[i].n = 0;
	e->all_active.n = 0;
	for (size_t r = 0; r < e->rules.n; r++) {
		struct rl_rule *rule = e->rules.v[r];
		if (!rule->active)
			continue;
		if (ptrvec_push(&e->arena, &e->all_active, rule) < 0)
			return -1;
		for (int i = 0; i < e->nevt; i++)
			if ((rule->types.w[i / 64] >> (i % 64)) & 1 &&
			    ptrvec_push(&e->arena, &e->buckets[i], rule) < 0)
				return -1;
	}
	return 0;
}

/* Falco event names that are not system calls. */
static const char *const falco_events[] = {
    "procexit",   "container",   "switch",      "signaldeliver", "page_fault", "pluginevent",
    "asyncevent", "k8s",         "mesos",       "notification",  "drop",       "infra",
    "tracer",     "cpu_hotplug", "sysdigevent", "scapevent",     "procinfo",   "meta",
    "mprotect",   "socketpair",  "pidfd_open",  "pidfd_getfd",   "clone3",     "open_by_handle_at",
    NULL,
};

int evtidx_known_name(const char *name)
{
	for (int i = 0; falco_events[i]; i++)
		if (strcmp(name, falco_events[i]) == 0)
			return 1;
	return audit_name_to_syscall(name, MACH_86_64) >= 0 ||
	       audit_name_to_syscall(name, MACH_X86) >= 0 ||
	       audit_name_to_syscall(name, MACH_AARCH64) >= 0;
}

void engine_rule_print_evttypes(const struct engine *e, size_t i, FILE *out)
{
	const struct rl_rule *r = i < e->rules.n ? e->rules.v[i] : NULL;

	if (r && r->ast)
		evtset_print(e, &r->types, out);
}

size_t engine_syscalls(const struct engine *e, const char **names, size_t max, int *all)
{
	size_t n = 0;

	*all = 0;
	for (int i = 1; i < e->nevt; i++) {
		const char *name = e->evt_names[i];
		if (e->buckets[i].n == 0)
			continue;
		/* names from rules that are not syscalls (Falco's "container",
		 * "procexit" ...) have nothing to subscribe to */
		if (audit_name_to_syscall(name, MACH_86_64) < 0 &&
		    audit_name_to_syscall(name, MACH_X86) < 0 &&
		    audit_name_to_syscall(name, MACH_AARCH64) < 0)
			continue;
		if (max > n)
			names[n] = e->evt_names[i];
		n++;
	}
	for (size_t r = 0; r < e->all_active.n; r++) {
		const struct rl_rule *rule = e->all_active.v[r];
		if (rule->ntypes >= e->nevt - 1)
			*all = 1;
	}
	return n;
}
