/*
 * test_config.c — kestrel.yaml loading: defaults, every key from a file
 * and from -o, unknown keys warned with file:line:column, bad values
 * rejected with file:line:column, and the shipped etc/kestrel.yaml.
 */
#include "config.h"

#include <criterion/criterion.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "daemon/kconfig.h"
#include "util/log.h"

static char tmpdir[] = "/tmp/kestrel-test-config-XXXXXX";
static char path[256];
static char logpath[256];

static void setup(void)
{
	cr_assert_not_null(mkdtemp(tmpdir));
	snprintf(path, sizeof(path), "%s/kestrel.yaml", tmpdir);
	snprintf(logpath, sizeof(logpath), "%s/stderr.log", tmpdir);
	log_init(1, 0, LOG_LVL_INFO);
}

static void teardown(void)
{
	unlink(path);
	unlink(logpath);
	rmdir(tmpdir);
}

TestSuite(config, .init = setup, .fini = teardown);

static void write_file(const char *text)
{
	FILE *f = fopen(path, "w");
	cr_assert_not_null(f);
	fputs(text, f);
	fclose(f);
}

/* Loads text over the defaults; captures what kestrel logged into logbuf. */
static int load_text(struct kestrel_config *cfg, const char *text, int *warnings, char *err,
                     char *logbuf, size_t loglen)
{
	write_file(text);
	cr_assert_eq(config_init(cfg), 0);
	fflush(stderr);
	int saved = dup(2);
	int fd = open(logpath, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	dup2(fd, 2);
	int rc = config_load(path, cfg, warnings, err, CONFIG_ERR_MAX);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	close(fd);
	if (logbuf) {
		FILE *f = fopen(logpath, "r");
		size_t n = fread(logbuf, 1, loglen - 1, f);
		logbuf[n] = '\0';
		fclose(f);
	}
	return rc;
}

Test(config, defaults_are_falco_compatible)
{
	struct kestrel_config c;
	cr_assert_eq(config_init(&c), 0);
	cr_expect_eq(c.nrules_files, 3);
	cr_expect(strstr(c.rules_files[0], "/kestrel/kestrel_rules.yaml") != NULL);
	cr_expect(strstr(c.rules_files[1], "/kestrel/kestrel_rules.local.yaml") != NULL);
	cr_expect(strstr(c.rules_files[2], "/kestrel/rules.d") != NULL);
	cr_expect_eq(c.priority, 7); /* debug */
	cr_expect_eq(c.rule_matching, CONFIG_MATCH_FIRST);
	cr_expect_eq(c.out.json_output, 0);
	cr_expect_eq(c.out.json_include_output_property, 1);
	cr_expect_eq(c.out.json_include_tags_property, 1);
	cr_expect_eq(c.out.json_include_message_property, 0);
	cr_expect_eq(c.out.json_include_output_fields_property, 1);
	cr_expect_eq(c.nrules_select, 0);
	cr_expect_eq(c.out.syslog_enabled, 1);
	cr_expect_eq(c.out.syslog_facility, LOG_DAEMON);
	cr_expect_str_eq(c.out.syslog_ident, "kestrel");
	cr_expect_eq(c.out.stdout_enabled, 0);
	cr_expect_eq(c.out.file_enabled, 0);
	cr_expect_eq(c.out.http_enabled, 0);
	cr_expect_eq(c.out.http_timeout_ms, 5000);
	cr_expect_eq(c.out.max_burst, 1000);
	cr_expect_eq(c.audit_mode, CONFIG_AUDIT_AUTO);
	cr_expect_eq(c.log_level, LOG_LVL_INFO);
	cr_expect_null(c.path);
	config_free(&c);
}

Test(config, every_key_is_read_from_the_file)
{
	static const char text[] =
	    "rules_files: [/r/a.yaml, /r/b.yaml]\n"
	    "priority: WARNING\n"
	    "rule_matching: all\n"
	    "json_output: true\n"
	    "json_include_output_property: false\n"
	    "json_include_tags_property: no\n"
	    "json_include_message_property: true\n"
	    "json_include_output_fields_property: false\n"
	    "time_format_iso_8601: yes\n"
	    "outputs: {rate: 2.5, max_burst: 7}\n"
	    "syslog_output: {enabled: false, facility: local3, ident: kst}\n"
	    "journal_output: {enabled: true}\n"
	    "stdout_output: {enabled: on}\n"
	    "file_output: {enabled: true, keep_alive: true, filename: /x/events.log}\n"
	    "program_output: {enabled: true, keep_alive: true, program: \"jq .\"}\n"
	    "http_output:\n"
	    "  enabled: true\n"
	    "  url: http://127.0.0.1:2801/\n"
	    "  user_agent: ua/1\n"
	    "  insecure: true\n"
	    "  ca_cert: /c/ca.pem\n"
	    "  ca_bundle: /c/bundle.pem\n"
	    "  ca_path: /c/dir\n"
	    "  mtls: true\n"
	    "  client_cert: /c/cl.crt\n"
	    "  client_key: /c/cl.key\n"
	    "  echo: true\n"
	    "  keep_alive: false\n"
	    "  timeout: 1500\n"
	    "  queue_size: 16\n"
	    "log_level: debug\n"
	    "log_stderr: false\n"
	    "log_syslog: false\n"
	    "audit:\n"
	    "  mode: multicast\n"
	    "  backlog_limit: 320\n"
	    "  backlog_wait_time: 0\n"
	    "  rate_limit: 100\n"
	    "  backpressure: block\n"
	    "  buffer_size: 65536\n"
	    "container:\n"
	    "  docker_root: /d\n"
	    "  containerd_root: /cd\n"
	    "  crio_root: /cr\n"
	    "  podman_root: /p\n"
	    "stats_interval: 30\n";
	struct kestrel_config c;
	char err[CONFIG_ERR_MAX] = "";
	int warnings = -1;
	cr_assert_eq(load_text(&c, text, &warnings, err, NULL, 0), 0, "%s", err);
	cr_expect_eq(warnings, 0);
	cr_assert_eq(c.nrules_files, 2);
	cr_expect_str_eq(c.rules_files[0], "/r/a.yaml");
	cr_expect_str_eq(c.rules_files[1], "/r/b.yaml");
	cr_expect_eq(c.priority, 4, "priority");
	cr_expect_eq(c.rule_matching, CONFIG_MATCH_ALL);
	cr_expect_eq(c.out.json_output, 1);
	cr_expect_eq(c.out.json_include_output_property, 0);
	cr_expect_eq(c.out.json_include_tags_property, 0);
	cr_expect_eq(c.out.json_include_message_property, 1);
	cr_expect_eq(c.out.json_include_output_fields_property, 0);
	cr_expect_eq(c.out.time_format_iso_8601, 1);
	cr_expect_float_eq(c.out.rate, 2.5, 1e-9);
	cr_expect_eq(c.out.max_burst, 7);
	cr_expect_eq(c.out.syslog_enabled, 0);
	cr_expect_eq(c.out.syslog_facility, LOG_LOCAL3);
	cr_expect_str_eq(c.out.syslog_ident, "kst");
	cr_expect_eq(c.out.journal_enabled, 1);
	cr_expect_eq(c.out.stdout_enabled, 1);
	cr_expect_eq(c.out.file_enabled, 1);
	cr_expect_eq(c.out.file_keep_alive, 1);
	cr_expect_str_eq(c.out.file_filename, "/x/events.log");
	cr_expect_eq(c.out.program_enabled, 1);
	cr_expect_eq(c.out.program_keep_alive, 1);
	cr_expect_str_eq(c.out.program_program, "jq .");
	cr_expect_eq(c.out.http_enabled, 1);
	cr_expect_str_eq(c.out.http_url, "http://127.0.0.1:2801/");
	cr_expect_str_eq(c.out.http_user_agent, "ua/1");
	cr_expect_eq(c.out.http_insecure, 1);
	cr_expect_str_eq(c.out.http_ca_cert, "/c/ca.pem");
	cr_expect_str_eq(c.out.http_ca_bundle, "/c/bundle.pem");
	cr_expect_str_eq(c.out.http_ca_path, "/c/dir");
	cr_expect_eq(c.out.http_mtls, 1);
	cr_expect_str_eq(c.out.http_client_cert, "/c/cl.crt");
	cr_expect_str_eq(c.out.http_client_key, "/c/cl.key");
	cr_expect_eq(c.out.http_echo, 1);
	cr_expect_eq(c.out.http_keep_alive, 0);
	cr_expect_eq(c.out.http_timeout_ms, 1500);
	cr_expect_eq(c.out.http_queue_size, 16);
	cr_expect_eq(c.log_level, LOG_LVL_DEBUG);
	cr_expect_eq(c.log_stderr, 0);
	cr_expect_eq(c.log_syslog, 0);
	cr_expect_eq(c.audit_mode, CONFIG_AUDIT_MULTICAST);
	cr_expect_eq(c.audit_backlog_limit, 320);
	cr_expect_eq(c.audit_backlog_wait_time, 0);
	cr_expect_eq(c.audit_rate_limit, 100);
	cr_expect_eq(c.audit_backpressure, CONFIG_BP_BLOCK);
	cr_expect_eq(c.audit_buffer_size, 65536);
	cr_expect_str_eq(c.container_docker_root, "/d");
	cr_expect_str_eq(c.container_containerd_root, "/cd");
	cr_expect_str_eq(c.container_crio_root, "/cr");
	cr_expect_str_eq(c.container_podman_root, "/p");
	cr_expect_eq(c.stats_interval, 30);
	cr_expect_str_eq(c.path, path);
	config_free(&c);
}

Test(config, priority_accepts_info_alias_case_insensitively)
{
	struct kestrel_config c;
	char err[CONFIG_ERR_MAX];
	cr_assert_eq(load_text(&c, "priority: Info\n", NULL, err, NULL, 0), 0, "%s", err);
	cr_expect_eq(c.priority, 6);
	config_free(&c);
}

Test(config, unknown_key_warns_with_file_line_column)
{
	struct kestrel_config c;
	char err[CONFIG_ERR_MAX], log[4096];
	int warnings = 0;
	cr_assert_eq(load_text(&c,
	                       "json_output: true\n"
	                       "file_output:\n"
	                       "  enabled: true\n"
	                       "  rotate: daily\n"
	                       "metrics: {enabled: true}\n",
	                       &warnings, err, log, sizeof(log)),
	             0, "%s", err);
	cr_expect_eq(warnings, 2);
	char want[512];
	snprintf(want, sizeof(want), "%s:4:3: unknown key 'file_output.rotate'", path);
	cr_expect(strstr(log, want) != NULL, "log: %s", log);
	snprintf(want, sizeof(want), "%s:5:1: unknown key 'metrics'", path);
	cr_expect(strstr(log, want) != NULL, "log: %s", log);
	/* the known keys around them still apply */
	cr_expect_eq(c.out.json_output, 1);
	cr_expect_eq(c.out.file_enabled, 1);
	config_free(&c);
}

Test(config, retired_flush_ms_warns_and_is_ignored)
{
	struct kestrel_config c;
	char err[CONFIG_ERR_MAX], log[4096];
	int warnings = 0;
	cr_assert_eq(load_text(&c, "audit:\n  buffer_size: 65536\n  flush_ms: 250\n", &warnings,
	                       err, log, sizeof(log)),
	             0, "%s", err);
	cr_expect_eq(warnings, 1);
	char want[512];
	snprintf(want, sizeof(want), "%s:3:3: audit.flush_ms is not supported", path);
	cr_expect(strstr(log, want) != NULL, "log: %s", log);
	cr_expect_eq(c.audit_buffer_size, 65536);
	/* -o audit.flush_ms=... warns the same way instead of failing */
	cr_expect_eq(config_set(&c, "audit.flush_ms", "250", err, sizeof(err)), 0, "%s", err);
	config_free(&c);
}

static void expect_load_error(const char *text, const char *want_suffix)
{
	struct kestrel_config c;
	char err[CONFIG_ERR_MAX] = "";
	cr_expect_eq(load_text(&c, text, NULL, err, NULL, 0), -1, "accepted: %s", text);
	char want[512];
	snprintf(want, sizeof(want), "%s:%s", path, want_suffix);
	cr_expect(strncmp(err, want, strlen(want)) == 0, "error '%s', wanted '%s'", err, want);
	config_free(&c);
}

Test(config, bad_values_are_errors_with_file_line_column)
{
	expect_load_error("json_output: maybe\n", "1:14: json_output: expected a boolean");
	expect_load_error("\npriority: loud\n", "2:11: priority: expected a priority");
	expect_load_error("outputs:\n  max_burst: 0\n",
	                  "2:14: outputs.max_burst: expected an integer");
	expect_load_error("outputs:\n  rate: fast\n", "2:9: outputs.rate: expected a number");
	expect_load_error("syslog_output:\n  facility: kernel9\n",
	                  "2:13: syslog_output.facility: expected a syslog facility");
	expect_load_error("rule_matching: some\n", "1:16: rule_matching: expected first or all");
	expect_load_error("audit:\n  mode: broadcast\n", "2:9: audit.mode: expected auto");
	expect_load_error("audit:\n  backpressure: wait\n",
	                  "2:17: audit.backpressure: expected block");
	expect_load_error("log_level: chatty\n", "1:12: log_level: expected a log level");
	expect_load_error("http_output:\n  timeout: -5\n", "2:12: http_output.timeout");
	expect_load_error("file_output: true\n", "1:14: file_output: expected a mapping");
	expect_load_error("json_output: [true]\n", "1:14: json_output: expected a single value");
	expect_load_error("rules_files: {a: b}\n", "1:14: rules_files: expected a list");
}

Test(config, kernel_filters_precise_or_broad)
{
	struct kestrel_config c;
	char err[CONFIG_ERR_MAX] = "";

	cr_assert_eq(load_text(&c, "audit:\n  kernel_filters: broad\n", NULL, err, NULL, 0), 0,
	             "%s", err);
	cr_expect_eq(c.audit_kernel_filters, CONFIG_KF_BROAD);
	config_free(&c);
	cr_assert_eq(load_text(&c, "audit:\n  kernel_filters: precise\n", NULL, err, NULL, 0), 0,
	             "%s", err);
	cr_expect_eq(c.audit_kernel_filters, CONFIG_KF_PRECISE);
	/* -o overrides the file, both ways */
	cr_expect_eq(config_set_option(&c, "audit.kernel_filters=broad", err, sizeof(err)), 0, "%s",
	             err);
	cr_expect_eq(c.audit_kernel_filters, CONFIG_KF_BROAD);
	cr_expect_eq(config_set_option(&c, "audit.kernel_filters=precise", err, sizeof(err)), 0,
	             "%s", err);
	cr_expect_eq(c.audit_kernel_filters, CONFIG_KF_PRECISE);
	cr_expect_eq(config_set_option(&c, "audit.kernel_filters=exact", err, sizeof(err)), -1);
	cr_expect_str_eq(err, "-o audit.kernel_filters: audit.kernel_filters: expected precise or "
	                      "broad, got 'exact'");
	cr_expect_eq(c.audit_kernel_filters, CONFIG_KF_PRECISE);
	config_free(&c);
	/* the default is precise */
	cr_assert_eq(config_init(&c), 0);
	cr_expect_eq(c.audit_kernel_filters, CONFIG_KF_PRECISE);
	config_free(&c);
	expect_load_error("audit:\n  kernel_filters: Broad\n",
	                  "2:19: audit.kernel_filters: expected precise or broad, got 'Broad'");
	expect_load_error("\naudit:\n  kernel_filters: none\n",
	                  "3:19: audit.kernel_filters: expected precise or broad");
}

Test(config, rule_stats_off_table_or_json)
{
	struct kestrel_config c;
	char err[CONFIG_ERR_MAX] = "";

	cr_assert_eq(config_init(&c), 0);
	cr_expect_eq(c.rule_stats, CONFIG_RS_OFF, "off by default");
	config_free(&c);
	cr_assert_eq(load_text(&c, "rule_stats: json\n", NULL, err, NULL, 0), 0, "%s", err);
	cr_expect_eq(c.rule_stats, CONFIG_RS_JSON);
	cr_expect_eq(config_set_option(&c, "rule_stats=table", err, sizeof(err)), 0, "%s", err);
	cr_expect_eq(c.rule_stats, CONFIG_RS_TABLE);
	cr_expect_eq(config_set_option(&c, "rule_stats=off", err, sizeof(err)), 0, "%s", err);
	cr_expect_eq(c.rule_stats, CONFIG_RS_OFF);
	config_free(&c);
	expect_load_error("\nrule_stats: yes\n",
	                  "2:13: rule_stats: expected off, table or json, got 'yes'");
}

/* nan compares false with any bound, and inf or a negative rate would
 * turn the limit off or make no sense: all are errors, not "no limit". */
Test(config, non_finite_or_negative_numbers_are_errors)
{
	static const char *const bad[] = {"nan", "NaN", "-nan", "inf", "-inf", "infinity", "-1",
	                                  "-0.5", "1e400"};
	struct kestrel_config c;
	char err[CONFIG_ERR_MAX];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char text[64], want[128];
		snprintf(text, sizeof(text), "outputs:\n  rate: %s\n", bad[i]);
		snprintf(want, sizeof(want), "2:9: outputs.rate: expected a number between 0 and "
		                             "1000000, got '%s'", bad[i]);
		expect_load_error(text, want);
		cr_assert_eq(config_init(&c), 0);
		cr_expect_eq(config_set(&c, "outputs.rate", bad[i], err, sizeof(err)), -1,
		             "-o outputs.rate=%s accepted", bad[i]);
		cr_expect_float_eq(c.out.rate, 1.0, 1e-9, "the default rate stays");
		config_free(&c);
	}
	cr_assert_eq(load_text(&c, "outputs:\n  rate: 0\n", NULL, err, NULL, 0), 0, "%s", err);
	cr_expect_float_eq(c.out.rate, 0.0, 1e-9, "0 (no limit) stays allowed");
	config_free(&c);
}

