/*
 * test_engine_loader.c — the rule loader: Falco's redefinition, append,
 * override, enabled-only, lists, macros, exceptions, engine versions,
 * sources, file order and directories, and every error message with its
 * file:line:column (each file rejected whole, all its errors listed).
 */
#include <criterion/criterion.h>
#include <stdarg.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>
#include <time.h>

#include "engine_testutil.h"

static struct test_world W;
static const char *vi_argv[] = {"vi", "/etc/hosts"};

static void world(void)
{
	memset(&W, 0, sizeof(W));
	tw_add(&W, 1, 0, "systemd", "/usr/lib/systemd/systemd", NULL);
	tw_add(&W, 50, 1, "make", "/usr/bin/make", NULL);
	tw_add(&W, 60, 1, "bash", "/bin/bash", NULL);
	tw_add(&W, 100, 60, "vi", "/usr/bin/vi", NULL);
	tw_add(&W, 101, 50, "emacs", "/usr/bin/emacs", NULL);
}

TestSuite(loader, .init = world);

static struct kevent exec_of(int64_t pid, const char *comm)
{
	struct kevent ev = tw_event("execve", pid, 0, comm, "/usr/bin/x");
	ev.argv = vi_argv;
	ev.nargv = ev.argc = 2;
	return ev;
}

static int fire(struct engine *e, const struct kevent *ev, struct capture *cap)
{
	memset(cap, 0, sizeof(*cap));
	return engine_eval_with(e, ev, &tw_src, &W, capture_cb, cap);
}

/* Loads the named fixture files (tests/fixtures/rules/...). */
static struct engine *load_fixtures(struct engine_diag *d, int n, const char **names)
{
	char paths[4][1024];
	const char *p[4];
	struct engine *e = engine_new();

	engine_set_append_output(e, NULL);
	for (int i = 0; i < n; i++) {
		char rel[256];
		snprintf(rel, sizeof(rel), "tests/fixtures/rules/%s", names[i]);
		p[i] = tw_srcpath(paths[i], sizeof(paths[i]), rel);
	}
	if (engine_load(e, p, (size_t)n, d) < 0) {
		engine_diag_print(d, stderr);
		engine_free(e);
		return NULL;
	}
	return e;
}

static const char *rule_status(struct engine *e, const char *name, struct engine_rule_info *ri)
{
	long i = engine_rule_find(e, name);
	cr_assert_geq(i, 0, "rule %s missing", name);
	engine_rule_info(e, (size_t)i, ri);
	return ri->active ? "active" : "skipped";
}

Test(loader, nested_lists_and_macro_in_macro_expand)
{
	struct engine_diag *d = engine_diag_new();
	const char *files[] = {"base.yaml"};
	struct engine *e = load_fixtures(d, 1, files);
	struct capture cap;
	cr_assert_not_null(e);
	struct kevent ev = exec_of(100, "vi");
	cr_assert_eq(fire(e, &ev, &cap), 1);
	cr_assert_str_eq(cap.rule[0], "Editor started");
	cr_assert_str_eq(cap.output[0], "editor vi by 0");
	struct kevent ev2 = exec_of(60, "ed");
	cr_assert_eq(fire(e, &ev2, &cap), 1);
	cr_assert_str_eq(cap.rule[0], "Editor started");
	/* not in the list: the next rule in load order fires */
	struct kevent ev3 = exec_of(60, "emacs");
	cr_assert_eq(fire(e, &ev3, &cap), 1);
	cr_assert_str_eq(cap.rule[0], "Noisy rule");
	engine_free(e);
	engine_diag_free(d);
}

