/*
 * pipeline.c — wires parser, assembler and normalizer (see pipeline.h).
 * Keeps the counters the user sees at the end of a replay and in stats.
 */
#include "config.h"

#include <inttypes.h>
#include <string.h>

#include "daemon/pipeline.h"
#include "output/escape.h"
#include "util/log.h"

/* Length of a parser error message. */
#define PIPELINE_ERRLEN 128
/* Escaped forms for kestrel's own log: an escape is at most 4 bytes per
 * input byte (\xNN); a longer source name is cut (the escaper never splits
 * an escape). */
#define PIPELINE_ERRLEN_ESC (PIPELINE_ERRLEN * 4)
#define PIPELINE_SRC_ESC 512

static void on_assembled(const struct asm_event *aev, void *arg)
{
	struct pipeline *p = arg;
	if (knorm_build(p->norm, aev, &p->ev) < 0) {
		p->stats.oom++;
		log_warnx("out of memory normalizing audit event %" PRIu64 ": event dropped",
			  asm_event_serial(aev));
		return;
	}
	p->stats.events++;
	if (p->ev.incomplete)
		p->stats.incomplete++;
	if (p->on_event)
		p->on_event(&p->ev, p->arg);
}

int pipeline_init(struct pipeline *p, enum asm_mode mode, pipeline_event_fn fn, void *arg)
{
	memset(p, 0, sizeof(*p));
	arec_init(&p->rec);
	p->asm_ = asm_new(mode, on_assembled, p);
	p->norm = knorm_new();
	p->on_event = fn;
	p->arg = arg;
	if (!p->asm_ || !p->norm) {
		pipeline_fini(p);
		return -1;
	}
	return 0;
}

void pipeline_fini(struct pipeline *p)
{
	asm_free(p->asm_);
	knorm_free(p->norm);
	arec_free(&p->rec);
	p->asm_ = NULL;
	p->norm = NULL;
}

void pipeline_feed(struct pipeline *p, int type, const char *text, size_t len, uint64_t now_ms,
		   const char *src, unsigned long line)
{
	char err[PIPELINE_ERRLEN];

	p->stats.bytes += len;
	if (arec_parse(&p->rec, type, text, len, err, sizeof(err)) < 0) {
		/* The message quotes the record (a key, a value): bytes a local
		 * user chose, which must not reach a terminal or syslog raw. */
		char eerr[PIPELINE_ERRLEN_ESC], esrc[PIPELINE_SRC_ESC];

		output_escape_str(eerr, sizeof(eerr), err);
		output_escape_str(esrc, sizeof(esrc), src ? src : "");
		p->stats.malformed++;
		if (line)
			log_warnx("%s:%lu: malformed audit record skipped: %s", esrc, line, eerr);
		else
			log_warnx("%s: malformed audit record skipped: %s", esrc, eerr);
		return;
	}
	p->stats.records++;
	if (asm_add(p->asm_, &p->rec, now_ms) < 0) {
		p->stats.oom++;
		log_warnx("%s:%lu: out of memory assembling audit record: record dropped", src,
			  line);
	}
}

void pipeline_flush(struct pipeline *p)
{
	asm_flush_all(p->asm_);
}

void pipeline_tick(struct pipeline *p, uint64_t now_ms)
{
	asm_flush_expired(p->asm_, now_ms);
}

const struct pipeline_stats *pipeline_get_stats(const struct pipeline *p)
{
	return &p->stats;
}

void pipeline_print_stats(const struct pipeline *p, FILE *out)
{
	fprintf(out,
		"records=%" PRIu64 " events=%" PRIu64 " incomplete=%" PRIu64
		" malformed=%" PRIu64 " bytes=%" PRIu64 "\n",
		p->stats.records, p->stats.events, p->stats.incomplete, p->stats.malformed,
		p->stats.bytes);
}