Test(config, yaml_syntax_error_names_the_position)
{
	struct kestrel_config c;
	char err[CONFIG_ERR_MAX] = "";
	cr_expect_eq(load_text(&c, "json_output: true\n  bad: [\n", NULL, err, NULL, 0), -1);
	char want[300];
	snprintf(want, sizeof(want), "%s:2:", path);
	cr_expect(strncmp(err, want, strlen(want)) == 0, "error '%s'", err);
	config_free(&c);
}

Test(config, missing_file_is_an_error_naming_it)
{
	struct kestrel_config c;
	char err[CONFIG_ERR_MAX] = "";
	cr_assert_eq(config_init(&c), 0);
	cr_expect_eq(config_load("/nonexistent/kestrel.yaml", &c, NULL, err, sizeof(err)), -1);
	cr_expect_str_eq(err, "/nonexistent/kestrel.yaml: No such file or directory");
	config_free(&c);
}

Test(config, empty_file_keeps_defaults)
{
	struct kestrel_config c;
	char err[CONFIG_ERR_MAX];
	cr_assert_eq(load_text(&c, "# nothing\n", NULL, err, NULL, 0), 0, "%s", err);
	cr_expect_eq(c.out.syslog_enabled, 1);
	cr_expect_eq(c.nrules_files, 3);
	config_free(&c);
}

