/*
 * config.c — loads kestrel.yaml (libyaml) into struct kestrel_config and
 * applies -o key=value overrides. One table lists every key with its type
 * and place in the struct; the YAML walker and config_set() both go
 * through it, so a key parses the same from the file and the command line.
 * Unknown keys warn with file:line:column; bad values are errors.
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <syslog.h>
#include <yaml.h>

#include "daemon/kconfig.h"
#include "record/assemble.h"
#include "util/log.h"
#include "util/yamldepth.h"

#ifndef SYSCONFDIR
#define SYSCONFDIR "/etc"
#endif

/* Longest dotted key path ("http_output.max_consecutive_timeouts"). */
#define CONFIG_KEY_MAX 128
/* Deepest mapping nesting the walker follows (kestrel uses two levels). */
#define CONFIG_MAX_DEPTH 8
/* A configuration file is a few KiB; anything past this is not one. */
#define CONFIG_MAX_FILE (1024 * 1024)
#define CONFIG_MAX_FILE_TEXT "1 MiB"

enum ckey_type {
	K_BOOL,
	K_INT,
	K_LONG,
	K_DOUBLE,
	K_STR,
	K_STRLIST,
	K_PRIORITY,
	K_LOGLEVEL,
	K_FACILITY,
	K_MATCHING,
	K_AUDITMODE,
	K_BACKPRESSURE,
	K_KFILTERS,
	K_APPEND_OUTPUT,
	K_RULES_SELECT,
};

struct ckey {
	const char *name;
	enum ckey_type type;
	size_t off;
	long min, max; /* K_INT, K_LONG, K_DOUBLE */
};

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
static int retired_key(const char *name, char *why, size_t len)
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

static int parse_bool(const char *s)
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

static char **strv_push(char ***v, int *n, const char *s)
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

static void strv_free(char ***v, int *n)
{
	for (int i = 0; i < *n; i++)
		free((*v)[i]);
	free(*v);
	*v = NULL;
	*n = 0;
}

static void append_output_free(struct kestrel_config *cfg)
{
	for (int i = 0; i < cfg->nappend_output; i++) {
		struct config_append_output *a = &cfg->append_output[i];
		free(a->match_rule);
		free(a->match_source);
		strv_free(&a->match_tags, &a->nmatch_tags);
		free(a->extra_output);
		strv_free(&a->extra_fields, &a->nextra_fields);
	}
	free(cfg->append_output);
	cfg->append_output = NULL;
	cfg->nappend_output = 0;
}

static void rules_select_free(struct kestrel_config *cfg)
{
	for (int i = 0; i < cfg->nrules_select; i++) {
		free(cfg->rules_select[i].rule);
		free(cfg->rules_select[i].tag);
	}
	free(cfg->rules_select);
	cfg->rules_select = NULL;
	cfg->nrules_select = 0;
}

static int set_str(char **dst, const char *s)
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
		if (!strv_push(&cfg->rules_files, &cfg->nrules_files, rules[i]))
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
	if (set_str(&cfg->out.syslog_ident, "kestrel") < 0 ||
	    set_str(&cfg->out.file_filename, "/var/log/kestrel/events.txt") < 0 ||
	    set_str(&cfg->out.program_program, "") < 0 || set_str(&cfg->out.http_url, "") < 0 ||
	    set_str(&cfg->out.http_user_agent, PACKAGE_NAME "/" PACKAGE_VERSION) < 0 ||
	    set_str(&cfg->out.http_ca_cert, "") < 0 || set_str(&cfg->out.http_ca_bundle, "") < 0 ||
	    set_str(&cfg->out.http_ca_path, "/etc/ssl/certs") < 0 ||
	    set_str(&cfg->out.http_client_cert, "/etc/ssl/certs/client.crt") < 0 ||
	    set_str(&cfg->out.http_client_key, "/etc/ssl/certs/client.key") < 0 ||
	    set_str(&cfg->container_docker_root, "/var/lib/docker") < 0 ||
	    set_str(&cfg->web_listen_address, "127.0.0.1") < 0 ||
	    set_str(&cfg->web_healthz_endpoint, "/healthz") < 0 ||
	    set_str(&cfg->container_containerd_root, "/run/containerd") < 0 ||
	    set_str(&cfg->container_crio_root, "/var/lib/containers/storage") < 0 ||
	    set_str(&cfg->container_podman_root, "/var/lib/containers/storage") < 0)
		goto err;
	return 0;
