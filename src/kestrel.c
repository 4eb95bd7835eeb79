/*
 * kestrel.c — main(): parses the command line and runs one mode: the live
 * daemon (default), a replay of a raw audit log, rule validation and
 * listing, the kernel rule set, or the environment check. The stages do
 * the work; this file only wires them together.
 */
#include "config.h"

#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kernel/krules.h"
#include "daemon/daemon.h"
#include "daemon/service.h"
#include "kernel/kcheck.h"
#include "source/replay.h"
#include "daemon/runtime.h"
#include "engine/cli.h"
#include "util/hugeheap.h"
#include "util/log.h"

/* Where the packaged configuration lives (--sysconfdir=/etc in the .deb). */
#define KESTREL_DEFAULT_CONFIG SYSCONFDIR "/kestrel/kestrel.yaml"
/* Upper bounds on repeated options. */
#define MAX_LIST_OPTS 64
#define ERRLEN 512

enum {
	OPT_REPLAY = 256,
	OPT_PRINT_EVENTS,
	OPT_VERSION,
	OPT_LIST_FIELDS,
	OPT_DRY_RUN,
	OPT_PRINT_AUDIT_RULES,
	OPT_CHECK,
	OPT_AUDISP,
	OPT_STATS_INTERVAL,
	OPT_RELOAD,
	OPT_RULE_STATS,
};

enum mode {
	MODE_DAEMON = 0,
	MODE_REPLAY,
	MODE_VALIDATE,
	MODE_LIST,
	MODE_DESCRIBE,
	MODE_FIELDS,
	MODE_PRINT_RULES,
	MODE_CHECK,
};

struct options {
	enum mode mode;
	const char *replay;
	const char *describe;
	int print_events;
	char *rules[MAX_LIST_OPTS];
	int nrules;
	char *overrides[MAX_LIST_OPTS];
	int noverrides;
	char *validate[MAX_LIST_OPTS];
	int nvalidate;
	const char *config;
	int config_given;
	long run_seconds;
	int dry_run;
	int audisp;
	char stats_opt[64]; /* --stats-interval N, applied as -o stats_interval=N */
	int sel_only, sel_disable; /* -t given; -T or -D given */
};

static void usage(FILE *out)
{
	fputs("usage: kestrel [options]\n"
	      "\n"
	      "Runtime security monitor: kernel audit events, Falco-compatible rules, alerts.\n"
	      "Without a mode option kestrel runs as a daemon in the foreground.\n"
	      "\n"
	      "  -c FILE               configuration file (default " KESTREL_DEFAULT_CONFIG ")\n"
	      "  -r FILE|DIR           rules file or directory; repeatable; replaces rules_files\n"
	      "  -o KEY=VALUE          override a configuration key (e.g. -o json_output=true)\n"
	      "  -M SECONDS            stop after SECONDS\n"
	      "  -t TAG                only enable the rules tagged TAG; repeatable\n"
	      "  -T TAG                disable the rules tagged TAG; repeatable\n"
	      "  -D TEXT               disable the rules whose name contains TEXT; repeatable\n"
	      "  --stats-interval N    log statistics every N seconds (also on SIGUSR1, at exit)\n"
	      "  --rule-stats[=json]   per-rule and per-event-type counts with evaluation time:\n"
	      "                        with --replay a table on stderr at the end, live in the\n"
	      "                        statistics lines; =json for one JSON line instead\n"
	      "  --dry-run             load configuration and rules, touch nothing, exit\n"
	      "  --audisp              read auditd's plugin stream on stdin (audisp plugin mode)\n"
	      "  --replay FILE         evaluate a raw audit log (auditd or netlink text form,\n"
	      "                        - for stdin) instead of the kernel; alerts go to stdout\n"
	      "  --print-events        with --replay or live: print every event as a JSON line\n"
	      "  -V, --validate FILE   validate rules files (repeatable) and exit\n"
	      "  -L                    list every rule: priority, source, active or skipped and why\n"
	      "  -l RULE               describe one rule: condition, event types, output\n"
	      "  --list-fields         list the fields rules can use\n"
	      "  --print-audit-rules   print the kernel audit rules the rules need (auditctl syntax)\n"
	      "  --check               report on the kernel and environment, and exit\n"
	      "  --reload PID          make the daemon PID reload and wait for its answer:\n"
	      "                        exit 0 if applied, 1 if refused (systemd ExecReload=)\n"
	      "  -h, --help            this text\n"
	      "  --version             print the version\n"
	      "\n"
	      "Signals: SIGHUP reloads configuration and rules, SIGUSR1 reopens the output\n"
	      "files (logrotate) and logs statistics, SIGUSR2 logs statistics, SIGTERM/SIGINT\n"
	      "exit and remove kestrel's kernel audit rules. A configuration or rules error\n"
	      "exits 78.\n",
	      out);
}