Test(config, append_output_entries_are_parsed)
{
	struct kestrel_config c;
	char err[CONFIG_ERR_MAX], log[4096];
	int warnings = 0;
	cr_assert_eq(load_text(&c,
	                       "append_output:\n"
	                       "  - suggested_output: false\n"
	                       "  - match: {rule: Terminal shell in container, source: syscall,\n"
	                       "            tags: [shell, container]}\n"
	                       "    extra_output: \"ppid=%proc.ppid\"\n"
	                       "    extra_fields: [proc.ppid]\n"
	                       "  - extra_output: \"host=%evt.hostname\"\n",
	                       &warnings, err, log, sizeof(log)),
	             0, "%s", err);
	/* extra_fields is parsed but not applied yet: never silently */
	cr_expect_eq(warnings, 1);
	char want[512];
	snprintf(want, sizeof(want),
	         "%s:6:5: append_output.extra_fields: not supported yet (the fields are not added "
	         "to alerts' output_fields), ignored",
	         path);
	cr_expect(strstr(log, want) != NULL, "log: %s", log);
	cr_expect_eq(c.suggested_output, 0);
	cr_assert_eq(c.nappend_output, 2);
	cr_expect_str_eq(c.append_output[0].match_rule, "Terminal shell in container");
	cr_expect_str_eq(c.append_output[0].match_source, "syscall");
	cr_assert_eq(c.append_output[0].nmatch_tags, 2);
	cr_expect_str_eq(c.append_output[0].match_tags[1], "container");
	cr_expect_str_eq(c.append_output[0].extra_output, "ppid=%proc.ppid");
	cr_assert_eq(c.append_output[0].nextra_fields, 1);
	cr_expect_str_eq(c.append_output[0].extra_fields[0], "proc.ppid");
	cr_expect_null(c.append_output[1].match_rule);
	cr_expect_str_eq(c.append_output[1].extra_output, "host=%evt.hostname");
	config_free(&c);
}