Test(loader, local_file_overrides_append_replace_and_enabled_only)
{
	struct engine_diag *d = engine_diag_new();
	const char *files[] = {"base.yaml", "local.yaml"};
	struct engine *e = load_fixtures(d, 2, files);
	struct engine_rule_info ri;
	struct capture cap;

	cr_assert_not_null(e);
	/* list override append: emacs is now an editor ... */
	struct kevent ev = exec_of(100, "vi");
	cr_assert_eq(fire(e, &ev, &cap), 1);
	cr_assert_str_eq(cap.rule[0], "Editor started");
	/* ... condition append: but not when started by make */
	struct kevent ev2 = exec_of(101, "emacs");
	cr_assert_eq(fire(e, &ev2, &cap), 0);
	/* priority replace, tags append */
	rule_status(e, "Shadow opened", &ri);
	cr_assert_eq(ri.priority, PRI_CRITICAL);
	cr_assert_eq(ri.ntags, 1);
	cr_assert_str_eq(ri.tags[0], "pci");
	/* enabled-only redefinition with the deprecation warning */
	cr_assert_str_eq(rule_status(e, "Noisy rule", &ri), "skipped");
	cr_assert_eq(ri.enabled, 0);
	cr_assert(engine_diag_contains(d, "local.yaml:19:3: warning: rule 'Noisy rule': The "
	                                  "standalone 'enabled' key usage is deprecated"));
	/* the order of rules is the order of first definition */
	engine_rule_info(e, 0, &ri);
	cr_assert_str_eq(ri.name, "Editor started");
	engine_free(e);
	engine_diag_free(d);
}

Test(loader, override_without_tags_in_base_appends_to_empty_set)
{
	const char *y = "- rule: r\n  desc: d\n  condition: evt.type = execve\n  output: o\n"
	                "  priority: INFO\n  tags: [a]\n"
	                "- rule: r\n  tags: [b, a]\n  desc: more\n  override:\n    tags: append\n"
	                "    desc: append\n";
	struct engine *e = tw_load(y, NULL);
	struct engine_rule_info ri;
	cr_assert_not_null(e);
	engine_rule_info(e, 0, &ri);
	cr_assert_eq(ri.ntags, 2);
	cr_assert_str_eq(ri.desc, "d more");
	engine_free(e);
}

Test(loader, seed_scenario_local_copy_with_new_priority_replaces_rule)
{
	const char *y = "- rule: r\n  desc: d\n  condition: evt.type = execve\n  output: o\n"
	                "  priority: NOTICE\n"
	                "- rule: r\n  desc: d\n  condition: evt.type = execve\n  output: o2\n"
	                "  priority: WARNING\n";
	struct engine *e = tw_load(y, NULL);
	char buf[4096];
	cr_assert_not_null(e);
	cr_assert_eq(engine_rule_count(e), 1);
	TW_CAPTURE(buf, sizeof(buf), engine_cli_describe_rule(e, "r", out));
	cr_assert(strstr(buf, "Priority: Warning") != NULL, "%s", buf);
	cr_assert(strstr(buf, "Output: o2") != NULL, "%s", buf);
	engine_free(e);
}

Test(loader, deprecated_append_true_appends_condition_with_warning)
{
	const char *y = "- macro: m\n  condition: proc.name = a\n"
	                "- macro: m\n  condition: or proc.name = vi\n  append: true\n"
	                "- rule: r\n  desc: d\n  condition: evt.type = execve and m\n  output: o\n"
	                "  priority: INFO\n"
	                "- rule: r\n  condition: and proc.pid = 100\n  append: true\n";
	struct engine_diag *d;
	struct engine *e = tw_load(y, &d);
	struct capture cap;
	cr_assert_not_null(e);
	cr_assert(engine_diag_contains(d, "test.yaml:5:11: warning: macro 'm': 'append' key is "
	                                  "deprecated"));
	struct kevent ev = exec_of(100, "vi");
	cr_assert_eq(fire(e, &ev, &cap), 1);
	struct kevent ev2 = exec_of(60, "vi");
	cr_assert_eq(fire(e, &ev2, &cap), 0);
	engine_free(e);
	engine_diag_free(d);
}

Test(loader, list_append_to_missing_list_is_an_error)
{
	const char *y = "- list: nope\n  items: [a]\n  override:\n    items: append\n";
	struct engine_diag *d;
	cr_assert_null(tw_load(y, &d));
	cr_assert(engine_diag_contains(d, "test.yaml:1:3: error: list 'nope': List uses 'append' "
	                                  "or 'override.items: append' but no list by that name "
	                                  "already exists"));
	engine_diag_free(d);
}

