/*
 * record.c — tokenise one audit record in place: header (node, type,
 * timestamp, serial) then key=value fields as offsets into the text. Values
 * are decoded lazily (arec_value) because most fields of most records are
 * never read by any rule.
 */
#include "config.h"

#include <errno.h>
#include <libaudit.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "record/record.h"

/* Initial field capacity; EXECVE records with many arguments grow it once. */
#define AREC_INITIAL_FIELDS 64
/* Keys longer than this are not audit keys: the record is malformed. */
#define AREC_MAX_KEY 64

void arec_init(struct arec *r)
{
	memset(r, 0, sizeof(*r));
}

void arec_free(struct arec *r)
{
	free(r->fields);
	memset(r, 0, sizeof(*r));
}

static int set_err(char *err, size_t errlen, const char *msg)
{
	if (err && errlen)
		snprintf(err, errlen, "%s", msg);
	return -1;
}

static struct arec_field *add_field(struct arec *r)
{
	if (r->nfields == r->cap) {
		int ncap = r->cap ? r->cap * 2 : AREC_INITIAL_FIELDS;
		struct arec_field *nf = realloc(r->fields, (size_t)ncap * sizeof(*nf));
		if (!nf)
			return NULL;
		r->fields = nf;
		r->cap = ncap;
	}
	return &r->fields[r->nfields++];
}

#if defined(__SSE2__) && defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define AREC_FAST_DIGITS 1
/* Bytes that parse_u64's fast path reads at once. */
#define AREC_DIGIT_BLOCK 16

/* The number of leading ASCII digits of the 16 bytes at p. */
static inline unsigned digit_run(const char *p)
{
	__m128i x = _mm_loadu_si128((const __m128i *)(const void *)p);
	/* signed compares: bytes from 0x80 up are below '0' */
	__m128i bad = _mm_or_si128(_mm_cmplt_epi8(x, _mm_set1_epi8('0')),
	                           _mm_cmpgt_epi8(x, _mm_set1_epi8('9')));
	unsigned m = (unsigned)_mm_movemask_epi8(bad) | 1u << AREC_DIGIT_BLOCK;
	return (unsigned)__builtin_ctz(m);
}

/* n (1..8) ASCII digits at p (8 bytes readable) as a number: the digits
 * as bytes, the ones after them shifted out (the first digit is the lowest
 * byte, so leading zeros come in), then pairs, quads and octets combined
 * by three multiplies. A byte after the digits may borrow upwards only. */
static inline uint64_t digits_upto8(const char *p, unsigned n)
{
	uint64_t x;
	memcpy(&x, p, sizeof(x));
	x -= 0x3030303030303030ull;
	x <<= 8 * (8 - n);
	x = (x * 10 + (x >> 8)) & 0x00FF00FF00FF00FFull;
	x = (x * 100 + (x >> 16)) & 0x0000FFFF0000FFFFull;
	return (x * 10000 + (x >> 32)) & 0xFFFFFFFFull;
}
#endif

/* A decimal at *pp, advanced past it; wraps past UINT64_MAX (timestamps
 * and serials never get there). */
static inline int parse_u64(const char **pp, const char *end, uint64_t *out)
{
	const char *p = *pp;
	uint64_t v = 0;
	unsigned d;

	if (p >= end || (unsigned)(*p - '0') > 9)
		return -1;
#ifdef AREC_FAST_DIGITS
	if (end - p >= AREC_DIGIT_BLOCK) {
		static const uint64_t pow10[9] = {1,      10,      100,      1000,     10000,
		                                  100000, 1000000, 10000000, 100000000};
		unsigned n = digit_run(p);
		if (n <= 8) {
			*out = digits_upto8(p, n);
			*pp = p + n;
			return 0;
		}
		if (n < AREC_DIGIT_BLOCK) {
			*out = digits_upto8(p, 8) * pow10[n - 8] + digits_upto8(p + 8, n - 8);
			*pp = p + n;
			return 0;
		}
	}
#endif
	while (p < end && (d = (unsigned)(*p - '0')) <= 9) {
		v = v * 10 + d;
		p++;
	}
	*pp = p;
	*out = v;
	return 0;
}

/* Bytes that end a key: one table load per byte of the key. */
static const unsigned char key_stop[256] = {['='] = 1, [' '] = 1, [AREC_ENRICHED_SEP] = 1};