static int push(char **arr, int *n, char *v, const char *opt)
{
	if (*n >= MAX_LIST_OPTS) {
		log_warnx("too many %s options (at most %d)", opt, MAX_LIST_OPTS);
		return -1;
	}
	arr[(*n)++] = v;
	return 0;
}

static void daemon_opts_from(const struct options *o, struct daemon_opts *d)
{
	memset(d, 0, sizeof(*d));
	d->config_path = o->config;
	d->overrides = (char **)o->overrides;
	d->noverrides = o->noverrides;
	d->rules_paths = (char **)o->rules;
	d->nrules_paths = o->nrules;
	d->run_seconds = o->run_seconds;
	d->audisp = o->audisp;
	d->dry_run = o->dry_run;
	d->print_events = o->print_events;
}

/* A large log grows the process table by megabytes: that heap is better
 * in huge pages (util/hugeheap.h). A small one or a pipe keeps the
 * ordinary pages, which cost less when only a few are touched. */
static void replay_prepare_heap(const char *path)
{
	struct stat st;
	if (strcmp(path, "-") == 0 || stat(path, &st) != 0 || !S_ISREG(st.st_mode) ||
	    (uint64_t)st.st_size < HUGEHEAP_MIN_INPUT)
		return;
	hugeheap_reserve((uint64_t)st.st_size > HUGEHEAP_MAX_RESERVE ? HUGEHEAP_MAX_RESERVE
	                                                            : (size_t)st.st_size);
}

/* A replay without -r or -c evaluates no rules: it only shows the events. */
static int replay_needs_rules(const struct options *o)
{
	return o->nrules > 0 || o->config_given;
}

static int run_replay(const struct options *o)
{
	struct daemon_opts dopt;
	struct kestrel_config cfg;
	struct runtime *rt;
	struct runtime_stats rs;
	char err[ERRLEN];
	int rc;

	daemon_opts_from(o, &dopt);
	if (daemon_load_config(&dopt, &cfg, 1, err, sizeof(err)) < 0) {
		log_errx("%s", err);
		config_free(&cfg);
		return 1;
	}
	if (!replay_needs_rules(o)) {
		for (int i = 0; i < cfg.nrules_files; i++)
			free(cfg.rules_files[i]);
		cfg.nrules_files = 0;
	}
	if (!(rt = runtime_new(&cfg, 0, err, sizeof(err)))) {
		log_errx("%s", err);
		return 1;
	}
	runtime_set_print_events(rt, o->print_events);
	replay_prepare_heap(o->replay);
	rc = replay_file(o->replay, runtime_pipeline(rt));
	fflush(stdout);
	pipeline_print_stats(runtime_pipeline(rt), stderr);
	runtime_get_stats(rt, &rs);
	if (replay_needs_rules(o))
		fprintf(stderr, "alerts=%llu rules_active=%zu\n", (unsigned long long)rs.alerts,
			rs.rules_active);
	if (replay_needs_rules(o) && runtime_rule_stats() != RUNTIME_RULE_STATS_OFF)
		runtime_print_rule_stats(rt, 0, stderr);
	runtime_free(rt);
	return rc < 0 ? 1 : 0;
}