Test(loader, override_rules_are_checked)
{
	const char *y = "- rule: r\n  desc: d\n  condition: evt.type = execve\n  output: o\n"
	                "  priority: INFO\n"
	                "- rule: r\n  priority: ERROR\n  override:\n    priority: append\n";
	struct engine_diag *d;
	cr_assert_null(tw_load(y, &d));
	cr_assert(engine_diag_contains(d, "test.yaml:9:5: error: rule 'r': Key 'priority' cannot "
	                                  "be appended to, use 'replace' instead"));
	engine_diag_free(d);
	const char *y2 =
	    "- rule: r\n  desc: d\n  condition: evt.type = execve\n  output: o\n"
	    "  priority: INFO\n"
	    "- rule: r\n  priority: ERROR\n  output: x\n  override:\n    priority: replace\n";
	cr_assert_null(tw_load(y2, &d));
	cr_assert(engine_diag_contains(d, "test.yaml:8:11: error: rule 'r': Unexpected key "
	                                  "'output': no corresponding entry under 'override' is "
	                                  "defined."));
	engine_diag_free(d);
}

Test(loader, exceptions_compile_into_the_condition)
{
	const char *y =
	    "- list: ok_cmds\n  items: [\"vi /etc/hosts\"]\n"
	    "- rule: r\n  desc: d\n  condition: evt.type = execve\n  output: o\n  priority: INFO\n"
	    "  exceptions:\n"
	    "    - name: by_parent\n      fields: [proc.name, proc.pname]\n      comps: [=, in]\n"
	    "      values:\n        - [vi, [make, cron]]\n"
	    "    - name: by_cmdline\n      fields: proc.cmdline\n      values: [ok_cmds]\n";
	struct engine *e = tw_load(y, NULL);
	struct capture cap;
	char buf[4096];
	cr_assert_not_null(e);
	TW_CAPTURE(buf, sizeof(buf), engine_rule_print_condition(e, 0, out));
	cr_assert_str_eq(buf,
	                 "(evt.type = execve and not ((proc.name = vi and proc.pname in (make, "
	                 "cron))) and not proc.cmdline in (\"vi /etc/hosts\"))");
	struct kevent ev = exec_of(100, "vi"); /* cmdline "vi /etc/hosts": excepted */
	cr_assert_eq(fire(e, &ev, &cap), 0);
	struct kevent ev2 = exec_of(101, "nano");
	const char *nano_argv[] = {"nano", "x"};
	ev2.argv = nano_argv;
	cr_assert_eq(fire(e, &ev2, &cap), 1);
	engine_free(e);
}

Test(loader, exception_errors_name_the_exception)
{
	const char *y = "- rule: r\n  desc: d\n  condition: evt.type = execve\n  output: o\n"
	                "  priority: INFO\n  exceptions:\n    - name: ex1\n"
	                "      fields: [proc.name, proc.pname]\n      comps: [=]\n";
	struct engine_diag *d;
	cr_assert_null(tw_load(y, &d));
	cr_assert(engine_diag_contains(d, "test.yaml:7:7: error: exception 'ex1': Fields and comps "
	                                  "lists must have equal length"));
	engine_diag_free(d);
}

Test(loader, macro_cycle_is_an_error)
{
	const char *y = "- macro: a\n  condition: b\n- macro: b\n  condition: a\n"
	                "- rule: r\n  desc: d\n  condition: evt.type = execve and a\n  output: o\n"
	                "  priority: INFO\n";
	struct engine_diag *d;
	cr_assert_null(tw_load(y, &d));
	cr_assert(engine_diag_contains(d, "macro loop"));
	engine_diag_free(d);
}

Test(loader, error_unknown_field_has_position)
{
	struct engine_diag *d = engine_diag_new();
	const char *files[] = {"errors.yaml"};
	cr_assert_null(load_fixtures(d, 1, files));
	cr_assert(engine_diag_contains(d, "errors.yaml:10:36: error: rule 'Unknown field': unknown "
	                                  "field 'proc.nmae'"));
	engine_diag_free(d);
}

