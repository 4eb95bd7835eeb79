/*
 * fuzz_config.c — fuzz target for the kestrel.yaml loader: the input is
 * written to a private temporary file (mode 0600, in $TMPDIR or /dev/shm)
 * and loaded over the defaults with config_load; it is also given whole to
 * config_set_option, the -o key=value path.
 * libFuzzer entry with -DKESTREL_LIBFUZZER; otherwise a plain driver.
 */
#include "config.h"

#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "daemon/kconfig.h"
#include "fuzz_common.h"

/* Where the temporary file goes when $TMPDIR is not set (tmpfs: no disk). */
#define FUZZ_TMP_DEFAULT "/dev/shm"

static char fuzz_path[PATH_MAX];
static int fuzz_fd = -1;

static void fuzz_tmp_remove(void)
{
	if (fuzz_fd < 0)
		return;
	close(fuzz_fd);
	unlink(fuzz_path);
	fuzz_fd = -1;
}

static int fuzz_tmpfile(void)
{
	const char *dir = getenv("TMPDIR");

	if (fuzz_fd >= 0)
		return 0;
	fuzz_quiet();
	if (!dir || access(dir, W_OK) != 0)
		dir = access(FUZZ_TMP_DEFAULT, W_OK) == 0 ? FUZZ_TMP_DEFAULT : "/tmp";
	snprintf(fuzz_path, sizeof(fuzz_path), "%s/kestrel-fuzz-config.XXXXXX", dir);
	fuzz_fd = mkstemp(fuzz_path); /* mode 0600 */
	if (fuzz_fd < 0)
		return -1;
	atexit(fuzz_tmp_remove); /* libFuzzer ends with exit() too */
	return 0;
}

static int fuzz_write(const uint8_t *data, size_t size)
{
	size_t off = 0;

	if (ftruncate(fuzz_fd, 0) < 0 || lseek(fuzz_fd, 0, SEEK_SET) < 0)
		return -1;
	while (off < size) {
		ssize_t n = write(fuzz_fd, data + off, size - off);
		if (n <= 0)
			return -1;
		off += (size_t)n;
	}
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct kestrel_config cfg;
	char err[CONFIG_ERR_MAX];
	char *opt;
	int nwarn = 0;

	if (fuzz_tmpfile() < 0 || fuzz_write(data, size) < 0)
		return 0;
	if (config_init(&cfg) < 0)
		return 0;
	config_load(fuzz_path, &cfg, &nwarn, err, sizeof(err));
	config_free(&cfg);

	opt = malloc(size + 1);
	if (!opt)
		return 0;
	memcpy(opt, data, size);
	opt[size] = '\0';
	if (config_init(&cfg) == 0) {
		config_set_option(&cfg, opt, err, sizeof(err));
		config_free(&cfg);
	}
	free(opt);
	return 0;
}

#ifndef KESTREL_LIBFUZZER
int main(int argc, char **argv)
{
	int rc = fuzz_run_files(argc, argv);

	fuzz_tmp_remove();
	fuzz_common_cleanup();
	return rc;
}
#endif
