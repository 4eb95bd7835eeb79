/*
 * config.c — struct kestrel_config: its defaults, the table listing every
 * key with its type and place in the struct, and -o key=value overrides.
 * The YAML walker (config_yaml.c) and config_set() both go through the
 * table, so a key parses the same from the file and the command line.
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <syslog.h>

#include "daemon/kconfig.h"
#include "daemon/kconfig_int.h"
#include "record/assemble.h"
#include "util/log.h"

#ifndef SYSCONFDIR
#define SYSCONFDIR "/etc"
#endif

#define OFF(m) offsetof(struct kestrel_config, m)

static const struct ckey ckeys[] = {
    {"rules_files", K_STRLIST, OFF(rules_files), 0, 0},
    {"priority", K_PRIORITY, OFF(priority), 0, 0},
    {"rule_matching", K_MATCHING, OFF(rule_matching), 0, 0},
    {"json_output", K_BOOL, OFF(out.json_output), 0, 0},
    {"json_include_output_property", K_BOOL, OFF(out.json_include_output_property), 0, 0},
    {"json_include_tags_property", K_BOOL, OFF(out.json_include_tags_property), 0, 0},
    {"json_include_message_property", K_BOOL, OFF(out.json_include_message_property), 0, 0},
    {"json_include_output_fields_property", K_BOOL,
     OFF(out.json_include_output_fields_property), 0, 0},
    {"rules", K_RULES_SELECT, OFF(rules_select), 0, 0},
    {"time_format_iso_8601", K_BOOL, OFF(out.time_format_iso_8601), 0, 0},
    {"append_output", K_APPEND_OUTPUT, OFF(append_output), 0, 0},
    {"outputs.rate", K_DOUBLE, OFF(out.rate), 0, 1000000},
    {"outputs.max_burst", K_INT, OFF(out.max_burst), 1, 10000000},
    {"syslog_output.enabled", K_BOOL, OFF(out.syslog_enabled), 0, 0},
    {"syslog_output.facility", K_FACILITY, OFF(out.syslog_facility), 0, 0},
    {"syslog_output.ident", K_STR, OFF(out.syslog_ident), 0, 0},
    {"journal_output.enabled", K_BOOL, OFF(out.journal_enabled), 0, 0},
    {"stdout_output.enabled", K_BOOL, OFF(out.stdout_enabled), 0, 0},
    {"file_output.enabled", K_BOOL, OFF(out.file_enabled), 0, 0},
    {"file_output.keep_alive", K_BOOL, OFF(out.file_keep_alive), 0, 0},
    {"file_output.filename", K_STR, OFF(out.file_filename), 0, 0},
    {"program_output.enabled", K_BOOL, OFF(out.program_enabled), 0, 0},
    {"program_output.keep_alive", K_BOOL, OFF(out.program_keep_alive), 0, 0},
    {"program_output.program", K_STR, OFF(out.program_program), 0, 0},
    {"http_output.enabled", K_BOOL, OFF(out.http_enabled), 0, 0},
    {"http_output.url", K_STR, OFF(out.http_url), 0, 0},
    {"http_output.user_agent", K_STR, OFF(out.http_user_agent), 0, 0},
    {"http_output.insecure", K_BOOL, OFF(out.http_insecure), 0, 0},
    {"http_output.ca_cert", K_STR, OFF(out.http_ca_cert), 0, 0},
    {"http_output.ca_bundle", K_STR, OFF(out.http_ca_bundle), 0, 0},
    {"http_output.ca_path", K_STR, OFF(out.http_ca_path), 0, 0},
    {"http_output.mtls", K_BOOL, OFF(out.http_mtls), 0, 0},
    {"http_output.client_cert", K_STR, OFF(out.http_client_cert), 0, 0},
    {"http_output.client_key", K_STR, OFF(out.http_client_key), 0, 0},
    {"http_output.echo", K_BOOL, OFF(out.http_echo), 0, 0},
    {"http_output.keep_alive", K_BOOL, OFF(out.http_keep_alive), 0, 0},
    {"http_output.timeout", K_INT, OFF(out.http_timeout_ms), 1, 600000},
    {"http_output.queue_size", K_INT, OFF(out.http_queue_size), 1, 1000000},
    {"log_level", K_LOGLEVEL, OFF(log_level), 0, 0},
    {"log_stderr", K_BOOL, OFF(log_stderr), 0, 0},
    {"log_syslog", K_BOOL, OFF(log_syslog), 0, 0},
    {"audit.mode", K_AUDITMODE, OFF(audit_mode), 0, 0},
    {"audit.backlog_limit", K_LONG, OFF(audit_backlog_limit), -1, INT_MAX},
    {"audit.backlog_wait_time", K_LONG, OFF(audit_backlog_wait_time), -1, INT_MAX},
    {"audit.rate_limit", K_LONG, OFF(audit_rate_limit), -1, INT_MAX},
    {"audit.backpressure", K_BACKPRESSURE, OFF(audit_backpressure), 0, 0},
    {"audit.kernel_filters", K_KFILTERS, OFF(audit_kernel_filters), 0, 0},
    {"audit.buffer_size", K_LONG, OFF(audit_buffer_size), 4096, INT_MAX},
    {"container.docker_root", K_STR, OFF(container_docker_root), 0, 0},
    {"container.containerd_root", K_STR, OFF(container_containerd_root), 0, 0},
    {"container.crio_root", K_STR, OFF(container_crio_root), 0, 0},
    {"container.podman_root", K_STR, OFF(container_podman_root), 0, 0},
    {"stats_interval", K_LONG, OFF(stats_interval), 0, 86400},
    {"rule_stats", K_RULESTATS, OFF(rule_stats), 0, 0},
    {"webserver.enabled", K_BOOL, OFF(web_enabled), 0, 0},
    {"webserver.listen_address", K_STR, OFF(web_listen_address), 0, 0},
    {"webserver.listen_port", K_INT, OFF(web_listen_port), 1, 65535},
    {"webserver.k8s_healthz_endpoint", K_STR, OFF(web_healthz_endpoint), 0, 0},
    {"webserver.prometheus_metrics_enabled", K_BOOL, OFF(web_prometheus), 0, 0},
};

#define NCKEYS (sizeof(ckeys) / sizeof(ckeys[0]))

/*
 * Keys once shipped that kestrel no longer reads. Fills why and returns 1
 * when name is one: setting it warns (file:line or -o) instead of failing.
 */