Test(loader, error_undefined_macro_has_position)
{
	struct engine_diag *d = engine_diag_new();
	const char *files[] = {"errors.yaml"};
	cr_assert_null(load_fixtures(d, 1, files));
	cr_assert(engine_diag_contains(d, "errors.yaml:16:36: error: rule 'Undefined macro': "
	                                  "Undefined macro 'no_such_macro' used in filter."));
	engine_diag_free(d);
}

Test(loader, error_bad_operator_has_position)
{
	struct engine_diag *d = engine_diag_new();
	const char *files[] = {"errors.yaml"};
	cr_assert_null(load_fixtures(d, 1, files));
	cr_assert(engine_diag_contains(d, "errors.yaml:22:46: error: rule 'Bad operator': expected "
	                                  "an operator after the field, found '~='"));
	engine_diag_free(d);
}

Test(loader, error_unbalanced_parenthesis_has_position)
{
	struct engine_diag *d = engine_diag_new();
	const char *files[] = {"errors.yaml"};
	cr_assert_null(load_fixtures(d, 1, files));
	cr_assert(
	    engine_diag_contains(d, "errors.yaml:28:55: error: rule 'Unbalanced': missing ')'"));
	engine_diag_free(d);
}

Test(loader, bad_file_is_rejected_whole_with_all_errors)
{
	struct engine_diag *d = engine_diag_new();
	struct engine *e = engine_new();
	char path[1024];
	tw_srcpath(path, sizeof(path), "tests/fixtures/rules/errors.yaml");
	engine_add_path(e, path, d);
	cr_assert_eq(engine_compile(e, d), -1);
	cr_assert_eq(engine_diag_errors(d), 4);
	engine_free(e);
	engine_diag_free(d);
	/* a loader error rejects the file: its good rule is not collected */
	const char *y = "- rule: good\n  desc: d\n  condition: evt.type = execve\n  output: o\n"
	                "  priority: INFO\n- rule: bad\n  desc: d\n  output: o\n  priority: INFO\n"
	                "- rule: worse\n  desc: d\n  condition: evt.type = open\n  output: o\n"
	                "  priority: LOUD\n";
	e = engine_new();
	d = engine_diag_new();
	cr_assert_eq(engine_add_buffer(e, "t.yaml", y, strlen(y), d), -1);
	cr_assert_eq(engine_rule_count(e), 0);
	cr_assert(engine_diag_contains(d, "t.yaml:6:3: error: rule 'bad': Item has no mapping for "
	                                  "key 'condition'"));
	cr_assert(engine_diag_contains(d, "t.yaml:14:13: error: rule 'worse': Invalid priority "
	                                  "'LOUD'"));
	engine_free(e);
	engine_diag_free(d);
}

Test(loader, error_bad_yaml_has_position)
{
	const char *y = "- rule: r\n  desc: [unclosed\n  output: o\n";
	struct engine_diag *d;
	cr_assert_null(tw_load(y, &d));
	cr_assert(engine_diag_contains(d, "test.yaml:3:9: error: YAML parse error"),
	          "diag missing");
	engine_diag_free(d);
}

Test(loader, structural_errors_match_falco_messages)
{
	struct engine_diag *d;
	cr_assert_null(tw_load("rule: not a list\n", &d));
	cr_assert(engine_diag_contains(d, "test.yaml:1:1: error: Rules content is not yaml array "
	                                  "of objects"));
	engine_diag_free(d);
	cr_assert_null(tw_load("- just a string\n", &d));
	cr_assert(engine_diag_contains(d, "test.yaml:1:3: error: Unexpected element type"));
	engine_diag_free(d);
	cr_assert_null(tw_load("- rule: r\n  enabled: false\n", &d));
	cr_assert(engine_diag_contains(d, "Rule has 'enabled' key but no rule by that name "
	                                  "already exists"));
	engine_diag_free(d);
	struct engine *e = tw_load("- rule: r\n  desc: d\n  condition: evt.type = open\n"
	                           "  output: o\n  priority: INFO\n  bogus: 1\n",
	                           &d);
	cr_assert_not_null(e);
	engine_free(e);
	cr_assert(engine_diag_contains(d, "test.yaml:6:3: warning: rule 'r': Unknown key 'bogus'. "
	                                  "The key will be ignored."));
	engine_diag_free(d);
}

