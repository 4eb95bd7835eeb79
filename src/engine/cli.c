/*
 * cli.c — rule-related command-line actions (see cli.h): -V/--validate,
 * -L, -l RULE and --list-fields. Pure presentation over the engine's
 * public API; main() decides exit codes and where output goes.
 */
#include <string.h>

#include "engine/cli.h"
#include "engine/engine.h"
#include "engine/fields.h"

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

void engine_cli_list_rules(const struct engine *e, FILE *out)
{
	size_t active = 0, n = engine_rule_count(e);

	fprintf(out, "%-60s %-13s %-8s %-8s %s\n", "RULE", "PRIORITY", "SOURCE", "ENABLED",
	        "STATUS");
	for (size_t i = 0; i < n; i++) {
		struct engine_rule_info ri;
		engine_rule_info(e, i, &ri);
		active += ri.active;
		fprintf(out, "%-60s %-13s %-8s %-8s ", ri.name, priority_name(ri.priority),
		        ri.source, ri.enabled ? "yes" : "no");
		if (ri.active)
			fprintf(out, "active\n");
		else
			fprintf(out, "skipped (%s)\n", ri.skip_reason ? ri.skip_reason : "?");
	}
	fprintf(out, "%zu rules: %zu active, %zu skipped\n", n, active, n - active);
}

int engine_cli_describe_rule(const struct engine *e, const char *name, FILE *out)
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
	return 0;
}

void engine_cli_list_fields(FILE *out)
{
	field_print_table(out);
}
