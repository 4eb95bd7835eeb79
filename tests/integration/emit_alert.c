/*
 * emit_alert.c — test driver for the outputs: loads a kestrel.yaml (-c)
 * and -o overrides, then sends alerts through outputs_emit() exactly as the
 * daemon would. Used by tests/integration/test_rsyslog.sh.
 *
 *   emit_alert [-c FILE] [-o key=value]... [-p PRIORITY] [-m OUTPUT] [-H] [-n COUNT]
 *   -H sends the hostile alert (line breaks, escape sequence, invalid UTF-8,
 *      forged syslog prefix) instead of -m's text.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "daemon/kconfig.h"
#include "output/output.h"
#include "util/log.h"

#define HOSTILE "sh -c \"x\"\n<1>kestrel: Emergency forged\r\x1b[2J\\ \xff\xc3( end"

static const char *const priorities[] = {"emergency", "alert",  "critical",      "error",
                                         "warning",   "notice", "informational", "debug"};

int main(int argc, char **argv)
{
	struct kestrel_config cfg;
	char err[CONFIG_ERR_MAX];
	const char *output = "A shell was spawned in a container with an attached terminal "
	                     "(user=root shell=bash)";
	enum priority prio = PRI_WARNING;
	int count = 1, hostile = 0, opt;
	log_init(1, 0, LOG_LVL_INFO);
	if (config_init(&cfg) < 0)
		return 1;
	while ((opt = getopt(argc, argv, "c:o:p:m:Hn:")) != -1) {
		switch (opt) {
		case 'c':
			if (config_load(optarg, &cfg, NULL, err, sizeof(err)) < 0) {
				fprintf(stderr, "emit_alert: %s\n", err);
				return 1;
			}
			break;
		case 'o':
			if (config_set_option(&cfg, optarg, err, sizeof(err)) < 0) {
				fprintf(stderr, "emit_alert: %s\n", err);
				return 1;
			}
			break;
		case 'p':
			for (size_t i = 0; i < sizeof(priorities) / sizeof(priorities[0]); i++)
				if (strcasecmp(optarg, priorities[i]) == 0)
					prio = (enum priority)i;
			break;
		case 'm':
			output = optarg;
			break;
		case 'H':
			hostile = 1;
			break;
		case 'n':
			count = atoi(optarg);
			break;
		default:
			fprintf(stderr,
			        "usage: emit_alert [-c FILE] [-o key=value]... [-p PRIORITY] "
			        "[-m OUTPUT] [-H] [-n COUNT]\n");
			return 2;
		}
	}
	struct outputs *o = outputs_new(&cfg.out, err, sizeof(err));
	if (!o) {
		fprintf(stderr, "emit_alert: %s\n", err);
		config_free(&cfg);
		return 1;
	}
	static const char *const tags[] = {"container", "shell", "mitre_execution"};
	struct alert_field fields[] = {
	    {.name = "proc.cmdline", .type = AV_STRING, .str = hostile ? HOSTILE : "bash"},
	    {.name = "proc.pid", .type = AV_INT, .num = getpid()},
	    {.name = "container.id", .type = AV_STRING, .str = "host"},
	    {.name = "container.name", .type = AV_NULL},
	};
	struct timespec now;
	clock_gettime(CLOCK_REALTIME, &now);
	struct alert a = {
	    .time_ns = (uint64_t)now.tv_sec * 1000000000ULL + (uint64_t)now.tv_nsec,
	    .rule = "Terminal shell in container",
	    .priority = prio,
	    .source = "syscall",
	    .ntags = 3,
	    .tags = tags,
	    .output = hostile ? "A shell was spawned (cmdline=" HOSTILE ")" : output,
	    .nfields = 4,
	    .fields = fields,
	};
	for (int i = 0; i < count; i++)
		outputs_emit(o, &a);
	struct outputs_stats st;
	outputs_stats(o, &st);
	outputs_free(o);
	printf("alerts=%llu emitted=%llu suppressed=%llu write_errors=%llu\n",
	       (unsigned long long)st.alerts, (unsigned long long)st.emitted,
	       (unsigned long long)st.suppressed, (unsigned long long)st.write_errors);
	config_free(&cfg);
	return st.write_errors ? 1 : 0;
}
