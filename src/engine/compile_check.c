/*
 * compile_check.c — code generation of one check (field op value): the
 * field resolved to an extractor and a cache slot, the operator and
 * transformers checked against the field's type as Falco does, and the
 * right-hand side built once: numbers, CIDR networks, hash and prefix
 * sets, hex bytes, regexes, or another field. Used by compile.c.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "engine/ccomp.h"
#include "engine/fields_int.h"
#include "engine/lex.h"
#include "engine/sets.h"
#include "util/log.h"

#if defined(__has_include)
#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/valgrind.h>
#define KESTREL_UNDER_VALGRIND RUNNING_ON_VALGRIND
#endif
#endif
#ifndef KESTREL_UNDER_VALGRIND
#define KESTREL_UNDER_VALGRIND 0
#endif

/* ---- field resolution ---- */

static int resolve_field(struct cerr *ce, const struct cfield *f, struct fref *r, const char *type,
                         const char *name, int in_condition)
{
	const char *dotarg = NULL;
	const struct field_def *def = field_lookup(f->name, &dotarg);

	memset(r, 0, sizeof(*r));
	r->iarg = -1;
	if (!def) {
		diag_add(ce->d, ENGINE_DIAG_ERROR, &f->pos, type, name,
		         "unknown field '%s' (nonexistent field)", f->name);
		ce->errors++;
		ce->unknown_field = 1;
		return -1;
	}
	r->def = def;
	r->arg = dotarg ? dotarg : f->arg;
	if (!def->fn) {
		/* unsupported: no argument checks, the rule is skipped anyway */
	} else if (def->arg == FA_NONE && r->arg) {
		diag_add(ce->d, ENGINE_DIAG_ERROR, &f->pos, type, name,
		         "field '%s' does not take an argument", f->name);
		ce->errors++;
		return -1;
	} else if (def->arg == FA_KEY && !r->arg) {
		diag_add(ce->d, ENGINE_DIAG_ERROR, &f->pos, type, name,
		         "field '%s' requires an argument", f->name);
		ce->errors++;
		return -1;
	}
	if (def->arg == FA_INDEX && r->arg && def->fn) {
		char *end;
		long v = strtol(r->arg, &end, 10);
		if (*end || v < 0) {
			diag_add(ce->d, ENGINE_DIAG_ERROR, &f->pos, type, name,
			         "field '%s' needs a numeric index, not '%s'", f->name, r->arg);
			ce->errors++;
			return -1;
		}
		r->iarg = v;
	}
	if (dotarg)
		r->key = arena_strdup(&ce->e->arena, f->name);
	else if (r->arg)
		r->key = arena_printf(&ce->e->arena, "%s[%s]", f->name, r->arg);
	else
		r->key = def->name;
	if (!r->key) {
		cexp_oom(ce, &f->pos, type, name);
		return -1;
	}
	if (!def->fn && in_condition && !ce->unsupported)
		ce->unsupported = r->key;
	return 0;
}

/* ---- check compilation ---- */

static int parse_cidr(const char *s, struct cidr *c)
{
	char buf[INET6_ADDRSTRLEN + 8];
	const char *slash = strchr(s, '/');
	size_t n = slash ? (size_t)(slash - s) : strlen(s);

	if (n >= sizeof(buf))
		return -1;
	memcpy(buf, s, n);
	buf[n] = '\0';
	memset(c, 0, sizeof(*c));
	if (inet_pton(AF_INET, buf, c->addr) == 1) {
		c->family = AF_INET;
		c->bits = 32;
	} else if (inet_pton(AF_INET6, buf, c->addr) == 1) {
		c->family = AF_INET6;
		c->bits = 128;
	} else {
		return -1;
	}
	if (slash) {
		char *end;
		long b = strtol(slash + 1, &end, 10);
		if (*end || b < 0 || b > c->bits)
			return -1;
		c->bits = (int)b;
	}
	return 0;
}