/*
 * Keys and short values are found sixteen bytes at a time where the CPU
 * has SSE2 (every x86-64): compare the block with each stop byte, take the
 * first hit from the byte mask. Most keys and values (numbers, flags, ids)
 * end within one block; longer ones and other CPUs take the byte loop or
 * memchr().
 */
#ifdef __SSE2__
#define AREC_BLOCK 16
static inline unsigned block_key_stops(const char *t)
{
	__m128i x = _mm_loadu_si128((const __m128i *)(const void *)t);
	__m128i m = _mm_or_si128(_mm_cmpeq_epi8(x, _mm_set1_epi8(' ')),
	                         _mm_or_si128(_mm_cmpeq_epi8(x, _mm_set1_epi8('=')),
	                                      _mm_cmpeq_epi8(x, _mm_set1_epi8(AREC_ENRICHED_SEP))));
	return (unsigned)_mm_movemask_epi8(m);
}
#endif

/* The first '=', ' ' or separator at or after p, or end. */
static inline size_t key_end(const char *t, size_t p, size_t end)
{
#ifdef AREC_BLOCK
	if (end - p >= AREC_BLOCK) {
		unsigned m = block_key_stops(t + p);
		if (m)
			return p + (unsigned)__builtin_ctz(m);
		p += AREC_BLOCK;
	}
#endif
	while (p < end && !key_stop[(unsigned char)t[p]])
		p++;
	return p;
}

/* The first byte c at or after p, or end: one block, then memchr(). */
static inline size_t byte_end(const char *t, size_t p, size_t end, char c)
{
#ifdef AREC_BLOCK
	if (end - p >= AREC_BLOCK) {
		__m128i x = _mm_loadu_si128((const __m128i *)(const void *)(t + p));
		unsigned m = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(x, _mm_set1_epi8(c)));
		if (m)
			return p + (unsigned)__builtin_ctz(m);
		p += AREC_BLOCK;
	}
#endif
	const char *hit = memchr(t + p, c, end - p);
	return hit ? (size_t)(hit - t) : end;
}

/* The end of a raw bare value at p: the next space, or end. */
static inline size_t value_end(const char *t, size_t p, size_t end)
{
	return byte_end(t, p, end, ' ');
}

/* fields -> field (' ' field)*, field -> key '=' value; tokens without '='
 * (free text in AVC records, "{ read }") are skipped, not errors. */
static int parse_fields(struct arec *r, size_t start, size_t end, uint8_t flags, char *err,
                        size_t errlen)
{
	const char *t = r->text;
	size_t p = start;

	while (p < end) {
		/* keys start above ' ': one compare lets them through */
		unsigned char c = (unsigned char)t[p];
		if (c <= ' ' && (c == ' ' || c == '\t' || c == '\n' || c == '\r')) {
			p++;
			continue;
		}
		if (c == AREC_ENRICHED_SEP) {
			flags |= ARF_ENRICHED;
			p++;
			continue;
		}
		size_t k = p;
		p = key_end(t, p, end);
		if (p >= end || t[p] != '=') {
			/* a bare word: skip it */
			continue;
		}
		size_t klen = p - k;
		if (klen == 0 || klen > AREC_MAX_KEY) {
			while (p < end && t[p] != ' ')
				p++;
			continue;
		}
		p++; /* '=' */
		struct arec_field *f = add_field(r);
		if (!f)
			return set_err(err, errlen, "out of memory");
		f->koff = (uint32_t)k;
		f->klen = (uint16_t)klen;
		f->flags = flags;
		if (p < end && (unsigned char)t[p] <= '\'' && (t[p] == '"' || t[p] == '\'')) {
			char q = t[p];
			size_t v = ++p;
			p = byte_end(t, p, end, q);
			if (p >= end) {
				r->nfields--;
				if (err && errlen)
					snprintf(err, errlen,
					         "unterminated quote in value of '%.*s'", (int)klen,
					         t + k);
				return -1;
			}
			f->voff = (uint32_t)v;
			f->vlen = (uint32_t)(p - v);
			f->vkind = q == '"' ? ARV_DQUOTED : ARV_SQUOTED;
			p++;
			if (q == '\'' && !(flags & ARF_NESTED)) {
				/* user-space records carry their own fields in msg='...' */
				size_t vs = f->voff, ve = f->voff + f->vlen;
				if (parse_fields(r, vs, ve, flags | ARF_NESTED, err, errlen) < 0)
					return -1;
			}
		} else {
			size_t v = p;
			if (flags & (ARF_NESTED | ARF_ENRICHED)) {
				while (p < end && t[p] != ' ' && t[p] != AREC_ENRICHED_SEP)
					p++;
			} else {
				/* the raw part ends before the separator (arec_parse
				 * cut it there): a value ends at a space, and long
				 * hex values are worth a vectorised search */
				p = value_end(t, p, end);
			}
			f->voff = (uint32_t)v;
			f->vlen = (uint32_t)(p - v);
			f->vkind = ARV_BARE;
		}
	}
	return 0;
}