Test(loader, engine_version_numeric_and_semver)
{
	struct engine_diag *d;
	struct engine *e = tw_load("- required_engine_version: 15\n"
	                           "- required_engine_version: 0.31.0\n",
	                           &d);
	cr_assert_not_null(e);
	engine_free(e);
	engine_diag_free(d);
	cr_assert_null(tw_load("- required_engine_version: 1.0.0\n", &d));
	cr_assert(engine_diag_contains(d, "test.yaml:1:28: error: required_engine_version "
	                                  "'1.0.0': Rules require engine version 1.0.0, but engine "
	                                  "version is " ENGINE_VERSION));
	engine_diag_free(d);
	cr_assert_null(tw_load("- required_engine_version: test\n", &d));
	cr_assert(engine_diag_contains(d, "Unable to parse engine version 'test'"));
	engine_diag_free(d);
}

Test(loader, other_sources_are_skipped_with_a_note)
{
	struct engine_diag *d;
	struct engine *e = tw_load("- required_plugin_versions:\n  - name: container\n"
	                           "    version: 0.4.0\n"
	                           "- rule: ct\n  desc: d\n  condition: ct.name = x\n  output: o\n"
	                           "  priority: INFO\n  source: aws_cloudtrail\n",
	                           &d);
	struct engine_rule_info ri;
	cr_assert_not_null(e);
	engine_rule_info(e, 0, &ri);
	cr_assert_eq(ri.active, 0);
	cr_assert(strstr(ri.skip_reason, "aws_cloudtrail") != NULL);
	cr_assert(engine_diag_contains(d, "note: rule 'ct': Unknown source aws_cloudtrail, "
	                                  "skipping"));
	cr_assert(engine_diag_contains(d, "test.yaml:1:3: note: plugin requirements accepted"));
	engine_free(e);
	engine_diag_free(d);
}

Test(loader, skip_if_unknown_filter_turns_error_into_skip)
{
	struct engine_diag *d;
	struct engine *e = tw_load("- rule: r\n  desc: d\n  condition: evt.type = open and "
	                           "proc.nobody = x\n  output: o\n  priority: INFO\n"
	                           "  skip-if-unknown-filter: true\n",
	                           &d);
	struct engine_rule_info ri;
	cr_assert_not_null(e);
	cr_assert_eq(engine_diag_errors(d), 0);
	engine_rule_info(e, 0, &ri);
	cr_assert_eq(ri.active, 0);
	engine_free(e);
	engine_diag_free(d);
}

Test(loader, directory_loads_yaml_files_sorted)
{
	struct engine_diag *d = engine_diag_new();
	const char *files[] = {"dir"};
	struct engine *e = load_fixtures(d, 1, files);
	struct engine_rule_info ri;
	cr_assert_not_null(e);
	cr_assert_eq(engine_rule_count(e), 2);
	engine_rule_info(e, 0, &ri);
	cr_assert_str_eq(ri.name, "From A");
	cr_assert_str_eq(ri.desc, "b replaces a"); /* 20-b.yml loaded after 10-a.yaml */
	engine_free(e);
	engine_diag_free(d);
}

Test(loader, multiple_documents_in_one_file)
{
	struct engine *e =
	    tw_load("- list: l\n  items: [vi]\n---\n- rule: r\n  desc: d\n"
	            "  condition: evt.type = execve and proc.name in (l)\n  output: o\n"
	            "  priority: INFO\n",
	            NULL);
	struct capture cap;
	cr_assert_not_null(e);
	struct kevent ev = exec_of(100, "vi");
	cr_assert_eq(fire(e, &ev, &cap), 1);
	engine_free(e);
}