/* -L, -l, --print-audit-rules: load the rules the configuration names. */
static int run_rules_mode(const struct options *o)
{
	struct daemon_opts dopt;
	struct kestrel_config cfg;
	char err[ERRLEN];
	struct engine *e;
	int rc = 0;

	daemon_opts_from(o, &dopt);
	if (daemon_load_config(&dopt, &cfg, 0, err, sizeof(err)) < 0) {
		log_errx("%s", err);
		config_free(&cfg);
		return 1;
	}
	e = runtime_build_engine(&cfg, RUNTIME_ENGINE_CHECK);
	int precise = cfg.audit_kernel_filters == CONFIG_KF_PRECISE;
	config_free(&cfg);
	if (!e)
		return 1;
	if (o->mode == MODE_LIST) {
		engine_cli_list_rules_kf(e, precise, stdout);
	} else if (o->mode == MODE_DESCRIBE) {
		rc = engine_cli_describe_rule_kf(e, o->describe, precise, stdout);
		if (rc)
			log_warnx("no rule named '%s'", o->describe);
	} else {
		/* no pid exclusion: these rules are for an administrator to load */
		struct krules *kr = daemon_krules_from_engine(e, precise, 0, err, sizeof(err));
		if (kr) {
			krules_print(kr, stdout);
			krules_free(kr);
		} else {
			log_errx("%s", err);
			rc = 1;
		}
	}
	engine_free(e);
	return rc;
}

/* Getopt's option table; the short options are in parse_args. */
static const struct option longopts[] = {
    {"replay", required_argument, NULL, OPT_REPLAY},
    {"print-events", no_argument, NULL, OPT_PRINT_EVENTS},
    {"validate", required_argument, NULL, 'V'},
    {"list-fields", no_argument, NULL, OPT_LIST_FIELDS},
    {"dry-run", no_argument, NULL, OPT_DRY_RUN},
    {"print-audit-rules", no_argument, NULL, OPT_PRINT_AUDIT_RULES},
    {"check", no_argument, NULL, OPT_CHECK},
    {"audisp", no_argument, NULL, OPT_AUDISP},
    {"stats-interval", required_argument, NULL, OPT_STATS_INTERVAL},
    {"reload", required_argument, NULL, OPT_RELOAD},
    {"rule-stats", optional_argument, NULL, OPT_RULE_STATS},
    {"help", no_argument, NULL, 'h'},
    {"version", no_argument, NULL, OPT_VERSION},
    {NULL, 0, NULL, 0},
};

/* Returned by the option parsers when kestrel should go on running;
 * anything else is the process exit code. */
#define KESTREL_CONTINUE (-1)

/* -t TAG, -T TAG, -D NAME: handed to the engine (engine_cli_select). */
static int parse_select(int c, struct options *o)
{
	if ((c == 't' ? o->sel_disable : o->sel_only) ||
	    engine_cli_select(c == 't'   ? ENGINE_SEL_ONLY_TAG
	                      : c == 'T' ? ENGINE_SEL_NOT_TAG
	                                 : ENGINE_SEL_NOT_NAME,
	                      optarg) < 0) {
		log_warnx("-t cannot be combined with -T or -D, and at most %d of them",
		          ENGINE_CLI_MAX_SELECT);
		return 2;
	}
	*(c == 't' ? &o->sel_only : &o->sel_disable) = 1;
	return KESTREL_CONTINUE;
}

/* -M SECONDS */
static int parse_run_seconds(struct options *o)
{
	char *end;
	o->run_seconds = strtol(optarg, &end, 10);
	if (*end || o->run_seconds <= 0) {
		log_warnx("-M needs a positive number of seconds, not '%s'", optarg);
		return 2;
	}
	return KESTREL_CONTINUE;
}

/* --rule-stats[=table|json] */
static int parse_rule_stats(void)
{
	if (!optarg || strcmp(optarg, "table") == 0) {
		runtime_set_rule_stats(RUNTIME_RULE_STATS_TABLE);
	} else if (strcmp(optarg, "json") == 0) {
		runtime_set_rule_stats(RUNTIME_RULE_STATS_JSON);
	} else {
		log_warnx("--rule-stats takes 'table' or 'json', not '%s'", optarg);
		return 2;
	}
	return KESTREL_CONTINUE;
}