static int hexbytes(struct arena *a, const char *s, const char **out, size_t *len)
{
	size_t n = strlen(s);
	char *b;

	if (n % 2)
		return -1;
	b = arena_alloc(a, n / 2 + 1);
	if (!b)
		return -1;
	for (size_t i = 0; i < n; i += 2) {
		unsigned int v;
		if (!isxdigit((unsigned char)s[i]) || !isxdigit((unsigned char)s[i + 1]) ||
		    sscanf(s + i, "%2x", &v) != 1)
			return -1;
		b[i / 2] = (char)v;
	}
	*out = b;
	*len = n / 2;
	return 0;
}

/* The operators Falco accepts for each field type. */
static int op_ok_for(enum cop op, enum ftype t)
{
	int eq =
	    op == OP_EQ || op == OP_NE || op == OP_IN || op == OP_INTERSECTS || op == OP_EXISTS;

	switch (t) {
	case FT_INT:
		return eq || op == OP_LT || op == OP_LE || op == OP_GT || op == OP_GE;
	case FT_BOOL:
	case FT_IPNET:
		return eq;
	case FT_BYTES:
		return eq || op == OP_CONTAINS || op == OP_STARTSWITH || op == OP_ENDSWITH ||
		       op == OP_BCONTAINS || op == OP_BSTARTSWITH;
	default:
		return op != OP_BCONTAINS && op != OP_BSTARTSWITH;
	}
}

/* A join()/concat()/getopt() left-hand side: a string (getopt: a list
 * of strings, compared with in/intersects), transformers allowed on the
 * string ones. */
static int check_multi_lhs(struct cerr *ce, struct echeck *k, const struct cnode *n,
                           const char *type, const char *name)
{
	k->mv = ccomp_multi(ce, &n->lhs, type, name);
	if (!k->mv)
		return -1;
	k->slot = -1;
	k->type = FT_STR;
	k->nxf = n->lhs.nxforms;
	memcpy(k->xf, n->lhs.xforms, sizeof(k->xf));
	k->op = n->op;
	k->mod = n->mod;
	k->rhs_slot = -1;
	if (ccomp_check_xforms(ce, &n->lhs, NULL, n->lhs.name, &k->type, type, name) < 0)
		return -1;
	if (ccomp_multi_is_list(k->mv) &&
	    (k->nxf || (k->op != OP_IN && k->op != OP_INTERSECTS && k->op != OP_EXISTS))) {
		diag_add(ce->d, ENGINE_DIAG_ERROR, &n->pos, type, name,
		         "getopt() gives a list: compare it with 'in' or 'intersects'");
		ce->errors++;
		return -1;
	}
	if (!op_ok_for(k->op, k->type)) {
		diag_add(ce->d, ENGINE_DIAG_ERROR, &n->pos, type, name,
		         "operator '%s' cannot be used with %s", cparse_op_name(k->op),
		         n->lhs.name);
		ce->errors++;
		return -1;
	}
	return 0;
}

/* Left-hand side: field, transformers, operator; -1 (reported) when the
 * operator does not fit the field's type. */
static int check_lhs(struct cerr *ce, struct echeck *k, const struct cnode *n, const char *type,
                     const char *name)
{
	if (n->lhs.multi)
		return check_multi_lhs(ce, k, n, type, name);
	if (resolve_field(ce, &n->lhs, &k->ref, type, name, 1) < 0)
		return -1;
	k->slot = engine_slot(ce->e, &k->ref);
	if (k->slot < 0) {
		cexp_oom(ce, &n->pos, type, name);
		return -1;
	}
	k->any_anc = k->ref.def->arg == FA_INDEX && k->ref.iarg < 0;
	k->type = k->ref.def->type;
	k->nxf = n->lhs.nxforms;
	if (ccomp_check_xforms(ce, &n->lhs, k->ref.def, k->ref.key, &k->type, type, name) < 0)
		return -1;
	for (int i = 0; i < k->nxf; i++)
		k->xf[i] = n->lhs.xforms[i];
	k->op = n->op;
	k->mod = n->mod;
	k->rhs_slot = -1;
	if (!op_ok_for(k->op, k->type) ||
	    (k->mod && k->type != FT_STR && !(k->type == FT_IPNET && k->op != OP_EXISTS))) {
		diag_add(ce->d, ENGINE_DIAG_ERROR, &n->pos, type, name,
		         "operator '%s' cannot be used with field '%s' (%s)", cparse_op_name(k->op),
		         k->ref.key, field_type_name(k->type));
		ce->errors++;
		return -1;
	}
	return 0;
}