Test(loader, list_rules_reports_active_and_skipped_with_reason)
{
	struct engine *e =
	    tw_load("- rule: ok\n  desc: d\n  condition: evt.type = open\n"
	            "  output: o\n  priority: INFO\n"
	            "- rule: needs inode\n  desc: d\n  condition: evt.type = connect and "
	            "fd.ino = 7\n  output: o\n  priority: NOTICE\n",
	            NULL);
	char buf[4096];
	cr_assert_not_null(e);
	TW_CAPTURE(buf, sizeof(buf), engine_cli_list_rules(e, out));
	cr_assert(strstr(buf, "ok ") != NULL);
	cr_assert(strstr(buf, "active   broad: every open on the host\n") != NULL, "%s", buf);
	cr_assert(strstr(buf, "skipped (field fd.ino cannot be supplied from audit data)") != NULL,
	          "%s", buf);
	cr_assert(strstr(buf, "2 rules: 1 active, 1 skipped") != NULL);
	engine_free(e);
}

/* -L's kernel cost column and -l RULE's kernel rules (the tuning
 * workflow of kestrel(8), TUNING THE KERNEL RULES). */
Test(loader, list_and_describe_show_each_rules_kernel_cost)
{
	struct engine *e =
	    tw_load("- rule: shadow\n  desc: d\n  condition: evt.type in (open, openat) and "
	            "evt.is_open_read = true and fd.name = /etc/shadow\n  output: o\n"
	            "  priority: INFO\n"
	            "- rule: shells\n  desc: d\n  condition: evt.type = execve and proc.name = sh\n"
	            "  output: o\n  priority: INFO\n",
	            NULL);
	char buf[8192];
	cr_assert_not_null(e);
	TW_CAPTURE(buf, sizeof(buf), engine_cli_list_rules_kf(e, 1, out));
	cr_assert(strstr(buf, "KERNEL COST") != NULL, "%s", buf);
	cr_assert(strstr(buf, "active   narrow\n") != NULL, "%s", buf);
	cr_assert(strstr(buf, "active   exec\n") != NULL, "%s", buf);
	TW_CAPTURE(buf, sizeof(buf), engine_cli_list_rules_kf(e, 0, out));
	cr_assert(strstr(buf, "active   broad: every open, openat on the host\n") != NULL, "%s",
	          buf);
	TW_CAPTURE(buf, sizeof(buf), engine_cli_describe_rule_kf(e, "shadow", 1, out));
	cr_assert(strstr(buf, "Kernel cost (precise filters): narrow\n") != NULL, "%s", buf);
	cr_assert(strstr(buf, "-F path=/etc/shadow") != NULL, "%s", buf);
	cr_assert(strstr(buf, "execve") == NULL, "the exec rule's kernel rule is not shown: %s",
	          buf);
	TW_CAPTURE(buf, sizeof(buf), engine_cli_describe_rule_kf(e, "shells", 1, out));
	cr_assert(strstr(buf, "Kernel cost (precise filters): exec\n") != NULL, "%s", buf);
	cr_assert(strstr(buf, "path=") == NULL, "%s", buf);
	engine_free(e);
}

Test(loader, validate_prints_errors_and_fails)
{
	char path[1024], buf[8192];
	const char *p[1] = {tw_srcpath(path, sizeof(path), "tests/fixtures/rules/errors.yaml")};
	int rc;
	TW_CAPTURE(buf, sizeof(buf), rc = engine_cli_validate(p, 1, out));
	cr_assert_eq(rc, 1);
	cr_assert(strstr(buf, "errors.yaml:10:36: error") != NULL);
	cr_assert(strstr(buf, "errors.yaml:28:55: error") != NULL);
	cr_assert(strstr(buf, "errors.yaml: Invalid") != NULL);
	const char *ok[1] = {tw_srcpath(path, sizeof(path), "tests/fixtures/rules/base.yaml")};
	TW_CAPTURE(buf, sizeof(buf), rc = engine_cli_validate(ok, 1, out));
	cr_assert_eq(rc, 0, "%s", buf);
	cr_assert(strstr(buf, "base.yaml: Ok") != NULL);
}