int config_retired_key(const char *name, char *why, size_t len)
{
	if (strcmp(name, "audit.flush_ms") != 0)
		return 0;
	snprintf(why, len,
	         "%s is not supported (it never had an effect: an incomplete event is flushed "
	         "after a fixed %d ms), ignored",
	         name, ASM_LIVE_TIMEOUT_MS);
	return 1;
}

static const char *const priority_names[] = {
    "emergency", "alert", "critical", "error", "warning", "notice", "informational", "debug",
};
#define NPRIORITIES 8

static const struct {
	const char *name;
	int value;
} facilities[] = {
    {"kern", LOG_KERN},     {"user", LOG_USER},         {"mail", LOG_MAIL},
    {"daemon", LOG_DAEMON}, {"auth", LOG_AUTH},         {"syslog", LOG_SYSLOG},
    {"lpr", LOG_LPR},       {"news", LOG_NEWS},         {"uucp", LOG_UUCP},
    {"cron", LOG_CRON},     {"authpriv", LOG_AUTHPRIV}, {"ftp", LOG_FTP},
    {"local0", LOG_LOCAL0}, {"local1", LOG_LOCAL1},     {"local2", LOG_LOCAL2},
    {"local3", LOG_LOCAL3}, {"local4", LOG_LOCAL4},     {"local5", LOG_LOCAL5},
    {"local6", LOG_LOCAL6}, {"local7", LOG_LOCAL7},
};

