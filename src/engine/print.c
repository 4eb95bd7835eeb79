/*
 * print.c — condition trees (parse.h) back to text: the canonical spelling
 * kestrel -l shows for a rule's expanded condition, with values quoted
 * where the lexer needs it and multi-value transformers written out.
 */
#include <stdio.h>
#include <string.h>

#include "engine/parse.h"

static void print_value(const char *v, FILE *out);

static void cmulti_print(const struct cmulti *m, FILE *out)
{
	fprintf(out, "%s(",
	        m->kind == MV_JOIN     ? "join"
	        : m->kind == MV_CONCAT ? "concat"
	                               : "getopt");
	if (m->kind == MV_JOIN) {
		print_value(m->str, out);
		fputs(", ", out);
	}
	if (m->kind != MV_CONCAT)
		fputc('(', out);
	for (int i = 0; i < m->nargs; i++) {
		if (i)
			fputs(", ", out);
		if (m->args[i].f)
			cfield_print(m->args[i].f, out);
		else
			print_value(m->args[i].lit, out);
	}
	if (m->kind != MV_CONCAT)
		fputc(')', out);
	if (m->kind == MV_GETOPT) {
		fputs(", ", out);
		print_value(m->str, out);
	}
	fputc(')', out);
}

void cfield_print(const struct cfield *f, FILE *out)
{
	for (int i = f->nxforms - 1; i >= 0; i--)
		fprintf(out, "%s(", cparse_xform_name(f->xforms[i]));
	if (f->multi)
		cmulti_print(f->multi, out);
	else
		fputs(f->name, out);
	if (f->arg)
		fprintf(out, "[%s]", f->arg);
	for (int i = 0; i < f->nxforms; i++)
		fputc(')', out);
}

static void print_value(const char *v, FILE *out)
{
	int bare = *v != '\0';

	for (const char *p = v; *p && bare; p++)
		if (strchr("()\"'=, \t\r\n\\", *p))
			bare = 0;
	if (bare) {
		fputs(v, out);
		return;
	}
	fputc('"', out);
	for (const char *p = v; *p; p++) {
		if (*p == '"' || *p == '\\')
			fputc('\\', out);
		if (*p == '\n')
			fputs("\\n", out);
		else
			fputc(*p, out);
	}
	fputc('"', out);
}

void cnode_print(const struct cnode *n, FILE *out)
{
	switch (n->kind) {
	case CN_AND:
	case CN_OR:
		fputc('(', out);
		for (int i = 0; i < n->nkids; i++) {
			if (i)
				fputs(n->kind == CN_AND ? " and " : " or ", out);
			cnode_print(n->kids[i], out);
		}
		fputc(')', out);
		break;
	case CN_NOT:
		fputs("not ", out);
		cnode_print(n->kids[0], out);
		break;
	case CN_MACRO:
		fputs(n->macro, out);
		break;
	case CN_CHECK:
		cfield_print(&n->lhs, out);
		fprintf(out, " %s", cparse_op_name(n->op));
		if (n->mod)
			fprintf(out, " %s", cparse_mod_name(n->mod));
		if (n->rhs_kind == RHS_SCALAR) {
			fputc(' ', out);
			print_value(n->vals[0], out);
		} else if (n->rhs_kind == RHS_LIST) {
			fputs(" (", out);
			for (int i = 0; i < n->nvals; i++) {
				if (i)
					fputs(", ", out);
				print_value(n->vals[i], out);
			}
			fputc(')', out);
		} else if (n->rhs_kind == RHS_FIELD && n->rhs.nxforms) {
			fputc(' ', out);
			cfield_print(&n->rhs, out);
		} else if (n->rhs_kind == RHS_FIELD) {
			fputs(" val(", out);
			cfield_print(&n->rhs, out);
			fputc(')', out);
		}
		break;
	}
}