Test(loader, unused_macros_and_lists_and_na_comparisons_warn)
{
	struct engine_diag *d;
	struct engine *e = tw_load("- list: lonely\n  items: [a]\n- list: inner\n  items: [b]\n"
	                           "- list: outer\n  items: [inner]\n"
	                           "- macro: spare\n  condition: proc.name in (outer)\n"
	                           "- rule: r\n  desc: d\n  condition: evt.type = open and "
	                           "proc.name != \"<NA>\"\n  output: o\n  priority: INFO\n",
	                           &d);
	cr_assert_not_null(e);
	cr_assert(engine_diag_contains(d, "test.yaml:1:3: warning: list 'lonely': List not "
	                                  "referred to by any other rule/macro"));
	cr_assert(engine_diag_contains(d, "test.yaml:7:3: warning: macro 'spare': Macro not "
	                                  "referred to by any other rule/macro"));
	cr_assert(!engine_diag_contains(d, "list 'inner'"));
	cr_assert(!engine_diag_contains(d, "list 'outer'"));
	cr_assert(engine_diag_contains(d, "test.yaml:11:34: warning: rule 'r': comparing a field "
	                                  "value with \"<NA>\" is unsafe"));
	engine_free(e);
	engine_diag_free(d);
}

/* ---- expansion bounds: hostile or broken rule files fail, never crash
 * or exhaust memory (a SIGHUP reload runs this inside the daemon) ---- */

/* Text grown by appending (the generated rule files below). */
struct gen {
	char *s;
	size_t n, cap;
};

__attribute__((format(printf, 2, 3))) static void gen_add(struct gen *g, const char *fmt, ...)
{
	va_list ap;
	char tmp[512];

	va_start(ap, fmt);
	int k = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	cr_assert(k > 0 && (size_t)k < sizeof(tmp));
	if (g->n + (size_t)k + 1 > g->cap) {
		g->cap = (g->cap + (size_t)k + 1) * 2;
		g->s = realloc(g->s, g->cap);
		cr_assert_not_null(g->s);
	}
	memcpy(g->s + g->n, tmp, (size_t)k + 1);
	g->n += (size_t)k;
}

/* Peak resident memory of this test process (criterion forks one per
 * test), in MB. */
/* ASan keeps freed memory in quarantine and maps shadow memory: the
 * sanitizer build's peak RSS is several times the plain one. */
#if defined(__SANITIZE_ADDRESS__)
#define RSS_SCALE 4
#else
#define RSS_SCALE 1
#endif

static long peak_rss_mb(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_maxrss / 1024;
}

static struct engine *load_gen(struct gen *g, struct engine_diag **d)
{
	struct engine *e = engine_new();

	*d = engine_diag_new();
	engine_set_append_output(e, NULL);
	if (engine_add_buffer(e, "gen.yaml", g->s, g->n, *d) < 0 || engine_compile(e, *d) < 0) {
		engine_free(e);
		e = NULL;
	}
	free(g->s);
	return e;
}

static const char gen_rule[] = "- rule: r\n  desc: d\n  condition: evt.type = execve and %s\n"
                               "  output: o\n  priority: WARNING\n";

Test(loader, exponentially_nested_macros_are_an_error_not_a_crash, .timeout = 60)
{
	struct gen g = {0};
	struct engine_diag *d;

	gen_add(&g, "- macro: m0\n  condition: proc.name = x\n");
	for (int i = 1; i < 44; i++)
		gen_add(&g, "- macro: m%d\n  condition: (m%d and m%d)\n", i, i - 1, i - 1);
	gen_add(&g, gen_rule, "m43");
	cr_assert_null(load_gen(&g, &d));
	cr_assert(engine_diag_contains(d, "gen.yaml:"), "an error with file:line:column");
	cr_assert(engine_diag_contains(d, "macros nest too much"));
	cr_assert_lt(peak_rss_mb(), 500 * RSS_SCALE);
	engine_diag_free(d);
}

