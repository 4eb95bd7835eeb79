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
#include <stdlib.h>
#include <unistd.h>

#include "fuzz_common.h"

/* Most syscall names asked of a compiled engine. */
#define FUZZ_SYSCALLS_MAX 512

static FILE *fuzz_null;

static void fuzz_inspect(struct engine *e)
{
	static const char *names[FUZZ_SYSCALLS_MAX];
	size_t i, n = engine_rule_count(e);
	int all;

	for (i = 0; i < n; i++) {
		struct engine_rule_info ri;
		if (engine_rule_info(e, i, &ri) < 0)
			continue;
		fprintf(fuzz_null, "%s %s %d %s\n", ri.name ? ri.name : "-",
		        ri.condition ? ri.condition : "-", ri.active,
		        ri.skip_reason ? ri.skip_reason : "-");
		engine_rule_print_condition(e, i, fuzz_null);
		engine_rule_print_evttypes(e, i, fuzz_null);
	}
	engine_syscalls(e, names, FUZZ_SYSCALLS_MAX, &all);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct engine *e;
	struct engine_diag *d;

	if (!fuzz_null) {
		fuzz_quiet();
		/* KESTREL_FUZZ_VERBOSE=1 shows diagnostics (to study an input) */
		fuzz_null =
		    getenv("KESTREL_FUZZ_VERBOSE") ? fdopen(dup(2), "w") : fopen("/dev/null", "w");
		if (!fuzz_null)
			return 0;
	}
	e = engine_new();
	d = engine_diag_new();
	if (e && d && engine_add_buffer(e, "fuzz.yaml", (const char *)data, size, d) == 0 &&
	    engine_compile(e, d) == 0) {
		fuzz_inspect(e);
		fuzz_eval_samples(e);
	}
	if (d)
		engine_diag_print(d, fuzz_null);
	engine_diag_free(d);
	engine_free(e);
	return 0;
}

#ifndef KESTREL_LIBFUZZER
int main(int argc, char **argv)
{
	int rc = fuzz_run_files(argc, argv);

	if (fuzz_null)
		fclose(fuzz_null);
	fuzz_common_cleanup();
	return rc;
}
#endif
