/*
 * lex.h — tokens of Falco's condition language. The lexer is driven by the
 * parser with a mode, because the same characters mean different things in
 * check position (fields, operators, and/or/not) and in value position
 * (bare strings such as `runc:[1:CHILD]` or `/etc/`).
 *
 * Memory: token texts are copied into the arena given to clex_init() and
 * live as long as it.
 */
#ifndef KESTREL_ENGINE_LEX_H
#define KESTREL_ENGINE_LEX_H

#include <stddef.h>

struct arena;

enum clex_tok {
	TK_EOF = 0,
	TK_LPAREN,
	TK_RPAREN,
	TK_COMMA,
	TK_WORD,   /* identifier, keyword, word operator or field name (with [arg]) */
	TK_XFORM,  /* transformer or val(): a word immediately followed by '(' */
	TK_SYMOP,  /* = == != < <= > >= */
	TK_STRING, /* quoted string (value: unescaped) */
	TK_BARE,   /* bare string in value position */
	TK_ERROR,  /* lexical error; ls->err says why */
};

enum clex_mode {
	CLEX_EXPR,  /* check position */
	CLEX_VALUE, /* right-hand side value */
};

struct clex_token {
	enum clex_tok tok;
	size_t off;       /* byte offset in the condition text */
	const char *text; /* NUL-terminated copy (arena); field name w/o arg for fields */
	const char *arg;  /* field argument for `field[arg]`, else NULL */
	int has_arg;
};

struct clex_state {
	const char *src;
	size_t len, pos;
	struct arena *arena;
	const char *err; /* static message of the last TK_ERROR */
	size_t err_off;
};

void clex_init(struct clex_state *ls, const char *src, struct arena *arena);
/* Reads the next token in the given mode. */
void clex_next(struct clex_state *ls, enum clex_mode mode, struct clex_token *t);
/* Peek the next token without consuming it. */
void clex_peek(struct clex_state *ls, enum clex_mode mode, struct clex_token *t);
/* Unescape a quoted string body (Falco's escapes). Returns NULL and sets
 * *err on a bad escape. q is the quote character. */
char *clex_unescape(struct arena *a, const char *s, size_t n, char q, const char **err);
/* A list item or exception value as written in YAML: when it is a complete
 * quoted string, its unescaped content; otherwise the text itself. */
const char *clex_item_value(struct arena *a, const char *item);

#endif
