/*
 * cli.c — rule-related command-line actions (see cli.h): -V/--validate,
 * -L, -l RULE and --list-fields. Pure presentation over the engine's
 * public API and the kernel-filter compiler (kfilter.h, for each rule's
 * kernel cost); main() decides exit codes and where output goes.
 */
#include <string.h>

#include "engine/cli.h"
#include "engine/engine.h"
#include "engine/fields.h"
#include "engine/kfilter.h"

/* The kernel filters of e's active rules, or NULL (reported on out). */
static struct kfilter_set *cli_kfilters(struct engine *e, int precise, FILE *out)
{
	struct kfilter_set *ks = NULL;
	char err[256];

	if (kfilter_build(e, precise, &ks, err, sizeof(err)) < 0) {
		fprintf(out, "(kernel filters not available: %s)\n", err);
		return NULL;
	}
	return ks;
}

int engine_cli_validate(const char *const *paths, size_t n, FILE *out)
{
	struct engine *e = engine_new();
	struct engine_diag *d = engine_diag_new();
	int rc;

	if (!e || !d) {
		fprintf(out, "out of memory\n");
		engine_free(e);
		engine_diag_free(d);
		return 1;
	}
	rc = engine_load(e, paths, n, d);
	engine_diag_print(d, out);
	for (size_t i = 0; i < n; i++) {
		int bad = 0;
		for (size_t k = 0; k < engine_diag_count(d); k++) {
			const struct engine_diag_entry *de = engine_diag_get(d, k);
			if (de->level == ENGINE_DIAG_ERROR && de->file &&
			    strncmp(de->file, paths[i], strlen(paths[i])) == 0)
				bad = 1;
		}
		fprintf(out, "%s: %s\n", paths[i], bad || (rc < 0 && n == 1) ? "Invalid" : "Ok");
	}
	if (rc == 0)
		fprintf(out, "%zu rules, %zu active\n", engine_rule_count(e),
		        engine_active_count(e));
	engine_diag_free(d);
	engine_free(e);
	return rc < 0 ? 1 : 0;
}

void engine_cli_list_rules_kf(struct engine *e, int precise, FILE *out)
{
	size_t active = 0, n = engine_rule_count(e);
	struct kfilter_set *ks = cli_kfilters(e, precise, out);

	fprintf(out, "%-60s %-13s %-8s %-8s %-8s %s\n", "RULE", "PRIORITY", "SOURCE", "ENABLED",
	        "STATUS", "KERNEL COST");
	for (size_t i = 0; i < n; i++) {
		struct engine_rule_info ri;
		engine_rule_info(e, i, &ri);
		active += ri.active;
		fprintf(out, "%-60s %-13s %-8s %-8s ", ri.name, priority_name(ri.priority),
		        ri.source, ri.enabled ? "yes" : "no");
		if (ri.active) {
			const char *cls = ks ? kfilter_rule_class(ks, ri.name) : NULL;
			fprintf(out, "%-8s %s\n", "active", cls ? cls : "?");
		} else {
			fprintf(out, "skipped (%s)\n", ri.skip_reason ? ri.skip_reason : "?");
		}
	}
	fprintf(out, "%zu rules: %zu active, %zu skipped\n", n, active, n - active);
	kfilter_free(ks);
}

void engine_cli_list_rules(struct engine *e, FILE *out)
{
	engine_cli_list_rules_kf(e, 1, out);
}

/* The kernel rules that serve one rule (terms whose rules include it), in
 * auditctl syntax without arch= and key=. */
static void describe_kernel(struct engine *e, const char *name, int precise, FILE *out)
{
	struct kfilter_set *ks = cli_kfilters(e, precise, out);
	const char *cls = ks ? kfilter_rule_class(ks, name) : NULL;
	size_t shown = 0;

	fprintf(out, "Kernel cost (%s filters): %s\n", precise ? "precise" : "broad",
	        cls ? cls : "none (rule not active)");
	fprintf(out, "Kernel rules:\n");
	for (size_t i = 0; ks && i < kfilter_count(ks); i++) {
		const struct kf_term *t = kfilter_term(ks, i);
		size_t r = 0;
		while (r < t->nrules && strcmp(t->rules[r], name) != 0)
			r++;
		if (r == t->nrules)
			continue;
		fprintf(out, "  -a always,exit -S ");
		for (size_t k = 0; k < t->nsys; k++)
			fprintf(out, "%s%s", k ? "," : "", t->sys[k]);
		if (t->nf)
			fputs(" ", out);
		kfilter_print_fields(t, out);
		fprintf(out, "%s\n", t->nrules > 1 ? " (shared with other rules)" : "");
		shown++;
	}
	if (!shown)
		fprintf(out, "  (none)\n");
	kfilter_free(ks);
}

int engine_cli_describe_rule_kf(struct engine *e, const char *name, int precise, FILE *out)
{
	long i = engine_rule_find(e, name);
	struct engine_rule_info ri;

	if (i < 0) {
		fprintf(out, "No rule named '%s'\n", name);
		return 1;
	}
	engine_rule_info(e, (size_t)i, &ri);
	fprintf(out, "Rule: %s\n", ri.name);
	fprintf(out, "Description: %s\n", ri.desc ? ri.desc : "");
	fprintf(out, "Priority: %s\n", priority_name(ri.priority));
	fprintf(out, "Source: %s\n", ri.source);
	fprintf(out, "Enabled: %s\n", ri.enabled ? "yes" : "no");
	fprintf(out, "Status: %s%s%s\n", ri.active ? "active" : "skipped", ri.active ? "" : " - ",
	        ri.active ? "" : (ri.skip_reason ? ri.skip_reason : "?"));
	fprintf(out, "Tags:");
	for (int t = 0; t < ri.ntags; t++)
		fprintf(out, " %s", ri.tags[t]);
	fprintf(out, "\nCondition: ");
	engine_rule_print_condition(e, (size_t)i, out);
	fprintf(out, "\nEvent types: ");
	engine_rule_print_evttypes(e, (size_t)i, out);
	fprintf(out, "\nOutput: %s\n", ri.output ? ri.output : "");
	describe_kernel(e, ri.name, precise, out);
	return 0;
}

int engine_cli_describe_rule(struct engine *e, const char *name, FILE *out)
{
	return engine_cli_describe_rule_kf(e, name, 1, out);
}

void engine_cli_list_fields(FILE *out)
{
	field_print_table(out);
}
