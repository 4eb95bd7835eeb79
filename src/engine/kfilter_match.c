/*
 * kfilter_match.c — kernel-filter compiler, evaluator: whether a recorded
 * event passes a compiled kernel rule, with the kernel's semantics (u32
 * argument compares, success=, exe=; path=/dir= watches approximated by
 * name: the event's PATH names joined to its cwd, or under "<UNKNOWN>" for
 * an unresolved dirfd). For the soundness test.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "engine/fields.h"
#include "engine/kfilter_int.h"

/* Longest joined path the model compares (PATH_MAX). */
#define KF_PATH_MAX 4096

static int cmp_u32(uint32_t l, enum kf_op op, uint32_t r)
{
	switch (op) {
	case KF_EQ:
		return l == r;
	case KF_NE:
		return l != r;
	case KF_LT:
		return l < r;
	case KF_LE:
		return l <= r;
	case KF_GT:
		return l > r;
	case KF_GE:
		return l >= r;
	case KF_BITANY:
		return (l & r) != 0;
	default:
		return (l & r) == r;
	}
}

/* cwd joined to name, with ".", ".." and repeated slashes removed. */
static void join_path(char *out, size_t n, const char *cwd, const char *name)
{
	char tmp[KF_PATH_MAX];
	size_t o = 0;

	snprintf(tmp, sizeof(tmp), "%s%s%s", name[0] == '/' || !cwd ? "" : cwd,
	         name[0] == '/' || !cwd ? "" : "/", name);
	out[0] = '\0';
	for (char *p = tmp; *p;) {
		char *e = strchr(p, '/');
		size_t len = e ? (size_t)(e - p) : strlen(p);
		if ((len == 1 && p[0] == '.') || len == 0) {
		} else if (len == 2 && p[0] == '.' && p[1] == '.') {
			while (o > 0 && out[--o] != '/')
				;
			out[o] = '\0';
		} else if (o + len + 2 < n) {
			out[o++] = '/';
			memcpy(out + o, p, len);
			o += len;
			out[o] = '\0';
		}
		p += len + (e ? 1 : 0);
	}
	if (o == 0)
		snprintf(out, n, "/");
}

/* The path's name as the engine's fd.name reads it: a relative name under
 * a dirfd audit did not resolve is "<UNKNOWN>/name", never cwd-joined. By
 * name it then matches no watch; the kernel's path= watch still records
 * the event, as it matches the inode, so this model only under-counts. */
static void path_text(char *out, size_t n, const struct kevent *ev, const struct kev_path *p)
{
	if (!p->dirfd_unresolved || p->name[0] == '/') {
		join_path(out, n, ev->cwd, p->name);
		return;
	}
	char rooted[KF_PATH_MAX];

	join_path(rooted, sizeof(rooted), "/", p->name);
	if (snprintf(out, n, "%s%s", FIELD_UNKNOWN_DIR, strcmp(rooted, "/") == 0 ? "" : rooted) >=
	    (int)n)
		out[0] = '\0'; /* too long to name: matches no watch */
}

static int watch_match(const struct kf_field *f, const struct kevent *ev)
{
	char p[KF_PATH_MAX];
	size_t dl = strlen(f->str);

	for (int i = 0; i < ev->npaths; i++) {
		if (!ev->paths[i].name)
			continue;
		path_text(p, sizeof(p), ev, &ev->paths[i]);
		if (strcmp(p, f->str) == 0)
			return 1;
		if (f->type == KF_DIR && strncmp(p, f->str, dl) == 0 &&
		    (p[dl] == '/' || (dl == 1 && f->str[0] == '/')))
			return 1;
	}
	return 0;
}

static int field_match(const struct kf_field *f, const struct kevent *ev)
{
	switch (f->type) {
	case KF_A0:
	case KF_A1:
	case KF_A2:
	case KF_A3:
		return cmp_u32((uint32_t)ev->a[f->type - KF_A0], f->op, f->val);
	case KF_SUCCESS:
		return (ev->success == 1) == (f->val == 1);
	case KF_EXIT:
		return ev->exit != KEV_UNSET && cmp_u32((uint32_t)ev->exit, f->op, f->val);
	case KF_UID:
		return ev->uid != KEV_UNSET && cmp_u32((uint32_t)ev->uid, f->op, f->val);
	case KF_EXE:
		return ev->exe && strcmp(ev->exe, f->str) == 0;
	default:
		return watch_match(f, ev);
	}
}

int kfilter_term_match(const struct kf_term *t, const struct kevent *ev)
{
	size_t i;

	if (!ev->has_syscall || !ev->syscall_name)
		return 0;
	for (i = 0; i < t->nsys; i++)
		if (strcmp(t->sys[i], ev->syscall_name) == 0)
			break;
	if (i == t->nsys)
		return 0;
	for (int f = 0; f < t->nf; f++)
		if (!field_match(&t->f[f], ev))
			return 0;
	return 1;
}

int kfilter_match(const struct kfilter_set *s, const struct kevent *ev)
{
	for (size_t i = 0; i < s->terms.n; i++)
		if (kfilter_term_match(s->terms.v[i], ev))
			return 1;
	return 0;
}