/* The record types of nearly every event, found without libaudit's linear
 * strcmp walk over its whole table; 0 sends the caller to libaudit. */
static int common_type(const char *name, size_t len)
{
#define T(lit, t)                                                                                  \
	if (len == sizeof(lit) - 1 && memcmp(name, lit, sizeof(lit) - 1) == 0)                     \
		return t;
	switch (name[0]) {
	case 'B':
		T("BPRM_FCAPS", AUDIT_BPRM_FCAPS);
		break;
	case 'C':
		T("CWD", AUDIT_CWD);
		T("CRED_ACQ", AUDIT_CRED_ACQ);
		T("CRED_DISP", AUDIT_CRED_DISP);
		break;
	case 'E':
		T("EXECVE", AUDIT_EXECVE);
		T("EOE", AUDIT_EOE);
		break;
	case 'L':
		T("LOGIN", AUDIT_LOGIN);
		break;
	case 'P':
		T("PATH", AUDIT_PATH);
		T("PROCTITLE", AUDIT_PROCTITLE);
		break;
	case 'S':
		T("SYSCALL", AUDIT_SYSCALL);
		T("SOCKADDR", AUDIT_SOCKADDR);
		break;
	case 'U':
		T("USER_START", AUDIT_USER_START);
		T("USER_END", AUDIT_USER_END);
		T("USER_ACCT", AUDIT_USER_ACCT);
		T("USER_AUTH", AUDIT_USER_AUTH);
		break;
	default:
		break;
	}
#undef T
	return 0;
}

/* type=NAME from a log line: a known name, "UNKNOWN[1334]" or a number. */
static int parse_type_name(struct arec *r, const char **pp, const char *end, char *err,
                           size_t errlen)
{
	char name[AREC_MAX_KEY + 1];
	const char *n = *pp + 5;
	size_t sp_at = value_end(r->text, (size_t)(n - r->text), (size_t)(end - r->text));
	const char *sp = r->text + sp_at < end ? r->text + sp_at : NULL;
	if (!sp || sp - n > AREC_MAX_KEY || sp == n)
		return set_err(err, errlen, "bad type= field");
	r->type = common_type(n, (size_t)(sp - n));
	if (r->type == 0) {
		memcpy(name, n, (size_t)(sp - n));
		name[sp - n] = '\0';
		r->type = audit_name_to_msg_type(name);
	}
	if (r->type <= 0) {
		/* "UNKNOWN[1334]" or a bare number */
		const char *d = strchr(name, '[');
		char *e;
		long v = strtol(d ? d + 1 : name, &e, 10);
		if (v <= 0 || e == (d ? d + 1 : name))
			return set_err(err, errlen, "unknown record type name");
		r->type = (int)v;
	}
	*pp = sp + 1;
	return 0;
}

/* A log line's "node=N type=T msg=" (or bare type number) before audit(. */
static int parse_log_prefix(struct arec *r, const char **pp, const char *end, char *err,
                            size_t errlen)
{
	const char *text = r->text;
	const char *p = *pp;

	if (end - p >= 5 && memcmp(p, "node=", 5) == 0) {
		const char *n = p + 5;
		const char *sp = memchr(n, ' ', (size_t)(end - n));
		if (!sp)
			return set_err(err, errlen, "node= without record");
		r->node_off = (uint32_t)(n - text);
		r->node_len = (uint32_t)(sp - n);
		p = sp + 1;
	}
	if (end - p >= 5 && memcmp(p, "type=", 5) == 0) {
		if (parse_type_name(r, &p, end, err, errlen) < 0)
			return -1;
		if (end - p >= 4 && memcmp(p, "msg=", 4) == 0)
			p += 4;
	} else if (p < end && *p >= '0' && *p <= '9') {
		uint64_t v;
		if (parse_u64(&p, end, &v) < 0 || v > 65535 || p >= end || *p != ' ')
			return set_err(err, errlen, "bad record type number");
		r->type = (int)v;
		p++;
	} else {
		return set_err(err, errlen, "no type= and no record type number");
	}
	*pp = p;
	return 0;
}

