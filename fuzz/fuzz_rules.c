/*
 * fuzz_rules.c — fuzz target for the YAML rules loader: the whole input is
 * one rules file (engine_add_buffer), compiled with engine_compile; when it
 * compiles, every rule is listed and printed back and the built-in sample
 * events are evaluated against it.
 * libFuzzer entry with -DKESTREL_LIBFUZZER; otherwise a plain driver.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>

#include "fuzz_common.h"

/* Most syscall names asked of a compiled engine. */
#define FUZZ_SYSCALLS_MAX 512

static void fuzz_inspect(struct engine *e, FILE *out)
{
	static const char *names[FUZZ_SYSCALLS_MAX];
	size_t i, n = engine_rule_count(e);
	int all;

	for (i = 0; i < n; i++) {
		struct engine_rule_info ri;
		if (engine_rule_info(e, i, &ri) < 0)
			continue;
		fprintf(out, "%s %s %d %s\n", ri.name ? ri.name : "-",
		        ri.condition ? ri.condition : "-", ri.active,
		        ri.skip_reason ? ri.skip_reason : "-");
		engine_rule_print_condition(e, i, out);
		engine_rule_print_evttypes(e, i, out);
	}
	engine_syscalls(e, names, FUZZ_SYSCALLS_MAX, &all);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_engine_run((const char *)data, size, fuzz_inspect);
	return 0;
}

#ifndef KESTREL_LIBFUZZER
int main(int argc, char **argv)
{
	int rc = fuzz_run_files(argc, argv);

	fuzz_common_cleanup();
	return rc;
}
#endif
