/*
 * cli.h — the rule-related command-line actions main() runs: validate
 * files (-V), list rules (-L), describe one rule (-l), list fields
 * (--list-fields). Each prints to the FILE* it is given so tests capture
 * the text.
 */
#ifndef KESTREL_ENGINE_CLI_H
#define KESTREL_ENGINE_CLI_H

#include <stddef.h>
#include <stdio.h>

struct engine;

/* Loads the files as one ruleset and prints every error and warning with
 * file:line:column, then "<file>: Ok" or "<file>: Invalid" per file.
 * Returns 0 when the ruleset is valid, 1 otherwise. */
int engine_cli_validate(const char *const *paths, size_t n, FILE *out);
/* One line per rule: name, priority, source, enabled, then "active" and
 * the rule's kernel cost class (kfilter_rule_class: "exec", "narrow",
 * "broad: every openat on the host", ...) or "skipped (reason)"; then a
 * summary line. precise selects the kernel filters the classes describe
 * (audit.kernel_filters: precise, or 0 for broad). The engine must be
 * compiled. */
void engine_cli_list_rules_kf(struct engine *e, int precise, FILE *out);
/* The same with precise filters (the default of audit.kernel_filters). */
void engine_cli_list_rules(struct engine *e, FILE *out);
/* Describes one rule: desc, priority, tags, expanded condition, event
 * types, output, kernel cost class and the kernel rules it causes (each
 * marked when other rules share it). Returns 0, or 1 when no rule has
 * that name. */
int engine_cli_describe_rule_kf(struct engine *e, const char *name, int precise, FILE *out);
/* The same with precise filters. */
int engine_cli_describe_rule(struct engine *e, const char *name, FILE *out);
/* The field table. */
void engine_cli_list_fields(FILE *out);

#endif