int config_facility_parse(const char *s)
{
	for (size_t i = 0; i < sizeof(facilities) / sizeof(facilities[0]); i++)
		if (strcasecmp(s, facilities[i].name) == 0)
			return facilities[i].value;
	return -1;
}

static int parse_priority(const char *s)
{
	for (int i = 0; i < NPRIORITIES; i++)
		if (strcasecmp(s, priority_names[i]) == 0)
			return i;
	if (strcasecmp(s, "info") == 0)
		return NPRIORITIES - 2;
	return -1;
}

int config_parse_bool(const char *s)
{
	static const char *const yes[] = {"true", "yes", "on"};
	static const char *const no[] = {"false", "no", "off"};
	for (size_t i = 0; i < 3; i++) {
		if (strcasecmp(s, yes[i]) == 0)
			return 1;
		if (strcasecmp(s, no[i]) == 0)
			return 0;
	}
	return -1;
}

char **config_strv_push(char ***v, int *n, const char *s)
{
	char *copy = strdup(s);
	char **nv = copy ? realloc(*v, sizeof(char *) * (size_t)(*n + 1)) : NULL;
	if (!nv) {
		free(copy);
		return NULL;
	}
	nv[(*n)++] = copy;
	*v = nv;
	return nv;
}

void config_strv_free(char ***v, int *n)
{
	for (int i = 0; i < *n; i++)
		free((*v)[i]);
	free(*v);
	*v = NULL;
	*n = 0;
}

void config_append_output_free(struct kestrel_config *cfg)
{
	for (int i = 0; i < cfg->nappend_output; i++) {
		struct config_append_output *a = &cfg->append_output[i];
		free(a->match_rule);
		free(a->match_source);
		config_strv_free(&a->match_tags, &a->nmatch_tags);
		free(a->extra_output);
		config_strv_free(&a->extra_fields, &a->nextra_fields);
	}
	free(cfg->append_output);
	cfg->append_output = NULL;
	cfg->nappend_output = 0;
}

void config_rules_select_free(struct kestrel_config *cfg)
{
	for (int i = 0; i < cfg->nrules_select; i++) {
		free(cfg->rules_select[i].rule);
		free(cfg->rules_select[i].tag);
	}
	free(cfg->rules_select);
	cfg->rules_select = NULL;
	cfg->nrules_select = 0;
}

int config_set_str(char **dst, const char *s)
{
	char *copy = strdup(s);
	if (!copy)
		return -1;
	free(*dst);
	*dst = copy;
	return 0;
}

