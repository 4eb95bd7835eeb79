/*
 * fields.h — the table of condition/output fields (evt.*, proc.*, user.*,
 * group.*, fd.*, container.*, k8s.*, audit.*) and their extractors over a
 * kevent, its process-table entry and container. The compiler resolves each
 * field name to a `struct fref` once; the evaluator calls its extractor
 * through a per-event cache slot.
 */
#ifndef KESTREL_ENGINE_FIELDS_H
#define KESTREL_ENGINE_FIELDS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "engine/engine.h"
#include "event/kevent.h"
#include "util/buf.h"

/* The directory Falco (libsinsp) shows when it cannot resolve an *at
 * syscall's dirfd: a relative name under it reads "<UNKNOWN>/name". Audit
 * records do not resolve a real dirfd either (kev_path.dirfd_unresolved),
 * so such a name is never joined to the cwd. */
#define FIELD_UNKNOWN_DIR "<UNKNOWN>"

/* Deepest ancestor walked for proc.aname and friends without an index. */
#define FIELD_MAX_ANCESTORS 32

enum ftype {
	FT_STR = 0,
	FT_INT,
	FT_BOOL,
	FT_IPNET, /* an IP address compared with CIDR networks (fd.net ...) */
	FT_BYTES, /* a byte buffer (evt.buffer): bcontains, bstartswith */
};

enum farg {
	FA_NONE = 0,
	FA_INDEX, /* optional [N]; none = any ancestor (proc.aname) */
	FA_KEY,   /* required [name] or .name (evt.arg.flags, evt.arg[1]) */
};

/* An extracted value. Strings point into the event, the process table or
 * the slot's buffer (util/buf.h, owned by the engine per cache slot and
 * reused for every event, so extraction does not allocate); they live
 * until the next event. */
struct fval {
	const char *s;
	size_t len;
	int64_t n;
};

/* Longest syscall name whose class fctx caches (longer: not cached). */
#define FCTX_CLS_NAME_MAX 32
/* Entries of that cache (direct-mapped by the name's address: names
 * come from libaudit's tables, a few dozen distinct in a run). */
#define FCTX_CLS_CACHE 64

/* One syscall name's class: name[0] == '\0' for an empty entry. */
struct fctx_cls_entry {
	char name[FCTX_CLS_NAME_MAX];
	unsigned char open_kind; /* enum in fields.c: which open-like call */
	unsigned char is_open, is_exec, takes_fd, is_socket;
};

/* Everything an extractor may look at for one event. */
struct fctx {
	const struct kevent *ev;
	const struct engine_procsrc *ps;
	void *psctx;
	struct engine *engine;
	uint64_t evtnum;
	/* Lazily resolved. */
	int have_proc, have_parent, have_ct;
	int have_cls; /* syscall class below computed */
	int is_open, is_exec, takes_fd, is_socket;
	int64_t oflags; /* open flags, -1 when not an open */
	/* Classes of syscall names seen, kept across events (one strcmp
	 * instead of thirty); zeroed with the engine. */
	struct fctx_cls_entry cls_cache[FCTX_CLS_CACHE];
	struct fctx_cls_entry cls_scratch; /* a name too long to cache */
	const struct proc *proc, *parent;
	const struct container_info *ct;
};

struct fref;
typedef int (*field_fn)(struct fctx *c, const struct fref *r, struct fval *v, struct buf *b);

struct field_def {
	const char *name;
	enum ftype type;
	enum farg arg;
	field_fn fn; /* NULL: a Falco field audit data cannot supply */
	const char *desc;
};

/* A field as used by a rule: definition + argument. */
struct fref {
	const struct field_def *def;
	const char *arg; /* NULL when none */
	int64_t iarg;    /* numeric argument (FA_INDEX), -1 when none */
	const char *key; /* canonical spelling, e.g. "proc.aname[2]" */
};

/* Finds a field by name ("evt.arg.flags" resolves to evt.arg with key
 * "flags"). *dotarg receives the suffix argument or NULL. NULL if unknown. */
const struct field_def *field_lookup(const char *name, const char **dotarg);
/* Extracts a value. Returns 1 when present, 0 when unknown (<NA>). */
int field_extract(struct fctx *c, const struct fref *r, struct fval *v, struct buf *b);
/* Formats a present value as text for outputs (numbers, bools). Returns a
 * pointer to v->s or to buf. */
const char *field_format(const struct fref *r, const struct fval *v, char *buf, size_t n);
/* Prints the field table (name, type, description). */
void field_print_table(FILE *out);
const char *field_type_name(enum ftype t);
/* Resets the per-event lazy context. */
void fctx_reset(struct fctx *c, const struct kevent *ev);
/* Ancestor N (1 = parent) of the event's process, or NULL. */
const struct proc *fctx_ancestor(struct fctx *c, int64_t n);

#endif