/* Warns once per written check (macro copies share their value list)
 * about comparing with "<NA>". */
static void warn_na(struct cerr *ce, const struct cnode *n, const char *type, const char *name)
{
	struct engine *e = ce->e;

	for (size_t i = 0; i < e->na_warned.n; i++)
		if (e->na_warned.v[i] == (void *)n->vals)
			return;
	for (int i = 0; i < n->nvals; i++)
		if (strcmp(n->vals[i], "<NA>") == 0) {
			ptrvec_push(&e->arena, &e->na_warned, (void *)n->vals);
			diag_add(ce->d, ENGINE_DIAG_WARNING, &n->pos, type, name,
			         "comparing a field value with \"<NA>\" is unsafe: unknown values "
			         "never compare equal (use 'exists')");
			break;
		}
}

/* Numeric and boolean right-hand sides. */
static int check_nums(struct cerr *ce, struct echeck *k, const struct cnode *n, const char *type,
                      const char *name)
{
	const char *bad = "";

	k->nums = arena_alloc(&ce->e->arena, (size_t)(n->nvals + 1) * sizeof(*k->nums));
	if (!k->nums) {
		cexp_oom(ce, &n->pos, type, name);
		return -1;
	}
	for (int i = 0; i < n->nvals; i++) {
		const char *v = n->vals[i];
		char *end;
		bad = v;
		if (k->type == FT_BOOL) {
			if (strcmp(v, "true") == 0 || strcmp(v, "1") == 0)
				k->nums[i] = 1;
			else if (strcmp(v, "false") == 0 || strcmp(v, "0") == 0)
				k->nums[i] = 0;
			else
				goto badnum;
			continue;
		}
		k->nums[i] = strtoll(v, &end, 0);
		if (*v == '\0' || *end)
			goto badnum;
	}
	k->n = n->nvals ? k->nums[0] : 0;
	return 0;
badnum:
	diag_add(ce->d, ENGINE_DIAG_ERROR, &n->pos, type, name,
	         "'%s' is not a valid %s value for field '%s'", bad,
	         k->type == FT_BOOL ? "boolean" : "numeric", k->ref.key ? k->ref.key : "value");
	ce->errors++;
	return -1;
}

/* IP address and CIDR right-hand sides. */
static int check_nets(struct cerr *ce, struct echeck *k, const struct cnode *n, const char *type,
                      const char *name)
{
	k->nets = arena_alloc(&ce->e->arena, (size_t)(n->nvals + 1) * sizeof(*k->nets));
	if (!k->nets) {
		cexp_oom(ce, &n->pos, type, name);
		return -1;
	}
	for (int i = 0; i < n->nvals; i++)
		if (parse_cidr(n->vals[i], &k->nets[i]) < 0) {
			diag_add(ce->d, ENGINE_DIAG_ERROR, &n->pos, type, name,
			         "'%s' is not a valid IP address or network", n->vals[i]);
			ce->errors++;
			return -1;
		}
	return 0;
}

/* Appends the addresses name resolves to (a literal address resolves to
 * itself) through e's resolve hook to nets, skipping duplicates; returns
 * how many there are now, or -1 when the name does not resolve. */
static int resolve_name(struct engine *e, const char *name, struct cidr *nets, int n)
{
	struct engine_addr got[ENGINE_MAX_NAME_ADDRS];
	engine_resolve_fn fn = e->resolve ? e->resolve : resolver_getaddrinfo;
	int ngot = fn(e->resolve ? e->resolve_arg : NULL, name, got, ENGINE_MAX_NAME_ADDRS);

	if (ngot < 0)
		return -1;
	for (int j = 0; j < ngot && n < ENGINE_MAX_NAME_ADDRS; j++) {
		struct cidr c = {.family = got[j].family};
		if (c.family != AF_INET && c.family != AF_INET6)
			continue;
		c.bits = c.family == AF_INET ? 32 : 128;
		memcpy(c.addr, got[j].addr, c.family == AF_INET ? 4 : 16);
		int dup = 0;
		for (int i = 0; i < n && !dup; i++)
			dup = memcmp(&nets[i], &c, sizeof(c)) == 0;
		if (!dup)
			nets[n++] = c;
	}
	return n;
}