Test(config, rules_selection_entries_are_kept_in_order)
{
	struct kestrel_config c;
	char err[CONFIG_ERR_MAX];
	cr_assert_eq(load_text(&c,
	                       "rules:\n"
	                       "  - disable:\n"
	                       "      rule: \"*\"\n"
	                       "  - enable:\n"
	                       "      rule: Netcat Remote Code Execution in Container\n"
	                       "  - disable: {tag: network}\n",
	                       NULL, err, NULL, 0),
	             0, "%s", err);
	cr_assert_eq(c.nrules_select, 3);
	cr_expect_eq(c.rules_select[0].enable, 0);
	cr_expect_str_eq(c.rules_select[0].rule, "*");
	cr_expect_eq(c.rules_select[1].enable, 1);
	cr_expect_str_eq(c.rules_select[1].rule, "Netcat Remote Code Execution in Container");
	cr_expect_null(c.rules_select[2].rule);
	cr_expect_str_eq(c.rules_select[2].tag, "network");
	config_free(&c);
	expect_load_error("rules:\n  - remove: {rule: x}\n", "2:5: rules: each entry must be");
	expect_load_error("rules:\n  - enable: {name: x}\n", "2:14: rules: each entry must be");
}

Test(config, option_overrides_set_nested_keys)
{
	struct kestrel_config c;
	char err[CONFIG_ERR_MAX];
	cr_assert_eq(config_init(&c), 0);
	cr_expect_eq(config_set(&c, "file_output.enabled", "true", err, sizeof(err)), 0, "%s", err);
	cr_expect_eq(c.out.file_enabled, 1);
	cr_expect_eq(
	    config_set_option(&c, "http_output.url=http://127.0.0.1:9/x=y", err, sizeof(err)), 0,
	    "%s", err);
	cr_expect_str_eq(c.out.http_url, "http://127.0.0.1:9/x=y");
	cr_expect_eq(config_set_option(&c, "priority=error", err, sizeof(err)), 0, "%s", err);
	cr_expect_eq(c.priority, 3);
	cr_expect_eq(config_set_option(&c, "syslog_output.facility=local7", err, sizeof(err)), 0);
	cr_expect_eq(c.out.syslog_facility, LOG_LOCAL7);
	config_free(&c);
}

