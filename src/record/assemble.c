/*
 * assemble.c — the assembler: records in, complete events out (see
 * assemble.h for the completion rules). In-flight events are few (usually
 * one or two: a syscall's records arrive together), so they live in an array
 * in arrival order and lookups scan it from the newest end.
 */
#include "config.h"

#include <libaudit.h>
#include <stdlib.h>
#include <string.h>

#include "record/assemble.h"
#include "util/buf.h"

struct asm_rec {
	int type;
	uint32_t text_off, text_len;
	uint32_t field_off, nfields;
};

struct asm_event {
	uint64_t sec;
	uint32_t msec;
	uint64_t serial;
	uint64_t born_ms; /* wall clock at creation (live) */
	enum asm_end end;
	int has_syscall;
	int incomplete;
	char *text;
	size_t text_len, text_cap;
	struct arec_field *fields;
	size_t nfields, fields_cap;
	struct asm_rec *recs;
	int nrecs;
	size_t recs_cap;
	uint32_t node_off, node_len; /* node of the first record, in text */
};

struct assembler {
	enum asm_mode mode;
	asm_emit_fn emit;
	void *arg;
	struct asm_event *inflight[ASM_MAX_INFLIGHT];
	int ninflight;
	struct asm_event **free_list;
	int nfree, free_cap;
	uint64_t recent[ASM_RECENT]; /* serials of recently completed events */
	int recent_pos;
	int seen_terminator; /* the stream has shown EOE or PROCTITLE records */
	struct asm_stats stats;
};

struct assembler *asm_new(enum asm_mode mode, asm_emit_fn emit, void *arg)
{
	struct assembler *a = calloc(1, sizeof(*a));
	if (!a)
		return NULL;
	a->mode = mode;
	a->emit = emit;
	a->arg = arg;
	for (int i = 0; i < ASM_RECENT; i++)
		a->recent[i] = UINT64_MAX;
	return a;
}

static void event_destroy(struct asm_event *ev)
{
	free(ev->text);
	free(ev->fields);
	free(ev->recs);
	free(ev);
}

void asm_free(struct assembler *a)
{
	if (!a)
		return;
	for (int i = 0; i < a->ninflight; i++)
		event_destroy(a->inflight[i]);
	for (int i = 0; i < a->nfree; i++)
		event_destroy(a->free_list[i]);
	free(a->free_list);
	free(a);
}

static struct asm_event *event_get(struct assembler *a)
{
	struct asm_event *ev;
	if (a->nfree > 0) {
		ev = a->free_list[--a->nfree];
	} else {
		ev = calloc(1, sizeof(*ev));
		if (!ev)
			return NULL;
	}
	ev->text_len = 0;
	ev->nfields = 0;
	ev->nrecs = 0;
	ev->has_syscall = 0;
	ev->node_len = 0;
	return ev;
}

static void event_put(struct assembler *a, struct asm_event *ev)
{
	if (a->nfree == a->free_cap) {
		int ncap = a->free_cap ? a->free_cap * 2 : 16;
		struct asm_event **nl = realloc(a->free_list, (size_t)ncap * sizeof(*nl));
		if (!nl) {
			event_destroy(ev);
			return;
		}
		a->free_list = nl;
		a->free_cap = ncap;
	}
	a->free_list[a->nfree++] = ev;
}

