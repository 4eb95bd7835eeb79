/*
 * kestrel.c — main(): parses the command line and runs one mode (replay,
 * live daemon, rule validation/listing, environment check). The stages do
 * the work; this file only wires them together.
 */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/pipeline.h"
#include "daemon/replay.h"
#include "event/kevent_json.h"
#include "util/log.h"

enum {
	OPT_REPLAY = 256,
	OPT_PRINT_EVENTS,
	OPT_VERSION,
};

struct options {
	const char *replay;
	int print_events;
};

static void usage(FILE *out)
{
	fputs("usage: kestrel [options]\n"
	      "\n"
	      "Runtime security monitor: kernel audit events, Falco-compatible rules, alerts.\n"
	      "\n"
	      "  --replay FILE      read a raw audit log (auditd or netlink text form; - for stdin)\n"
	      "                     instead of the kernel, and print counters at the end\n"
	      "  --print-events     print every normalized event as one JSON line on stdout\n"
	      "  -h, --help         this text\n"
	      "  --version          print the version\n",
	      out);
}

struct replay_ctx {
	const struct options *opt;
};

static void on_event(struct kevent *ev, void *arg)
{
	struct replay_ctx *ctx = arg;
	if (ctx->opt->print_events)
		kevent_print_json(ev, stdout);
}

static int run_replay(const struct options *opt)
{
	struct pipeline p;
	struct replay_ctx ctx = {.opt = opt};
	int rc;

	if (pipeline_init(&p, ASM_REPLAY, on_event, &ctx) < 0)
		fatalx("out of memory");
	rc = replay_file(opt->replay, &p);
	fflush(stdout);
	pipeline_print_stats(&p, stderr);
	pipeline_fini(&p);
	return rc < 0 ? 1 : 0;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"replay", required_argument, NULL, OPT_REPLAY},
		{"print-events", no_argument, NULL, OPT_PRINT_EVENTS},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, OPT_VERSION},
		{NULL, 0, NULL, 0},
	};
	struct options opt = {0};
	int c;

	log_init(1, 0, LOG_LVL_INFO);
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case OPT_REPLAY:
			opt.replay = optarg;
			break;
		case OPT_PRINT_EVENTS:
			opt.print_events = 1;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case OPT_VERSION:
			printf("kestrel %s\n", PACKAGE_VERSION);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind < argc) {
		log_warnx("unexpected argument '%s'", argv[optind]);
		usage(stderr);
		return 2;
	}
	if (opt.replay)
		return run_replay(&opt);
	log_warnx("no mode given (live capture is not built yet): use --replay FILE");
	return 2;
}
