/*
 * kconfig.h — kestrel.yaml: the daemon's configuration, with Falco's key
 * names where Falco has the setting (rules_files, priority, json_output,
 * *_output.*, log_*) and kestrel's own keys for the audit source, the
 * container runtimes, journald and statistics.
 *
 * Memory: struct kestrel_config owns every string and array in it,
 * including those of its output_opts member (`out`, see output/output.h).
 * config_init() fills the built-in defaults, config_load()/config_set()
 * replace values (freeing the old ones), config_free() releases all.
 */
#ifndef KESTREL_KCONFIG_H
#define KESTREL_KCONFIG_H

#include <stddef.h>

#include "output/output.h"

/* Room for one error message naming file:line:column. */
#define CONFIG_ERR_MAX 512

enum config_rule_matching { CONFIG_MATCH_FIRST = 0, CONFIG_MATCH_ALL };
enum config_audit_mode { CONFIG_AUDIT_AUTO = 0, CONFIG_AUDIT_UNICAST, CONFIG_AUDIT_MULTICAST };
enum config_backpressure { CONFIG_BP_BLOCK = 0, CONFIG_BP_DROP };
/* audit.kernel_filters: kernel rules narrowed by the rules' conditions
 * (precise), or by their syscalls only (broad, the escape hatch). */
enum config_kernel_filters { CONFIG_KF_PRECISE = 0, CONFIG_KF_BROAD };
/* rule_stats: the per-rule table in the stats (the values of --rule-stats) */
enum config_rule_stats { CONFIG_RS_OFF = 0, CONFIG_RS_TABLE, CONFIG_RS_JSON };

/* One append_output entry: extra_output appended to the rules it matches. */
struct config_append_output {
	char *match_rule;   /* NULL: any rule */
	char *match_source; /* NULL: any source */
	char **match_tags;  /* the rule must carry all of them; NULL when none */
	int nmatch_tags;
	char *extra_output;  /* NULL when the entry has only extra fields */
	char **extra_fields; /* parsed but not applied yet: config_load warns */
	int nextra_fields;
};

/* One `rules:` entry: enable or disable rules by name (with * wildcards) or tag. */
struct config_rule_select {
	int enable; /* 1: enable, 0: disable */
	char *rule; /* NULL when selecting by tag */
	char *tag;  /* NULL when selecting by name */
};

struct kestrel_config {
	char *path; /* the file loaded last, NULL if only defaults */

	/* rules */
	char **rules_files;
	int nrules_files;
	int priority; /* minimum priority loaded, enum priority (0..7) */
	enum config_rule_matching rule_matching;
	/* `rules:` selection, applied in order after all files are loaded */
	struct config_rule_select *rules_select;
	int nrules_select;

	/* how rules' outputs are extended (runtime.c, before the engine) */
	int suggested_output; /* append_output: - suggested_output: true */
	struct config_append_output *append_output;
	int nappend_output;

	/* alert format, rate limit and sinks: handed to outputs_new() as is */
	struct output_opts out;

	/* kestrel's own diagnostics */
	int log_level; /* enum log_level */
	int log_stderr;
	int log_syslog;

	/* audit source */
	enum config_audit_mode audit_mode;
	long audit_backlog_limit;     /* -1: leave the kernel's value */
	long audit_backlog_wait_time; /* -1: leave the kernel's value */
	long audit_rate_limit;        /* -1: leave the kernel's value */
	enum config_backpressure audit_backpressure;
	enum config_kernel_filters audit_kernel_filters;
	long audit_buffer_size; /* netlink SO_RCVBUF bytes */

	/* container runtimes' state roots */
	char *container_docker_root;
	char *container_containerd_root;
	char *container_crio_root;
	char *container_podman_root;

	long stats_interval; /* seconds between statistics logs, 0 = off */
	enum config_rule_stats rule_stats; /* per-rule table with the stats (and rule timing) */

	/* health and metrics over HTTP (Falco's webserver.* keys; off by
	 * default; read at start only) */
	int web_enabled;
	char *web_listen_address; /* default 127.0.0.1 (Falco: 0.0.0.0) */
	int web_listen_port;      /* default 8765 */
	char *web_healthz_endpoint;
	int web_prometheus; /* /metrics */
};

/* Fills cfg with the built-in defaults. 0, or -1 on ENOMEM. */
int config_init(struct kestrel_config *cfg);

/*
 * Loads path over the current values of cfg (call config_init first).
 * Unknown keys are logged as warnings (log_warnx) with path:line:column
 * and counted in *nwarnings (may be NULL). Returns 0, or -1 with err
 * (errlen bytes) naming path:line:column and the bad value; cfg then
 * holds a mix of old and new values and should be freed.
 */
int config_load(const char *path, struct kestrel_config *cfg, int *nwarnings, char *err,
                size_t errlen);

/*
 * The -o key=value override: key is a dotted path ("file_output.enabled");
 * "rules_files[]" appends to the list, "rules_files" replaces it with one
 * entry. Returns 0, or -1 with err naming the option.
 */
int config_set(struct kestrel_config *cfg, const char *key, const char *value, char *err,
               size_t errlen);

/* Parses "key=value" as given to -o and calls config_set. */
int config_set_option(struct kestrel_config *cfg, const char *option, char *err, size_t errlen);

void config_free(struct kestrel_config *cfg);

/* Syslog facility names ("daemon", "local0", ...); -1 if unknown. */
int config_facility_parse(const char *s);

#endif