Test(loader, exponentially_nested_lists_are_an_error_in_bounded_memory, .timeout = 60)
{
	struct gen g = {0};
	struct engine_diag *d;

	gen_add(&g, "- list: l0\n  items: [a, b, c, d, e, f, g, h]\n");
	for (int i = 1; i < 12; i++)
		gen_add(&g, "- list: l%d\n  items: [l%d, l%d, l%d, l%d, l%d, l%d, l%d, l%d]\n", i,
		        i - 1, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1);
	gen_add(&g, gen_rule, "proc.name in (l11)");
	gen_add(&g, "- rule: x\n  desc: d\n  condition: evt.type = execve\n  output: o\n"
	            "  priority: WARNING\n  exceptions:\n    - name: e\n      fields: proc.name\n"
	            "      values: [l11]\n");
	cr_assert_null(load_gen(&g, &d));
	cr_assert(engine_diag_contains(d, "gen.yaml:27:"), "error at the reference's line");
	cr_assert(engine_diag_contains(d, "list 'l11' is too large"));
	cr_assert(engine_diag_contains(d, "exception 'e': a list of the values is too large"));
	cr_assert_lt(peak_rss_mb(), 500 * RSS_SCALE);
	engine_diag_free(d);
}

/* An `or` of 8,000 checks and an exception of 50,000 value tuples: kid
 * arrays grow by doubling, not by a copy per append (287 MB and 9.9 GB
 * before). */
Test(loader, wide_or_and_many_exception_values_load_in_bounded_memory, .timeout = 60)
{
	struct gen g = {0};
	struct engine_diag *d;
	struct capture cap = {0};

	gen_add(&g, "- rule: r\n  desc: d\n  condition: evt.type = execve and (proc.name = p0");
	for (int i = 1; i < 8000; i++)
		gen_add(&g, " or proc.name = p%d", i);
	gen_add(&g, " or proc.name = vi)\n  output: o\n  priority: WARNING\n"
	            "  exceptions:\n    - name: e\n      fields: [proc.name, proc.exe]\n"
	            "      values:\n");
	for (int i = 0; i < 50000; i++)
		gen_add(&g, "        - [p%d, /x%d]\n", i, i);
	struct engine *e = load_gen(&g, &d);
	if (!e)
		engine_diag_print(d, stderr);
	cr_assert_not_null(e);
	struct kevent ev = exec_of(100, "vi");
	engine_eval_with(e, &ev, &tw_src, &W, capture_cb, &cap);
	cr_assert_eq(cap.n, 1);
	cr_assert_lt(peak_rss_mb(), 250 * RSS_SCALE);
	engine_free(e);
	engine_diag_free(d);
}

/* 100,000 trivial rules: names are found through a hash index, not a
 * linear search per definition (111 s before; ~4 s here). The bound is a
 * guard only. */
Test(loader, hundred_thousand_rules_validate_quickly, .timeout = 120)
{
	struct gen g = {0};
	struct engine_diag *d;
	struct timespec t0, t1;

	for (int i = 0; i < 100000; i++)
		gen_add(&g,
		        "- rule: r%d\n  desc: d\n  condition: evt.type = execve and "
		        "proc.name = p%d\n  output: o\n  priority: WARNING\n",
		        i, i);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	struct engine *e = load_gen(&g, &d);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	cr_assert_not_null(e);
	cr_assert_eq(engine_rule_count(e), 100000);
	cr_assert_eq(engine_rule_find(e, "r99999"), 99999);
	cr_assert_lt(t1.tv_sec - t0.tv_sec, 20);
	engine_free(e);
	engine_diag_free(d);
}

/* A rules path naming a FIFO is refused at once: opening it for reading
 * would otherwise block kestrel until some writer came along. */
Test(loader, rules_path_naming_a_fifo_is_refused_without_blocking)
{
	char dir[] = "/tmp/kestrel-test-fifo-XXXXXX", path[64];
	struct engine_diag *d = engine_diag_new();
	struct engine *e = engine_new();

	cr_assert_not_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/rules.yaml", dir);
	cr_assert_eq(mkfifo(path, 0600), 0);
	alarm(5); /* a regression hangs in open(): fail instead of hanging */
	cr_assert_eq(engine_add_path(e, path, d), -1);
	alarm(0);
	cr_assert(engine_diag_contains(d, "not a regular file"));
	unlink(path);
	rmdir(dir);
	engine_free(e);
	engine_diag_free(d);
}