/* Copy the record's text and fields into the event. */
static int event_append(struct asm_event *ev, const struct arec *r)
{
	size_t need_fields = ev->nfields + (size_t)r->nfields;
	size_t need_text = ev->text_len + r->len + 1;

	if (buf_grow_array((void **)&ev->text, &ev->text_cap, need_text, 1) < 0 ||
	    buf_grow_array((void **)&ev->fields, &ev->fields_cap, need_fields,
	                   sizeof(*ev->fields)) < 0 ||
	    buf_grow_array((void **)&ev->recs, &ev->recs_cap, (size_t)ev->nrecs + 1,
	                   sizeof(*ev->recs)) < 0)
		return -1;
	struct asm_rec *ar = &ev->recs[ev->nrecs++];
	ar->type = r->type;
	ar->text_off = (uint32_t)ev->text_len;
	ar->text_len = (uint32_t)r->len;
	ar->field_off = (uint32_t)ev->nfields;
	ar->nfields = (uint32_t)r->nfields;
	memcpy(ev->text + ev->text_len, r->text, r->len);
	ev->text[ev->text_len + r->len] = '\0';
	if (ev->nrecs == 1 && r->node_len) {
		ev->node_off = ar->text_off + r->node_off;
		ev->node_len = r->node_len;
	}
	ev->text_len += r->len + 1;
	if (r->nfields > 0) {
		/* a record may have no fields at all: ev->fields may still be NULL */
		memcpy(ev->fields + ev->nfields, r->fields,
		       (size_t)r->nfields * sizeof(struct arec_field));
		ev->nfields += (size_t)r->nfields;
	}
	if (r->type == AUDIT_SYSCALL)
		ev->has_syscall = 1;
	return 0;
}

static void remember(struct assembler *a, uint64_t serial)
{
	a->recent[a->recent_pos] = serial;
	a->recent_pos = (a->recent_pos + 1) % ASM_RECENT;
}

/* Newest first: the EOE after a PROCTITLE-completed event names the event
 * completed last, found on the first compare. */
static int recently_done(const struct assembler *a, uint64_t serial)
{
	for (int i = 1; i <= ASM_RECENT; i++)
		if (a->recent[(a->recent_pos - i + ASM_RECENT) % ASM_RECENT] == serial)
			return 1;
	return 0;
}

/* Incomplete: evicted, or a syscall event cut off before the terminating
 * record the stream otherwise carries (EOE/PROCTITLE). Logs of kernels that
 * never wrote PROCTITLE end events by the horizon, and that is complete. */
static int end_is_incomplete(const struct assembler *a, const struct asm_event *ev)
{
	switch (ev->end) {
	case ASM_END_EOE:
	case ASM_END_PROCTITLE:
	case ASM_END_SINGLE:
		return 0;
	case ASM_END_EVICTED:
		return 1;
	default:
		return ev->has_syscall && a->seen_terminator;
	}
}

static void complete_at(struct assembler *a, int idx, enum asm_end end)
{
	struct asm_event *ev = a->inflight[idx];
	memmove(&a->inflight[idx], &a->inflight[idx + 1],
		(size_t)(a->ninflight - idx - 1) * sizeof(a->inflight[0]));
	a->ninflight--;
	ev->end = end;
	ev->incomplete = end_is_incomplete(a, ev);
	if (ev->incomplete)
		a->stats.incomplete++;
	if (end == ASM_END_EVICTED)
		a->stats.evicted++;
	a->stats.events++;
	remember(a, ev->serial);
	a->emit(ev, a->arg);
	event_put(a, ev);
}

static int is_single_record_type(int type)
{
	return (type >= AUDIT_FIRST_USER_MSG && type < AUDIT_SYSCALL) ||
	       type >= AUDIT_FIRST_USER_MSG2 || type == AUDIT_KERNEL;
}

static int same_node(const struct asm_event *ev, const struct arec *r)
{
	if (ev->node_len != r->node_len)
		return 0;
	return ev->node_len == 0 ||
	       memcmp(ev->text + ev->node_off, r->text + r->node_off, r->node_len) == 0;
}

static int find_inflight(const struct assembler *a, const struct arec *r)
{
	for (int i = a->ninflight - 1; i >= 0; i--) {
		const struct asm_event *ev = a->inflight[i];
		if (ev->serial == r->serial && ev->sec == r->sec && ev->msec == r->msec &&
		    same_node(ev, r))
			return i;
	}
	return -1;
}

static uint64_t rec_ms(const struct arec *r)
{
	return r->sec * 1000 + r->msec;
}

