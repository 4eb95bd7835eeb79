/*
 * engine.c — the rule engine's public face (engine.h): construction and
 * settings, loading files and directories, the event-type index, the
 * per-event field cache and engine_eval_with(), which runs the rules an
 * event's syscall can match, counts what each rule and event type did
 * (read out by rulestats.c) and emits alerts.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine/ccomp.h"
#include "engine/engine_int.h"
#include "engine/sets.h"
#include "proc/proc.h"
#include "util/clock.h"
#include "util/file.h"
#include "util/log.h"

/* Largest rules file accepted (Falco's default rules are ~100 KiB): a
 * bigger file is refused rather than read whole. */
#define ENGINE_MAX_FILE (64 * 1024 * 1024)
/* Room for a read error: the path and the reason. */
#define ENGINE_FILE_ERRLEN 512

/* ---- construction ---- */

/*
 * The per-event-type tables, EVT_MAX entries each (~120 KiB), of which a
 * ruleset touches a few pages: a few hundred names, the buckets of the
 * types its rules name, the counters of the types events bring. They are
 * one anonymous mapping, whose pages are zero and cost only when first
 * touched; calloc() would clear (so touch) most of them at start-up.
 */
struct evt_tables {
	const char *names[EVT_MAX];
	struct ptrvec buckets[EVT_MAX];
	struct evt_counts counts[EVT_MAX];
	uint16_t hash[EVT_HASH_SIZE];
};

_Static_assert(EVT_HASH_SIZE >= 2 * EVT_MAX && EVT_MAX < UINT16_MAX,
               "the name hash holds ids + 1 in 16 bits and stays half empty");

