/*
 * sink_journal.c — alerts to journald with structured fields (native
 * protocol, sd_journal_sendv): MESSAGE, PRIORITY, SYSLOG_IDENTIFIER,
 * KESTREL_RULE, KESTREL_PRIORITY, KESTREL_SOURCE, KESTREL_TAGS, KESTREL_TIME
 * and one KESTREL_<FIELD> per output field (proc.name -> KESTREL_PROC_NAME),
 * so `journalctl KESTREL_RULE="..."` selects alerts. Values are text-escaped
 * like every one-line sink: a value can hold no newline, so it cannot start
 * a field of its own, and journalctl never prints a raw control byte.
 *
 * libsystemd is loaded with dlopen() when journal output is set up, not
 * linked: its dependency tree (gcrypt, lz4, zstd, lzma, ...) cost every
 * start-up its relocations although journal output is off by default.
 */
#include "config.h"

#include <ctype.h>
#include <dlfcn.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#ifdef HAVE_SYSTEMD
#include <systemd/sd-journal.h>
#endif

#include "output/escape.h"
#include "output/output_int.h"
#include "util/log.h"
#include "util/timefmt.h"

/* journald's limit on field names. */
#define JOURNAL_FIELD_NAME_MAX 64
/* Records besides the output fields: MESSAGE ... KESTREL_TIME. */
#define JOURNAL_FIXED_RECORDS 9

#ifdef HAVE_SYSTEMD
/* The soname loaded: the ABI (libsystemd0) this file was built against. */
#define JOURNAL_LIBSYSTEMD_SONAME "libsystemd.so.0"

/* sd_journal_sendv() of libsystemd, once loaded (journal_load). */
static __typeof__(sd_journal_sendv) *journal_sendv;

/* Loads libsystemd once per process: 0, or -1 after a warning naming the
 * package to install. The handle is never closed. Main thread only. */
static int journal_load(void)
{
	if (journal_sendv)
		return 0;
	void *lib = dlopen(JOURNAL_LIBSYSTEMD_SONAME, RTLD_NOW | RTLD_LOCAL);
	if (!lib) {
		log_warnx("journal_output: cannot load %s (%s): install libsystemd0 for "
		          "journal output",
		          JOURNAL_LIBSYSTEMD_SONAME, dlerror());
		return -1;
	}
	void *fn = dlsym(lib, "sd_journal_sendv");
	if (!fn) {
		log_warnx("journal_output: %s has no sd_journal_sendv", JOURNAL_LIBSYSTEMD_SONAME);
		dlclose(lib);
		return -1;
	}
	/* POSIX guarantees a dlsym() address converts to a function pointer. */
	memcpy(&journal_sendv, &fn, sizeof(fn));
	return 0;
}
#endif

int sink_journal_available(void)
{
#ifdef HAVE_SYSTEMD
	return access(OUTPUT_JOURNAL_SOCKET, W_OK) == 0 && journal_load() == 0;
#else
	return 0;
#endif
}

/* Appends "KESTREL_" + name mapped to [A-Z0-9_], runs of '_' folded, and '='. */
static int put_field_name(struct buf *b, const char *name)
{
	char n[JOURNAL_FIELD_NAME_MAX + 1];
	size_t len = strlen("KESTREL_");
	memcpy(n, "KESTREL_", len);
	for (const char *p = name; *p && len < JOURNAL_FIELD_NAME_MAX; p++) {
		unsigned char c = (unsigned char)*p;
		char m = isalnum(c) && c < 0x80 ? (char)toupper(c) : '_';
		if (m == '_' && n[len - 1] == '_')
			continue;
		n[len++] = m;
	}
	while (n[len - 1] == '_')
		len--;
	if (buf_append(b, n, len) < 0)
		return -1;
	return buf_putc(b, '=');
}

/* Ends one record: remembers its start offset in the iovec slot. */
static int end_record(struct outputs *o, size_t start, int *n)
{
	o->iov[*n].iov_base = (void *)(uintptr_t)start; /* offset; fixed up once b is final */
	o->iov[*n].iov_len = o->jfields.len - start;
	(*n)++;
	return 0;
}

