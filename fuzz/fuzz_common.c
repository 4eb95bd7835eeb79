/*
 * fuzz_common.c — shared pieces of the fuzz targets (fuzz_common.h): the
 * event consumer that mirrors the daemon's per-event work without sinks,
 * built-in sample events for rules under test, and the gcc replay driver
 * that runs saved inputs (corpus files, crashers) through a target.
 */
#include "config.h"

#include <dirent.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "daemon/pipeline.h"
#include "event/kevent_json.h"
#include "fuzz_common.h"
#include "output/format.h"
#include "util/buf.h"
#include "util/log.h"

/* Largest input file the gcc driver reads (libFuzzer's -max_len is smaller). */
#define FUZZ_INPUT_MAX (4u << 20)
/* Most files run from one directory argument. */
#define FUZZ_DIR_MAX 100000

/* Text and JSON of the last alert; kept between calls so no allocation per alert. */
static struct buf fuzz_text, fuzz_json, fuzz_tmp;
/* Where engine diagnostics go (fuzz_diag_stream). */
static FILE *fuzz_diag;
/* Set by targets whose rule outputs are fixed: alerts are then checked. */
int fuzz_strict_lines;

/* One exec, one open of a sensitive file, one connect (from our own fixtures). */
static const char *const fuzz_sample_lines[] = {
    "type=SYSCALL msg=audit(1796030493.653:2177029): arch=c000003e syscall=59 success=yes "
    "exit=0 a0=5566555e5d98 a1=5566555e5a98 a2=5566555e5ae8 a3=8 items=2 ppid=14674 "
    "pid=14675 auid=0 uid=0 gid=0 euid=0 suid=0 fsuid=0 egid=0 sgid=0 fsgid=0 tty=pts0 "
    "ses=129 comm=\"ncat\" exe=\"/usr/bin/ncat\" key=\"kestrel\"",
    "type=EXECVE msg=audit(1796030493.653:2177029): argc=5 a0=\"ncat\" a1=\"-e\" "
    "a2=\"/bin/sh\" a3=\"127.0.0.1\" a4=\"443\"",
    "type=CWD msg=audit(1796030493.653:2177029): cwd=\"/tmp\"",
    "type=PATH msg=audit(1796030493.653:2177029): item=0 name=\"/usr/bin/ncat\" "
    "inode=10977619 dev=fe:00 mode=0100755 ouid=0 ogid=0 rdev=00:00 nametype=NORMAL",
    "type=PROCTITLE msg=audit(1796030493.653:2177029): "
    "proctitle=6E636174002D65002F62696E2F7368003132372E302E302E3100343433",
    "type=SYSCALL msg=audit(1796030493.657:2177049): arch=c000003e syscall=257 success=yes "
    "exit=3 a0=ffffff9c a1=7fffdc63cc0d a2=0 a3=0 items=1 ppid=14674 pid=14675 auid=0 uid=0 "
    "gid=0 euid=0 suid=0 fsuid=0 egid=0 sgid=0 fsgid=0 tty=pts0 ses=129 comm=\"ncat\" "
    "exe=\"/usr/bin/ncat\" key=\"kestrel\"",
    "type=CWD msg=audit(1796030493.657:2177049): cwd=\"/tmp\"",
    "type=PATH msg=audit(1796030493.657:2177049): item=0 name=\"/etc/shadow\" inode=1187 "
    "dev=fe:00 mode=0100640 ouid=0 ogid=42 rdev=00:00 nametype=NORMAL",
    "type=PROCTITLE msg=audit(1796030493.657:2177049): "
    "proctitle=6E636174002D65002F62696E2F7368003132372E302E302E3100343433",
    "type=SYSCALL msg=audit(1796030493.717:2177085): arch=c000003e syscall=42 success=no "
    "exit=-115 a0=3 a1=55bc254b8390 a2=10 a3=0 items=0 ppid=14674 pid=14675 auid=0 uid=0 "
    "gid=0 euid=0 suid=0 fsuid=0 egid=0 sgid=0 fsgid=0 tty=pts0 ses=129 comm=\"ncat\" "
    "exe=\"/usr/bin/ncat\" key=\"kestrel\"",
    "type=SOCKADDR msg=audit(1796030493.717:2177085): saddr=020001BB7F0000010000000000000000",
    "type=PROCTITLE msg=audit(1796030493.717:2177085): "
    "proctitle=6E636174002D65002F62696E2F7368003132372E302E302E3100343433",
};

