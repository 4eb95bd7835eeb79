/*
 * record.h — one audit record: its type, timestamp, serial and key=value
 * fields, tokenised in place. The first stage after a source: every line
 * of a log (auditd text form, netlink text form) or netlink message goes
 * through arec_parse() before the assembler groups records into events.
 *
 * Fields are stored as offsets into the record text, so a record and its
 * text can be copied as bytes (the assembler does) without fixing pointers.
 * Values are not decoded here: arec_value() decides per key whether the
 * kernel hex-encoded a value and decodes it on demand.
 */
#ifndef KESTREL_RECORD_H
#define KESTREL_RECORD_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* auditd's ENRICHED log format separates the interpreted fields with GS. */
#define AREC_ENRICHED_SEP '\x1d'
/* A record type we could not name (kernel newer than libaudit). */
#define AREC_TYPE_UNKNOWN 0

enum arec_vkind {
	ARV_BARE = 0, /* key=value */
	ARV_DQUOTED,  /* key="value" (quotes excluded from the value) */
	ARV_SQUOTED,  /* key='value' (user-space msg='...') */
};

/* Field flags. */
#define ARF_ENRICHED 0x01 /* after the \x1d separator: auditd's interpretation */
#define ARF_NESTED 0x02   /* inside a user-space msg='...' */

struct arec_field {
	uint32_t koff; /* key offset in the record text */
	uint32_t voff; /* value offset */
	uint32_t vlen;
	uint16_t klen;
	uint8_t vkind;
	uint8_t flags;
};

struct arec {
	const char *text; /* the record text (not owned) */
	size_t len;
	int type;      /* record type number (1300 = SYSCALL) */
	uint64_t sec;  /* timestamp seconds */
	uint32_t msec; /* timestamp milliseconds */
	uint64_t serial;
	uint32_t node_off, node_len; /* node= prefix, node_len 0 if absent */
	/* Start of auditd's enriched part (after \x1d), not yet tokenised: the
	 * parser stops at the separator since nothing downstream reads it;
	 * arec_find_enriched() tokenises it on first use. 0 when none. */
	uint32_t enriched_off;
	int nfields;
	int cap;
	struct arec_field *fields; /* owned; grows, reused between records */
};

void arec_init(struct arec *r);
void arec_free(struct arec *r);

/*
 * Parse one record. `type` is the netlink message type when the caller has
 * it (then `text` starts at "audit(" and has no "type="); pass 0 for a log
 * line, whose type comes from "type=NAME" or a leading number (netlink text
 * form "1300 audit(...): ..."). The text must stay alive while r is used.
 * Trailing newlines are ignored. Returns 0, or -1 with a reason in err.
 */
int arec_parse(struct arec *r, int type, const char *text, size_t len, char *err, size_t errlen);

/* The first raw (not enriched) field named key, or NULL. */
const struct arec_field *arec_find(const struct arec *r, const char *key);
/* Same, among enriched fields (tokenised on the first call, so r is not
 * const). Records viewed through the assembler carry no enriched fields. */
const struct arec_field *arec_find_enriched(struct arec *r, const char *key);

/* Key/value bytes of a field (not NUL-terminated). */
static inline const char *arec_key(const struct arec *r, const struct arec_field *f)
{
	return r->text + f->koff;
}
static inline const char *arec_raw(const struct arec *r, const struct arec_field *f)
{
	return r->text + f->voff;
}

/* 1 when the value is the kernel's "(null)" or "?" marker for no value.
 * Inline: it guards every decoded and every numeric value. */
static inline int arec_is_null(const struct arec *r, const struct arec_field *f)
{
	const char *v = r->text + f->voff;
	if (f->vkind != ARV_BARE)
		return 0;
	return (f->vlen == 1 && v[0] == '?') ||
	       (f->vlen == 6 && v[0] == '(' && memcmp(v, "(null)", 6) == 0);
}

/*
 * 1 when the kernel hex-encoded this value: an unquoted value of a key that
 * carries untrusted strings (name, exe, comm, cwd, proctitle, EXECVE aN and
 * aN[i], key, cmd, acct, data, ...) made only of an even number of hex digits.
 */
int arec_is_hex(const struct arec *r, const struct arec_field *f);

/*
 * Decode a value into out (NUL-terminated, at most outlen-1 bytes): hex
 * decoded when arec_is_hex(), quotes removed otherwise. Returns the decoded
 * length (which may exceed outlen-1: then the output is truncated and the
 * caller may retry with a larger buffer), or -1 for a null value.
 */
long arec_value(const struct arec *r, const struct arec_field *f, char *out, size_t outlen);

/* Integer value (decimal, or hex for keys the kernel prints in hex: a0..a3,
 * arch). Returns 0 and sets *out, or -1 if absent or not a number. */
int arec_int(const struct arec *r, const char *key, int64_t *out);
int arec_uint_hex(const struct arec *r, const char *key, uint64_t *out);

/* A number of len bytes, decimal (an optional '-', magnitude at most
 * INT64_MAX) or hex (at most UINT64_MAX, returned as its bit pattern).
 * Returns 0, or -1 for anything else: an empty value, a stray byte, a
 * value out of range (never wrapped). */
int arec_num(const char *v, size_t len, int base, int64_t *out);

/* A hex digit's value + 1, 0 for any other byte (for callers that parse
 * hex numbers inline). */
extern const unsigned char arec_hexv[256];

/* Hex string to bytes; returns bytes written or -1 on a non-hex digit. */
long arec_hex_decode(const char *hex, size_t hexlen, char *out, size_t outlen);

/* Record type name ("SYSCALL", "UNKNOWN[1334]" ...) into buf; returns buf. */
const char *arec_type_name(int type, char *buf, size_t buflen);

#endif