/* fd.sip.name and the other host-name fields: the check becomes a
 * comparison with the set of the names' addresses (=, in: one of them;
 * !=: none of them). Live, the names are left to the engine's resolver
 * thread (resolver.c), so a slow resolver never delays start-up or a
 * reload, and they are refreshed. A replay resolves them at the check's
 * first evaluation (engine_set_lazy_hostnames: ccomp_resolve_lazy).
 * Otherwise (validation) each name is resolved now, as Falco does when it
 * loads rules: a name that does not resolve matches nothing and is
 * reported as a warning. */
static int check_hostnames(struct cerr *ce, struct echeck *k, const struct cnode *n,
                           const char *type, const char *name)
{
	struct cidr got[ENGINE_MAX_NAME_ADDRS];
	int ngot = 0;

	if (k->mod) {
		diag_add(ce->d, ENGINE_DIAG_ERROR, &n->pos, type, name,
		         "'%s' compares host names: anyof/allof/oneof are not supported",
		         k->ref.key);
		ce->errors++;
		return -1;
	}
	/* eval walks nets[0..nvals); vals keeps the names as written */
	k->hnames = n->nvals;
	k->hslot = -1;
	if (ce->e->live) {
		k->nvals = 0; /* no address until the resolver's first pass */
		if (ptrvec_push(&ce->e->arena, &ce->e->hostchecks, k) < 0) {
			cexp_oom(ce, &n->pos, type, name);
			return -1;
		}
		return 0;
	}
	if (ce->e->lazy_hosts) {
		k->nvals = 0; /* no address until ccomp_resolve_lazy() */
		k->hlazy = ce->e;
		return 0;
	}
	for (int i = 0; i < n->nvals; i++) {
		int r = resolve_name(ce->e, n->vals[i], got, ngot);
		if (r < 0)
			diag_add(ce->d, ENGINE_DIAG_WARNING, &n->pos, type, name,
			         "host name '%s' does not resolve: it matches nothing until "
			         "the rules are reloaded",
			         n->vals[i]);
		else
			ngot = r;
	}
	k->nets = arena_alloc(&ce->e->arena, (size_t)(ngot + 1) * sizeof(*k->nets));
	if (!k->nets) {
		cexp_oom(ce, &n->pos, type, name);
		return -1;
	}
	memcpy(k->nets, got, (size_t)ngot * sizeof(*got));
	k->nvals = ngot;
	return 0;
}

void ccomp_resolve_lazy(struct echeck *k)
{
	struct engine *e = k->hlazy;
	struct cidr got[ENGINE_MAX_NAME_ADDRS];
	int ngot = 0;

	k->hlazy = NULL; /* once, whatever the answer: the replay stays deterministic */
	for (int i = 0; i < k->hnames; i++) {
		int r = resolve_name(e, k->vals[i], got, ngot);
		if (r < 0)
			log_warnx("host name '%s' of a rule condition does not resolve: it matches "
			          "nothing in this replay",
			          k->vals[i]);
		else
			ngot = r;
	}
	if (ngot == 0)
		return;
	struct cidr *nets = arena_alloc(&e->arena, (size_t)ngot * sizeof(*nets));
	if (!nets) {
		log_warnx("out of memory resolving host names of a rule condition: they match "
		          "nothing");
		return;
	}
	memcpy(nets, got, (size_t)ngot * sizeof(*got));
	k->nets = nets;
	k->nvals = ngot;
}

/* The engine's match context: limits and a JIT stack shared by every
 * regex (one thread evaluates). Created on first use, freed with the
 * checks. */
static pcre2_match_context *regex_mctx(struct engine *e)
{
	pcre2_match_context *mc = e->re_mctx;

	if (mc)
		return mc;
	mc = pcre2_match_context_create(NULL);
	if (!mc)
		return NULL;
	pcre2_set_match_limit(mc, CCOMP_REGEX_MATCH_LIMIT);
	pcre2_set_depth_limit(mc, CCOMP_REGEX_DEPTH_LIMIT);
	e->re_jitstack =
	    pcre2_jit_stack_create(CCOMP_REGEX_JIT_STACK_MIN, CCOMP_REGEX_JIT_STACK_MAX, NULL);
	if (e->re_jitstack)
		pcre2_jit_stack_assign(mc, NULL, e->re_jitstack);
	e->re_mctx = mc;
	return mc;
}