/* audit(SEC.MSEC:SERIAL): */
static int parse_stamp(struct arec *r, const char **pp, const char *end, char *err, size_t errlen)
{
	const char *p = *pp;

	if (end - p < 6 || memcmp(p, "audit(", 6) != 0)
		return set_err(err, errlen, "missing audit( timestamp");
	p += 6;
	uint64_t sec, ms, serial;
	const char *ms_start;
	if (parse_u64(&p, end, &sec) < 0 || p >= end || *p != '.')
		return set_err(err, errlen, "bad timestamp seconds");
	p++;
	ms_start = p;
	if (parse_u64(&p, end, &ms) < 0 || p >= end || *p != ':')
		return set_err(err, errlen, "bad timestamp milliseconds");
	/* the kernel prints exactly 3 digits; normalise anything else */
	for (long d = p - ms_start; d < 3; d++)
		ms *= 10;
	for (long d = p - ms_start; d > 3; d--)
		ms /= 10;
	p++;
	if (parse_u64(&p, end, &serial) < 0 || p >= end || *p != ')')
		return set_err(err, errlen, "bad serial");
	p++;
	if (p < end && *p == ':')
		p++;
	r->sec = sec;
	r->msec = (uint32_t)ms;
	r->serial = serial;
	*pp = p;
	return 0;
}

int arec_parse(struct arec *r, int type, const char *text, size_t len, char *err, size_t errlen)
{
	const char *p, *end;

	while (len > 0 && (text[len - 1] == '\n' || text[len - 1] == '\r' || text[len - 1] == '\0'))
		len--;
	if (len > UINT32_MAX)
		return set_err(err, errlen, "record longer than 4 GiB");
	r->text = text;
	r->len = len;
	r->nfields = 0;
	r->enriched_off = 0;
	r->node_off = r->node_len = 0;
	r->type = type;
	p = text;
	end = text + len;

	if (type == 0) {
		if (parse_log_prefix(r, &p, end, err, errlen) < 0)
			return -1;
	} else if (end - p >= 5 && memcmp(p, "type=", 5) == 0) {
		/* netlink payloads never carry type=, but tolerate a log line */
		return arec_parse(r, 0, text, len, err, errlen);
	}
	if (parse_stamp(r, &p, end, err, errlen) < 0)
		return -1;
	/* auditd's interpretation follows the separator: nothing in the
	 * pipeline reads it, arec_find_enriched() tokenises it on demand */
	const char *sep = memchr(p, AREC_ENRICHED_SEP, (size_t)(end - p));
	size_t raw_end = sep ? (size_t)(sep - text) : len;
	if (sep)
		r->enriched_off = (uint32_t)(raw_end + 1);
	return parse_fields(r, (size_t)(p - text), raw_end, 0, err, errlen);
}

static const struct arec_field *find(const struct arec *r, int from, int to, const char *key,
                                     int enriched)
{
	size_t klen = strlen(key);
	for (int i = from; i < to; i++) {
		const struct arec_field *f = &r->fields[i];
		if (((f->flags & ARF_ENRICHED) != 0) != enriched)
			continue;
		if (f->klen == klen && memcmp(r->text + f->koff, key, klen) == 0)
			return f;
	}
	return NULL;
}

const struct arec_field *arec_find(const struct arec *r, const char *key)
{
	return find(r, 0, r->nfields, key, 0);
}

const struct arec_field *arec_find_enriched(struct arec *r, const char *key)
{
	if (r->enriched_off) {
		/* first look: tokenise auditd's part now, once */
		int nraw = r->nfields;
		if (parse_fields(r, r->enriched_off, r->len, ARF_ENRICHED, NULL, 0) < 0)
			r->nfields = nraw;
		r->enriched_off = 0;
	}
	return find(r, 0, r->nfields, key, 1);
}

/* Keys whose values the kernel (audit_log_untrustedstring) or the audit
 * tools (audit_encode_value) hex-encode when they hold unsafe bytes.
 * Dispatch on length first: this runs for every decoded value. */
static int key_is(const char *k, size_t klen, const char *name, size_t nlen)
{
	return klen == nlen && memcmp(k, name, nlen) == 0;
}
#define KEY_IS(lit) key_is(k, klen, lit, sizeof(lit) - 1)