int config_init(struct kestrel_config *cfg)
{
	static const char *const rules[] = {
	    SYSCONFDIR "/kestrel/kestrel_rules.yaml",
	    SYSCONFDIR "/kestrel/kestrel_rules.local.yaml",
	    SYSCONFDIR "/kestrel/rules.d",
	};
	memset(cfg, 0, sizeof(*cfg));
	for (size_t i = 0; i < sizeof(rules) / sizeof(rules[0]); i++)
		if (!config_strv_push(&cfg->rules_files, &cfg->nrules_files, rules[i]))
			goto err;
	cfg->priority = NPRIORITIES - 1; /* debug: load every rule */
	cfg->rule_matching = CONFIG_MATCH_FIRST;
	cfg->out.json_include_output_property = 1;
	cfg->out.json_include_tags_property = 1;
	cfg->out.json_include_output_fields_property = 1;
	cfg->suggested_output = 1;
	cfg->out.rate = 1;
	cfg->out.max_burst = 1000;
	cfg->out.syslog_enabled = 1;
	cfg->out.syslog_facility = LOG_DAEMON;
	cfg->out.file_keep_alive = 0;
	cfg->out.http_insecure = 0;
	cfg->out.http_keep_alive = 1;
	cfg->out.http_timeout_ms = 5000;
	cfg->out.http_queue_size = 1024;
	cfg->log_level = LOG_LVL_INFO;
	cfg->log_stderr = 1;
	cfg->log_syslog = 1;
	cfg->audit_mode = CONFIG_AUDIT_AUTO;
	cfg->audit_backlog_limit = 8192;
	cfg->audit_backlog_wait_time = -1;
	cfg->audit_rate_limit = -1;
	cfg->audit_backpressure = CONFIG_BP_DROP;
	cfg->audit_kernel_filters = CONFIG_KF_PRECISE;
	cfg->audit_buffer_size = 8 * 1024 * 1024;
	cfg->stats_interval = 0;
	cfg->web_listen_port = 8765; /* Falco's */
	if (config_set_str(&cfg->out.syslog_ident, "kestrel") < 0 ||
	    config_set_str(&cfg->out.file_filename, "/var/log/kestrel/events.txt") < 0 ||
	    config_set_str(&cfg->out.program_program, "") < 0 ||
	    config_set_str(&cfg->out.http_url, "") < 0 ||
	    config_set_str(&cfg->out.http_user_agent, PACKAGE_NAME "/" PACKAGE_VERSION) < 0 ||
	    config_set_str(&cfg->out.http_ca_cert, "") < 0 ||
	    config_set_str(&cfg->out.http_ca_bundle, "") < 0 ||
	    config_set_str(&cfg->out.http_ca_path, "/etc/ssl/certs") < 0 ||
	    config_set_str(&cfg->out.http_client_cert, "/etc/ssl/certs/client.crt") < 0 ||
	    config_set_str(&cfg->out.http_client_key, "/etc/ssl/certs/client.key") < 0 ||
	    config_set_str(&cfg->container_docker_root, "/var/lib/docker") < 0 ||
	    config_set_str(&cfg->web_listen_address, "127.0.0.1") < 0 ||
	    config_set_str(&cfg->web_healthz_endpoint, "/healthz") < 0 ||
	    config_set_str(&cfg->container_containerd_root, "/run/containerd") < 0 ||
	    config_set_str(&cfg->container_crio_root, "/var/lib/containers/storage") < 0 ||
	    config_set_str(&cfg->container_podman_root, "/var/lib/containers/storage") < 0)
		goto err;
	return 0;
err:
	config_free(cfg);
	return -1;
}

void config_free(struct kestrel_config *cfg)
{
	free(cfg->path);
	config_strv_free(&cfg->rules_files, &cfg->nrules_files);
	config_append_output_free(cfg);
	config_rules_select_free(cfg);
	for (size_t i = 0; i < NCKEYS; i++)
		if (ckeys[i].type == K_STR) {
			char **p = (char **)((char *)cfg + ckeys[i].off);
			free(*p);
		}
	memset(cfg, 0, sizeof(*cfg));
}

const struct ckey *config_ckey_find(const char *name)
{
	for (size_t i = 0; i < NCKEYS; i++)
		if (strcmp(ckeys[i].name, name) == 0)
			return &ckeys[i];
	return NULL;
}

/* True when name is a section ("file_output") holding known keys. */
int config_ckey_is_section(const char *name)
{
	size_t n = strlen(name);
	for (size_t i = 0; i < NCKEYS; i++)
		if (strncmp(ckeys[i].name, name, n) == 0 && ckeys[i].name[n] == '.')
			return 1;
	return 0;
}

