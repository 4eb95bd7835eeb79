/*
 * fuzz_condition.c — fuzz target for the condition language: the input is
 * the condition of one rule (written as a YAML double-quoted scalar, every
 * byte escaped, beside a list and a macro it may name), loaded with
 * engine_add_buffer and compiled; a rule that compiles is evaluated against
 * the built-in sample events and its condition printed back.
 * libFuzzer entry with -DKESTREL_LIBFUZZER; otherwise a plain driver.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>

#include "fuzz_common.h"
#include "util/buf.h"

/* Rule file around the condition: names the condition may use. */
#define FUZZ_COND_HEAD                                                                             \
	"- list: fuzz_shells\n"                                                                    \
	"  items: [sh, bash, \"/bin/sh\", ncat]\n"                                                 \
	"- macro: fuzz_spawned\n"                                                                  \
	"  condition: evt.type in (execve, execveat) and evt.dir = <\n"                            \
	"- macro: fuzz_in_shells\n"                                                                \
	"  condition: proc.name in (fuzz_shells)\n"                                                \
	"- rule: fuzz rule\n"                                                                      \
	"  desc: fuzzed condition\n"                                                               \
	"  output: \"fuzz %proc.name %proc.cmdline %fd.name %evt.type\"\n"                         \
	"  priority: WARNING\n"                                                                    \
	"  condition: \""
#define FUZZ_COND_TAIL "\"\n"

static struct buf fuzz_yaml;

/* Appends the condition as the body of a YAML double-quoted scalar: '"' and
 * '\' escaped, control bytes as \xNN (so NUL and newlines reach the lexer),
 * other bytes as they are (invalid UTF-8 is the YAML reader's to reject). */
static int fuzz_quote(struct buf *b, const uint8_t *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		int rc;
		if (s[i] == '"' || s[i] == '\\') {
			char esc[2] = {'\\', (char)s[i]};
			rc = buf_append(b, esc, sizeof(esc));
		} else if (s[i] < 0x20 || s[i] == 0x7f) {
			rc = buf_printf(b, "\\x%02x", s[i]);
		} else {
			rc = buf_putc(b, (char)s[i]);
		}
		if (rc < 0)
			return -1;
	}
	return 0;
}

/* Prints the fuzzed rule's expanded condition and event types back. */
static void fuzz_inspect(struct engine *e, FILE *out)
{
	long i = engine_rule_find(e, "fuzz rule");

	if (i >= 0) {
		engine_rule_print_condition(e, (size_t)i, out);
		engine_rule_print_evttypes(e, (size_t)i, out);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	buf_reset(&fuzz_yaml);
	if (buf_puts(&fuzz_yaml, FUZZ_COND_HEAD) < 0 || fuzz_quote(&fuzz_yaml, data, size) < 0 ||
	    buf_puts(&fuzz_yaml, FUZZ_COND_TAIL) < 0)
		return 0;
	fuzz_engine_run(fuzz_yaml.p, fuzz_yaml.len, fuzz_inspect);
	return 0;
}

#ifndef KESTREL_LIBFUZZER
int main(int argc, char **argv)
{
	int rc = fuzz_run_files(argc, argv);

	buf_free(&fuzz_yaml);
	fuzz_common_cleanup();
	return rc;
}
#endif