err:
	config_free(cfg);
	return -1;
}

void config_free(struct kestrel_config *cfg)
{
	free(cfg->path);
	strv_free(&cfg->rules_files, &cfg->nrules_files);
	append_output_free(cfg);
	rules_select_free(cfg);
	for (size_t i = 0; i < NCKEYS; i++)
		if (ckeys[i].type == K_STR) {
			char **p = (char **)((char *)cfg + ckeys[i].off);
			free(*p);
		}
	memset(cfg, 0, sizeof(*cfg));
}

static const struct ckey *ckey_find(const char *name)
{
	for (size_t i = 0; i < NCKEYS; i++)
		if (strcmp(ckeys[i].name, name) == 0)
			return &ckeys[i];
	return NULL;
}

/* True when name is a section ("file_output") holding known keys. */
static int ckey_is_section(const char *name)
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
    [K_APPEND_OUTPUT] = "a list of append_output entries",
    [K_RULES_SELECT] = "a list of enable/disable entries",
};

/*
 * Sets one scalar key from its text. where is "file:line:column" or
 * "-o key": the prefix of any error.
 */
static int set_scalar(struct kestrel_config *cfg, const struct ckey *k, const char *v,
                      const char *where, char *err, size_t errlen)
{
	void *p = (char *)cfg + k->off;
	long n;
	int i;
	switch (k->type) {
	case K_BOOL:
		if ((i = parse_bool(v)) < 0)
			goto bad;
		*(int *)p = i;
		return 0;
	case K_INT:
		if (parse_number(v, k->min, k->max, &n) < 0)
			goto bad;
		*(int *)p = (int)n;
		return 0;
	case K_LONG:
		if (parse_number(v, k->min, k->max, &n) < 0)
			goto bad;
		*(long *)p = n;
		return 0;
	case K_DOUBLE: {
		char *end;
		errno = 0;
		double d = strtod(v, &end);
		/* nan compares false with every bound: check it first */
		if (errno || end == v || *end || !isfinite(d) || d < (double)k->min ||
		    d > (double)k->max)
			goto bad;
		*(double *)p = d;
		return 0;
	}
	case K_STR:
		if (set_str((char **)p, v) < 0)
			goto nomem;
		return 0;
	case K_STRLIST:
		strv_free(&cfg->rules_files, &cfg->nrules_files);
		if (!strv_push(&cfg->rules_files, &cfg->nrules_files, v))
			goto nomem;
		return 0;
	case K_PRIORITY:
		if ((i = parse_priority(v)) < 0)
			goto bad;
		*(int *)p = i;
		return 0;
	case K_LOGLEVEL:
		if ((i = log_level_parse(v)) < 0)
			goto bad;
		*(int *)p = i;
		return 0;
	case K_FACILITY:
		if ((i = config_facility_parse(v)) < 0)
			goto bad;
		*(int *)p = i;
		return 0;
	case K_MATCHING:
		if (strcmp(v, "first") == 0)
			cfg->rule_matching = CONFIG_MATCH_FIRST;
		else if (strcmp(v, "all") == 0)
			cfg->rule_matching = CONFIG_MATCH_ALL;
		else
			goto bad;
		return 0;
	case K_AUDITMODE:
		if (strcmp(v, "auto") == 0)
			cfg->audit_mode = CONFIG_AUDIT_AUTO;
		else if (strcmp(v, "unicast") == 0)
			cfg->audit_mode = CONFIG_AUDIT_UNICAST;
		else if (strcmp(v, "multicast") == 0)
			cfg->audit_mode = CONFIG_AUDIT_MULTICAST;
		else
			goto bad;
		return 0;
	case K_BACKPRESSURE:
		if (strcmp(v, "block") == 0)
			cfg->audit_backpressure = CONFIG_BP_BLOCK;
		else if (strcmp(v, "drop") == 0)
			cfg->audit_backpressure = CONFIG_BP_DROP;
		else
			goto bad;
		return 0;
	case K_KFILTERS:
		if (strcmp(v, "precise") == 0)
			cfg->audit_kernel_filters = CONFIG_KF_PRECISE;
		else if (strcmp(v, "broad") == 0)
			cfg->audit_kernel_filters = CONFIG_KF_BROAD;
		else
			goto bad;
		return 0;
	case K_APPEND_OUTPUT: {
		/* A plain string: one entry appended to every rule. */
		struct config_append_output *a = calloc(1, sizeof(*a));
		if (!a || !(a->extra_output = strdup(v))) {
			free(a);
			goto nomem;
		}
		append_output_free(cfg);
		cfg->append_output = a;
		cfg->nappend_output = 1;
		return 0;
	}
	case K_RULES_SELECT:
		break; /* only from the file */
	}
bad:
	if (k->type == K_INT || k->type == K_LONG || k->type == K_DOUBLE)
		snprintf(err, errlen, "%s: %s: expected %s between %ld and %ld, got '%s'", where,
		         k->name, ckey_expect[k->type], k->min, k->max, v);
	else
		snprintf(err, errlen, "%s: %s: expected %s, got '%s'", where, k->name,
		         ckey_expect[k->type], v);
	return -1;
nomem:
	snprintf(err, errlen, "%s: %s: out of memory", where, k->name);
	return -1;
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
	const struct ckey *k = ckey_find(name);
	char why[CONFIG_ERR_MAX];
	if (!k && retired_key(name, why, sizeof(why))) {
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
		if (!strv_push(&cfg->rules_files, &cfg->nrules_files, value)) {
			snprintf(err, errlen, "%s: out of memory", where);
			return -1;
		}
		return 0;
	}
	return set_scalar(cfg, k, value, where, err, errlen);
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

/* ---- YAML walking ---- */

struct loader {
	const char *path;
	yaml_document_t *doc;
	struct kestrel_config *cfg;
	int warnings;
	char *err;
	size_t errlen;
};

static void node_where(const struct loader *ld, const yaml_node_t *node, char *buf, size_t len)
{
	snprintf(buf, len, "%s:%zu:%zu", ld->path, node->start_mark.line + 1,
	         node->start_mark.column + 1);
}

static const char *scalar(const yaml_node_t *node)
{
	return node->type == YAML_SCALAR_NODE ? (const char *)node->data.scalar.value : NULL;
}

static int load_error(struct loader *ld, const yaml_node_t *node, const char *key, const char *what)
{
	char where[PATH_MAX + 32];
	node_where(ld, node, where, sizeof(where));
	snprintf(ld->err, ld->errlen, "%s: %s: %s", where, key, what);
	return -1;
}

/* Reads a YAML sequence of scalars into a fresh string vector. */
static int load_strlist(struct loader *ld, const yaml_node_t *node, const char *key, char ***v,
                        int *n)
{
	char **nv = NULL;
	int nn = 0;
	if (node->type == YAML_SCALAR_NODE) {
		if (!strv_push(&nv, &nn, scalar(node)))
			return load_error(ld, node, key, "out of memory");
	} else if (node->type == YAML_SEQUENCE_NODE) {
		for (yaml_node_item_t *it = node->data.sequence.items.start;
		     it < node->data.sequence.items.top; it++) {
			yaml_node_t *item = yaml_document_get_node(ld->doc, *it);
			if (!item || item->type != YAML_SCALAR_NODE) {
				strv_free(&nv, &nn);
				return load_error(ld, item ? item : node, key,
				                  "expected a list of strings");
			}
			if (!strv_push(&nv, &nn, scalar(item))) {
				strv_free(&nv, &nn);
				return load_error(ld, item, key, "out of memory");
			}
		}
	} else {
		return load_error(ld, node, key, "expected a list of strings");
	}
	strv_free(v, n);
	*v = nv;
	*n = nn;
	return 0;
}

static void load_warn(struct loader *ld, const yaml_node_t *node, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void load_warn(struct loader *ld, const yaml_node_t *node, const char *fmt, ...)
{
	char where[PATH_MAX + 32];
	char msg[CONFIG_ERR_MAX];
	va_list ap;
	node_where(ld, node, where, sizeof(where));
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	log_warnx("%s: %s", where, msg);
	ld->warnings++;
}

/* One append_output entry: {match: {rule, source, tags}, extra_output, extra_fields} */
static int load_append_entry(struct loader *ld, const yaml_node_t *node,
                             struct config_append_output *a)
{
	for (yaml_node_pair_t *pr = node->data.mapping.pairs.start;
	     pr < node->data.mapping.pairs.top; pr++) {
		yaml_node_t *kn = yaml_document_get_node(ld->doc, pr->key);
		yaml_node_t *vn = yaml_document_get_node(ld->doc, pr->value);
		const char *k = kn ? scalar(kn) : NULL;
		if (!k || !vn)
			return load_error(ld, node, "append_output", "expected a mapping");
		if (strcmp(k, "extra_output") == 0 && scalar(vn)) {
			if (set_str(&a->extra_output, scalar(vn)) < 0)
				return load_error(ld, vn, "append_output", "out of memory");
		} else if (strcmp(k, "extra_fields") == 0) {
			if (vn->type != YAML_SEQUENCE_NODE)
				return load_error(ld, vn, "append_output.extra_fields",
				                  "expected a list of field names");
			load_warn(ld, kn,
			          "append_output.extra_fields: not supported yet (the fields are "
			          "not added to alerts' output_fields), ignored");
			for (yaml_node_item_t *it = vn->data.sequence.items.start;
			     it < vn->data.sequence.items.top; it++) {
				yaml_node_t *f = yaml_document_get_node(ld->doc, *it);
				if (f && f->type == YAML_MAPPING_NODE)
					continue; /* named field: covered by the warning */
				if (!f || !scalar(f))
					return load_error(ld, vn, "append_output.extra_fields",
					                  "expected a list of field names");
				if (!strv_push(&a->extra_fields, &a->nextra_fields, scalar(f)))
					return load_error(ld, f, "append_output", "out of memory");
			}
		} else if (strcmp(k, "match") == 0 && vn->type == YAML_MAPPING_NODE) {
			for (yaml_node_pair_t *mp = vn->data.mapping.pairs.start;
			     mp < vn->data.mapping.pairs.top; mp++) {
				yaml_node_t *mk = yaml_document_get_node(ld->doc, mp->key);
				yaml_node_t *mv = yaml_document_get_node(ld->doc, mp->value);
				const char *m = mk ? scalar(mk) : NULL;
				if (!m || !mv)
					continue;
				int r = 0;
				if (strcmp(m, "rule") == 0 && scalar(mv))
					r = set_str(&a->match_rule, scalar(mv));
				else if (strcmp(m, "source") == 0 && scalar(mv))
					r = set_str(&a->match_source, scalar(mv));
				else if (strcmp(m, "tags") == 0)
					r = load_strlist(ld, mv, "append_output.match.tags",
					                 &a->match_tags, &a->nmatch_tags);
				else
					load_warn(ld, mk,
					          "unknown key 'append_output.match.%s', ignored",
					          m);
				if (r < 0)
					return -1;
			}
		} else {
			load_warn(ld, kn, "unknown key 'append_output.%s', ignored", k);
		}
	}
	return 0;
}

static int load_append_output(struct loader *ld, const yaml_node_t *node)
{
	struct kestrel_config *cfg = ld->cfg;
	if (node->type != YAML_SEQUENCE_NODE)
		return load_error(ld, node, "append_output", "expected a list of entries");
	append_output_free(cfg);
	cfg->suggested_output = 0;
	for (yaml_node_item_t *it = node->data.sequence.items.start;
	     it < node->data.sequence.items.top; it++) {
		yaml_node_t *e = yaml_document_get_node(ld->doc, *it);
		if (!e || e->type != YAML_MAPPING_NODE)
			return load_error(ld, e ? e : node, "append_output",
			                  "each entry must be a mapping");
		/* - suggested_output: true|false */
		if (e->data.mapping.pairs.top - e->data.mapping.pairs.start == 1) {
			yaml_node_t *kn =
			    yaml_document_get_node(ld->doc, e->data.mapping.pairs.start->key);
			yaml_node_t *vn =
			    yaml_document_get_node(ld->doc, e->data.mapping.pairs.start->value);
			if (kn && scalar(kn) && strcmp(scalar(kn), "suggested_output") == 0) {
				int b = vn && scalar(vn) ? parse_bool(scalar(vn)) : -1;
				if (b < 0)
					return load_error(ld, vn ? vn : kn,
					                  "append_output.suggested_output",
					                  "expected a boolean (true or false)");
				cfg->suggested_output = b;
				continue;
			}
		}
		struct config_append_output *na =
		    realloc(cfg->append_output, sizeof(*na) * (size_t)(cfg->nappend_output + 1));
		if (!na)
			return load_error(ld, e, "append_output", "out of memory");
		cfg->append_output = na;
		struct config_append_output *a = &na[cfg->nappend_output++];
		memset(a, 0, sizeof(*a));
		if (load_append_entry(ld, e, a) < 0)
			return -1;
	}
	return 0;
}

/* rules: [- enable|disable: {rule: NAME-or-wildcard, tag: TAG}] */
static int load_rules_select(struct loader *ld, const yaml_node_t *node)
{
	struct kestrel_config *cfg = ld->cfg;
	static const char what[] = "each entry must be 'enable:' or 'disable:' with a 'rule:' "
	                           "or a 'tag:'";
	if (node->type != YAML_SEQUENCE_NODE)
		return load_error(ld, node, "rules", "expected a list of enable/disable entries");
	rules_select_free(cfg);
	for (yaml_node_item_t *it = node->data.sequence.items.start;
	     it < node->data.sequence.items.top; it++) {
		yaml_node_t *e = yaml_document_get_node(ld->doc, *it);
		if (!e || e->type != YAML_MAPPING_NODE ||
		    e->data.mapping.pairs.top - e->data.mapping.pairs.start != 1)
			return load_error(ld, e ? e : node, "rules", what);
		yaml_node_t *kn = yaml_document_get_node(ld->doc, e->data.mapping.pairs.start->key);
		yaml_node_t *vn =
		    yaml_document_get_node(ld->doc, e->data.mapping.pairs.start->value);
		const char *k = kn ? scalar(kn) : NULL;
		if (!k || !vn || (strcmp(k, "enable") != 0 && strcmp(k, "disable") != 0) ||
		    vn->type != YAML_MAPPING_NODE)
			return load_error(ld, e, "rules", what);
		struct config_rule_select *ns =
		    realloc(cfg->rules_select, sizeof(*ns) * (size_t)(cfg->nrules_select + 1));
		if (!ns)
			return load_error(ld, e, "rules", "out of memory");
		cfg->rules_select = ns;
		struct config_rule_select *sel = &ns[cfg->nrules_select++];
		memset(sel, 0, sizeof(*sel));
		sel->enable = strcmp(k, "enable") == 0;
		for (yaml_node_pair_t *pr = vn->data.mapping.pairs.start;
		     pr < vn->data.mapping.pairs.top; pr++) {
			yaml_node_t *sk = yaml_document_get_node(ld->doc, pr->key);
			yaml_node_t *sv = yaml_document_get_node(ld->doc, pr->value);
			const char *name = sk ? scalar(sk) : NULL;
			const char *val = sv ? scalar(sv) : NULL;
			int r = 0;
			if (name && val && strcmp(name, "rule") == 0)
				r = set_str(&sel->rule, val);
			else if (name && val && strcmp(name, "tag") == 0)
				r = set_str(&sel->tag, val);
			else
				return load_error(ld, sk ? sk : vn, "rules", what);
			if (r < 0)
				return load_error(ld, sv, "rules", "out of memory");
		}
		if (!sel->rule && !sel->tag)
			return load_error(ld, vn, "rules", what);
	}
	return 0;
}

static int load_mapping(struct loader *ld, const yaml_node_t *map, const char *prefix, int depth)
{
	for (yaml_node_pair_t *pr = map->data.mapping.pairs.start; pr < map->data.mapping.pairs.top;
	     pr++) {
		yaml_node_t *kn = yaml_document_get_node(ld->doc, pr->key);
		yaml_node_t *vn = yaml_document_get_node(ld->doc, pr->value);
		if (!kn || !vn)
			continue;
		const char *k = scalar(kn);
		if (!k)
			return load_error(ld, kn, prefix[0] ? prefix : "(top level)",
			                  "keys must be strings");
		char name[CONFIG_KEY_MAX];
		if ((size_t)snprintf(name, sizeof(name), "%s%s%s", prefix, prefix[0] ? "." : "",
		                     k) >= sizeof(name)) {
			load_warn(ld, kn, "unknown key '%s', ignored", k);
			continue;
		}
		const struct ckey *ck = ckey_find(name);
		char why[CONFIG_ERR_MAX];
		if (ck) {
			char where[PATH_MAX + 32];
			node_where(ld, vn, where, sizeof(where));
			if (ck->type == K_STRLIST) {
				if (load_strlist(ld, vn, name, &ld->cfg->rules_files,
				                 &ld->cfg->nrules_files) < 0)
					return -1;
			} else if (ck->type == K_APPEND_OUTPUT && vn->type != YAML_SCALAR_NODE) {
				if (load_append_output(ld, vn) < 0)
					return -1;
			} else if (ck->type == K_RULES_SELECT) {
				if (load_rules_select(ld, vn) < 0)
					return -1;
			} else if (vn->type != YAML_SCALAR_NODE) {
				return load_error(ld, vn, name, "expected a single value");
			} else if (set_scalar(ld->cfg, ck, scalar(vn), where, ld->err, ld->errlen) <
			           0) {
				return -1;
			}
		} else if (retired_key(name, why, sizeof(why))) {
			load_warn(ld, kn, "%s", why);
		} else if (ckey_is_section(name) && vn->type == YAML_MAPPING_NODE) {
			if (depth >= CONFIG_MAX_DEPTH)
				return load_error(ld, vn, name, "nested too deeply");
			if (load_mapping(ld, vn, name, depth + 1) < 0)
				return -1;
		} else if (ckey_is_section(name)) {
			return load_error(ld, vn, name, "expected a mapping of settings");
		} else {
			load_warn(ld, kn, "unknown key '%s', ignored", name);
		}
	}
	return 0;
}

int config_load(const char *path, struct kestrel_config *cfg, int *nwarnings, char *err,
                size_t errlen)
{
	FILE *f = fopen(path, "r");
	if (!f) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	/* the whole file first: its nesting is checked before libyaml builds
	 * a document (see util/yamldepth.h) */
	char *text = malloc(CONFIG_MAX_FILE + 1);
	size_t len = text ? fread(text, 1, CONFIG_MAX_FILE + 1, f) : 0;
	size_t dl, dc;
	if (!text || ferror(f) || len > CONFIG_MAX_FILE) {
		snprintf(err, errlen, "%s: %s", path,
			 !text ? "out of memory"
			 : ferror(f) ? strerror(errno)
				     : "larger than " CONFIG_MAX_FILE_TEXT ": not a configuration file");
		free(text);
		fclose(f);
		return -1;
	}
	if (yaml_check_depth(text, len, YAML_MAX_DEPTH, &dl, &dc) < 0) {
		snprintf(err, errlen, "%s:%zu:%zu: YAML nested deeper than %d levels", path, dl, dc,
			 YAML_MAX_DEPTH);
		free(text);
		fclose(f);
		return -1;
	}
	yaml_parser_t parser;
	yaml_document_t doc;
	int rc = -1;
	if (!yaml_parser_initialize(&parser)) {
		snprintf(err, errlen, "%s: cannot initialise the YAML parser", path);
		free(text);
		fclose(f);
		return -1;
	}
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
	if (!yaml_parser_load(&parser, &doc)) {
		snprintf(err, errlen, "%s:%zu:%zu: %s", path, parser.problem_mark.line + 1,
		         parser.problem_mark.column + 1,
		         parser.problem ? parser.problem : "YAML syntax error");
		yaml_parser_delete(&parser);
		free(text);
		fclose(f);
		return -1;
	}
	struct loader ld = {.path = path, .doc = &doc, .cfg = cfg, .err = err, .errlen = errlen};
	yaml_node_t *root = yaml_document_get_root_node(&doc);
	if (!root || (root->type == YAML_SCALAR_NODE && !*scalar(root))) {
		rc = 0; /* an empty file keeps the defaults */
	} else if (root->type != YAML_MAPPING_NODE) {
		load_error(&ld, root, "(top level)", "expected a mapping of settings");
	} else {
		rc = load_mapping(&ld, root, "", 0);
	}
	if (rc == 0 && set_str(&cfg->path, path) < 0) {
		snprintf(err, errlen, "%s: out of memory", path);
		rc = -1;
	}
	if (nwarnings)
		*nwarnings = ld.warnings;
	yaml_document_delete(&doc);
	yaml_parser_delete(&parser);
	free(text);
	fclose(f);
	return rc;
}