/* The regexes of `regex` (anchored at both ends, as Falco matches). */
static int check_regex(struct cerr *ce, struct echeck *k, const struct cnode *n, const char *type,
                       const char *name)
{
	k->re = arena_alloc(&ce->e->arena, (size_t)(n->nvals + 1) * sizeof(*k->re));
	if (!k->re) {
		cexp_oom(ce, &n->pos, type, name);
		return -1;
	}
	for (int i = 0; i < n->nvals; i++) {
		int ec;
		PCRE2_SIZE eo;
		k->re[i] = pcre2_compile((PCRE2_SPTR)n->vals[i], PCRE2_ZERO_TERMINATED,
		                         PCRE2_ANCHORED | PCRE2_ENDANCHORED, &ec, &eo, NULL);
		if (k->re[i]) {
			/* JIT when available; the interpreter otherwise (and under
			 * valgrind, which reports PCRE2's JIT code reading whole
			 * words past the subject as uninitialised) */
			if (!KESTREL_UNDER_VALGRIND)
				(void)pcre2_jit_compile(k->re[i], PCRE2_JIT_COMPLETE);
		} else {
			PCRE2_UCHAR msg[128];
			pcre2_get_error_message(ec, msg, sizeof(msg));
			diag_add(ce->d, ENGINE_DIAG_ERROR, &n->pos, type, name,
			         "invalid regular expression '%s': %s", n->vals[i],
			         (const char *)msg);
			ce->errors++;
			return -1;
		}
	}
	k->nvals = n->nvals;
	k->md = pcre2_match_data_create(1, NULL);
	k->mctx = regex_mctx(ce->e);
	k->eng = ce->e;
	if (!k->md || !k->mctx) {
		cexp_oom(ce, &n->pos, type, name);
		return -1;
	}
	return 0;
}

/* String right-hand sides: sets, prefix sets, byte strings, regexes. */
static int check_strings(struct cerr *ce, struct echeck *k, const struct cnode *n, const char *type,
                         const char *name)
{
	struct engine *e = ce->e;

	switch (k->op) {
	case OP_IN:
	case OP_INTERSECTS:
		k->set = sset_new(&e->arena, n->vals, (size_t)n->nvals);
		if (!k->set)
			goto oom;
		break;
	case OP_PMATCH:
		k->pfx = pset_new(&e->arena, n->vals, (size_t)n->nvals, 1);
		k->globs = arena_alloc(&e->arena, (size_t)(n->nvals + 1) * sizeof(*k->globs));
		if (!k->pfx || !k->globs)
			goto oom;
		for (int i = 0; i < n->nvals; i++)
			if (strpbrk(n->vals[i], "*?["))
				k->globs[k->nglobs++] = n->vals[i];
		break;
	case OP_BCONTAINS:
	case OP_BSTARTSWITH:
		for (int i = 0; i < n->nvals; i++)
			if (hexbytes(&e->arena, n->vals[i], &k->vals[i], &k->lens[i]) < 0) {
				diag_add(ce->d, ENGINE_DIAG_ERROR, &n->pos, type, name,
				         "'%s' is not a hex byte string", n->vals[i]);
				ce->errors++;
				return -1;
			}
		k->s = k->vals[0];
		k->slen = k->lens[0];
		break;
	case OP_REGEX:
		return check_regex(ce, k, n, type, name);
	default:
		break;
	}
	return 0;
oom:
	cexp_oom(ce, &n->pos, type, name);
	return -1;
}

/* Types that compare with each other (strings and byte buffers do). */
static enum ftype type_class(enum ftype t)
{
	return t == FT_BYTES ? FT_STR : t;
}

/* evt.type values must name an event Falco knows (a syscall or one of its
 * other events): a typo would otherwise silently never match. */