Test(config, option_rules_files_replaces_or_appends)
{
	struct kestrel_config c;
	char err[CONFIG_ERR_MAX];
	cr_assert_eq(config_init(&c), 0);
	cr_assert_eq(config_set(&c, "rules_files", "/a.yaml", err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(c.nrules_files, 1);
	cr_expect_str_eq(c.rules_files[0], "/a.yaml");
	cr_assert_eq(config_set(&c, "rules_files[]", "/b.yaml", err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(c.nrules_files, 2);
	cr_expect_str_eq(c.rules_files[1], "/b.yaml");
	config_free(&c);
}

Test(config, option_errors_name_the_option)
{
	struct kestrel_config c;
	char err[CONFIG_ERR_MAX];
	cr_assert_eq(config_init(&c), 0);
	cr_expect_eq(config_set(&c, "file_output.enable", "true", err, sizeof(err)), -1);
	cr_expect_str_eq(err, "-o file_output.enable: unknown key");
	cr_expect_eq(config_set(&c, "outputs.max_burst", "lots", err, sizeof(err)), -1);
	cr_expect(strncmp(err, "-o outputs.max_burst: outputs.max_burst: expected an integer",
	                  strlen("-o outputs.max_burst: outputs.max_burst: expected an integer")) ==
	              0,
	          "%s", err);
	cr_expect_eq(config_set(&c, "json_output[]", "true", err, sizeof(err)), -1);
	cr_expect_eq(config_set(&c, "rules", "x", err, sizeof(err)), -1);
	cr_expect_str_eq(err, "-o rules: rules: expected a list of enable/disable entries, got 'x'");
	cr_expect_eq(config_set_option(&c, "json_output", err, sizeof(err)), -1);
	cr_expect_str_eq(err, "-o json_output: expected key=value");
	cr_expect_eq(c.out.json_output, 0);
	config_free(&c);
}

Test(config, shipped_file_loads_without_warnings)
{
	const char *src = getenv("KESTREL_SRCDIR");
	if (!src)
		src = KESTREL_SRCDIR;
	char shipped[512];
	snprintf(shipped, sizeof(shipped), "%s/etc/kestrel.yaml", src);
	struct kestrel_config c, d;
	char err[CONFIG_ERR_MAX] = "";
	int warnings = -1;
	cr_assert_eq(config_init(&c), 0);
	cr_assert_eq(config_init(&d), 0);
	cr_assert_eq(config_load(shipped, &c, &warnings, err, sizeof(err)), 0, "%s", err);
	cr_expect_eq(warnings, 0);
	/* The shipped file documents the built-in defaults, it does not change them. */
	cr_expect_eq(c.priority, d.priority);
	cr_expect_eq(c.out.syslog_enabled, d.out.syslog_enabled);
	cr_expect_eq(c.out.syslog_facility, d.out.syslog_facility);
	cr_expect_eq(c.out.journal_enabled, d.out.journal_enabled);
	cr_expect_eq(c.out.stdout_enabled, d.out.stdout_enabled);
	cr_expect_eq(c.out.file_enabled, d.out.file_enabled);
	cr_expect_str_eq(c.out.file_filename, d.out.file_filename);
	cr_expect_eq(c.out.http_enabled, d.out.http_enabled);
	cr_expect_eq(c.out.http_timeout_ms, d.out.http_timeout_ms);
	cr_expect_eq(c.out.max_burst, d.out.max_burst);
	cr_expect_float_eq(c.out.rate, d.out.rate, 1e-9);
	cr_expect_eq(c.audit_backlog_limit, d.audit_backlog_limit);
	cr_expect_eq(c.audit_buffer_size, d.audit_buffer_size);
	cr_expect_eq(c.suggested_output, 1);
	cr_expect_eq(c.nappend_output, 0);
	cr_expect_eq(c.nrules_files, 3);
	cr_expect_str_eq(c.rules_files[0], "/etc/kestrel/kestrel_rules.yaml");
	config_free(&c);
	config_free(&d);
}

Test(config, falco_yaml_loads_with_warnings_for_unsupported_keys)
{
	const char *src = getenv("KESTREL_SRCDIR");
	if (!src)
		src = KESTREL_SRCDIR;
	char falco[512];
	snprintf(falco, sizeof(falco), "%s/../shared/fixtures/falco/config/falco.yaml", src);
	if (access(falco, R_OK) != 0)
		cr_skip_test("falco_yaml_loads_with_warnings_for_unsupported_keys: %s missing",
		             falco);
	struct kestrel_config c;
	char err[CONFIG_ERR_MAX] = "";
	int warnings = 0;
	cr_assert_eq(config_init(&c), 0);
	fflush(stderr);
	int saved = dup(2);
	int fd = open("/dev/null", O_WRONLY);
	dup2(fd, 2);
	int rc = config_load(falco, &c, &warnings, err, sizeof(err));
	dup2(saved, 2);
	close(saved);
	close(fd);
	cr_expect_eq(rc, 0, "%s", err);
	cr_expect_gt(warnings, 0);
	/* Falco's shipped values for the keys kestrel shares */
	cr_expect_eq(c.out.stdout_enabled, 1);
	cr_expect_eq(c.out.syslog_enabled, 1);
	cr_expect_str_eq(c.rules_files[0], "/etc/falco/falco_rules.yaml");
	config_free(&c);
}

/* A hostile config nested far deeper than any real one is refused at the
 * first node past the limit, before libyaml (quadratic in depth) builds it. */
Test(config, deep_nesting_is_refused_with_its_position)
{
	enum { DEPTH = 20000 };
	char *text = malloc(2 * DEPTH + 32);
	cr_assert_not_null(text);
	size_t n = (size_t)sprintf(text, "json_output: ");
	for (int i = 0; i < DEPTH; i++)
		text[n++] = '[';
	for (int i = 0; i < DEPTH; i++)
		text[n++] = ']';
	text[n++] = '\n';
	text[n] = '\0';
	struct kestrel_config c;
	char err[CONFIG_ERR_MAX] = "";
	cr_expect_eq(load_text(&c, text, NULL, err, NULL, 0), -1);
	char want[300];
	snprintf(want, sizeof(want), "%s:1:", path);
	cr_expect(strncmp(err, want, strlen(want)) == 0, "error '%s'", err);
	cr_expect(strstr(err, "nested deeper") != NULL, "error '%s'", err);
	config_free(&c);
	free(text);
}

Test(config, webserver_keys_with_falco_names_and_defaults)
{
	struct kestrel_config c;
	char err[CONFIG_ERR_MAX];
	cr_assert_eq(config_init(&c), 0);
	cr_expect_eq(c.web_enabled, 0);
	cr_expect_eq(c.web_prometheus, 0);
	cr_expect_eq(c.web_listen_port, 8765);
	cr_expect_str_eq(c.web_listen_address, "127.0.0.1");
	cr_expect_str_eq(c.web_healthz_endpoint, "/healthz");
	config_free(&c);
	cr_assert_eq(load_text(&c,
	                       "webserver:\n"
	                       "  enabled: true\n"
	                       "  listen_address: \"::1\"\n"
	                       "  listen_port: 9376\n"
	                       "  k8s_healthz_endpoint: /health\n"
	                       "  prometheus_metrics_enabled: true\n",
	                       NULL, err, NULL, 0),
	             0, "%s", err);
	cr_expect_eq(c.web_enabled, 1);
	cr_expect_eq(c.web_prometheus, 1);
	cr_expect_eq(c.web_listen_port, 9376);
	cr_expect_str_eq(c.web_listen_address, "::1");
	cr_expect_str_eq(c.web_healthz_endpoint, "/health");
	config_free(&c);
	cr_expect_neq(load_text(&c, "webserver: {listen_port: 70000}\n", NULL, err, NULL, 0), 0);
	cr_expect(strstr(err, "listen_port") != NULL, "%s", err);
	config_free(&c);
}
