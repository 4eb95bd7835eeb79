/*
 * lex.c — lexer of the condition language (Falco's filter grammar, see
 * libsinsp filter/parser.h for the reference EBNF). It only splits text into
 * tokens; the parser (parse.c) decides which mode applies and builds the
 * tree. Offsets are kept so errors point at file:line:column.
 */
#include <ctype.h>
#include <string.h>

#include "engine/arena.h"
#include "engine/lex.h"

static const char *const xform_names[] = {
    "tolower", "toupper", "b64", "basename", "len", "val", "join", "concat", "getopt", NULL,
};

void clex_init(struct clex_state *ls, const char *src, struct arena *arena)
{
	ls->src = src;
	ls->len = strlen(src);
	ls->pos = 0;
	ls->arena = arena;
	ls->err = NULL;
	ls->err_off = 0;
}

static int is_blank(int c)
{
	return c == ' ' || c == '\t' || c == '\b' || c == '\r' || c == '\n' || c == '\f' ||
	       c == '\v';
}

static int is_word_char(int c)
{
	return isalnum(c) || c == '_' || c == '.';
}

/* BareStr: [^()"'[:space:]=,]+ */
static int is_bare_char(int c)
{
	return c != '\0' && c != '(' && c != ')' && c != '"' && c != '\'' && c != '=' && c != ',' &&
	       !is_blank(c);
}

