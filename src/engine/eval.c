/*
 * eval.c — evaluates a compiled condition (compile.c) for the current
 * event: field values come from the engine's per-event slot cache, go
 * through the check's transformers and are compared with its right-hand
 * side (string, number, set, prefix set, regex, CIDR or another field).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <ctype.h>
#include <fnmatch.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "engine/ccomp.h"
#include "engine/sets.h"

int ccomp_glob_match(const char *pat, const char *s, int icase)
{
	return fnmatch(pat, s, icase ? FNM_CASEFOLD : 0) == 0;
}

static int cidr_has(const struct cidr *c, int family, const unsigned char *a)
{
	int full = c->bits / 8, rest = c->bits % 8;

	if (c->family != family)
		return 0;
	if (memcmp(c->addr, a, (size_t)full) != 0)
		return 0;
	if (rest) {
		unsigned char m = (unsigned char)(0xff << (8 - rest));
		return (c->addr[full] & m) == (a[full] & m);
	}
	return 1;
}

/* ---- evaluation ---- */

const char *ccomp_xforms(const enum cxform *xf, int nxf, struct buf *b, struct buf *a,
                         const char *s, size_t *len, int64_t *num)
{
	for (int i = 0; i < nxf; i++) {
		switch (xf[i]) {
		case XF_TOLOWER:
		case XF_TOUPPER:
			buf_set(b, s, *len);
			for (size_t j = 0; j < b->len; j++)
				b->p[j] =
				    (char)(xf[i] == XF_TOLOWER ? tolower((unsigned char)b->p[j])
				                               : toupper((unsigned char)b->p[j]));
			s = b->p;
			break;
		case XF_BASENAME: {
			const char *sl = memrchr(s, '/', *len);
			if (sl) {
				*len -= (size_t)(sl + 1 - s);
				s = sl + 1;
			}
			break;
		}
		case XF_B64: {
			static const char tbl[] =
			    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
			uint32_t acc = 0;
			int bits = 0;
			struct buf tmp = *b;
			char out[1];
			/* decode into the buffer (input may live in it: copy first) */
			buf_set(a, s, *len);
			tmp.len = 0;
			buf_set(&tmp, "", 0);
			for (size_t j = 0; j < a->len; j++) {
				const char *p = strchr(tbl, a->p[j]);
				if (!p || !*p)
					break;
				acc = (acc << 6) | (uint32_t)(p - tbl);
				bits += 6;
				if (bits >= 8) {
					bits -= 8;
					out[0] = (char)((acc >> bits) & 0xff);
					buf_append(&tmp, out, 1);
				}
			}
			*b = tmp;
			s = b->p;
			*len = b->len;
			break;
		}
		case XF_LEN:
			*num = (int64_t)*len;
			break;
		default:
			break;
		}
	}
	return s;
}

/* A match that errors out (match/depth limit, JIT stack) counts as a
 * match, and the engine makes the rule fire (fail open): an attacker who
 * pads arguments until the regex gives up must not evade the rule. */
static int regex_match(struct echeck *k, int ri, const char *s, size_t len)
{
	int rc = pcre2_match(k->re[ri], (PCRE2_SPTR)s, len, 0, 0, k->md, k->mctx);

	if (rc >= 0)
		return 1;
	if (rc == PCRE2_ERROR_NOMATCH)
		return 0;
	k->eng->eval_error = rc;
	return 1;
}

static int cmp_str_one(struct echeck *k, enum cop op, const char *s, size_t len, const char *r,
                       size_t rlen, int ri)
{
	switch (op) {
	case OP_EQ:
		return len == rlen && memcmp(s, r, len) == 0;
	case OP_NE:
		return !(len == rlen && memcmp(s, r, len) == 0);
	case OP_LT:
		return strcmp(s, r) < 0;
	case OP_LE:
		return strcmp(s, r) <= 0;
	case OP_GT:
		return strcmp(s, r) > 0;
	case OP_GE:
		return strcmp(s, r) >= 0;
	case OP_CONTAINS:
	case OP_BCONTAINS:
		return memmem(s, len, r, rlen) != NULL;
	case OP_ICONTAINS:
		return strcasestr(s, r) != NULL;
	case OP_STARTSWITH:
	case OP_BSTARTSWITH:
		return len >= rlen && memcmp(s, r, rlen) == 0;
	case OP_ENDSWITH:
		return len >= rlen && memcmp(s + len - rlen, r, rlen) == 0;
	case OP_GLOB:
		return ccomp_glob_match(r, s, 0);
	case OP_IGLOB:
		return ccomp_glob_match(r, s, 1);
	case OP_REGEX:
		return regex_match(k, ri, s, len);
	default:
		return 0;
	}
}