static int parse_number(const char *s, long min, long max, long *out)
{
	char *end;
	errno = 0;
	long v = strtol(s, &end, 0);
	if (errno || end == s || *end || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

/* What each key type expects, for error messages. */
static const char *const ckey_expect[] = {
    [K_BOOL] = "a boolean (true or false)",
    [K_INT] = "an integer",
    [K_LONG] = "an integer",
    [K_DOUBLE] = "a number",
    [K_STR] = "a string",
    [K_STRLIST] = "a list of paths",
    [K_PRIORITY] = "a priority (emergency, alert, critical, error, warning, notice, "
                   "informational, debug)",
    [K_LOGLEVEL] = "a log level (emergency ... debug)",
    [K_FACILITY] = "a syslog facility (user, daemon, authpriv, local0 ... local7, ...)",
    [K_MATCHING] = "first or all",
    [K_AUDITMODE] = "auto, unicast or multicast",
    [K_BACKPRESSURE] = "block or drop",
    [K_KFILTERS] = "precise or broad",
    [K_RULESTATS] = "off, table or json",
    [K_APPEND_OUTPUT] = "a list of append_output entries",
    [K_RULES_SELECT] = "a list of enable/disable entries",
};

/* The words of the keyword-valued keys and what they set. */
static const struct {
	int type;
	const char *word;
	int value;
} ckey_words[] = {
    {K_MATCHING, "first", CONFIG_MATCH_FIRST},     {K_MATCHING, "all", CONFIG_MATCH_ALL},
    {K_AUDITMODE, "auto", CONFIG_AUDIT_AUTO},      {K_AUDITMODE, "unicast", CONFIG_AUDIT_UNICAST},
    {K_AUDITMODE, "multicast", CONFIG_AUDIT_MULTICAST},
    {K_BACKPRESSURE, "block", CONFIG_BP_BLOCK},    {K_BACKPRESSURE, "drop", CONFIG_BP_DROP},
    {K_KFILTERS, "precise", CONFIG_KF_PRECISE},    {K_KFILTERS, "broad", CONFIG_KF_BROAD},
    {K_RULESTATS, "off", CONFIG_RS_OFF},           {K_RULESTATS, "table", CONFIG_RS_TABLE},
    {K_RULESTATS, "json", CONFIG_RS_JSON},
};

/* A keyword-valued key: 0 set, -1 not one of its words. */
static int set_keyword(struct kestrel_config *cfg, int type, const char *v)
{
	for (size_t i = 0; i < sizeof(ckey_words) / sizeof(ckey_words[0]); i++) {
		if (ckey_words[i].type != type || strcmp(ckey_words[i].word, v) != 0)
			continue;
		int val = ckey_words[i].value;
		if (type == K_MATCHING)
			cfg->rule_matching = val;
		else if (type == K_AUDITMODE)
			cfg->audit_mode = val;
		else if (type == K_BACKPRESSURE)
			cfg->audit_backpressure = val;
		else if (type == K_RULESTATS)
			cfg->rule_stats = val;
		else
			cfg->audit_kernel_filters = val;
		return 0;
	}
	return -1;
}

/* A numeric key within its bounds: 0 set, -1 not a number in range (nan
 * compares false with every bound, so it is checked first). */
static int set_number(const struct ckey *k, void *p, const char *v)
{
	long n;
	if (k->type == K_DOUBLE) {
		char *end;
		errno = 0;
		double d = strtod(v, &end);
		if (errno || end == v || *end || !isfinite(d) || d < (double)k->min ||
		    d > (double)k->max)
			return -1;
		*(double *)p = d;
		return 0;
	}
	if (parse_number(v, k->min, k->max, &n) < 0)
		return -1;
	if (k->type == K_INT)
		*(int *)p = (int)n;
	else
		*(long *)p = n;
	return 0;
}

/* An int-valued key parsed by fn: 0 set, -1 bad. */
static int set_parsed(void *p, const char *v, int (*fn)(const char *))
{
	int i = fn(v);
	if (i < 0)
		return -1;
	*(int *)p = i;
	return 0;
}

/* append_output as a plain string: one entry appended to every rule. */
static int set_append_output(struct kestrel_config *cfg, const char *v)
{
	struct config_append_output *a = calloc(1, sizeof(*a));
	if (!a || !(a->extra_output = strdup(v))) {
		free(a);
		return -1;
	}
	config_append_output_free(cfg);
	cfg->append_output = a;
	cfg->nappend_output = 1;
	return 0;
}

static int set_error(const struct ckey *k, const char *v, const char *where, char *err,
                     size_t errlen)
{
	if (k->type == K_INT || k->type == K_LONG || k->type == K_DOUBLE)
		snprintf(err, errlen, "%s: %s: expected %s between %ld and %ld, got '%s'", where,
		         k->name, ckey_expect[k->type], k->min, k->max, v);
	else
		snprintf(err, errlen, "%s: %s: expected %s, got '%s'", where, k->name,
		         ckey_expect[k->type], v);
	return -1;
}

/*
 * Sets one scalar key from its text. where is "file:line:column" or
 * "-o key": the prefix of any error.
 */
int config_set_scalar(struct kestrel_config *cfg, const struct ckey *k, const char *v,
                      const char *where, char *err, size_t errlen)
{
	void *p = (char *)cfg + k->off;
	int rc = -1, nomem = 0;

	switch (k->type) {
	case K_BOOL:
		rc = set_parsed(p, v, config_parse_bool);
		break;
	case K_INT:
	case K_LONG:
	case K_DOUBLE:
		rc = set_number(k, p, v);
		break;
	case K_STR:
		nomem = (rc = config_set_str((char **)p, v)) < 0;
		break;
	case K_STRLIST:
		config_strv_free(&cfg->rules_files, &cfg->nrules_files);
		nomem = (rc = config_strv_push(&cfg->rules_files, &cfg->nrules_files, v) ? 0 : -1) < 0;
		break;
	case K_PRIORITY:
		rc = set_parsed(p, v, parse_priority);
		break;
	case K_LOGLEVEL:
		rc = set_parsed(p, v, log_level_parse);
		break;
	case K_FACILITY:
		rc = set_parsed(p, v, config_facility_parse);
		break;
	case K_MATCHING:
	case K_AUDITMODE:
	case K_BACKPRESSURE:
	case K_KFILTERS:
	case K_RULESTATS:
		rc = set_keyword(cfg, k->type, v);
		break;
	case K_APPEND_OUTPUT:
		nomem = (rc = set_append_output(cfg, v)) < 0;
		break;
	case K_RULES_SELECT:
		break; /* only from the file */
	}
	if (rc == 0)
		return 0;
	if (nomem) {
		snprintf(err, errlen, "%s: %s: out of memory", where, k->name);
		return -1;
	}
	return set_error(k, v, where, err, errlen);
}

int config_set(struct kestrel_config *cfg, const char *key, const char *value, char *err,
               size_t errlen)
{
	char where[CONFIG_KEY_MAX + 8];
	char name[CONFIG_KEY_MAX];
	snprintf(where, sizeof(where), "-o %s", key);
	size_t n = strlen(key);
	int append = n > 2 && strcmp(key + n - 2, "[]") == 0;
	if (n - (append ? 2 : 0) >= sizeof(name)) {
		snprintf(err, errlen, "%s: unknown key", where);
		return -1;
	}
	memcpy(name, key, n - (append ? 2 : 0));
	name[n - (append ? 2 : 0)] = '\0';
	const struct ckey *k = config_ckey_find(name);
	char why[CONFIG_ERR_MAX];
	if (!k && config_retired_key(name, why, sizeof(why))) {
		log_warnx("%s: %s", where, why);
		return 0;
	}
	if (!k) {
		snprintf(err, errlen, "%s: unknown key", where);
		return -1;
	}
	if (append) {
		if (k->type != K_STRLIST) {
			snprintf(err, errlen, "%s: '%s' is not a list", where, name);
			return -1;
		}
		if (!config_strv_push(&cfg->rules_files, &cfg->nrules_files, value)) {
			snprintf(err, errlen, "%s: out of memory", where);
			return -1;
		}
		return 0;
	}
	return config_set_scalar(cfg, k, value, where, err, errlen);
}

int config_set_option(struct kestrel_config *cfg, const char *option, char *err, size_t errlen)
{
	const char *eq = strchr(option, '=');
	char key[CONFIG_KEY_MAX];
	if (!eq || eq == option || (size_t)(eq - option) >= sizeof(key)) {
		snprintf(err, errlen, "-o %s: expected key=value", option);
		return -1;
	}
	memcpy(key, option, (size_t)(eq - option));
	key[eq - option] = '\0';
	return config_set(cfg, key, eq + 1, err, errlen);
}