/* Apply one getopt result to o. */
static int parse_option(int c, struct options *o)
{
	switch (c) {
	case 't': /* rule selection, applied by the engine (engine_cli_select) */
	case 'T':
	case 'D':
		return parse_select(c, o);
	case 'c':
		o->config = optarg;
		o->config_given = 1;
		return KESTREL_CONTINUE;
	case 'r':
		if (push(o->rules, &o->nrules, optarg, "-r") < 0)
			return 2;
		return KESTREL_CONTINUE;
	case 'o':
		if (push(o->overrides, &o->noverrides, optarg, "-o") < 0)
			return 2;
		return KESTREL_CONTINUE;
	case 'V':
		o->mode = MODE_VALIDATE;
		if (push(o->validate, &o->nvalidate, optarg, "-V") < 0)
			return 2;
		return KESTREL_CONTINUE;
	case 'L':
		o->mode = MODE_LIST;
		return KESTREL_CONTINUE;
	case 'l':
		o->mode = MODE_DESCRIBE;
		o->describe = optarg;
		return KESTREL_CONTINUE;
	case 'M':
		return parse_run_seconds(o);
	case OPT_REPLAY:
		o->mode = MODE_REPLAY;
		o->replay = optarg;
		return KESTREL_CONTINUE;
	case OPT_PRINT_EVENTS:
		o->print_events = 1;
		return KESTREL_CONTINUE;
	case OPT_LIST_FIELDS:
		o->mode = MODE_FIELDS;
		return KESTREL_CONTINUE;
	case OPT_DRY_RUN:
		o->dry_run = 1;
		return KESTREL_CONTINUE;
	case OPT_PRINT_AUDIT_RULES:
		o->mode = MODE_PRINT_RULES;
		return KESTREL_CONTINUE;
	case OPT_CHECK:
		o->mode = MODE_CHECK;
		return KESTREL_CONTINUE;
	case OPT_AUDISP:
		o->audisp = 1;
		return KESTREL_CONTINUE;
	case OPT_STATS_INTERVAL:
		snprintf(o->stats_opt, sizeof(o->stats_opt), "stats_interval=%s", optarg);
		if (push(o->overrides, &o->noverrides, o->stats_opt, "-o") < 0)
			return 2;
		return KESTREL_CONTINUE;
	case OPT_RULE_STATS:
		return parse_rule_stats();
	case OPT_RELOAD:
		return service_reload_request((pid_t)atol(optarg), SERVICE_RELOAD_TIMEOUT_S);
	case 'h':
		usage(stdout);
		return 0;
	case OPT_VERSION:
		printf("kestrel %s (rule engine %s)\n", PACKAGE_VERSION, ENGINE_VERSION);
		return 0;
	default:
		usage(stderr);
		return 2;
	}
}

/* Fill o from the command line. */
static int parse_args(int argc, char **argv, struct options *o)
{
	int c, rc;

	while ((c = getopt_long(argc, argv, "c:r:o:V:Ll:M:ht:T:D:", longopts, NULL)) != -1) {
		rc = parse_option(c, o);
		if (rc != KESTREL_CONTINUE)
			return rc;
	}
	if (optind < argc) {
		log_warnx("unexpected argument '%s'", argv[optind]);
		usage(stderr);
		return 2;
	}
	if (!o->config && access(KESTREL_DEFAULT_CONFIG, F_OK) == 0)
		o->config = KESTREL_DEFAULT_CONFIG;
	return KESTREL_CONTINUE;
}

/* Run the mode the command line chose; returns the exit code. */
static int run_mode(struct options *o)
{
	switch (o->mode) {
	case MODE_REPLAY:
		return run_replay(o);
	case MODE_VALIDATE:
		return engine_cli_validate((const char *const *)o->validate, (size_t)o->nvalidate,
		                           stdout);
	case MODE_LIST:
	case MODE_DESCRIBE:
	case MODE_PRINT_RULES:
		return run_rules_mode(o);
	case MODE_FIELDS:
		engine_cli_list_fields(stdout);
		return 0;
	case MODE_CHECK:
		return kcheck_report(stdout);
	case MODE_DAEMON:
	default: {
		struct daemon_opts d;
		daemon_opts_from(o, &d);
		return daemon_run(&d);
	}
	}
}

int main(int argc, char **argv)
{
	struct options o;
	int rc;

	memset(&o, 0, sizeof(o));
	log_init(1, 0, LOG_LVL_INFO);
	/* A closed pipe (a log reader gone, a program output that exited) is
	 * an error to count on that write, never a reason to die: a killed
	 * kestrel would leave its kernel rules behind. */
	signal(SIGPIPE, SIG_IGN);
	rc = parse_args(argc, argv, &o);
	if (rc != KESTREL_CONTINUE)
		return rc;
	return run_mode(&o);
}
