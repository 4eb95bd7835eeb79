/*
 * fuzz_common.h — what the fuzz targets share: silencing kestrel's log,
 * a small set of audit events to evaluate freshly compiled rules against,
 * formatting every alert as the outputs would, and the plain replay driver
 * used by the gcc builds (fuzz/fuzz_*.c call it from their main()).
 */
#ifndef KESTREL_FUZZ_COMMON_H
#define KESTREL_FUZZ_COMMON_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "engine/engine.h"
#include "proc/proc.h"

struct kevent;

/* The libFuzzer entry point every target defines. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* When set, every alert is checked and the program aborts unless its text
 * line is what output/escape.h promises (valid UTF-8, no control bytes, no
 * line break, no terminal or bidi sequence) and its JSON form parses as one
 * object: for targets whose rule outputs are fixed (the default rules). */
extern int fuzz_strict_lines;

/* Turns kestrel's own diagnostics off (a fuzzer would print millions). */
void fuzz_quiet(void);

/*
 * Process table update, engine evaluation (when e is not NULL), JSON
 * rendering of the event and text/JSON formatting of every alert: what the
 * daemon does with one event, minus the sinks. input_len (0: unchecked) is
 * the size of the input the event came from: an event with more arguments,
 * PROCTITLE words or PATH items than input bytes aborts.
 */
void fuzz_consume_event(struct kevent *ev, struct engine *e, struct proc_table *pt,
                        size_t input_len);

/* Runs a few built-in audit events (exec, open, connect) through the
 * pipeline and evaluates them with e. */
void fuzz_eval_samples(struct engine *e);

/* Where engine diagnostics go: /dev/null, or stderr when
 * KESTREL_FUZZ_VERBOSE is set. Calls fuzz_quiet() on first use; NULL when it
 * cannot be opened. Closed by fuzz_common_cleanup(). */
FILE *fuzz_diag_stream(void);

/* Called with a compiled engine and the diagnostics stream. */
typedef void (*fuzz_inspect_fn)(struct engine *e, FILE *out);

/* The engine targets' round: loads text as one rules file ("fuzz.yaml"),
 * compiles it and, when it compiles, calls inspect and evaluates the
 * sample events; diagnostics are printed to fuzz_diag_stream(). */
void fuzz_engine_run(const char *text, size_t len, fuzz_inspect_fn inspect);

/* Frees the buffers kept between calls and closes the diagnostics stream
 * (call once before exiting). */
void fuzz_common_cleanup(void);

/*
 * The gcc driver: runs LLVMFuzzerTestOneInput on each file named in argv;
 * a directory runs every regular file in it (sorted). Returns 0, or 1 when
 * some file could not be read.
 */
int fuzz_run_files(int argc, char **argv);

#endif