static int key_is_encoded(const struct arec *r, const char *k, size_t klen)
{
	if (r->type == AUDIT_EXECVE && k[0] == 'a' && klen > 1 && k[1] >= '0' && k[1] <= '9') {
		/* aN or aN[i], not aN_len */
		return memchr(k, '_', klen) == NULL;
	}
	switch (klen) {
	case 2:
		return KEY_IS("id") || KEY_IS("vm");
	case 3:
		return KEY_IS("exe") || KEY_IS("cwd") || KEY_IS("key") || KEY_IS("cmd") ||
		       KEY_IS("dir") || KEY_IS("new") || KEY_IS("old") || KEY_IS("grp");
	case 4:
		return KEY_IS("name") || KEY_IS("comm") || KEY_IS("acct") || KEY_IS("data") ||
		       KEY_IS("path");
	case 5:
		return KEY_IS("ocomm") || KEY_IS("watch");
	case 8:
		return KEY_IS("new-disk") || KEY_IS("old-disk") || KEY_IS("root_dir");
	case 9:
		return KEY_IS("proctitle") || KEY_IS("new_group");
	default:
		return 0;
	}
}

/* Hex digit value + 1, 0 for any other byte: one load per digit instead of
 * three range tests (hex values are the bulk of EXECVE and PROCTITLE). */
const unsigned char arec_hexv[256] = {
    ['0'] = 1,  ['1'] = 2,  ['2'] = 3,  ['3'] = 4,  ['4'] = 5,  ['5'] = 6,  ['6'] = 7,  ['7'] = 8,
    ['8'] = 9,  ['9'] = 10, ['a'] = 11, ['b'] = 12, ['c'] = 13, ['d'] = 14, ['e'] = 15, ['f'] = 16,
    ['A'] = 11, ['B'] = 12, ['C'] = 13, ['D'] = 14, ['E'] = 15, ['F'] = 16,
};

/* A value the kernel may have hex-encoded: bare, even, non-empty, of a key
 * that carries untrusted strings. The digits are checked while decoding. */
static int may_be_hex(const struct arec *r, const struct arec_field *f)
{
	return f->vkind == ARV_BARE && f->vlen != 0 && !(f->vlen & 1) &&
	       key_is_encoded(r, r->text + f->koff, f->klen);
}

int arec_is_hex(const struct arec *r, const struct arec_field *f)
{
	const unsigned char *v = (const unsigned char *)r->text + f->voff;
	if (!may_be_hex(r, f))
		return 0;
	for (uint32_t i = 0; i < f->vlen; i++)
		if (!arec_hexv[v[i]])
			return 0;
	return 1;
}

/* A hex digit as the high and the low half of a byte, with HEX_OK set;
 * 0 for any other byte. ANDing the two entries keeps HEX_OK only when both
 * are digits, ORing them gives the byte: no branch per byte. */
#define HEX_OK 0x100
#define HD(c, v) [c] = HEX_OK | (v)
#define HEX_DIGITS(sh)                                                                             \
	HD('0', 0 << sh), HD('1', 1 << sh), HD('2', 2 << sh), HD('3', 3 << sh), HD('4', 4 << sh),  \
	    HD('5', 5 << sh), HD('6', 6 << sh), HD('7', 7 << sh), HD('8', 8 << sh),                \
	    HD('9', 9 << sh), HD('a', 10 << sh), HD('b', 11 << sh), HD('c', 12 << sh),             \
	    HD('d', 13 << sh), HD('e', 14 << sh), HD('f', 15 << sh), HD('A', 10 << sh),            \
	    HD('B', 11 << sh), HD('C', 12 << sh), HD('D', 13 << sh), HD('E', 14 << sh),            \
	    HD('F', 15 << sh)
static const uint16_t hex_hi[256] = {HEX_DIGITS(4)};
static const uint16_t hex_lo[256] = {HEX_DIGITS(0)};
#undef HEX_DIGITS
#undef HD
/* Bytes decoded between two validity tests. */
#define HEX_BLOCK 8

/* Decode and validate in one pass; -1 on a non-hex digit (out may then hold
 * part of the bytes, some decoded from bad digits). Bytes past outlen are
 * validated, not stored. */