void fuzz_quiet(void)
{
	log_init(0, 0, LOG_LVL_EMERG);
}

/* Length of the valid UTF-8 sequence at s (n bytes left), or 0 if invalid. */
static size_t fuzz_utf8_len(const unsigned char *s, size_t n)
{
	size_t len, i;
	unsigned cp;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		len = 2, cp = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		len = 3, cp = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		len = 4, cp = s[0] & 0x07;
	else
		return 0;
	if (len > n)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

/*
 * What escape.h promises of a text alert line: valid UTF-8 without control
 * bytes, DEL, C1 controls, line/paragraph separators or bidi controls. For
 * JSON (text 0) only valid UTF-8 without raw control bytes: jansson escapes
 * those, and other code points are legal in a JSON string.
 */
static int fuzz_text_safe(const char *p, size_t n, int text)
{
	const unsigned char *s = (const unsigned char *)p;
	size_t i = 0;

	while (i < n) {
		size_t len = fuzz_utf8_len(s + i, n - i);
		unsigned cp;
		if (len == 0)
			return 0;
		if (len == 1 && (s[i] < 0x20 || (text && s[i] == 0x7f)))
			return 0;
		if (!text) {
			i += len;
			continue;
		}
		if (len == 2 && s[i] == 0xc2 && s[i + 1] <= 0x9f)
			return 0; /* U+0080-U+009F */
		if (len == 3) {
			cp =
			    ((s[i] & 0x0fu) << 12) | ((s[i + 1] & 0x3fu) << 6) | (s[i + 2] & 0x3fu);
			if ((cp >= 0x2028 && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069))
				return 0;
		}
		i += len;
	}
	return 1;
}

static void fuzz_on_alert(const struct alert *a, void *arg)
{
	static const struct output_json_opts opts = {
	    .hostname = "fuzz",
	    .include_output = 1,
	    .include_tags = 1,
	    .include_message = 1,
	    .include_output_fields = 1,
	};
	json_error_t jerr;
	json_t *j;

	(void)arg;
	buf_reset(&fuzz_text);
	buf_reset(&fuzz_json);
	buf_reset(&fuzz_tmp);
	if (output_format_text(&fuzz_text, a, 0) < 0 ||
	    output_format_json(&fuzz_json, &fuzz_tmp, a, &opts) < 0)
		return; /* out of memory: nothing to check */
	if (!fuzz_strict_lines)
		return;
	/* Whatever the event carried, an alert stays one safe line (escape.h),
	 * and its JSON form is one valid JSON object. */
	if (fuzz_text.p && !fuzz_text_safe(fuzz_text.p, fuzz_text.len, 1))
		abort();
	if (fuzz_json.p && !fuzz_text_safe(fuzz_json.p, fuzz_json.len, 0))
		abort();
	j = fuzz_json.p ? json_loadb(fuzz_json.p, fuzz_json.len, 0, &jerr) : NULL;
	if (fuzz_json.p && !json_is_object(j))
		abort();
	json_decref(j);
}

void fuzz_consume_event(struct kevent *ev, struct engine *e, struct proc_table *pt,
                        size_t input_len)
{
	json_t *j;

	/*
	 * Every argument, PROCTITLE word and PATH item takes at least one byte
	 * of input, so more of them than input bytes means the normalizer
	 * trusted a number in the record ("a7777770=x" building 7.7 million
	 * arguments from 30 bytes): abort, the fuzzer reports it.
	 */
	const char *const *title;
	int ntitle = kevent_proctitle(ev, &title); /* decoded on demand */
	if (input_len && ((size_t)ev->nargv > input_len || (size_t)ntitle > input_len ||
	                  (size_t)ev->npaths > input_len))
		abort();

	if (pt)
		proc_table_update(pt, ev);
	if (e)
		engine_eval(e, ev, pt, fuzz_on_alert, NULL);
	j = kevent_to_json(ev);
	if (j) {
		char *s = json_dumps(j, JSON_COMPACT);
		free(s);
		json_decref(j);
	}
}

struct fuzz_sample_ctx {
	struct engine *e;
	struct proc_table *pt;
};

static void fuzz_sample_event(struct kevent *ev, void *arg)
{
	struct fuzz_sample_ctx *c = arg;

	fuzz_consume_event(ev, c->e, c->pt, 0);
}

void fuzz_eval_samples(struct engine *e)
{
	struct fuzz_sample_ctx c = {e, proc_table_new(PROC_TABLE_REPLAY)};
	struct pipeline p;
	size_t i;

	if (!c.pt)
		return;
	if (pipeline_init(&p, ASM_REPLAY, fuzz_sample_event, &c) == 0) {
		for (i = 0; i < sizeof(fuzz_sample_lines) / sizeof(fuzz_sample_lines[0]); i++)
			pipeline_feed(&p, 0, fuzz_sample_lines[i], strlen(fuzz_sample_lines[i]), 0,
			              "fuzz-sample", i + 1);
		pipeline_flush(&p);
		pipeline_fini(&p);
	}
	proc_table_free(c.pt);
}

FILE *fuzz_diag_stream(void)
{
	if (!fuzz_diag) {
		fuzz_quiet();
		/* KESTREL_FUZZ_VERBOSE=1 shows diagnostics (to study an input) */
		fuzz_diag =
		    getenv("KESTREL_FUZZ_VERBOSE") ? fdopen(dup(2), "w") : fopen("/dev/null", "w");
	}
	return fuzz_diag;
}

void fuzz_engine_run(const char *text, size_t len, fuzz_inspect_fn inspect)
{
	FILE *out = fuzz_diag_stream();
	struct engine *e;
	struct engine_diag *d;

	if (!out)
		return;
	e = engine_new();
	d = engine_diag_new();
	if (e && d && engine_add_buffer(e, "fuzz.yaml", text, len, d) == 0 &&
	    engine_compile(e, d) == 0) {
		inspect(e, out);
		fuzz_eval_samples(e);
	}
	if (d)
		engine_diag_print(d, out);
	engine_diag_free(d);
	engine_free(e);
}

void fuzz_common_cleanup(void)
{
	if (fuzz_diag)
		fclose(fuzz_diag);
	fuzz_diag = NULL;
	buf_free(&fuzz_text);
	buf_free(&fuzz_json);
	buf_free(&fuzz_tmp);
}

static int fuzz_run_one(const char *path, uint8_t *buf)
{
	FILE *f = fopen(path, "rb");
	size_t n;

	if (!f) {
		perror(path);
		return 1;
	}
	n = fread(buf, 1, FUZZ_INPUT_MAX, f);
	fclose(f);
	LLVMFuzzerTestOneInput(buf, n);
	return 0;
}

static int fuzz_name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int fuzz_run_dir(const char *dir, uint8_t *buf)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char **names = NULL;
	size_t n = 0, i;
	int rc = 0;

	if (!d) {
		perror(dir);
		return 1;
	}
	while ((de = readdir(d)) && n < FUZZ_DIR_MAX) {
		char **nn;
		if (de->d_name[0] == '.')
			continue;
		nn = realloc(names, (n + 1) * sizeof(*names));
		if (!nn)
			break;
		names = nn;
		if (asprintf(&names[n], "%s/%s", dir, de->d_name) < 0)
			break;
		n++;
	}
	closedir(d);
	if (n)
		qsort(names, n, sizeof(*names), fuzz_name_cmp);
	for (i = 0; i < n; i++) {
		struct stat st;
		if (stat(names[i], &st) == 0 && S_ISREG(st.st_mode))
			rc |= fuzz_run_one(names[i], buf);
		free(names[i]);
	}
	free(names);
	return rc;
}

int fuzz_run_files(int argc, char **argv)
{
	uint8_t *buf = malloc(FUZZ_INPUT_MAX);
	int i, rc = 0;

	if (!buf) {
		perror("fuzz input buffer");
		return 1;
	}
	for (i = 1; i < argc; i++) {
		struct stat st;
		int r;
		if (stat(argv[i], &st) == 0 && S_ISDIR(st.st_mode))
			r = fuzz_run_dir(argv[i], buf);
		else
			r = fuzz_run_one(argv[i], buf);
		if (r == 0)
			printf("%s: ok\n", argv[i]);
		rc |= r;
	}
	free(buf);
	return rc;
}