static struct evt_tables *evt_tables_new(void)
{
	void *p = mmap(NULL, sizeof(struct evt_tables), PROT_READ | PROT_WRITE,
	               MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

/* Default caps hook: this machine's /proc, read by src/proc. */
static int host_caps(void *arg, int64_t pid, enum engine_capset which, uint64_t *caps)
{
	static const enum proc_capset sets[] = {
	    [ENGINE_CAP_EFFECTIVE] = PROC_CAP_EFFECTIVE,
	    [ENGINE_CAP_PERMITTED] = PROC_CAP_PERMITTED,
	    [ENGINE_CAP_INHERITABLE] = PROC_CAP_INHERITABLE,
	};
	return proc_read_caps(pid, sets[which], caps);
}

struct engine *engine_new(void)
{
	struct engine *e = calloc(1, sizeof(*e));

	if (!e)
		return NULL;
	if (!(e->evt_tables = evt_tables_new())) {
		free(e);
		return NULL;
	}
	e->evt_names = e->evt_tables->names;
	e->evt_hash = e->evt_tables->hash;
	e->buckets = e->evt_tables->buckets;
	e->evtc = e->evt_tables->counts;
	arena_init(&e->arena);
	e->matching = ENGINE_MATCH_FIRST;
	e->min_priority = PRI_DEBUG;
	e->append_output = ENGINE_DEFAULT_APPEND_OUTPUT;
	e->use_index = 1;
	if (gethostname(e->hostname, sizeof(e->hostname) - 1) < 0)
		strcpy(e->hostname, "localhost");
	evtidx_init(e);
	e->caps = host_caps;
	e->ctx.engine = e;
	return e;
}

void engine_free(struct engine *e)
{
	if (!e)
		return;
	resolver_stop(e); /* before the checks it points into */
	ccomp_free_checks(e);
	for (size_t i = 0; i < e->nslots; i++)
		buf_free(&e->slots[i].buf);
	free(e->slots);
	buf_free(&e->outbuf);
	buf_free(&e->xfbuf);
	buf_free(&e->xfabuf);
	arena_free(&e->arena);
	munmap(e->evt_tables, sizeof(*e->evt_tables));
	free(e);
}

void engine_set_matching(struct engine *e, enum engine_matching m)
{
	e->matching = m;
}

void engine_set_min_priority(struct engine *e, enum priority p)
{
	e->min_priority = p;
}

enum priority engine_min_priority(const struct engine *e)
{
	return e->min_priority;
}

int engine_set_append_output(struct engine *e, const char *fmt)
{
	e->append_output = fmt ? arena_strdup(&e->arena, fmt) : NULL;
	return fmt && !e->append_output ? -1 : 0;
}

void engine_set_live(struct engine *e, int live)
{
	e->live = live;
}

void engine_set_lazy_hostnames(struct engine *e, int lazy)
{
	e->lazy_hosts = lazy;
}

int engine_is_live(const struct engine *e)
{
	return e->live;
}

void engine_set_index(struct engine *e, int on)
{
	e->use_index = on;
}

const char *engine_hostname(const struct engine *e)
{
	return e->hostname;
}

void engine_set_idname(struct engine *e, engine_idname_fn fn, void *arg)
{
	e->idname = fn;
	e->idname_arg = arg;
}

void engine_set_caps(struct engine *e, engine_caps_fn fn, void *arg)
{
	e->caps = fn;
	e->caps_arg = arg;
}

int engine_caps(struct engine *e, int64_t pid, enum engine_capset which, uint64_t *caps)
{
	if (!e->live || pid <= 0 || !e->caps)
		return 0;
	return e->caps(e->caps_arg, pid, which, caps);
}

int engine_idname(struct engine *e, const struct proc *p, int64_t id, int is_group, char *buf,
                  size_t n)
{
	char tmp[4096];

	struct idcache_ent *c = &e->idcache[(uint64_t)id % ENGINE_IDCACHE];
	const char *name = NULL;

	if (e->idname)
		return e->idname(e->idname_arg, p, id, is_group, buf, n);
	if (c->used && c->id == id && c->is_group == is_group) {
		if (!c->name[0])
			return 0;
		snprintf(buf, n, "%s", c->name);
		return 1;
	}
	if (is_group) {
		struct group gr, *res = NULL;
		if (getgrgid_r((gid_t)id, &gr, tmp, sizeof(tmp), &res) == 0 && res)
			name = gr.gr_name;
	} else {
		struct passwd pw, *res = NULL;
		if (getpwuid_r((uid_t)id, &pw, tmp, sizeof(tmp), &res) == 0 && res)
			name = pw.pw_name;
	}
	/* unknown ids are cached too (empty name) */
	c->used = 1;
	c->id = id;
	c->is_group = is_group;
	snprintf(c->name, sizeof(c->name), "%s", name ? name : "");
	if (!name)
		return 0;
	snprintf(buf, n, "%s", name);
	return 1;
}

static const char **strv_copy(struct arena *a, const char *const *v, int n)
{
	const char **out = arena_alloc(a, (size_t)(n + 1) * sizeof(*out));

	for (int i = 0; out && i < n; i++)
		if (!(out[i] = arena_strdup(a, v[i])))
			return NULL;
	return out;
}

int engine_add_append_output(struct engine *e, const struct engine_append *in)
{
	struct arena *a = &e->arena;
	struct engine_append *c = arena_alloc(a, sizeof(*c));

	if (!c)
		return -1;
	*c = *in;
	c->match_rule = in->match_rule ? arena_strdup(a, in->match_rule) : NULL;
	c->match_source = in->match_source ? arena_strdup(a, in->match_source) : NULL;
	c->format = in->format ? arena_strdup(a, in->format) : NULL;
	c->match_tags = strv_copy(a, in->match_tags, in->nmatch_tags);
	c->extra_fields = strv_copy(a, in->extra_fields, in->nextra_fields);
	if ((in->match_rule && !c->match_rule) || (in->match_source && !c->match_source) ||
	    (in->format && !c->format) || !c->match_tags || !c->extra_fields)
		return -1;
	return ptrvec_push(a, &e->appends, c);
}

/* The command line's selection (engine_cli_select): process-wide because
 * main() records it once and the daemon builds engines on every reload. */
static struct {
	enum engine_cli_sel kind;
	const char *arg;
} cli_sel[ENGINE_CLI_MAX_SELECT];
static int cli_nsel;

int engine_cli_select(enum engine_cli_sel kind, const char *arg)
{
	if (cli_nsel >= ENGINE_CLI_MAX_SELECT)
		return -1;
	cli_sel[cli_nsel].kind = kind;
	cli_sel[cli_nsel++].arg = arg;
	return 0;
}

/* -t tags first (all rules off, then each tag on), then -T and -D. */
static int engine_apply_cli_select(struct engine *e)
{
	int only = 0, rc = 0;

	for (int i = 0; i < cli_nsel; i++)
		if (cli_sel[i].kind == ENGINE_SEL_ONLY_TAG) {
			if (!only++)
				rc |= engine_select(e, "*", 0, 0);
			rc |= engine_select(e, cli_sel[i].arg, 1, 1);
		}
	for (int i = 0; i < cli_nsel; i++) {
		if (cli_sel[i].kind == ENGINE_SEL_NOT_TAG) {
			rc |= engine_select(e, cli_sel[i].arg, 1, 0);
		} else if (cli_sel[i].kind == ENGINE_SEL_NOT_NAME) {
			char *pat = arena_printf(&e->arena, "*%s*", cli_sel[i].arg);
			rc |= pat ? engine_select(e, pat, 0, 0) : -1;
		}
	}
	return rc;
}

int engine_select(struct engine *e, const char *pattern, int by_tag, int enable)
{
	struct rl_select *s = arena_alloc(&e->arena, sizeof(*s));

	if (!s)
		return -1;
	s->pattern = arena_strdup(&e->arena, pattern);
	s->by_tag = by_tag;
	s->enable = enable;
	return ptrvec_push(&e->arena, &e->selects, s);
}

/* ---- field cache ---- */

int engine_slot(struct engine *e, const struct fref *r)
{
	for (size_t i = 0; i < e->nslots; i++)
		if (strcmp(e->slots[i].ref.key, r->key) == 0)
			return (int)i;
	if (e->nslots == e->cap_slots) {
		size_t cap = e->cap_slots ? e->cap_slots * 2 : 32;
		struct eslot *s = realloc(e->slots, cap * sizeof(*s));
		if (!s)
			return -1;
		memset(s + e->nslots, 0, (cap - e->nslots) * sizeof(*s));
		e->slots = s;
		e->cap_slots = cap;
	}
	e->slots[e->nslots].ref = *r;
	return (int)e->nslots++;
}

const struct eslot *engine_slot_get(struct engine *e, int slot)
{
	struct eslot *s = &e->slots[slot];

	if (s->epoch != e->epoch) {
		s->epoch = e->epoch;
		s->present = field_extract(&e->ctx, &s->ref, &s->val, &s->buf);
		e->stats.extractions++;
	}
	return s;
}

uint64_t engine_slot_hash(struct engine *e, int slot)
{
	struct eslot *s = &e->slots[slot];

	if (s->hash_epoch != e->epoch) {
		s->hash_epoch = e->epoch;
		s->hash = sets_hash(s->val.s, s->val.len);
	}
	return s->hash;
}

/* ---- loading ---- */

int engine_add_buffer(struct engine *e, const char *name, const char *text, size_t len,
                      struct engine_diag *d)
{
	int rc = loader_add_text(e, name, text, len, d);

	if (rc < 0)
		e->broken = 1;
	e->loaded_files++;
	return rc;
}

static int add_file(struct engine *e, const char *path, struct engine_diag *d)
{
	char err[ENGINE_FILE_ERRLEN];
	size_t len, plen = strlen(path);
	/* A FIFO or device named as a rules file is refused, never read. */
	char *buf = file_read_small(AT_FDCWD, path, ENGINE_MAX_FILE, 0, &len, err, sizeof(err));

	if (!buf) {
		struct src_pos p = {path, 0, 0};
		/* err names the path, which the diagnostic already shows. */
		const char *why = strncmp(err, path, plen) == 0 && err[plen] == ':' ? err + plen + 2 : err;

		diag_add(d, ENGINE_DIAG_ERROR, &p, NULL, NULL, "Could not read file: %s", why);
		e->broken = 1;
		return -1;
	}
	int rc = engine_add_buffer(e, path, buf, len, d);
	free(buf);
	return rc;
}

static int yaml_name(const struct dirent *de)
{
	size_t n = strlen(de->d_name);

	if (de->d_name[0] == '.')
		return 0;
	return (n > 5 && strcmp(de->d_name + n - 5, ".yaml") == 0) ||
	       (n > 4 && strcmp(de->d_name + n - 4, ".yml") == 0);
}

int engine_add_path(struct engine *e, const char *path, struct engine_diag *d)
{
	struct stat st;
	struct dirent **ents;
	int n, rc = 0;

	if (stat(path, &st) < 0 || !S_ISDIR(st.st_mode))
		return add_file(e, path, d);
	n = scandir(path, &ents, yaml_name, alphasort);
	if (n < 0) {
		struct src_pos p = {path, 0, 0};
		diag_add(d, ENGINE_DIAG_ERROR, &p, NULL, NULL, "Could not read directory: %s",
		         strerror(errno));
		e->broken = 1;
		return -1;
	}
	for (int i = 0; i < n; i++) {
		char full[4096];
		snprintf(full, sizeof(full), "%s/%s", path, ents[i]->d_name);
		if (stat(full, &st) == 0 && S_ISREG(st.st_mode) && add_file(e, full, d) < 0)
			rc = -1;
		free(ents[i]);
	}
	free(ents);
	return rc;
}

int engine_compile(struct engine *e, struct engine_diag *d)
{
	int errs;

	if (e->compiled)
		return e->broken ? -1 : 0;
	if (engine_apply_cli_select(e) < 0) {
		diag_add(d, ENGINE_DIAG_ERROR, NULL, NULL, NULL, "out of memory selecting rules");
		e->broken = 1;
		return -1;
	}
	errs = ccomp_rules(e, d);
	e->compiled = 1;
	if (errs || e->broken) {
		e->broken = 1;
		return -1;
	}
	if (evtidx_build(e) < 0) {
		diag_add(d, ENGINE_DIAG_ERROR, NULL, NULL, NULL,
		         "out of memory building the event-type index");
		e->broken = 1;
		return -1;
	}
	resolver_start(e); /* live: host names resolved off the compile path */
	return 0;
}

int engine_load(struct engine *e, const char *const *paths, size_t n, struct engine_diag *d)
{
	for (size_t i = 0; i < n; i++)
		engine_add_path(e, paths[i], d);
	return engine_compile(e, d);
}

/* ---- introspection ---- */

size_t engine_rule_count(const struct engine *e)
{
	return e->rules.n;
}

int engine_rule_info(const struct engine *e, size_t i, struct engine_rule_info *out)
{
	if (i >= e->rules.n)
		return -1;
	const struct rl_rule *r = e->rules.v[i];
	out->name = r->name;
	out->desc = r->desc;
	out->source = r->source;
	out->output = r->output;
	out->condition = r->cond.s;
	out->priority = r->priority < 0 ? PRI_DEBUG : (enum priority)r->priority;
	out->enabled = e->compiled ? r->selected : r->enabled;
	out->active = r->active;
	out->skip_reason = r->skip_reason;
	out->ntags = (int)r->tags.n;
	out->tags = (const char *const *)r->tags.v;
	return 0;
}

long engine_rule_find(const struct engine *e, const char *name)
{
	return ptrvec_find_named(&e->rules, offsetof(struct rl_rule, name), name);
}

void engine_rule_print_condition(const struct engine *e, size_t i, FILE *out)
{
	const struct rl_rule *r = i < e->rules.n ? e->rules.v[i] : NULL;

	if (r && r->ast)
		cnode_print(r->ast, out);
	else if (r)
		fputs(r->cond.s, out);
}

size_t engine_active_count(const struct engine *e)
{
	return e->all_active.n;
}

/* ---- evaluation ---- */

void engine_get_stats(const struct engine *e, struct engine_stats *s)
{
	*s = e->stats;
}

static void emit_rule(struct engine *e, struct rl_rule *r, const struct kevent *ev,
                      engine_emit_fn emit, void *arg)
{
	struct alert a = {0};

	a.time_ns = ev->time_ns;
	a.rule = r->name;
	a.priority = (enum priority)r->priority;
	a.source = "syscall";
	a.ntags = (int)r->tags.n;
	a.tags = (const char *const *)r->tags.v;
	a.output = ofmt_render(e, r->fmt, r->afields);
	a.nfields = ofmt_count_fields(r->fmt);
	a.fields = r->afields;
	e->emitting = r;
	if (emit)
		emit(&a, arg);
	e->emitting = NULL;
}

/* A regex of r errored out: counted, logged at most once per rule per
 * ENGINE_REGEX_LOG_INTERVAL_MS, and the rule fires (fail open). */
static void regex_failed(struct engine *e, struct rl_rule *r)
{
	uint64_t now = clock_monotonic_ms();
	PCRE2_UCHAR msg[128];

	e->stats.regex_errors++;
	r->regex_errors++;
	r->regex_unlogged++;
	if (r->regex_logged_ms && now - r->regex_logged_ms < ENGINE_REGEX_LOG_INTERVAL_MS)
		return;
	pcre2_get_error_message(e->eval_error, msg, sizeof(msg));
	log_warnx("rule '%s': a regex match failed (%s); the rule fires (fail open) "
	          "[%llu such errors since the last report, %llu in all]",
	          r->name, (const char *)msg, (unsigned long long)r->regex_unlogged,
	          (unsigned long long)r->regex_errors);
	r->regex_logged_ms = now ? now : 1;
	r->regex_unlogged = 0;
}

/* 1 when r fires on the current event (condition true, or a regex failed
 * open); counts the evaluation. */
static inline int rule_fires(struct engine *e, struct rl_rule *r)
{
	r->cnt.evals++;
	e->eval_error = 0;
	if (e->rule_timing)
		return rulestats_eval_timed(e, r);
	return ccomp_eval(e, r->root) || e->eval_error;
}

int engine_eval_with(struct engine *e, const struct kevent *ev, const struct engine_procsrc *ps,
                     void *psctx, engine_emit_fn emit, void *arg)
{
	const struct ptrvec *list;
	struct evt_counts *ec;
	int id, fired = 0;
	size_t i;

	if (!e->compiled || e->broken)
		return 0;
	e->stats.events++;
	e->epoch++;
	e->evtnum++;
	e->ctx.ps = ps;
	e->ctx.psctx = psctx;
	e->ctx.evtnum = e->evtnum;
	fctx_reset(&e->ctx, ev);
	id = ev->has_syscall ? engine_evt_id(e, ev->syscall_name, 0) : EVT_OTHER;
	list = e->use_index ? &e->buckets[id] : &e->all_active;
	ec = &e->evtc[id];
	ec->events++;
	for (i = 0; i < list->n; i++) {
		struct rl_rule *r = list->v[i];
		if (!rule_fires(e, r))
			continue;
		if (e->eval_error)
			regex_failed(e, r);
		fired++;
		r->cnt.matches++;
		emit_rule(e, r, ev, emit, arg);
		if (e->matching == ENGINE_MATCH_FIRST) {
			i++; /* the evaluations counted below include this one */
			break;
		}
	}
	e->stats.rule_evals += i;
	e->stats.alerts += (uint64_t)fired;
	ec->evals += i;
	ec->matches += (uint64_t)fired;
	return fired;
}