/* The records every alert has: message, priorities, identity, rule, tags, time. */
static int journal_fixed_records(struct outputs *o, const struct alert *a, const char *msg, int *n)
{
	struct buf *b = &o->jfields;
	size_t s;
	char t[OUTPUT_TIME_MAX];
	timefmt_event(t, sizeof(t), a->time_ns, 1);
	const char *rule = a->rule ? a->rule : "";
	const char *src = a->source ? a->source : "syscall";

	s = b->len;
	if (buf_puts(b, "MESSAGE=") < 0 || buf_puts(b, msg) < 0)
		return -1;
	end_record(o, s, n);
	s = b->len;
	if (buf_printf(b, "PRIORITY=%d", (int)a->priority) < 0)
		return -1;
	end_record(o, s, n);
	s = b->len;
	if (buf_printf(b, "SYSLOG_FACILITY=%d", o->syslog_facility >> 3) < 0)
		return -1;
	end_record(o, s, n);
	s = b->len;
	if (buf_puts(b, "SYSLOG_IDENTIFIER=") < 0 ||
	    output_escape_text(b, o->syslog_ident, strlen(o->syslog_ident)) < 0)
		return -1;
	end_record(o, s, n);
	s = b->len;
	if (buf_puts(b, "KESTREL_RULE=") < 0 || output_escape_text(b, rule, strlen(rule)) < 0)
		return -1;
	end_record(o, s, n);
	s = b->len;
	if (buf_printf(b, "KESTREL_PRIORITY=%s", output_priority_name(a->priority)) < 0)
		return -1;
	end_record(o, s, n);
	s = b->len;
	if (buf_puts(b, "KESTREL_SOURCE=") < 0 || output_escape_text(b, src, strlen(src)) < 0)
		return -1;
	end_record(o, s, n);
	s = b->len;
	if (buf_puts(b, "KESTREL_TAGS=") < 0)
		return -1;
	for (int i = 0; i < a->ntags; i++)
		if ((i && buf_putc(b, ',') < 0) ||
		    output_escape_text(b, a->tags[i], strlen(a->tags[i])) < 0)
			return -1;
	end_record(o, s, n);
	s = b->len;
	if (buf_printf(b, "KESTREL_TIME=%s", t) < 0)
		return -1;
	end_record(o, s, n);
	return 0;
}

/* One KESTREL_<FIELD>= record per output field the alert has a value for. */
static int journal_field_records(struct outputs *o, const struct alert *a, int *n)
{
	struct buf *b = &o->jfields;
	size_t s;

	for (int i = 0; i < a->nfields; i++) {
		const struct alert_field *f = &a->fields[i];
		if (f->type == AV_NULL || !f->name)
			continue; /* absent field: no record, as journald expects */
		s = b->len;
		if (put_field_name(b, f->name) < 0)
			return -1;
		int rc;
		if (f->type == AV_STRING)
			rc = output_escape_text(b, f->str ? f->str : "",
			                        f->str ? strlen(f->str) : 0);
		else if (f->type == AV_BOOL)
			rc = buf_puts(b, f->num ? "true" : "false");
		else
			rc = buf_printf(b, "%lld", (long long)f->num);
		if (rc < 0)
			return -1;
		end_record(o, s, n);
	}
	return 0;
}

int sink_journal_build(struct outputs *o, const struct alert *a, const char *msg)
{
	struct buf *b = &o->jfields;
	size_t need = (size_t)a->nfields + JOURNAL_FIXED_RECORDS;
	if (o->iov_cap < need) {
		struct iovec *v = realloc(o->iov, need * sizeof(*v));
		if (!v)
			return -1;
		o->iov = v;
		o->iov_cap = need;
	}
	buf_reset(b);
	int n = 0;
	if (journal_fixed_records(o, a, msg, &n) < 0 || journal_field_records(o, a, &n) < 0)
		return -1;
	for (int i = 0; i < n; i++)
		o->iov[i].iov_base = b->p + (uintptr_t)o->iov[i].iov_base;
	return n;
}

int sink_journal_write(struct outputs *o, const struct alert *a, const char *msg)
{
	int n = sink_journal_build(o, a, msg);
	if (n < 0)
		return -1;
#ifdef HAVE_SYSTEMD
	return journal_sendv && journal_sendv(o->iov, n) >= 0 ? 0 : -1;
#else
	return -1;
#endif
}