static long hex_decode(const char *hex, size_t hexlen, char *out, size_t outlen)
{
	const unsigned char *h = (const unsigned char *)hex;
	size_t n = hexlen / 2, i = 0, stored = n < outlen ? n : outlen;

	for (; i + HEX_BLOCK <= stored; i += HEX_BLOCK) {
		unsigned ok = HEX_OK;
		for (size_t j = i; j < i + HEX_BLOCK; j++) {
			unsigned hi = hex_hi[h[2 * j]], lo = hex_lo[h[2 * j + 1]];
			ok &= hi & lo;
			out[j] = (char)(hi | lo);
		}
		if (!ok)
			return -1;
	}
	for (; i < stored; i++) {
		unsigned hi = arec_hexv[h[2 * i]], lo = arec_hexv[h[2 * i + 1]];
		if (!hi || !lo)
			return -1;
		out[i] = (char)((hi - 1) << 4 | (lo - 1));
	}
	for (; i < n; i++)
		if (!arec_hexv[h[2 * i]] || !arec_hexv[h[2 * i + 1]])
			return -1;
	return (long)n;
}

long arec_hex_decode(const char *hex, size_t hexlen, char *out, size_t outlen)
{
	if (hexlen & 1)
		return -1;
	return hex_decode(hex, hexlen, out, outlen);
}

long arec_value(const struct arec *r, const struct arec_field *f, char *out, size_t outlen)
{
	const char *v = r->text + f->voff;
	long n;

	if (arec_is_null(r, f))
		return -1;
	if (outlen == 0)
		return arec_is_hex(r, f) ? (long)f->vlen / 2 : (long)f->vlen;
	if (may_be_hex(r, f)) {
		n = hex_decode(v, f->vlen, out, outlen - 1);
		if (n >= 0) {
			out[(size_t)n < outlen - 1 ? (size_t)n : outlen - 1] = '\0';
			return n;
		}
		/* not hex after all: the raw bytes */
	}
	n = (long)f->vlen;
	memcpy(out, v, (size_t)n < outlen - 1 ? (size_t)n : outlen - 1);
	out[(size_t)n < outlen - 1 ? (size_t)n : outlen - 1] = '\0';
	return n;
}

int arec_num(const char *v, size_t len, int base, int64_t *out)
{
	const unsigned char *u = (const unsigned char *)v;
	uint64_t x = 0;
	size_t i = 0;

	if (base == 16) {
		if (len == 0 || len > 16) {
			/* leading zeros beyond 16 digits: rare, checked slowly */
			while (len > 16 && u[0] == '0')
				u++, len--;
			if (len == 0 || len > 16)
				return -1;
		}
		for (; i < len; i++) {
			unsigned d = arec_hexv[u[i]];
			if (!d)
				return -1;
			x = x << 4 | (d - 1);
		}
		*out = (int64_t)x;
		return 0;
	}
	int neg = len > 0 && v[0] == '-';
	i = (size_t)neg;
	if (i == len)
		return -1;
	/* up to 18 digits cannot pass INT64_MAX: no range test per digit */
	size_t safe = i + 18 < len ? i + 18 : len;
	for (; i < safe; i++) {
		unsigned d = (unsigned)u[i] - '0';
		if (d > 9)
			return -1;
		x = x * 10 + d;
	}
	for (; i < len; i++) {
		unsigned d = (unsigned)u[i] - '0';
		if (d > 9 || x > ((uint64_t)INT64_MAX - d) / 10)
			return -1;
		x = x * 10 + d;
	}
	*out = neg ? -(int64_t)x : (int64_t)x;
	return 0;
}

static int field_int(const struct arec *r, const char *key, int base, int64_t *out)
{
	const struct arec_field *f = arec_find(r, key);

	if (!f)
		return -1;
	return arec_num(r->text + f->voff, f->vlen, base, out);
}

int arec_int(const struct arec *r, const char *key, int64_t *out)
{
	return field_int(r, key, 10, out);
}

int arec_uint_hex(const struct arec *r, const char *key, uint64_t *out)
{
	int64_t v;
	if (field_int(r, key, 16, &v) < 0)
		return -1;
	*out = (uint64_t)v;
	return 0;
}

const char *arec_type_name(int type, char *buf, size_t buflen)
{
	const char *n = audit_msg_type_to_name(type);
	if (n)
		snprintf(buf, buflen, "%s", n);
	else
		snprintf(buf, buflen, "UNKNOWN[%d]", type);
	return buf;
}