static int check_evt_names(struct cerr *ce, const struct echeck *k, const struct cnode *n,
                           const char *type, const char *name)
{
	if (!k->ref.def || strcmp(k->ref.def->name, "evt.type") != 0 || k->nxf)
		return 0;
	for (int i = 0; i < n->nvals; i++)
		if (!evtidx_known_name(n->vals[i])) {
			diag_add(ce->d, ENGINE_DIAG_ERROR, &n->pos, type, name,
			         "unknown event type '%s'", n->vals[i]);
			ce->errors++;
			return -1;
		}
	return 0;
}

/* check -> field op [values | field] */
struct echeck *ccomp_check(struct cerr *ce, const struct cnode *n, const char *type,
                           const char *name)
{
	struct engine *e = ce->e;
	struct echeck *k = calloc(1, sizeof(*k));
	int rc;

	if (!k || ptrvec_push(&e->arena, &e->checks, k) < 0) {
		free(k);
		return NULL;
	}
	if (check_lhs(ce, k, n, type, name) < 0)
		return NULL;
	if (k->op == OP_EXISTS)
		return k;
	if (n->rhs_kind == RHS_FIELD) {
		struct fref rr;
		enum ftype rt;
		if (n->rhs.multi) {
			diag_add(
			    ce->d, ENGINE_DIAG_ERROR, &n->pos, type, name,
			    "multi-value transformers are not supported on the right-hand side");
			ce->errors++;
			return NULL;
		}
		if (resolve_field(ce, &n->rhs, &rr, type, name, 1) < 0)
			return NULL;
		rt = rr.def->type;
		if (ccomp_check_xforms(ce, &n->rhs, rr.def, rr.key, &rt, type, name) < 0)
			return NULL;
		if (type_class(rt) != type_class(k->type)) {
			diag_add(ce->d, ENGINE_DIAG_ERROR, &n->pos, type, name,
			         "field '%s' (%s) cannot be compared with field '%s' (%s)",
			         k->ref.key ? k->ref.key : n->lhs.name, field_type_name(k->type),
			         rr.key, field_type_name(rt));
			ce->errors++;
			return NULL;
		}
		k->rhs_nxf = n->rhs.nxforms;
		memcpy(k->rhs_xf, n->rhs.xforms, sizeof(k->rhs_xf));
		k->rhs_slot = engine_slot(e, &rr);
		if (k->rhs_slot < 0) {
			cexp_oom(ce, &n->pos, type, name);
			return NULL;
		}
		return k;
	}
	warn_na(ce, n, type, name);
	if (check_evt_names(ce, k, n, type, name) < 0)
		return NULL;
	k->nvals = n->nvals;
	k->vals = n->vals;
	k->lens = arena_alloc(&e->arena, (size_t)(n->nvals + 1) * sizeof(*k->lens));
	if (!k->lens) {
		cexp_oom(ce, &n->pos, type, name);
		return NULL;
	}
	for (int i = 0; i < n->nvals; i++)
		k->lens[i] = strlen(n->vals[i]);
	if (n->nvals > 0) {
		k->s = n->vals[0];
		k->slen = k->lens[0];
	}
	if (k->type == FT_INT || k->type == FT_BOOL)
		rc = check_nums(ce, k, n, type, name);
	else if (k->type == FT_IPNET && !k->nxf && fld_is_hostname(k->ref.def))
		rc = check_hostnames(ce, k, n, type, name);
	else if (k->type == FT_IPNET)
		rc = check_nets(ce, k, n, type, name);
	else
		rc = check_strings(ce, k, n, type, name);
	return rc < 0 ? NULL : k;
}

void ccomp_free_checks(struct engine *e)
{
	for (size_t i = 0; i < e->checks.n; i++) {
		struct echeck *k = e->checks.v[i];
		if (k->re)
			for (int j = 0; j < k->nvals; j++)
				if (k->re[j])
					pcre2_code_free(k->re[j]);
		if (k->md)
			pcre2_match_data_free(k->md);
		buf_free(&k->xbuf);
		buf_free(&k->abuf);
		buf_free(&k->rbuf);
		buf_free(&k->rabuf);
		ccomp_multi_free(k->mv);
		free(k);
	}
	e->checks.n = 0;
	pcre2_match_context_free(e->re_mctx);
	pcre2_jit_stack_free(e->re_jitstack);
	e->re_mctx = e->re_jitstack = NULL;
}
