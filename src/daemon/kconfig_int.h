/*
 * kconfig_int.h — private to config.c and config_yaml.c: the key table's
 * types and the setters both the YAML walker and config_set() go through.
 * Nothing outside src/daemon/config*.c includes this.
 */
#ifndef KESTREL_DAEMON_KCONFIG_INT_H
#define KESTREL_DAEMON_KCONFIG_INT_H

#include <stddef.h>

#include "daemon/kconfig.h"

/* Longest dotted key path ("http_output.max_consecutive_timeouts"). */
#define CONFIG_KEY_MAX 128

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
	K_RULESTATS,
	K_APPEND_OUTPUT,
	K_RULES_SELECT,
};

struct ckey {
	const char *name;
	enum ckey_type type;
	size_t off;
	long min, max; /* K_INT, K_LONG, K_DOUBLE */
};

const struct ckey *config_ckey_find(const char *name);
/* True when name is a section ("file_output") holding known keys. */
int config_ckey_is_section(const char *name);
/* Fills why and returns 1 when name is a key kestrel no longer reads. */
int config_retired_key(const char *name, char *why, size_t len);
/* Sets one scalar key from its text; where prefixes any error. */
int config_set_scalar(struct kestrel_config *cfg, const struct ckey *k, const char *v,
                      const char *where, char *err, size_t errlen);
int config_parse_bool(const char *s);
int config_set_str(char **dst, const char *s);
char **config_strv_push(char ***v, int *n, const char *s);
void config_strv_free(char ***v, int *n);
void config_append_output_free(struct kestrel_config *cfg);
void config_rules_select_free(struct kestrel_config *cfg);

#endif