static int is_xform(const char *s, size_t n)
{
	for (int i = 0; xform_names[i]; i++)
		if (strlen(xform_names[i]) == n && memcmp(xform_names[i], s, n) == 0)
			return 1;
	return 0;
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

char *clex_unescape(struct arena *a, const char *s, size_t n, char q, const char **err)
{
	char *out = arena_alloc(a, n + 1);
	size_t o = 0;

	if (!out) {
		*err = "out of memory";
		return NULL;
	}
	for (size_t i = 0; i < n; i++) {
		if (s[i] != '\\') {
			out[o++] = s[i];
			continue;
		}
		if (++i >= n) {
			*err = "unterminated escape sequence";
			return NULL;
		}
		switch (s[i]) {
		case 'b':
			out[o++] = '\b';
			break;
		case 'f':
			out[o++] = '\f';
			break;
		case 'n':
			out[o++] = '\n';
			break;
		case 'r':
			out[o++] = '\r';
			break;
		case 't':
			out[o++] = '\t';
			break;
		case '\\':
			out[o++] = '\\';
			break;
		case '/':
			out[o++] = '/';
			break;
		case ' ': /* legacy: "\ " is a backslash, as in Falco */
			out[o++] = '\\';
			break;
		case 'x': {
			int h1 = i + 1 < n ? hexval(s[i + 1]) : -1;
			int h2 = i + 2 < n ? hexval(s[i + 2]) : -1;
			if (h1 < 0 || h2 < 0) {
				*err = "invalid \\x escape sequence";
				return NULL;
			}
			if (h1 == 0 && h2 == 0) {
				/* values are C strings: Falco rejects NUL in them too */
				*err = "NUL byte (\\x00) not allowed in a string";
				return NULL;
			}
			out[o++] = (char)(h1 * 16 + h2);
			i += 2;
			break;
		}
		case '"':
		case '\'':
			if (s[i] != q) {
				*err = "unsupported string escape sequence";
				return NULL;
			}
			out[o++] = s[i];
			break;
		default:
			*err = "unsupported string escape sequence";
			return NULL;
		}
	}
	out[o] = '\0';
	return out;
}

/* Scans a quoted string starting at ls->pos (on the quote). */
static void lex_quoted(struct clex_state *ls, struct clex_token *t)
{
	char q = ls->src[ls->pos];
	size_t start = ++ls->pos;

	while (ls->pos < ls->len && ls->src[ls->pos] != q) {
		if (ls->src[ls->pos] == '\\' && ls->pos + 1 < ls->len)
			ls->pos++;
		ls->pos++;
	}
	if (ls->pos >= ls->len) {
		t->tok = TK_ERROR;
		ls->err = "unterminated quoted string";
		ls->err_off = t->off;
		return;
	}
	const char *err = NULL;
	t->text = clex_unescape(ls->arena, ls->src + start, ls->pos - start, q, &err);
	ls->pos++;
	if (!t->text) {
		t->tok = TK_ERROR;
		ls->err = err;
		ls->err_off = t->off;
		return;
	}
	t->tok = TK_STRING;
}

/* Field argument after '[': quoted string or [^][\"'[:space:]]+, then ']'. */
static int lex_field_arg(struct clex_state *ls, struct clex_token *t)
{
	size_t start;

	ls->pos++; /* '[' */
	if (ls->pos < ls->len && (ls->src[ls->pos] == '"' || ls->src[ls->pos] == '\'')) {
		struct clex_token qt = {.off = ls->pos};
		lex_quoted(ls, &qt);
		if (qt.tok == TK_ERROR)
			return -1;
		t->arg = qt.text;
	} else {
		start = ls->pos;
		while (ls->pos < ls->len) {
			char c = ls->src[ls->pos];
			if (c == '[' || c == ']' || c == '"' || c == '\'' || is_blank(c))
				break;
			ls->pos++;
		}
		if (ls->pos == start) {
			ls->err = "expected a valid field argument";
			ls->err_off = start;
			return -1;
		}
		t->arg = arena_strndup(ls->arena, ls->src + start, ls->pos - start);
	}
	if (ls->pos >= ls->len || ls->src[ls->pos] != ']') {
		ls->err = "expected ']' after field argument";
		ls->err_off = ls->pos;
		return -1;
	}
	ls->pos++;
	t->has_arg = 1;
	return 0;
}

/* Punctuation and quoted strings, the same in every mode. Returns 1 when
 * the character at ls->pos was one. */
static int lex_punct(struct clex_state *ls, struct clex_token *t)
{
	switch (ls->src[ls->pos]) {
	case '(':
		t->tok = TK_LPAREN;
		break;
	case ')':
		t->tok = TK_RPAREN;
		break;
	case ',':
		t->tok = TK_COMMA;
		break;
	case '"':
	case '\'':
		lex_quoted(ls, t);
		return 1;
	default:
		return 0;
	}
	ls->pos++;
	return 1;
}

static void lex_expr(struct clex_state *ls, struct clex_token *t)
{
	const char *s = ls->src;
	char c = s[ls->pos];

	if (lex_punct(ls, t))
		return;
	switch (c) {
	case '=':
	case '<':
	case '>':
	case '!': {
		size_t start = ls->pos++;
		if (ls->pos < ls->len && s[ls->pos] == '=')
			ls->pos++;
		else if (c == '!') {
			t->tok = TK_ERROR;
			ls->err = "unexpected character '!'";
			ls->err_off = start;
			return;
		}
		t->tok = TK_SYMOP;
		t->text = arena_strndup(ls->arena, s + start, ls->pos - start);
		return;
	}
	default:
		break;
	}
	if (!is_word_char((unsigned char)c)) {
		t->tok = TK_ERROR;
		ls->err = "unexpected character";
		ls->err_off = ls->pos;
		return;
	}
	size_t start = ls->pos;
	while (ls->pos < ls->len && is_word_char((unsigned char)s[ls->pos]))
		ls->pos++;
	size_t n = ls->pos - start;
	t->text = arena_strndup(ls->arena, s + start, n);
	if (ls->pos < ls->len && s[ls->pos] == '(' && is_xform(s + start, n)) {
		ls->pos++;
		t->tok = TK_XFORM;
		return;
	}
	t->tok = TK_WORD;
	if (ls->pos < ls->len && s[ls->pos] == '[' && memchr(s + start, '.', n)) {
		if (lex_field_arg(ls, t) < 0)
			t->tok = TK_ERROR;
	}
}

static void lex_value(struct clex_state *ls, struct clex_token *t)
{
	const char *s = ls->src;

	if (lex_punct(ls, t))
		return;
	size_t start = ls->pos;
	while (ls->pos < ls->len && isalnum((unsigned char)s[ls->pos]))
		ls->pos++;
	if (ls->pos < ls->len && s[ls->pos] == '(' && is_xform(s + start, ls->pos - start)) {
		t->text = arena_strndup(ls->arena, s + start, ls->pos - start);
		ls->pos++;
		t->tok = TK_XFORM;
		return;
	}
	while (ls->pos < ls->len && is_bare_char((unsigned char)s[ls->pos]))
		ls->pos++;
	if (ls->pos == start) {
		t->tok = TK_ERROR;
		ls->err = "expected a value";
		ls->err_off = start;
		return;
	}
	t->tok = TK_BARE;
	t->text = arena_strndup(ls->arena, s + start, ls->pos - start);
}

void clex_next(struct clex_state *ls, enum clex_mode mode, struct clex_token *t)
{
	while (ls->pos < ls->len && is_blank((unsigned char)ls->src[ls->pos]))
		ls->pos++;
	t->off = ls->pos;
	t->text = NULL;
	t->arg = NULL;
	t->has_arg = 0;
	if (ls->pos >= ls->len) {
		t->tok = TK_EOF;
		return;
	}
	if (mode == CLEX_EXPR)
		lex_expr(ls, t);
	else
		lex_value(ls, t);
}

void clex_peek(struct clex_state *ls, enum clex_mode mode, struct clex_token *t)
{
	size_t save = ls->pos;

	clex_next(ls, mode, t);
	ls->pos = save;
}

const char *clex_item_value(struct arena *a, const char *item)
{
	size_t n = strlen(item);

	if (n >= 2 && (item[0] == '"' || item[0] == '\'') && item[n - 1] == item[0]) {
		const char *err = NULL;
		char *v = clex_unescape(a, item + 1, n - 2, item[0], &err);
		if (v)
			return v;
	}
	return item;
}