static void flush_horizon(struct assembler *a, uint64_t now_log_ms)
{
	while (a->ninflight > 0) {
		const struct asm_event *ev = a->inflight[0];
		uint64_t t = ev->sec * 1000 + ev->msec;
		if (t + ASM_REPLAY_HORIZON_MS > now_log_ms)
			break;
		complete_at(a, 0, ASM_END_HORIZON);
	}
}

int asm_add(struct assembler *a, const struct arec *r, uint64_t now_ms)
{
	int idx;

	a->stats.records++;
	if (r->type == AUDIT_EOE || r->type == AUDIT_PROCTITLE)
		a->seen_terminator = 1;
	if (a->mode == ASM_REPLAY)
		flush_horizon(a, rec_ms(r));

	idx = find_inflight(a, r);
	if (idx < 0) {
		if (r->type == AUDIT_EOE) {
			/* the end of an event we already completed at PROCTITLE,
			 * or of one with no records: nothing to emit */
			if (recently_done(a, r->serial))
				a->stats.eoe_absorbed++;
			return 0;
		}
		if (a->ninflight == ASM_MAX_INFLIGHT)
			complete_at(a, 0, ASM_END_EVICTED);
		struct asm_event *ev = event_get(a);
		if (!ev)
			return -1;
		ev->sec = r->sec;
		ev->msec = r->msec;
		ev->serial = r->serial;
		ev->born_ms = now_ms;
		a->inflight[a->ninflight++] = ev;
		idx = a->ninflight - 1;
	}
	if (r->type == AUDIT_EOE) {
		complete_at(a, idx, ASM_END_EOE);
		return 0;
	}
	if (event_append(a->inflight[idx], r) < 0)
		return -1;
	if (r->type == AUDIT_PROCTITLE)
		complete_at(a, idx, ASM_END_PROCTITLE);
	else if (is_single_record_type(r->type) && a->inflight[idx]->nrecs == 1)
		complete_at(a, idx, ASM_END_SINGLE);
	return 0;
}

int asm_flush_expired(struct assembler *a, uint64_t now_ms)
{
	int n = 0;
	for (int i = 0; i < a->ninflight;) {
		if (a->inflight[i]->born_ms + ASM_LIVE_TIMEOUT_MS <= now_ms) {
			complete_at(a, i, ASM_END_TIMEOUT);
			n++;
		} else {
			i++;
		}
	}
	return n;
}

void asm_flush_all(struct assembler *a)
{
	while (a->ninflight > 0)
		complete_at(a, 0, ASM_END_EOF);
}

const struct asm_stats *asm_get_stats(const struct assembler *a)
{
	return &a->stats;
}

int asm_inflight(const struct assembler *a)
{
	return a->ninflight;
}

int asm_event_nrecords(const struct asm_event *ev)
{
	return ev->nrecs;
}

void asm_event_record(const struct asm_event *ev, int i, struct arec *view)
{
	const struct asm_rec *ar = &ev->recs[i];
	memset(view, 0, sizeof(*view));
	view->text = ev->text + ar->text_off;
	view->len = ar->text_len;
	view->type = ar->type;
	view->sec = ev->sec;
	view->msec = ev->msec;
	view->serial = ev->serial;
	view->nfields = (int)ar->nfields;
	/* an event whose records have no fields has no field array at all */
	view->fields = ev->fields ? ev->fields + ar->field_off : NULL;
	if (i == 0 && ev->node_len) {
		view->node_off = ev->node_off - ar->text_off;
		view->node_len = ev->node_len;
	}
}

enum asm_end asm_event_end(const struct asm_event *ev)
{
	return ev->end;
}

int asm_event_incomplete(const struct asm_event *ev)
{
	return ev->incomplete;
}

uint64_t asm_event_serial(const struct asm_event *ev)
{
	return ev->serial;
}

uint64_t asm_event_time_ms(const struct asm_event *ev)
{
	return ev->sec * 1000 + ev->msec;
}