/* anyof / allof / oneof over the values that matched; an empty list
 * matches nothing, as in Falco. */
static int mod_result(const struct echeck *k, int hits)
{
	if (k->nvals == 0)
		return 0;
	if (k->mod == MOD_ANYOF)
		return hits > 0;
	if (k->mod == MOD_ALLOF)
		return hits == k->nvals;
	return hits == 1;
}

/* pmatch entries with wildcards: the path or one of its parent
 * directories matches the glob, a wildcard never crossing a '/'. */
static int pmatch_globs(struct echeck *k, const char *s, size_t len)
{
	char path[PATH_MAX];

	if (!k->nglobs || len >= sizeof(path))
		return 0;
	memcpy(path, s, len);
	path[len] = '\0';
	for (size_t end = len; end > 0; end--) {
		if (end < len && path[end] != '/')
			continue;
		char c = path[end];
		path[end] = '\0';
		for (int i = 0; i < k->nglobs; i++)
			if (fnmatch(k->globs[i], path, FNM_PATHNAME) == 0)
				return 1;
		path[end] = c;
	}
	return 0;
}

/* s as an address into k->ip_fam/ip_addr; 0 when it is none. The last
 * text parsed is kept with its answer. */
static int ip_parse(struct echeck *k, const char *s)
{
	size_t n = strlen(s);

	if (k->ip_text[0] && n < sizeof(k->ip_text) && memcmp(s, k->ip_text, n + 1) == 0)
		return k->ip_ok;
	k->ip_fam = strchr(s, ':') ? AF_INET6 : AF_INET;
	k->ip_ok = inet_pton(k->ip_fam, s, k->ip_addr) == 1;
	k->ip_text[0] = '\0';
	if (n > 0 && n < sizeof(k->ip_text))
		memcpy(k->ip_text, s, n + 1);
	return k->ip_ok;
}

static int cmp_value(struct echeck *k, const char *s, size_t len, int64_t num)
{
	switch (k->type) {
	case FT_INT:
	case FT_BOOL:
		switch (k->op) {
		case OP_EQ:
			return num == k->n;
		case OP_NE:
			return num != k->n;
		case OP_LT:
			return num < k->n;
		case OP_LE:
			return num <= k->n;
		case OP_GT:
			return num > k->n;
		case OP_GE:
			return num >= k->n;
		case OP_IN:
		case OP_INTERSECTS:
			for (int i = 0; i < k->nvals; i++)
				if (k->nums[i] == num)
					return 1;
			return 0;
		default:
			return 0;
		}
	case FT_IPNET: {
		int hits = 0;
		if (!ip_parse(k, s))
			return 0;
		if (k->hlazy) /* host names, replay: resolved at the first use */
			ccomp_resolve_lazy(k);
		if (k->hres) /* host names, live: the resolver's current addresses */
			hits = resolver_has(k->hres, k->hslot, k->ip_fam, k->ip_addr);
		for (int i = 0; i < k->nvals; i++)
			hits += cidr_has(&k->nets[i], k->ip_fam, k->ip_addr);
		if (k->mod)
			return mod_result(k, k->op == OP_NE ? k->nvals - hits : hits);
		return k->op == OP_NE ? !hits : hits > 0;
	}
	default:
		break;
	}
	if (k->pfx && k->op == OP_STARTSWITH)
		return pset_match(k->pfx, s, len);
	switch (k->op) {
	case OP_IN:
	case OP_INTERSECTS:
		return sset_has(k->set, s, len);
	case OP_PMATCH:
		return pset_match(k->pfx, s, len) || pmatch_globs(k, s, len);
	default:
		break;
	}
	if (k->mod) {
		int hits = 0;
		for (int i = 0; i < k->nvals; i++)
			hits += cmp_str_one(k, k->op, s, len, k->vals[i], k->lens[i], i);
		return mod_result(k, hits);
	}
	return cmp_str_one(k, k->op, s, len, k->s, k->slen, 0);
}

static int cmp_rhs_field(struct engine *e, struct echeck *k, const char *s, size_t len, int64_t num)
{
	const struct eslot *r = engine_slot_get(e, k->rhs_slot);

	const char *rs = r->val.s;
	size_t rlen = r->val.len;
	int64_t b = r->val.n;

	if (!r->present)
		return 0;
	if (k->rhs_nxf)
		rs = ccomp_xforms(k->rhs_xf, k->rhs_nxf, &k->rbuf, &k->rabuf, rs ? rs : "", &rlen,
		                  &b);
	if (k->type == FT_INT || k->type == FT_BOOL) {
		switch (k->op) {
		case OP_EQ:
			return num == b;
		case OP_NE:
			return num != b;
		case OP_LT:
			return num < b;
		case OP_LE:
			return num <= b;
		case OP_GT:
			return num > b;
		case OP_GE:
			return num >= b;
		default:
			return 0;
		}
	}
	if (!rs)
		return 0;
	if (k->op == OP_IN || k->op == OP_INTERSECTS)
		return len == rlen && memcmp(s, rs, len) == 0;
	if (k->op == OP_REGEX || k->op == OP_PMATCH)
		return 0;
	return cmp_str_one(k, k->op, s, len, rs, rlen, 0);
}

static int check_value(struct engine *e, struct echeck *k, const char *s, size_t len, int64_t num)
{
	if (k->op == OP_EXISTS)
		return 1;
	if (k->nxf)
		s = ccomp_xforms(k->xf, k->nxf, &k->xbuf, &k->abuf, s ? s : "", &len, &num);
	if (k->rhs_slot >= 0)
		return cmp_rhs_field(e, k, s, len, num);
	if ((k->type == FT_STR || k->type == FT_IPNET) && !s)
		return 0;
	return cmp_value(k, s, len, num);
}

/* getopt()'s items against the set: intersects when any is in it, in
 * when all are. */
static int eval_multi_list(struct echeck *k)
{
	const char *s;
	size_t len;
	int any = 0, all = 1;

	if (k->op == OP_EXISTS)
		return 1;
	for (int i = 0; ccomp_multi_items(k->mv, i, &s, &len); i++) {
		int in = sset_has(k->set, s, len);
		any |= in;
		all &= in;
	}
	return k->op == OP_INTERSECTS ? any : all;
}

static int eval_multi(struct engine *e, struct echeck *k)
{
	const char *s;
	size_t len;

	if (!ccomp_multi_eval(e, k->mv, &s, &len))
		return 0;
	if (ccomp_multi_is_list(k->mv))
		return eval_multi_list(k);
	return check_value(e, k, s, len, 0);
}

static int eval_check(struct engine *e, struct echeck *k)
{
	if (k->mv)
		return eval_multi(e, k);
	if (k->any_anc) {
		struct fref r = k->ref;
		struct fval v;
		for (int64_t lvl = 1; lvl <= FIELD_MAX_ANCESTORS; lvl++) {
			if (!fctx_ancestor(&e->ctx, lvl))
				return 0;
			r.iarg = lvl;
			if (field_extract(&e->ctx, &r, &v, &k->abuf) &&
			    check_value(e, k, v.s, v.len, v.n))
				return 1;
		}
		return 0;
	}
	/* the slot's value of this event, extracted on its first use */
	const struct eslot *sl = &e->slots[k->slot];
	if (sl->epoch != e->epoch)
		sl = engine_slot_get(e, k->slot);
	if (!sl->present)
		return 0;
	if (k->set && !k->nxf && k->type == FT_STR && k->rhs_slot < 0 && sl->val.s)
		return sset_has_hashed(k->set, sl->val.s, sl->val.len,
		                       engine_slot_hash(e, k->slot));
	return check_value(e, k, sl->val.s, sl->val.len, sl->val.n);
}

/* A child of and/or: checks (most children) without a call. */
static inline int eval_kid(struct engine *e, const struct enode *kid)
{
	return kid->kind == EN_CHECK ? eval_check(e, kid->chk) : ccomp_eval(e, kid);
}

int ccomp_eval(struct engine *e, const struct enode *n)
{
	switch (n->kind) {
	case EN_AND:
		for (int i = 0; i < n->nkids; i++)
			if (!eval_kid(e, n->kids[i]))
				return 0;
		return 1;
	case EN_OR:
		for (int i = 0; i < n->nkids; i++)
			if (eval_kid(e, n->kids[i]))
				return 1;
		return 0;
	case EN_NOT:
		return !ccomp_eval(e, n->kids[0]);
	case EN_CHECK:
		return eval_check(e, n->chk);
	}
	return 0;
}
